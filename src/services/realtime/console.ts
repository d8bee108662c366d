import { open } from "../../db/client";
import { resolveUser } from "../../platform/caller";
import { consoleGrants } from "../../platform/console-access";
import { CONSOLE } from "../../platform/projects";
import type { Project } from "../../db/schema";
import { needsMoreFactors } from "../account/mfa-gate";

/**
 * The Edgewrite Console's realtime (the rows grid and the file browser refresh when another client writes). A
 * browser socket cannot carry `X-Appwrite-Mode: admin`, so a console user's session presented on a project's socket
 * (the SDK's `authentication` message) is taken as the console acting in that project, as the REST admin mode is:
 * a member of the project's organization whose role reads the project's data. Such a connection receives every
 * event of the project, whatever the resource's read roles (as the console reads every row through REST).
 *
 * The marker role is never a permission role (Appwrite's role grammar has no `console:` kind, normalizePermissions
 * refuses it), so only the shard's delivery check gives it meaning.
 */
export const CONSOLE_REALTIME_ROLE = "console:admin";

/** The scopes a role must hold in the organization: all data the project's events can carry. */
const READS = ["users.read", "teams.read", "rows.read", "files.read", "buckets.read", "functions.read", "executions.read"];

/** The console user behind `session` when they may watch `project` (else null: the caller falls back to a user). */
export async function consoleWatcher(env: Env, project: Project, session: string): Promise<{ userId: string; sessionId: string } | null> {
  const control = open(env.DB);
  const found = await resolveUser(env, control, CONSOLE, session, null).catch(() => null);
  if (!found?.user || !found.session || !found.user.status) return null;
  if (await needsMoreFactors(control, CONSOLE.id, found.user, found.session)) return null;
  const scopes = project.teamId ? consoleGrants(found.memberships).get(project.teamId) : undefined;
  if (!scopes || !READS.every((s) => scopes.has(s))) return null;
  return { userId: found.user.id, sessionId: found.session.id };
}
