import { p, pathParam } from "../../core/params";
import { AppwriteError } from "../../core/errors";
import type { Bucket, StoredFile } from "../../db/schema";
import type { Ctx } from "../../platform/context";
import { and, eq, sql } from "drizzle-orm";
import { buckets, files } from "../../db/schema";
import { fileGrant, selectToken, tokenIdFromJwt } from "../tokens/jwt";
import { checkReadable } from "./access";
import { unprotect } from "./crypto";

/**
 * Shared by download, view and preview (the URL endpoints): they authenticate by cookie, session header,
 * JWT or `?project=` (middleware), or by a resource token in `?token=`.
 */
export async function openForRead(c: Ctx, opts: { preview?: boolean } = {}): Promise<{ bucket: Bucket; file: StoredFile }> {
  const db = c.var.db;
  const projectId = c.var.project.id;
  const bucketId = pathParam(c, "bucketId", p.uid());
  const tokenId = await tokenIdFromJwt(c.env, projectId, c.req.query("token"));
  // Bucket, file and token in one D1 round trip.
  const bucketSeq = sql`(SELECT seq FROM buckets WHERE project_id = ${projectId} AND id = ${bucketId})`;
  const [bucketRows, fileRows, tokenRows] = await db.batch([
    db.select().from(buckets).where(and(eq(buckets.projectId, projectId), eq(buckets.id, bucketId))).limit(1),
    db.select().from(files).where(and(eq(files.projectId, projectId), eq(files.bucketSeq, bucketSeq), eq(files.id, pathParam(c, "fileId", p.uid())))).limit(1),
    selectToken(db, projectId, tokenId ?? ""),
  ]);
  const bucket = bucketRows[0];
  if (!bucket || (!bucket.enabled && !c.var.caller.privileged)) throw new AppwriteError("storage_bucket_not_found");
  if (opts.preview && !bucket.transformations && !c.var.caller.privileged) throw new AppwriteError("storage_bucket_transformations_disabled");
  const grant = tokenId ? fileGrant(db, tokenRows[0], (p) => c.executionCtx.waitUntil(p)) : null;
  const viaToken = grant !== null && grant.bucketSeq === bucket.seq;
  const file = checkReadable(c.var.caller, bucket, fileRows[0], viaToken);
  if (grant && grant.fileSeq !== file.seq) throw new AppwriteError("user_unauthorized");
  if (file.status !== "ready") throw new AppwriteError("storage_file_not_found");
  return { bucket, file };
}

/** True when the stored object is not the file's bytes as uploaded (compressed and/or encrypted). */
export const isProcessed = (f: StoredFile) => !!f.cipher || f.algorithm !== "none";

/** The whole original file in memory (processed files are ≤ 20 MB by construction). */
export async function readWhole(c: Ctx, file: StoredFile): Promise<Uint8Array> {
  const object = await c.env.BUCKET.get(file.objectKey);
  if (!object) throw new AppwriteError("storage_file_not_found", `File not found in ${file.id}`);
  const stored = new Uint8Array(await object.arrayBuffer());
  return isProcessed(file) ? unprotect(c.env, stored, file) : stored;
}
