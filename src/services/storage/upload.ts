import { and, asc, eq, sql } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { isValidId, uniqueId } from "../../core/ids";
import { collectParams, p, validate, pathParam } from "../../core/params";
import { assertGrantable, defaultPermissions, ITEM_ACTIONS, normalizePermissions } from "../../core/permissions";
import { randomHex } from "../../core/crypto";
import { json } from "../../core/response";
import { isUniqueViolation } from "../../db/client";
import { fileParts, files, type Bucket, type StoredFile } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { Ctx } from "../../platform/context";
import { bucketGrants, fileEventRoles, isUploader, loadBucket, mayRead, uploaderOf } from "./access";
import { bucketPrefix, CHUNK_SIZE, READ_BUFFER, STORAGE_LIMIT } from "./constants";
import { md5Hex, md5Stream, protect } from "./crypto";
import { detectMime, extensionOf } from "./mime";
import { fileModel } from "./models";
import { findBucket, findFile, insertFilePermissions } from "./store";

/**
 * POST /v1/storage/buckets/{bucketId}/files, exactly as the SDKs send it (wire doc §1.5): one multipart
 * request up to 5 MiB, or 5 MiB chunks with `content-range` (+ `x-appwrite-id` after the first), the
 * rest concurrent and out of order. Chunks are R2 multipart parts; D1 records each part's etag, and the
 * request whose part completes the set claims the file (status pending → finalizing) and completes it.
 * A pending upload takes chunks only from whoever started it (`uploaderOf`); anyone else meets the id as
 * taken (409), and a complete file is shown again only to a caller who may read it.
 */

/** Appwrite's Folder validator: `/`-separated segments, stored with a trailing slash. */
const folderParam = p.string({ max: 2048 });
function normalizeFolder(value: string | undefined): string {
  if (!value) return "";
  const bare = value.endsWith("/") ? value.slice(0, -1) : value;
  const ok = bare !== "" && !value.startsWith("/") && !/[\x00-\x1f\x7f]/.test(value) && bare.split("/").every((s) => s !== "" && s !== "." && s !== "..");
  if (!ok) {
    throw new AppwriteError("general_argument_invalid", "Invalid `folder` param: Folder must be `/`-separated segments without empty, `.`, or `..` segments, must not start with `/`, must not contain control characters, and must be at most 2048 characters long including the trailing slash.");
  }
  return `${bare}/`;
}

interface Range {
  start: number;
  end: number;
  total: number;
}

function parseContentRange(header: string): Range {
  const m = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16})$/.exec(header.trim());
  if (!m) throw new AppwriteError("storage_invalid_content_range");
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Appwrite accepts an end equal to the size: SDKs for 1.0–1.4 end their last chunk one byte past it.
  if (start > end || end > total) throw new AppwriteError("storage_invalid_content_range");
  return { start, end: Math.min(end, total - 1), total };
}

const newObjectKey = (bucket: Bucket, fileId: string) => `${bucketPrefix(bucket.projectId, bucket.seq)}${fileId}.${randomHex(6)}`;

