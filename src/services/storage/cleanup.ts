import { and, eq, inArray, lt, ne, sql } from "drizzle-orm";
import { onCron } from "../../background";
import { open, type DB } from "../../db/client";
import { allDataDatabases, movingProjects } from "../../db/shards";
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
  // Files live on their project's data database: sweep each; a moving project's rows wait for its move.
  const moving = await movingProjects(env);
  let n = 0;
  for (const { d1 } of allDataDatabases(env)) n += await sweepUploadsOn(env, open(d1), olderThanMs, limit, moving);
  return n;
}

async function sweepUploadsOn(env: Env, db: DB, olderThanMs: number, limit: number, moving: Set<string>): Promise<number> {
  const all = await db
    .select({ seq: files.seq, objectKey: files.objectKey, uploadId: files.uploadId, projectId: files.projectId })
    .from(files)
    .where(and(ne(files.status, "ready"), lt(files.updatedAt, Date.now() - olderThanMs)))
    .limit(limit);
  const stale = all.filter((f) => !moving.has(f.projectId));
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

/** An R2 object with no D1 record this long after it was written is an orphan (a crash fell between the two). */
export const ORPHAN_GRACE_MS = 60 * 60_000;
const ORPHAN_PAGE = 500;
const POSITION = "r2-orphans";

/**
 * The D1 record an R2 key belongs to, as an EXISTS over one json_each item (`$.key` and the key's parts):
 *   storage/<project>/<bucketSeq>/<fileId>.<suffix>   a file row with exactly that object key
 *   functions/<project>/<function>/<deployment>/…     the deployment row
 *   functions/<project>/_bodies/<execution>           an execution still waiting for its queued body
 *   sites/<project>/<site>/<deployment>/…             the site deployment row (src/services/sites/store.ts)
 */
const OWNERS = {
  file: "SELECT 1 FROM files f WHERE f.project_id = json_extract(j.value, '$.p') AND f.bucket_seq = json_extract(j.value, '$.s') AND f.id = json_extract(j.value, '$.id') AND f.object_key = json_extract(j.value, '$.key')",
  deployment: "SELECT 1 FROM function_deployments d WHERE d.project_id = json_extract(j.value, '$.p') AND d.id = json_extract(j.value, '$.id') AND d.function_id = json_extract(j.value, '$.f')",
  site: "SELECT 1 FROM site_deployments d WHERE d.project_id = json_extract(j.value, '$.p') AND d.id = json_extract(j.value, '$.id') AND d.site_id = json_extract(j.value, '$.f')",
  body: "SELECT 1 FROM function_executions e WHERE e.project_id = json_extract(j.value, '$.p') AND e.id = json_extract(j.value, '$.id') AND e.status IN ('waiting', 'scheduled', 'processing')",
} as const;
type OwnerKind = keyof typeof OWNERS;
type Owned = { kind: OwnerKind; key: string; p: string; id: string; s?: number; f?: string };

function ownerOf(key: string): Owned | null {
  const [root, p, a, b, ...rest] = key.split("/");
  if (!p || !a || !b) return null;
  if (root === "storage" && !rest.length && /^\d+$/.test(a) && b.includes(".")) return { kind: "file", key, p, s: Number(a), id: b.slice(0, b.lastIndexOf(".")) };
  if (root === "functions" && a === "_bodies" && !rest.length) return { kind: "body", key, p, id: b };
  if (root === "functions" && rest.length) return { kind: "deployment", key, p, f: a, id: b };
  if (root === "sites" && rest.length) return { kind: "site", key, p, f: a, id: b };
  return null;
}

/** Of these keys, those whose D1 record does not exist (keys of unknown shape are never orphans). */
async function orphanKeysOn(d1: D1Database, keys: readonly string[]): Promise<string[]> {
  const byKind = new Map<OwnerKind, Owned[]>();
  for (const o of keys.map(ownerOf)) if (o) byKind.set(o.kind, [...(byKind.get(o.kind) ?? []), o]);
  if (!byKind.size) return [];
  const results = await d1.batch<{ key: string }>(
    [...byKind].map(([kind, owned]) => d1.prepare(`SELECT json_extract(j.value, '$.key') AS key FROM json_each(?1) j WHERE NOT EXISTS (${OWNERS[kind]})`).bind(JSON.stringify(owned))),
  );
  return results.flatMap((r) => r.results.map((x) => x.key));
}

/**
 * Cron: one bounded step over the R2 bucket, in key order from where the last step stopped
 * (sweep_positions): objects older than the grace period whose D1 record never landed (uploads write R2
 * first, then D1) are deleted. R2's binding cannot list multipart uploads, so one started but never
 * recorded (a crash between createMultipartUpload and the D1 insert) is left to the bucket's lifecycle
 * rule (R2 aborts incomplete multipart uploads after 7 days by default); recorded ones go with
 * sweepAbandonedUploads.
 */
/**
 * A key is an orphan only when no data database holds its record (a project's rows live on one of them). Keys of
 * projects being moved are left alone (the record is between databases); the set is read before and after.
 */
async function orphanKeys(env: Env, keys: readonly string[]): Promise<string[]> {
  const movingBefore = await movingProjects(env);
  let left = keys.filter((k) => !movingBefore.has(ownerOf(k)?.p ?? ""));
  for (const { d1 } of allDataDatabases(env)) if (left.length) left = await orphanKeysOn(d1, left);
  const movingAfter = await movingProjects(env);
  return left.filter((k) => !movingAfter.has(ownerOf(k)?.p ?? ""));
}

export async function sweepOrphanObjects(env: Env, o: { graceMs?: number; limit?: number } = {}): Promise<{ checked: number; removed: number; wrapped: boolean }> {
  const d1 = env.DB; // the sweep's position is control data
  const from = await d1.prepare("SELECT position FROM sweep_positions WHERE name = ?").bind(POSITION).first<{ position: string }>();
  const page = await env.BUCKET.list({ startAfter: from?.position || undefined, limit: o.limit ?? ORPHAN_PAGE });
  const cutoff = Date.now() - (o.graceMs ?? ORPHAN_GRACE_MS);
  const orphans = await orphanKeys(env, page.objects.filter((x) => x.uploaded.getTime() <= cutoff).map((x) => x.key));
  if (orphans.length) {
    console.warn(`storage: removing ${orphans.length} R2 objects that have no record`);
    await env.BUCKET.delete(orphans);
  }
  const position = page.truncated ? page.objects[page.objects.length - 1]!.key : "";
  await d1
    .prepare("INSERT INTO sweep_positions (name, position, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE SET position = ?2, updated_at = ?3")
    .bind(POSITION, position, Date.now())
    .run();
  return { checked: page.objects.length, removed: orphans.length, wrapped: !page.truncated };
}

onCron(async (env) => {
  await sweepAbandonedUploads(env);
});
onCron(async (env) => {
  await sweepOrphanObjects(env);
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
