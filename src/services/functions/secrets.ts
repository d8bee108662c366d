import { jwtVerify, SignJWT } from "jose";
import { purposeBytes, seal, unseal } from "../../core/secrets";

/**
 * Two secrets of the Functions service:
 * - secret variable values, stored sealed (src/core/secrets.ts) because the runtime needs them in clear;
 * - dynamic API keys handed to each execution: `dynamic_<HS256 JWT {projectId, scopes, functionId}>`
 *   (Appwrite's shape), one per execution, valid for the function's timeout + DYNAMIC_KEY_GRACE_S
 *   (Appwrite: + 60 s for container cold starts, which Dynamic Workers do not have), verified by dynamic-key.ts.
 */
const PURPOSE = "function-variables-v1";

/** Seal a secret variable's value (src/core/secrets.ts); the runtime reads it back in clear. */
export const encryptValue = (env: Env, value: string) => seal(env, PURPOSE, value);

/** Open a secret variable's stored value; one that cannot be opened (root secret rotated) becomes "". */
export async function decryptValue(env: Env, stored: string): Promise<string> {
  try {
    return await unseal(env, PURPOSE, stored);
  } catch {
    return "";
  }
}

const jwtKey = (env: Env) => purposeBytes(env, "dynamic-key");
export const DYNAMIC_PREFIX = "dynamic_";
export const DYNAMIC_KEY_GRACE_S = 10;

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