export async function createFile(c: Ctx): Promise<Response> {
  requireScope(c, "files.write");
  // The bucket lookup overlaps the multipart parse; parameter errors still come first, as in Appwrite.
  const bucketId = pathParam(c, "bucketId", p.uid());
  const pendingBucket = findBucket(c.var.db, c.var.project.id, bucketId);
  pendingBucket.catch(() => undefined);
  const raw = await collectParams(c);
  const a = validate(raw, { fileId: p.customId(), permissions: p.optional(p.strings({ max: 100 })), folder: p.optional(folderParam) });
  const folder = normalizeFolder(a.folder);
  const caller = c.var.caller;
  const bucket = await loadBucket(c, bucketId, pendingBucket);
  if (!bucketGrants(caller, bucket, "create")) throw new AppwriteError("user_unauthorized");

  let permissions = a.permissions === undefined ? undefined : normalizePermissions(a.permissions, ITEM_ACTIONS);
  permissions ??= caller.privileged ? [] : defaultPermissions(caller.user?.id);
  assertGrantable(caller.roles, caller.privileged, permissions);

  const file = raw.file;
  if (!(file instanceof File)) throw new AppwriteError("storage_file_empty");
  const name = file.name || "file";

  const rangeHeader = c.req.header("content-range");
  let fileId = a.fileId === "unique()" ? uniqueId() : a.fileId;
  let range: Range | null = null;
  let size = file.size;
  if (rangeHeader) {
    range = parseContentRange(rangeHeader);
    size = range.total;
    fileId = c.req.header("x-appwrite-id") || fileId;
    if (!isValidId(fileId)) throw new AppwriteError("storage_invalid_appwrite_id");
  }

  const allowed = bucket.allowedFileExtensions.map((e) => e.toLowerCase());
  if (allowed.length && !allowed.includes(extensionOf(name))) throw new AppwriteError("storage_file_type_unsupported", "File extension not allowed");
  if (size > bucket.maximumFileSize || size > STORAGE_LIMIT) throw new AppwriteError("storage_invalid_file_size", "File size not allowed");

  const chunks = Math.max(1, Math.ceil(size / CHUNK_SIZE));
  if (range) {
    // R2 parts must all be 5 MiB but the last: a chunk must sit exactly on the SDK's 5 MiB grid.
    const chunk = Math.floor(range.start / CHUNK_SIZE) + 1;
    const expected = chunk < chunks ? CHUNK_SIZE : size - (chunks - 1) * CHUNK_SIZE;
    if (range.start !== (chunk - 1) * CHUNK_SIZE || range.end - range.start + 1 !== expected || file.size !== expected) {
      throw new AppwriteError("storage_invalid_content_range");
    }
    if (chunks > 1) return uploadChunk(c, { bucket, uploader: uploaderOf(c), fileId, file, name, folder, permissions, size, chunk, chunks });
  }
  return uploadWhole(c, { bucket, uploader: uploaderOf(c), fileId, file, name, folder, permissions, size, resend: !!range });
}

interface Upload {
  bucket: Bucket;
  uploader: string;
  fileId: string;
  file: File;
  name: string;
  folder: string;
  permissions: string[];
  size: number;
}

function createdEvent(c: Ctx, bucket: Bucket, row: StoredFile) {
  return recordEvent(c.var.db, {
    projectId: c.var.project.id,
    pattern: "buckets.[bucketId].files.[fileId].create",
    params: { bucketId: bucket.id, fileId: row.id },
    payload: fileModel(row),
    roles: fileEventRoles(bucket, row),
    userId: c.var.caller.user?.id,
  });
}

/**
 * An id that already holds a complete file: a re-sent chunk gets it back (200) when the caller may read
 * it; anyone else gets 409, as for any taken id, and learns nothing about the file.
 */
function existing(c: Ctx, bucket: Bucket, row: StoredFile, resend: boolean): Response {
  if (resend && mayRead(c.var.caller, bucket, row)) return json(c, fileModel(row), 200);
  throw new AppwriteError("storage_file_already_exists");
}

