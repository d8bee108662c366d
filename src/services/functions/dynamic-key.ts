import { AppwriteError } from "../../core/errors";
import { onApiKey } from "../../platform/caller";
import { DYNAMIC_PREFIX, verifyDynamicKey, type DynamicKeyResult } from "./secrets";

/** Verified keys, until they expire: a function's API calls reuse one key, so its signature is checked once per isolate. */
const verified = new Map<string, Extract<DynamicKeyResult, { ok: true }>>();
async function verify(env: Env, apiKey: string): Promise<DynamicKeyResult> {
  const hit = verified.get(apiKey);
  if (hit && hit.exp * 1000 > Date.now()) return hit;
  if (hit) verified.delete(apiKey);
  const r = await verify(env, apiKey);
  if (r.ok) {
    verified.set(apiKey, r);
    if (verified.size > 1000) verified.delete(verified.keys().next().value!);
  }
  return r;
}

/**
 * Executions' dynamic API keys (`dynamic_<jwt>`, header x-appwrite-key inside a function): an API-key
 * caller with only the function's scopes, for its own project, until timeout + 60 s.
 */
onApiKey(async (env, project, apiKey) => {
  if (!apiKey.startsWith(DYNAMIC_PREFIX)) return null;
  const r = await verifyDynamicKey(env, apiKey);
  if (!r.ok) throw new AppwriteError(r.expired ? "api_key_expired" : "user_unauthorized");
  if (r.projectId !== project.id) throw new AppwriteError("user_unauthorized");
  return { mode: "key", memberships: [], roles: ["any"], scopes: new Set(r.scopes), privileged: true, jwt: false };
});
