import { purposeKey } from "../../core/secrets";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { READ_BUFFER } from "./constants";

/**
 * At-rest protection of stored files, as Appwrite does it: files up to 20 MB are gzip-compressed
 * (when the bucket asks) and then AES-GCM-encrypted (when the bucket asks). The key is derived from
 * the deployment's root secret (ENCRYPTION_KEY; see src/core/secrets.ts).
 */
export const CIPHER = "aes-256-gcm";
export const KEY_VERSION = 1;
/** The file-content key: one purpose of the deployment's root secret (src/core/secrets.ts). */
const fileKey = (env: Env) => purposeKey(env, `files-v${KEY_VERSION}`);

/** Associated data binds a ciphertext to its file, so stored objects cannot be swapped between files. */
const aad = (objectKey: string) => new TextEncoder().encode(objectKey);

async function pipeBytes(data: Uint8Array, transform: TransformStream<Uint8Array, Uint8Array>): Promise<Uint8Array> {
  const out = new Response(new Blob([data]).stream().pipeThrough(transform));
  return new Uint8Array(await out.arrayBuffer());
}

export interface Protected {
  data: Uint8Array;
  algorithm: "none" | "gzip";
  cipher: string | null;
  iv: string | null;
  keyVersion: number | null;
}

/** Compress and/or encrypt a whole file held in memory (callers only pass files ≤ READ_BUFFER). */
export async function protect(env: Env, plain: Uint8Array, objectKey: string, opts: { compression: string; encryption: boolean }): Promise<Protected> {
  let data = plain;
  let algorithm: Protected["algorithm"] = "none";
  if (plain.byteLength <= READ_BUFFER && opts.compression !== "none") {
    // zstd is accepted on buckets for compatibility; Workers have no zstd stream, so gzip is used (and reported).
    data = await pipeBytes(plain, new CompressionStream("gzip"));
    algorithm = "gzip";
  }
  if (plain.byteLength <= READ_BUFFER && opts.encryption) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(objectKey) }, await fileKey(env), data);
    return { data: new Uint8Array(sealed), algorithm, cipher: CIPHER, iv: bytesToHex(iv), keyVersion: KEY_VERSION };
  }
  return { data, algorithm, cipher: null, iv: null, keyVersion: null };
}

/** Undo `protect`: decrypt, then decompress. */
export async function unprotect(env: Env, stored: Uint8Array, file: { objectKey: string; cipher: string | null; iv: string | null; algorithm: string }): Promise<Uint8Array> {
  let data = stored;
  if (file.cipher) {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: hexToBytes(file.iv ?? ""), additionalData: aad(file.objectKey) }, await fileKey(env), data);
    data = new Uint8Array(plain);
  }
  if (file.algorithm === "gzip") data = await pipeBytes(data, new DecompressionStream("gzip"));
  return data;
}

/** Appwrite's `signature`: the MD5 of the original bytes. */
export async function md5Hex(data: Uint8Array | ArrayBuffer): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("MD5", data)));
}

/** MD5 of a stream without buffering it (workerd's DigestStream). */
export async function md5Stream(stream: ReadableStream<Uint8Array>): Promise<string> {
  const digest = new crypto.DigestStream("MD5");
  await stream.pipeTo(digest);
  return bytesToHex(new Uint8Array(await digest.digest));
}
