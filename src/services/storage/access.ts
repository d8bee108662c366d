import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { safeEqual } from "../../core/crypto";
import { AppwriteError } from "../../core/errors";
import { isAllowed, rolesFor, type Action } from "../../core/permissions";
import { purposeBytes } from "../../core/secrets";
import type { Bucket, StoredFile } from "../../db/schema";
import type { Caller, Ctx } from "../../platform/context";
import { findBucket, findFile } from "./store";
import { clientKey } from "../../platform/client";

/**
 * Who may do what with buckets and files, after Appwrite's Storage module: bucket permissions grant an
 * action on every file; with fileSecurity, a file's own permissions grant it too (an OR). API keys skip
 * document authorization. A disabled bucket looks not-found to everyone but keys.
 */

export async function loadBucket(c: Ctx, bucketId: string, pending?: Promise<Bucket | undefined>): Promise<Bucket> {
  const bucket = await (pending ?? findBucket(c.var.db, c.var.project.id, bucketId));
  if (!bucket || (!bucket.enabled && !c.var.caller.privileged)) throw new AppwriteError("storage_bucket_not_found");
  return bucket;
}

/** Does the bucket itself grant `action` to the caller? */
export function bucketGrants(caller: Caller, bucket: Bucket, action: Action): boolean {
  return caller.privileged || isAllowed(caller.roles, bucket.permissions, action);
}

export function fileGrants(caller: Caller, file: StoredFile, action: Action): boolean {
  return caller.privileged || isAllowed(caller.roles, file.permissions, action);
}

/**
 * The gate before touching a file for `action`: with neither bucket permission nor fileSecurity the
 * caller is refused outright; otherwise the answer says whether the file's own permissions must decide.
 */
export function gate(caller: Caller, bucket: Bucket, action: Action, viaToken = false): { needFilePermission: boolean } {
  const valid = bucketGrants(caller, bucket, action) || viaToken;
  if (!bucket.fileSecurity && !valid) throw new AppwriteError("user_unauthorized");
  return { needFilePermission: bucket.fileSecurity && !valid };
}

/** May the caller read this file? The same decision as checkReadable, as a boolean and without tokens. */
export function mayRead(caller: Caller, bucket: Bucket, file: StoredFile): boolean {
  return bucketGrants(caller, bucket, "read") || (bucket.fileSecurity && fileGrants(caller, file, "read"));
}

/**
 * Who is uploading, as an opaque keyed hash stored with a chunked upload: the user (any of their sessions
 * or JWTs), the API key (its secret), or for a guest the platform's view of the client (`clientKey`:
 * its address on Cloudflare, or the function behind a gateway call; two guests behind one address look alike).
 */
export function uploaderOf(c: Ctx): string {
  return bytesToHex(hmac(sha256, purposeBytes(c.env, "upload-creator"), utf8ToBytes(identity(c))));
}
function identity(c: Ctx): string {
  const caller = c.var.caller;
  if (caller.mode === "user") return `user:${caller.user!.id}`;
  if (caller.mode === "guest") return `guest:${clientKey(c)}`;
  return `key:${c.req.header("x-appwrite-key") ?? ""}`; // a project, dynamic or admin key: the secret itself
}

/** Only whoever started a pending upload may add to it ('' — an upload older than the column — matches nobody). */
export const isUploader = (file: StoredFile, uploader: string) => file.creator !== "" && safeEqual(file.creator, uploader);

/** The read decision for an already loaded file: hidden (404) when only its own permissions could grant read and they don't. */
export function checkReadable(caller: Caller, bucket: Bucket, file: StoredFile | undefined, viaToken = false): StoredFile {
  const { needFilePermission } = gate(caller, bucket, "read", viaToken);
  if (!file || (needFilePermission && !fileGrants(caller, file, "read"))) throw new AppwriteError("storage_file_not_found");
  return file;
}

/** Load a file for reading (see checkReadable). */
export async function readableFile(c: Ctx, bucket: Bucket, fileId: string, viaToken = false): Promise<StoredFile> {
  gate(c.var.caller, bucket, "read", viaToken);
  return checkReadable(c.var.caller, bucket, await findFile(c.var.db, c.var.project.id, bucket.seq, fileId), viaToken);
}

/** Load a file for update/delete: read permission is not required, the action's is (401 without). */
export async function writableFile(c: Ctx, bucket: Bucket, fileId: string, action: "update" | "delete"): Promise<StoredFile> {
  const { needFilePermission } = gate(c.var.caller, bucket, action);
  const file = await findFile(c.var.db, c.var.project.id, bucket.seq, fileId);
  if (!file) throw new AppwriteError("storage_file_not_found");
  if (needFilePermission && !fileGrants(c.var.caller, file, action)) throw new AppwriteError("user_unauthorized");
  return file;
}

/** Realtime roles for a file event: the bucket's readers, plus the file's when fileSecurity is on. */
export function fileEventRoles(bucket: Bucket, file: { permissions: readonly string[] }): string[] {
  const roles = new Set(rolesFor(bucket.permissions, "read"));
  if (bucket.fileSecurity) for (const r of rolesFor(file.permissions, "read")) roles.add(r);
  return [...roles];
}
