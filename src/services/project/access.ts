import { eq, sql } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { groupQueries, parseQueries } from "../../core/query/parse";
import { open } from "../../db/client";
import { projects, type Project } from "../../db/schema";
import { requireAdmin, requireScope } from "../../platform/caller";
import type { Caller, Ctx } from "../../platform/context";
import { forgetProject } from "../../platform/projects";

/**
 * Who may change a project's settings, and where they live. Settings, keys and platforms are control data
 * (`c.env.DB`), read fresh here rather than from the per-isolate project cache.
 *
 * `/v1/project/*` serves the project the request names, for its own API keys, ADMIN_KEY and console sessions
 * (both resolve to the deployment admin until organizations bring per-project console roles).
 * `/v1/projects/{projectId}/*` are the console's aliases: the deployment admin only.
 */
export type ProjectOf = (c: Ctx, ...scopes: [string, ...string[]]) => Promise<{ caller: Caller; project: Project }>;

async function load(c: Ctx, id: string): Promise<Project> {
  const [row] = await open(c.env.DB).select().from(projects).where(eq(projects.id, id)).limit(1);
  if (!row) throw new AppwriteError("project_not_found", `Project with the requested ID '${id}' could not be found.`);
  return row;
}

export const currentProject: ProjectOf = async (c, ...scopes) => {
  const caller = requireScope(c, ...scopes);
  return { caller, project: await load(c, c.var.project.id) };
};

export const consoleProject: ProjectOf = async (c, ...scopes) => {
  const caller = requireAdmin(c, ...scopes);
  return { caller, project: await load(c, c.req.param("projectId")!) };
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
