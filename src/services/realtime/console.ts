import { open } from "../../db/client";
import { loadUserSession, resolveUser } from "../../platform/caller";
import { consoleGrants } from "../../platform/console-access";
import { CONSOLE } from "../../platform/projects";
import type { Membership, Project, Session, User } from "../../db/schema";
import { needsMoreFactors } from "../account/mfa-gate";

/**
 * The Edgewrite Console's realtime (the rows grid and the file browser refresh when another client writes). A
 * browser socket cannot carry `X-Appwrite-Mode: admin`, so a console user's session presented on a project's socket
 * (the SDK's `authentication` message) is taken as the console acting in that project, as the REST admin mode is:
 * a member of the project's organization whose role reads the project's data. Such a connection receives every
 * event of the project, whatever the resource's read roles (as the console reads every row through REST).
 *
 * The marker roles are never permission roles (Appwrite's role grammar has no `console:` kind, normalizePermissions
 * refuses it), so only the shard's delivery check gives them meaning. The second one names the console user, so the
 * shard can re-check the watcher later (consoleWatcherValid): membership, status and session live in the console
 * project, whose role changes never reach this project's shards.
 */
export const CONSOLE_REALTIME_ROLE = "console:admin";
const USER_ROLE = "console:user:";

/** The marker roles of a console watcher's connection. */
export const consoleWatcherRoles = (userId: string) => [CONSOLE_REALTIME_ROLE, USER_ROLE + userId];

/** The console user behind a watcher's roles ("" when the connection is not a console watcher). */
export const consoleWatcherUser = (roles: Iterable<string>) => {
  for (const r of roles) if (r.startsWith(USER_ROLE)) return r.slice(USER_ROLE.length);
  return "";
};

/** How often a shard re-checks its console watchers (ms); REALTIME_CONSOLE_RECHECK_MS overrides it for tests. */
export function consoleRecheckMs(env: Env): number {
  const v = Number((env as unknown as { REALTIME_CONSOLE_RECHECK_MS?: string }).REALTIME_CONSOLE_RECHECK_MS);
  return Number.isFinite(v) && v >= 100 ? v : 30_000;
}

/** The scopes a role must hold in the organization: all data the project's events can carry. */
const READS = ["users.read", "teams.read", "rows.read", "files.read", "buckets.read", "functions.read", "executions.read"];

async function admitted(control: ReturnType<typeof open>, project: Project, found: { user?: User | null; session?: Session | null; memberships: readonly Membership[] } | null) {
  if (!found?.user || !found.session || !found.user.status) return false;
  if (await needsMoreFactors(control, CONSOLE.id, found.user, found.session)) return false;
  const scopes = project.teamId ? consoleGrants(found.memberships).get(project.teamId) : undefined;
  return !!scopes && READS.every((s) => scopes.has(s));
}

/** The console user behind `session` when they may watch `project` (else null: the caller falls back to a user). */
export async function consoleWatcher(env: Env, project: Project, session: string): Promise<{ userId: string; sessionId: string } | null> {
  const control = open(env.DB);
  const found = await resolveUser(env, control, CONSOLE, session, null).catch(() => null);
  if (!found?.user || !(await admitted(control, project, found))) return null;
  return { userId: found.user.id, sessionId: found.session!.id };
}

/** Whether an admitted watcher still may watch: the session lives, the user is active, the role still reads. */
export async function consoleWatcherValid(env: Env, project: Project, userId: string, sessionId: string): Promise<boolean> {
  const control = open(env.DB);
  return admitted(control, project, await loadUserSession(control, CONSOLE.id, userId, { sessionId }));
}
