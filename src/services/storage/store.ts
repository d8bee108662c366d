import { and, eq, sql } from "drizzle-orm";
import { parsePermissions, permissionPredicate, type Action } from "../../core/permissions";
import type { Binder } from "../../core/query/sql";
import type { DB } from "../../db/client";
import { buckets, filePermissions, files, type Bucket, type StoredFile } from "../../db/schema";

/** D1 access shared by the storage routes (buckets, files, their permission side table). */

export async function findBucket(db: DB, projectId: string, id: string): Promise<Bucket | undefined> {
  const [row] = await db.select().from(buckets).where(and(eq(buckets.projectId, projectId), eq(buckets.id, id))).limit(1);
  return row;
}

export async function findFile(db: DB, projectId: string, bucketSeq: number, id: string): Promise<StoredFile | undefined> {
  const [row] = await db.select().from(files).where(and(eq(files.projectId, projectId), eq(files.bucketSeq, bucketSeq), eq(files.id, id))).limit(1);
  return row;
}

/** A bucket's stored bytes (Appwrite's `totalSize`). */
export function totalSizeSql(bucketSeqExpr: string): string {
  return `(SELECT COALESCE(SUM(size_actual), 0) FROM files WHERE bucket_seq = ${bucketSeqExpr})`;
}

/**
 * Insert a new file's permission rows in the same batch as the file, addressed by (project, bucket, id)
 * because the file's seq is only known inside the batch. Null when there are none (drizzle needs ≥ 1 row).
 */
export function insertFilePermissions(db: DB, projectId: string, bucketSeq: number, fileId: string, permissions: readonly string[]) {
  const rows = parsePermissions(permissions);
  if (!rows.length) return null;
  const item = sql<number>`(SELECT seq FROM files WHERE project_id = ${projectId} AND bucket_seq = ${bucketSeq} AND id = ${fileId})`;
  return db.insert(filePermissions).values(rows.map((p) => ({ item, action: p.action, role: p.role }))).onConflictDoNothing();
}

/** Replace a file's permission rows (same batch as the update). */
export function replaceFilePermissions(db: DB, fileSeq: number, permissions: readonly string[]) {
  const rows = parsePermissions(permissions);
  const del = db.delete(filePermissions).where(eq(filePermissions.item, fileSeq));
  return rows.length ? ([del, db.insert(filePermissions).values(rows.map((p) => ({ item: fileSeq, action: p.action, role: p.role }))).onConflictDoNothing()] as const) : ([del] as const);
}

/** The shared permission predicate, with its `?` placeholders bound through a list Binder. */
export function filePermissionClause(b: Binder, itemExpr: string, action: Action, roles: readonly string[]): string {
  const pred = permissionPredicate("file_permissions", itemExpr, action, roles);
  let i = 0;
  return pred.sql.replace(/\?/g, () => b.bind(pred.params[i++]));
}

/** A raw `files` row (snake_case, from runList) as the drizzle shape. */
export function fileFromRow(r: Record<string, unknown>): StoredFile {
  return {
    seq: Number(r.seq),
    projectId: String(r.project_id),
    bucketSeq: Number(r.bucket_seq),
    bucketId: String(r.bucket_id),
    id: String(r.id),
    name: String(r.name),
    folder: String(r.folder ?? ""),
    permissions: JSON.parse(String(r.permissions ?? "[]")),
    signature: String(r.signature ?? ""),
    mimeType: String(r.mime_type ?? ""),
    sizeOriginal: Number(r.size_original),
    sizeActual: Number(r.size_actual),
    chunksTotal: Number(r.chunks_total),
    chunksUploaded: Number(r.chunks_uploaded),
    status: r.status as StoredFile["status"],
    algorithm: String(r.algorithm ?? "none"),
    cipher: (r.cipher as string | null) ?? null,
    iv: (r.iv as string | null) ?? null,
    keyVersion: (r.key_version as number | null) ?? null,
    objectKey: String(r.object_key),
    uploadId: (r.upload_id as string | null) ?? null,
    search: String(r.search ?? ""),
    creator: String(r.creator ?? ""),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function bucketFromRow(r: Record<string, unknown>): Bucket {
  return {
    seq: Number(r.seq),
    projectId: String(r.project_id),
    id: String(r.id),
    name: String(r.name),
    permissions: JSON.parse(String(r.permissions ?? "[]")),
    fileSecurity: !!r.file_security,
    enabled: !!r.enabled,
    maximumFileSize: Number(r.maximum_file_size),
    allowedFileExtensions: JSON.parse(String(r.allowed_file_extensions ?? "[]")),
    compression: String(r.compression),
    encryption: !!r.encryption,
    antivirus: !!r.antivirus,
    transformations: !!r.transformations,
    search: String(r.search ?? ""),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
