/**
 * Webhook signature keys and HTTP passwords must be usable in clear at delivery time (Appwrite signs
 * with the key itself), so they are stored encrypted, never hashed: AES-256-GCM with a key derived
 * (HKDF-SHA-256) from the deployment secret WEBHOOK_SECRETS_KEY, else JWT_SECRET, else ADMIN_KEY.
 * Rotating that secret makes stored keys unreadable (rotate each webhook's secret afterwards).
 */
const enc = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function masterSecret(env: Env): string {
  const e = env as unknown as { WEBHOOK_SECRETS_KEY?: string };
  return e.WEBHOOK_SECRETS_KEY || env.JWT_SECRET || env.ADMIN_KEY || "edgewrite-dev";
}

function key(env: Env): Promise<CryptoKey> {
  const secret = masterSecret(env);
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle
      .importKey("raw", enc.encode(secret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: enc.encode("edgewrite"), info: enc.encode("webhook-secrets-v1") },
          base,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(secret, k);
  }
  return k;
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export async function seal(env: Env, plain: string): Promise<string> {
  if (!plain) return "";
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await key(env), enc.encode(plain)));
  return `v1:${b64(iv)}:${b64(ct)}`;
}

export async function unseal(env: Env, sealed: string): Promise<string> {
  if (!sealed) return "";
  const [v, iv, ct] = sealed.split(":");
  if (v !== "v1" || !iv || !ct) throw new Error("unknown secret format");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(iv) }, await key(env), unb64(ct));
  return new TextDecoder().decode(plain);
}

/** X-Appwrite-Webhook-Signature: base64(HMAC-SHA1(url + body, signature key)). */
export async function signature(signatureKey: string, url: string, body: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", enc.encode(signatureKey), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return b64(new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(url + body))));
}
