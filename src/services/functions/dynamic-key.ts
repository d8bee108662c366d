import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { dataDatabase } from "../../db/shards";
import { open } from "../../db/client";
import { functions } from "../../db/schema";
import { onApiKey } from "../../platform/caller";
import { keyScopes } from "../../core/scopes";
import { cachedRunnable } from "./cache";
import { DYNAMIC_PREFIX, verifyDynamicKey } from "./secrets";

/** The function's current scopes (null: it no longer exists), from the runnable cache when fresh (cache.ts). */
async function currentScopes(env: Env, projectId: string, functionId: string): Promise<string[] | null> {
  const hit = cachedRunnable(projectId, functionId);
  if (hit) return hit.fn.scopes;
  const [row] = await open(await dataDatabase(env, projectId))
    .select({ scopes: functions.scopes })
    .from(functions)
    .where(and(eq(functions.projectId, projectId), eq(functions.id, functionId)))
    .limit(1);
  return row?.scopes ?? null;
}

const sameScopes = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((s) => b.includes(s));

/**
 * Executions' dynamic API keys (`dynamic_<jwt>`, header x-appwrite-key inside a function): an API-key
 * caller with only the function's scopes, for its own project, while the execution may still run
 * (secrets.ts), and only while the function exists with the scopes the key was minted with — a key
 * a function leaked dies with the function or with a change of its scopes (within the runnable cache's
 * few seconds in other isolates; at once in the isolate that made the change).
 */
onApiKey(async (env, project, apiKey) => {
  if (!apiKey.startsWith(DYNAMIC_PREFIX)) return null;
  const r = await verifyDynamicKey(env, apiKey);
  if (!r.ok) throw new AppwriteError(r.expired ? "api_key_expired" : "user_unauthorized");
  if (r.projectId !== project.id) throw new AppwriteError("user_unauthorized");
  const scopes = await currentScopes(env, r.projectId, r.functionId);
  if (!scopes || !sameScopes(scopes, r.scopes)) throw new AppwriteError("user_unauthorized");
  return { mode: "key", memberships: [], roles: ["any"], scopes: keyScopes(r.scopes), privileged: true, jwt: false };
});
