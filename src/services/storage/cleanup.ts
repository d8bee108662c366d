import { and, eq, inArray, lt, ne, sql } from "drizzle-orm";
import { onCron } from "../../background";
import { open, type DB } from "../../db/client";
import { buckets, fileParts, filePermissions, files, resourceTokens } from "../../db/schema";
import { onProjectDelete } from "../../platform/projects";
import { ABANDONED_UPLOAD_MS, projectPrefix } from "./constants";

/** Delete every R2 object under a prefix (a bucket's or a project's), 1,000 keys per call. */
export async function purgePrefix(r2: R2Bucket, prefix: string): Promise<void> {
  for (;;) {
    const page = await r2.list({ prefix, limit: 1000 });
    if (page.objects.length) await r2.delete(page.objects.map((o) => o.key));
    if (!page.truncated) return;
  }
}

/** Abort an unfinished R2 multipart upload and drop whatever object the key holds; both best effort. */
export async function discardObject(r2: R2Bucket, objectKey: string, uploadId: string | null): Promise<void> {
  if (uploadId) await r2.resumeMultipartUpload(objectKey, uploadId).abort().catch(() => undefined);
  await r2.delete(objectKey).catch(() => undefined);
}

/** Rows that go with a set of files: permissions, upload parts, resource tokens. */
export function fileSideRows(db: DB, fileSeqs: SQLSubquery) {
  return [
    db.delete(filePermissions).where(inArray(filePermissions.item, fileSeqs)),
    db.delete(fileParts).where(inArray(fileParts.file, fileSeqs)),
  ] as const;
}
type SQLSubquery = ReturnType<typeof sql>;

/**
 * Cron: abort chunked uploads nobody has touched for ABANDONED_UPLOAD_MS — the R2 multipart upload,
 * its parts and the file record go together, so no orphaned parts or half-written files remain.
 */
export async function sweepAbandonedUploads(env: Env, olderThanMs = ABANDONED_UPLOAD_MS, limit = 25): Promise<number> {
  const db = open(env.DB);
  const stale = await db
    .select({ seq: files.seq, objectKey: files.objectKey, uploadId: files.uploadId })
    .from(files)
    .where(and(ne(files.status, "ready"), lt(files.updatedAt, Date.now() - olderThanMs)))
    .limit(limit);
  for (const f of stale) {
    await discardObject(env.BUCKET, f.objectKey, f.uploadId);
    await db.batch([
      db.delete(filePermissions).where(eq(filePermissions.item, f.seq)),
      db.delete(fileParts).where(eq(fileParts.file, f.seq)),
      db.delete(files).where(and(eq(files.seq, f.seq), ne(files.status, "ready"))),
    ]);
  }
  return stale.length;
}

onCron(async (env) => {
  await sweepAbandonedUploads(env);
});

/** Project deletion: every bucket, file, token and R2 object of the project. */
onProjectDelete(async (env, db, projectId) => {
  const pending = await db.select({ objectKey: files.objectKey, uploadId: files.uploadId }).from(files).where(and(eq(files.projectId, projectId), ne(files.status, "ready")));
  for (const f of pending) await discardObject(env.BUCKET, f.objectKey, f.uploadId);
  const seqs = sql`(SELECT seq FROM files WHERE project_id = ${projectId})`;
  await db.batch([
    ...fileSideRows(db, seqs),
    db.delete(files).where(eq(files.projectId, projectId)),
    db.delete(buckets).where(eq(buckets.projectId, projectId)),
    db.delete(resourceTokens).where(eq(resourceTokens.projectId, projectId)),
  ]);
  await purgePrefix(env.BUCKET, projectPrefix(projectId));
});
