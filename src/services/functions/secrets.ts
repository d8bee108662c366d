import { jwtVerify, SignJWT } from "jose";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * Two secrets of the Functions service:
 * - secret variable values, stored AES-GCM encrypted (`enc1:<iv>:<ciphertext>`, base64url) because the
 *   runtime needs them in clear; the key is derived from the deployment's JWT_SECRET (or ADMIN_KEY);
 * - dynamic API keys handed to each execution: `dynamic_<HS256 JWT {projectId, scopes, functionId}>`,
 *   valid for the function's timeout + 60 s (Appwrite's shape), verified by the caller resolver.
 */
const root = (env: Env) => env.JWT_SECRET || env.ADMIN_KEY || "edgewrite-dev";

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64 = (s: string) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));

const aesKeys = new Map<string, Promise<CryptoKey>>();
function aesKey(env: Env): Promise<CryptoKey> {
  const secret = root(env);
  let k = aesKeys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey("raw", sha256(utf8ToBytes(`edgewrite:function-variables:${secret}`)), "AES-GCM", false, ["encrypt", "decrypt"]);
    aesKeys.set(secret, k);
  }
  return k;
}

export async function encryptValue(env: Env, value: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await aesKey(env), utf8ToBytes(value)));
  return `enc1:${b64(iv)}:${b64(ct)}`;
}

/** Decrypt a stored value; plain (non-secret) values pass through. A value that cannot be decrypted becomes "". */
export async function decryptValue(env: Env, stored: string): Promise<string> {
  if (!stored.startsWith("enc1:")) return stored;
  const [, iv, ct] = stored.split(":");
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(iv!) }, await aesKey(env), unb64(ct!));
    return new TextDecoder().decode(plain);
  } catch {
    return "";
  }
}

const jwtKey = (env: Env) => utf8ToBytes(`edgewrite:dynamic-key:${root(env)}`);
export const DYNAMIC_PREFIX = "dynamic_";

export async function signDynamicKey(env: Env, claims: { projectId: string; functionId: string; scopes: string[] }, seconds: number): Promise<string> {
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(jwtKey(env));
  return DYNAMIC_PREFIX + jwt;
}

export type DynamicKeyResult = { ok: true; projectId: string; functionId: string; scopes: string[]; /** Epoch seconds. */ exp: number } | { ok: false; expired: boolean };

export async function verifyDynamicKey(env: Env, key: string): Promise<DynamicKeyResult> {
  if (!key.startsWith(DYNAMIC_PREFIX)) return { ok: false, expired: false };
  try {
    const { payload } = await jwtVerify(key.slice(DYNAMIC_PREFIX.length), jwtKey(env), { algorithms: ["HS256"] });
    const { projectId, functionId, scopes, exp } = payload as Record<string, unknown>;
    if (typeof projectId !== "string" || !Array.isArray(scopes) || typeof exp !== "number") return { ok: false, expired: false };
    return { ok: true, projectId, functionId: String(functionId ?? ""), scopes: scopes.filter((s): s is string => typeof s === "string"), exp };
  } catch (e) {
    return { ok: false, expired: (e as { code?: string })?.code === "ERR_JWT_EXPIRED" };
  }
}
