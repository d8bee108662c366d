import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

export function randomHex(bytes: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Digest for high-entropy secrets (API keys, session and token secrets): they need no slow KDF. */
export function hashSecret(secret: string): string {
  return bytesToHex(sha256(utf8ToBytes(secret)));
}

/** hashSecret through the runtime's native SHA-256 (WebCrypto): the same digest, for the per-request key hash. */
export async function hashSecretNative(secret: string): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8ToBytes(secret))));
}

/** Constant-time string comparison; the length is not secret (all digests here are fixed-size). */
export function safeEqual(a: string, b: string): boolean {
  const x = utf8ToBytes(a);
  const y = utf8ToBytes(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export function verifySecret(secret: string, storedHash: string): boolean {
  return safeEqual(hashSecret(secret), storedHash);
}
