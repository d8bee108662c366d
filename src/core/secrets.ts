/**
 * Everything Edgewrite keeps encrypted or signs at rest (file contents, webhook signature keys,
 * secret function variables, file tokens) derives its key from ONE deployment secret:
 * ENCRYPTION_KEY, else JWT_SECRET, else ADMIN_KEY. Each use names its own purpose, so keys never
 * repeat across uses. Rotating the root secret makes what was sealed with it unreadable.
 */
const enc = new TextEncoder();
const DEV_ROOT = "edgewrite-development-root-secret";
const keys = new Map<string, Promise<CryptoKey>>();
let warned = false;

export function rootSecret(env: Env): string {
  const root = env.ENCRYPTION_KEY || env.JWT_SECRET || env.ADMIN_KEY;
  if (root) return root;
  if (!warned) {
    warned = true;
    console.warn("No ENCRYPTION_KEY, JWT_SECRET or ADMIN_KEY is set: data at rest uses a public development key.");
  }
  return DEV_ROOT;
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

/** Raw bytes for HMAC/JWT keys of one purpose (never the root itself). */
export function purposeBytes(env: Env, purpose: string): Uint8Array {
  return enc.encode(`edgewrite:${purpose}:${rootSecret(env)}`);
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
