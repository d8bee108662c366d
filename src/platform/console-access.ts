import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../core/errors";
import { open, type DB } from "../db/client";
import { projectPlacement } from "../db/shards";
import { MOVING_MESSAGE } from "./moving";
import { projects, teams, type Membership, type Project, type Team } from "../db/schema";
import { requireScope, scopeError } from "./caller";
import { roleScopes } from "./console-roles";
import type { Caller, Ctx } from "./context";
import { CONSOLE } from "./projects";

/**
 * Who may act on an organization (a team of the console project) or on one of its projects: the deployment's
 * ADMIN_KEY always; a console user by their role in that organization; an organization key in its own one.
 * Organizations and projects live in the control database (`c.env.DB`), whatever project the request names.
 * A project with no organization (team_id '') is reachable by the ADMIN_KEY alone.
 */

const NONE: ReadonlySet<string> = new Set();

/** The ADMIN_KEY: mode admin with no console identity (a console user in admin mode carries one). */
export const isDeploymentAdmin = (caller: Caller) => caller.mode === "admin" && !caller.console;

/** A console user's confirmed organization memberships → the scopes each grants. */
export function consoleGrants(memberships: readonly Membership[]): Map<string, ReadonlySet<string>> {
  return new Map(memberships.filter((m) => m.confirm && m.projectId === CONSOLE.id).map((m) => [m.teamId, roleScopes(m.roles)]));
}

/** The scopes the caller holds in an organization (everything for the ADMIN_KEY). */
export function organizationScopes(caller: Caller, teamId: string): ReadonlySet<string> | null {
  if (isDeploymentAdmin(caller)) return caller.scopes;
  return (teamId && caller.console?.grants.get(teamId)) || null;
}

/** A console-wide route (project list, console variables): the ADMIN_KEY or any console identity, after Appwrite's scopes. */
export function requireConsoleCaller(c: Ctx, ...scopes: [string, ...string[]]): Caller {
  const caller = requireScope(c, ...scopes);
  if (!isDeploymentAdmin(caller) && !caller.console) throw new AppwriteError("user_unauthorized");
  return caller;
}

/** The organizations whose projects the caller may list (null: every project, for the ADMIN_KEY). */
export function readableOrganizations(caller: Caller, scope = "projects.read"): string[] | null {
  if (isDeploymentAdmin(caller)) return null;
  return [...(caller.console?.grants ?? [])].filter(([, s]) => s.has(scope)).map(([id]) => id);
}

/**
 * Appwrite's order: the route's scopes (requireScope), then the caller's role in `teamId`: not a member (or no
 * organization at all) → user_unauthorized; a member whose role lacks the scopes → the scope refusal.
 */
export function assertOrganizationScope(c: Ctx, teamId: string, scopes: readonly [string, ...string[]]): void {
  const granted = organizationScopes(c.var.caller, teamId);
  if (!granted) throw new AppwriteError("user_unauthorized");
  if (!scopes.some((s) => granted.has(s))) throw scopeError(c, scopes);
}

/**
 * The console's check for a route on `/v1/projects/{projectId}/…`: admits the ADMIN_KEY and a console session
 * (or organization key) whose role in the project's organization grants one of `scopes`; returns the project.
 * A caller who may not reach the project learns nothing of it: user_unauthorized whether it exists or not.
 */
/**
 * The data database of a project a console route addresses by path (the request's own project is the console,
 * whose `c.var.db` is the control database). `write`: refused while the project moves (platform/moving.ts).
 */
export async function projectData(c: Ctx, projectId: string, write: boolean): Promise<DB> {
  if (projectId === c.var.project.id) return c.var.db;
  const placement = await projectPlacement(c.env, projectId);
  if (write && placement.moving) throw new AppwriteError("general_service_disabled", MOVING_MESSAGE);
  return open(placement.d1);
}

export async function requireProjectAccess(c: Ctx, projectId: string, ...scopes: [string, ...string[]]): Promise<Project> {
  const caller = requireScope(c, ...scopes);
  const [project] = await open(c.env.DB).select().from(projects).where(eq(projects.id, projectId)).limit(1);
  if (isDeploymentAdmin(caller)) {
    if (!project) throw new AppwriteError("project_not_found", `Project with the requested ID '${projectId}' could not be found.`);
    return project;
  }
  assertOrganizationScope(c, project?.teamId ?? "", scopes);
  return project!;
}

/** A console team (organization) by id, from the control database. */
export async function findOrganization(env: Env, teamId: string): Promise<Team | null> {
  if (!teamId) return null;
  const [team] = await open(env.DB).select().from(teams).where(and(eq(teams.projectId, CONSOLE.id), eq(teams.id, teamId))).limit(1);
  return team ?? null;
}

/**
 * `/v1/organization/*`: the organization named by `X-Appwrite-Organization` (what an organization key must send
 * too), in the console project; the caller's role there must grant one of `scopes`.
 */
export async function requireOrganization(c: Ctx, ...scopes: [string, ...string[]]): Promise<Team> {
  requireScope(c, ...scopes);
  if (c.var.project.id !== CONSOLE.id) throw new AppwriteError("user_unauthorized");
  const teamId = c.req.header("x-appwrite-organization") ?? "";
  if (!teamId) throw new AppwriteError("team_not_found");
  const team = await findOrganization(c.env, teamId);
  if (isDeploymentAdmin(c.var.caller)) {
    if (!team) throw new AppwriteError("team_not_found");
    return team;
  }
  assertOrganizationScope(c, team ? teamId : "", scopes);
  return team!;
}

/**
 * An organization key adds or re-roles members only to roles that grant nothing it lacks: otherwise a key with
 * `organization.memberships.write` alone would make its holder's account an owner, with every scope. (A person
 * who owns the organization may give any role, as in Appwrite.)
 */
export function assertRolesGrantable(c: Ctx, roles: readonly string[]): void {
  const caller = c.var.caller;
  if (caller.mode !== "key" || !caller.console || c.var.project.id !== CONSOLE.id) return;
  const base = roleScopes([]);
  const missing = [...roleScopes(roles)].filter((s) => !base.has(s) && !caller.scopes.has(s));
  if (missing.length) throw scopeError(c, missing);
}
