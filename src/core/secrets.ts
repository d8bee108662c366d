/**
 * Everything Edgewrite keeps encrypted or signs (file contents, webhook signature keys, secret function
 * variables, file tokens, account JWTs, dynamic keys) derives its key from ONE deployment secret:
 * ENCRYPTION_KEY, else JWT_SECRET, else ADMIN_KEY. Each use names its own purpose, so keys never
 * repeat across uses and no key is ever the root itself. With no root secret configured nothing is
 * signed or sealed (a server error), rather than with a public constant. Rotating the root secret makes
 * what was sealed with it unreadable and what was signed with it invalid.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { AppwriteError } from "./errors";

const enc = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

export function rootSecret(env: Env): string {
  const root = env.ENCRYPTION_KEY || env.JWT_SECRET || env.ADMIN_KEY;
  if (root) return root;
  console.error("No ENCRYPTION_KEY, JWT_SECRET or ADMIN_KEY is set: refusing to sign or seal anything.");
  throw new AppwriteError("general_server_error", "The server has no root secret configured (ENCRYPTION_KEY, JWT_SECRET or ADMIN_KEY).");
}

/** An AES-256-GCM key for one purpose (HKDF-SHA-256 of the root secret). */
export function purposeKey(env: Env, purpose: string): Promise<CryptoKey> {
  const root = rootSecret(env);
  const id = `${purpose}\u0000${root}`;
  let key = keys.get(id);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", enc.encode(root), "HKDF", false, ["deriveKey"])
      .then((base) => crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: enc.encode("edgewrite"), info: enc.encode(purpose) }, base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]));
    keys.set(id, key);
  }
  return key;
}

/** A 256-bit HMAC/JWT key for one purpose: HMAC-SHA-256(root, "edgewrite:" + purpose), never the root itself. */
export function purposeBytes(env: Env, purpose: string): Uint8Array {
  return hmac(sha256, enc.encode(rootSecret(env)), enc.encode(`edgewrite:${purpose}`));
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** Encrypt a short secret string for storage: `v1:<iv>:<ciphertext>` (base64). Empty stays empty. */
export async function seal(env: Env, purpose: string, plain: string): Promise<string> {
  if (!plain) return "";
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await purposeKey(env, purpose), enc.encode(plain)));
  return `v1:${b64(iv)}:${b64(ct)}`;
}

/** Decrypt what `seal` produced; throws on a foreign format or a wrong key. */
export async function unseal(env: Env, purpose: string, sealed: string): Promise<string> {
  if (!sealed) return "";
  const [v, iv, ct] = sealed.split(":");
  if (v !== "v1" || !iv || !ct) throw new Error("unknown sealed-secret format");
  return new TextDecoder().decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(iv) }, await purposeKey(env, purpose), unb64(ct)));
}
