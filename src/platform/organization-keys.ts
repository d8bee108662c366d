import { eq } from "drizzle-orm";
import { AppwriteError } from "../core/errors";
import { hashSecret } from "../core/crypto";
import { keyScopes } from "../core/scopes";
import { open } from "../db/client";
import { organizationKeys } from "../db/schema";
import type { Caller, Ctx } from "./context";

/** Organization keys' secrets carry Appwrite's type prefix (`organization_…`, Auth/Key.php). */
export const ORGANIZATION_KEY_PREFIX = "organization_";

/**
 * An organization key, in the console project, with the `X-Appwrite-Organization` header naming its organization
 * (Appwrite's organization_id_missing otherwise). It acts in that organization alone, with its own scopes, and is
 * a member-owner of that one console team (Appwrite adds team:T and team:T/owner) without skipping authorization.
 */
export async function organizationKeyCaller(c: Ctx, secret: string): Promise<Caller | null> {
  if (!secret.startsWith(ORGANIZATION_KEY_PREFIX)) return null;
  const [key] = await open(c.env.DB).select().from(organizationKeys).where(eq(organizationKeys.secretHash, hashSecret(secret))).limit(1);
  if (!key) throw new AppwriteError("user_unauthorized");
  if (c.req.header("x-appwrite-organization") !== key.teamId) throw new AppwriteError("organization_id_missing");
  if (key.expire !== null && key.expire < Date.now()) throw new AppwriteError("project_key_expired");
  const own = new Set(key.scopes);
  // Its organization's memberships are answered by the Teams routes (services/organization): there, and only
  // there, its membership scopes count as Teams' — never for other teams or the team itself.
  if (new URL(c.req.url).pathname.startsWith(`/v1/teams/${encodeURIComponent(key.teamId)}/memberships`)) {
    if (own.has("organization.memberships.read")) own.add("teams.read");
    if (own.has("organization.memberships.write")) own.add("teams.write");
  }
  const scopes = keyScopes(own);
  return {
    mode: "key", memberships: [], roles: ["any", `team:${key.teamId}`, `team:${key.teamId}/owner`], scopes, privileged: false, jwt: false,
    console: { grants: new Map([[key.teamId, scopes]]) },
  };
}
