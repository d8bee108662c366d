import { AppwriteError } from "../../core/errors";
import { onApiKey } from "../../platform/caller";
import { DYNAMIC_PREFIX, verifyDynamicKey } from "./secrets";

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