/** One request holds the whole file: process it, put it to R2, then one D1 batch (file + permissions + event). */
async function uploadWhole(c: Ctx, u: Upload & { resend: boolean }): Promise<Response> {
  const { bucket, file } = u;
  const db = c.var.db;
  // A re-sent one-chunk upload (content-range) answers 200 before storing anything; otherwise the
  // insert's unique index is the check (saving a D1 round trip on every upload).
  if (u.resend) {
    const found = await findFile(db, c.var.project.id, bucket.seq, u.fileId);
    if (found?.status === "ready") return existing(c, bucket, found, true);
    if (found) throw new AppwriteError("storage_file_already_exists");
  }

  const objectKey = newObjectKey(bucket, u.fileId);
  let mimeType: string;
  let signature: string;
  let stored: Uint8Array | File;
  let meta: { algorithm: string; cipher: string | null; iv: string | null; keyVersion: number | null } = { algorithm: "none", cipher: null, iv: null, keyVersion: null };
  if (u.size <= READ_BUFFER) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    mimeType = detectMime(bytes.subarray(0, 4096), u.name);
    signature = await md5Hex(bytes);
    const sealed = await protect(c.env, bytes, objectKey, { compression: bucket.compression, encryption: bucket.encryption });
    stored = sealed.data;
    meta = sealed;
  } else {
    mimeType = detectMime(new Uint8Array(await file.slice(0, 4096).arrayBuffer()), u.name);
    signature = await md5Stream(file.stream());
    stored = file; // a File has a known length, which R2 needs for a streamed body
  }
  await c.env.BUCKET.put(objectKey, stored, { httpMetadata: { contentType: mimeType } });

  const now = Date.now();
  const values = {
    projectId: c.var.project.id,
    bucketSeq: bucket.seq,
    bucketId: bucket.id,
    id: u.fileId,
    name: u.name,
    folder: u.folder,
    permissions: u.permissions,
    signature,
    mimeType,
    sizeOriginal: u.size,
    sizeActual: stored instanceof File ? stored.size : stored.byteLength,
    chunksTotal: 1,
    chunksUploaded: 1,
    status: "ready" as const,
    algorithm: meta.algorithm,
    cipher: meta.cipher,
    iv: meta.iv,
    keyVersion: meta.keyVersion,
    objectKey,
    uploadId: null,
    search: `${u.fileId} ${u.name}`,
    creator: u.uploader,
    createdAt: now,
    updatedAt: now,
  };
  const row: StoredFile = { seq: 0, ...values };
  try {
    const perms = insertFilePermissions(db, values.projectId, bucket.seq, u.fileId, u.permissions);
    const [inserted] = await db.batch([db.insert(files).values(values).returning(), createdEvent(c, bucket, row), ...(perms ? [perms] : [])]);
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, fileModel(inserted[0]!), 201);
  } catch (e) {
    await c.env.BUCKET.delete(objectKey).catch(() => undefined); // never leave an object no record points to
    if (isUniqueViolation(e)) {
      const winner = await findFile(db, c.var.project.id, bucket.seq, u.fileId);
      if (winner?.status === "ready") return existing(c, bucket, winner, u.resend);
      throw new AppwriteError("storage_file_already_exists");
    }
    throw e;
  }
}

/** Find or start the chunked upload for this id (the first chunk to arrive creates it, with its permissions). */
async function openUpload(c: Ctx, u: Upload & { chunks: number }, mimeType: string): Promise<StoredFile> {
  const db = c.var.db;
  const projectId = c.var.project.id;
  const found = await findFile(db, projectId, u.bucket.seq, u.fileId);
  if (found) return found;
  const objectKey = newObjectKey(u.bucket, u.fileId);
  const mp = await c.env.BUCKET.createMultipartUpload(objectKey, { httpMetadata: { contentType: mimeType } });
  const now = Date.now();
  const perms = insertFilePermissions(db, projectId, u.bucket.seq, u.fileId, u.permissions);
  try {
    await db.batch([
      db.insert(files).values({
        projectId,
        bucketSeq: u.bucket.seq,
        bucketId: u.bucket.id,
        id: u.fileId,
        name: u.name,
        folder: u.folder,
        permissions: u.permissions,
        mimeType,
        sizeOriginal: u.size,
        sizeActual: 0,
        chunksTotal: u.chunks,
        chunksUploaded: 0,
        status: "pending",
        objectKey,
        uploadId: mp.uploadId,
        search: `${u.fileId} ${u.name}`,
        creator: u.uploader,
        createdAt: now,
        updatedAt: now,
      }),
      ...(perms ? [perms] : []),
    ]);
  } catch (e) {
    await mp.abort().catch(() => undefined);
    if (!isUniqueViolation(e)) throw e; // else another chunk created it first: use theirs
  }
  const row = await findFile(db, projectId, u.bucket.seq, u.fileId);
  if (!row) throw new AppwriteError("storage_file_not_found");
  return row;
}

