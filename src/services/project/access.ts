import { eq, sql } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { groupQueries, parseQueries } from "../../core/query/parse";
import { open } from "../../db/client";
import { projects, type Project } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import { requireProjectAccess } from "../../platform/console-access";
import type { Caller, Ctx } from "../../platform/context";
import { CONSOLE, forgetProject } from "../../platform/projects";

/**
 * Who may change a project's settings, and where they live. Settings, keys and platforms are control data
 * (`c.env.DB`), read fresh here rather than from the per-isolate project cache.
 *
 * `/v1/project/*` serves the project the request names (never the console itself), for its own API keys, ADMIN_KEY
 * and console sessions in admin mode (their role's scopes in the project's organization, src/platform/caller.ts).
 * `/v1/projects/{projectId}/*` are the console's aliases: the ADMIN_KEY or the caller's organization role.
 */
export type ProjectOf = (c: Ctx, ...scopes: [string, ...string[]]) => Promise<{ caller: Caller; project: Project }>;

async function load(c: Ctx, id: string): Promise<Project> {
  const [row] = await open(c.env.DB).select().from(projects).where(eq(projects.id, id)).limit(1);
  if (!row) throw new AppwriteError("project_not_found", `Project with the requested ID '${id}' could not be found.`);
  return row;
}

export const currentProject: ProjectOf = async (c, ...scopes) => {
  const caller = requireScope(c, ...scopes);
  if (c.var.project.id === CONSOLE.id) throw new AppwriteError("project_not_found", "Project with the requested ID 'console' could not be found.");
  return { caller, project: await load(c, c.var.project.id) };
};

export const consoleProject: ProjectOf = async (c, ...scopes) => {
  const project = await requireProjectAccess(c, c.req.param("projectId")!, ...scopes);
  return { caller: c.var.caller, project };
};

/**
 * Replace `settings[top][sub]` (or `settings[top]` when `sub` is null) in one SQL statement, so concurrent
 * edits of other settings survive, and drop this isolate's cached copy. Returns the updated project.
 */
export async function setSetting(c: Ctx, projectId: string, top: string, sub: string | null, value: unknown): Promise<Project> {
  const db = open(c.env.DB);
  const topPath = `$."${top}"`;
  const json = JSON.stringify(value);
  const settings =
    sub === null
      ? sql`json_set(${projects.settings}, ${topPath}, json(${json}))`
      : sql`json_set(json_set(${projects.settings}, ${topPath}, json(coalesce(json_extract(${projects.settings}, ${topPath}), '{}'))), ${`${topPath}."${sub}"`}, json(${json}))`;
  const [row] = await db.update(projects).set({ settings, updatedAt: Date.now() }).where(eq(projects.id, projectId)).returning();
  forgetProject(projectId);
  if (!row) throw new AppwriteError("project_not_found", `Project with the requested ID '${projectId}' could not be found.`);
  return row;
}

/** Appwrite's in-memory lists (OAuth2 providers, email templates) take `limit` and `offset` queries only. */
export function page<T>(items: T[], queries: string[] | undefined): T[] {
  const parsed = parseQueries(queries);
  const other = parsed.find((q) => q.method !== "limit" && q.method !== "offset");
  if (other) throw new AppwriteError("general_query_invalid", `Invalid query: Query method not allowed: ${other.method}`);
  const g = groupQueries(parsed, Number.MAX_SAFE_INTEGER);
  return items.slice(g.offset, g.offset + g.limit);
}
