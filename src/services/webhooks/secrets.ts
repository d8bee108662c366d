import { seal as sealWith, unseal as unsealWith } from "../../core/secrets";

/**
 * Webhook signature keys and HTTP passwords must be usable in clear at delivery time (Appwrite signs
 * with the key itself), so they are stored sealed (src/core/secrets.ts), never hashed.
 */
const PURPOSE = "webhook-secrets-v1";
export const seal = (env: Env, plain: string) => sealWith(env, PURPOSE, plain);
export const unseal = (env: Env, sealed: string) => unsealWith(env, PURPOSE, sealed);

const enc = new TextEncoder();

/** X-Appwrite-Webhook-Signature: base64(HMAC-SHA1(url + body, signature key)). */
export async function signature(signatureKey: string, url: string, body: string): Promise<string> {
  const k = await crypto.subtle.importKey("raw", enc.encode(signatureKey), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(url + body)))));
}