async function uploadChunk(c: Ctx, u: Upload & { chunk: number; chunks: number }): Promise<Response> {
  const db = c.var.db;
  const bytes = new Uint8Array(await u.file.arrayBuffer()); // a known length, as R2 needs
  const mimeType = u.chunk === 1 ? detectMime(bytes.subarray(0, 4096), u.name) : "application/octet-stream";
  let row = await openUpload(c, u, mimeType);
  if (row.status === "ready") return existing(c, u.bucket, row, true);
  // Someone else's pending upload: the id is taken, whatever else the request says.
  if (!isUploader(row, u.uploader)) throw new AppwriteError("storage_file_already_exists");
  if (row.chunksTotal !== u.chunks || row.sizeOriginal !== u.size) throw new AppwriteError("storage_invalid_content_range");
  if (row.status === "finalizing" || !row.uploadId) return json(c, fileModel(row), 201); // another request is completing it

  let etag: string;
  try {
    etag = (await c.env.BUCKET.resumeMultipartUpload(row.objectKey, row.uploadId).uploadPart(u.chunk, bytes)).etag;
  } catch (e) {
    // The uploader's upload may have been completed meanwhile (by another of its chunks): answer with it as it now stands.
    const now = await findFile(db, c.var.project.id, u.bucket.seq, u.fileId);
    if (now && now.seq === row.seq && now.status !== "pending") return json(c, fileModel(now), now.status === "ready" ? 200 : 201);
    throw e;
  }

  const seq = row.seq;
  const parts = sql`(SELECT COUNT(*) FROM file_parts WHERE file = ${seq})`;
  const [, , claimed, current] = await db.batch([
    db.insert(fileParts).values({ file: seq, part: u.chunk, etag, size: bytes.byteLength }).onConflictDoUpdate({ target: [fileParts.file, fileParts.part], set: { etag, size: bytes.byteLength } }),
    db
      .update(files)
      .set({ chunksUploaded: sql`MIN(${files.chunksTotal} - 1, ${parts})`, updatedAt: Date.now(), ...(u.chunk === 1 ? { mimeType } : {}) })
      .where(and(eq(files.seq, seq), eq(files.status, "pending"))),
    db.update(files).set({ status: "finalizing" }).where(and(eq(files.seq, seq), eq(files.status, "pending"), sql`${parts} = ${files.chunksTotal}`)).returning({ seq: files.seq }),
    db.select().from(files).where(eq(files.seq, seq)),
  ]);
  row = current[0]!;
  if (!row) throw new AppwriteError("storage_file_not_found");
  if (claimed.length) row = await finalize(c, u.bucket, row);
  return json(c, fileModel(row), 201);
}

/**
 * The request that recorded the last part completes the R2 multipart upload. Files ≤ 20 MB are read
 * back once for their MD5 and, as the bucket asks, compressed/encrypted in place; larger ones keep R2's
 * multipart etag as their signature. Then one D1 batch marks the file ready with its create event.
 */
async function finalize(c: Ctx, bucket: Bucket, row: StoredFile): Promise<StoredFile> {
  const db = c.var.db;
  try {
    const parts = await db.select({ partNumber: fileParts.part, etag: fileParts.etag }).from(fileParts).where(eq(fileParts.file, row.seq)).orderBy(asc(fileParts.part));
    const done = await c.env.BUCKET.resumeMultipartUpload(row.objectKey, row.uploadId!).complete(parts);
    let signature = done.etag;
    let sizeActual = done.size;
    let meta: { algorithm: string; cipher: string | null; iv: string | null; keyVersion: number | null } = { algorithm: "none", cipher: null, iv: null, keyVersion: null };
    if (row.sizeOriginal <= READ_BUFFER) {
      const object = await c.env.BUCKET.get(row.objectKey);
      if (!object) throw new Error("completed upload not readable");
      const bytes = new Uint8Array(await object.arrayBuffer());
      signature = await md5Hex(bytes);
      if (bucket.compression !== "none" || bucket.encryption) {
        const sealed = await protect(c.env, bytes, row.objectKey, { compression: bucket.compression, encryption: bucket.encryption });
        await c.env.BUCKET.put(row.objectKey, sealed.data, { httpMetadata: { contentType: row.mimeType } });
        sizeActual = sealed.data.byteLength;
        meta = sealed;
      }
    }
    const ready = { status: "ready" as const, chunksUploaded: row.chunksTotal, uploadId: null, signature, sizeActual, ...meta, updatedAt: Date.now() };
    const next: StoredFile = { ...row, ...ready };
    const [updated] = await db.batch([
      db.update(files).set(ready).where(and(eq(files.seq, row.seq), eq(files.status, "finalizing"))).returning(),
      db.delete(fileParts).where(eq(fileParts.file, row.seq)),
      createdEvent(c, bucket, next),
    ]);
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    if (!updated[0]) throw new AppwriteError("storage_file_not_found"); // deleted while completing
    return updated[0];
  } catch (e) {
    // Hand the upload back: a re-sent chunk can try again, and the cron sweep removes it if nobody does.
    await db.update(files).set({ status: "pending" }).where(and(eq(files.seq, row.seq), eq(files.status, "finalizing"))).catch(() => undefined);
    throw e;
  }
}

