import { lookup } from "../core/input";
import { ROLE_SCOPES } from "../core/scopes";

/**
 * Console roles: what a member of an organization (a console team) may do, by membership role — Appwrite's
 * app/config/roles.php (owner = member + admins, developer and admin = admins; every member also lists teams and
 * projects, controllers/shared/api.php). Any other role string (Cloud's editor, analyst, billing) grants only that base.
 * The `organization.*` scopes (SDK 27's OrganizationKeyScopes) are Cloud's and absent from the mirror's roles.php:
 * here owners hold them all, developers and admins may read the organization and its members.
 */
export const ORGANIZATION_KEY_SCOPES = [
  "projects.read", "projects.write", "devKeys.read", "devKeys.write", "organization.keys.read", "organization.keys.write",
  "organization.installations.read", "organization.installations.write", "organization.memberships.read",
  "organization.memberships.write", "organization.read", "organization.write", "domains.read", "domains.write",
  "keys.read", "keys.write",
] as const;

const ORGANIZATION_ALL = ORGANIZATION_KEY_SCOPES.filter((s) => s.startsWith("organization."));
const ORGANIZATION_READ = ["organization.read", "organization.memberships.read"];
const BASE = ["teams.read", "projects.read"];

const ROLES = lookup<readonly string[]>({
  owner: [...ROLE_SCOPES.member, ...ROLE_SCOPES.admins, ...ORGANIZATION_ALL],
  developer: [...ROLE_SCOPES.admins, ...ORGANIZATION_READ],
  admin: [...ROLE_SCOPES.admins, ...ORGANIZATION_READ],
});

/** The scopes a confirmed membership with these roles grants in its organization and the organization's projects. */
export function roleScopes(roles: readonly string[]): Set<string> {
  const scopes = new Set(BASE);
  for (const role of roles) for (const s of ROLES[role] ?? []) scopes.add(s);
  return scopes;
}

/**
 * The scopes of routes that act on an organization or on a project named in the path (console API). A console
 * session in the console project holds these — never users.*, buckets.*, … there, which would reach the console's
 * own users and data; each route then narrows them to the caller's role in the one organization it touches.
 */
export const CONSOLE_ROUTE_SCOPES: ReadonlySet<string> = new Set([
  ...ORGANIZATION_KEY_SCOPES, "project.read", "project.write", "platforms.read", "platforms.write", "webhooks.read",
  "webhooks.write", "oauth2.read", "oauth2.write", "policies.read", "policies.write", "project.policies.read",
  "project.policies.write", "templates.read", "templates.write", "mocks.read", "mocks.write", "schedules.read", "schedules.write",
]);
