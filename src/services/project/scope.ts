/** What every `/v1/project/*` route shares: the addressed project and Appwrite's limit/offset-only lists. */
import { AppwriteError } from "../../core/errors";
import { collectParams, p, validate } from "../../core/params";
import { groupQueries, parseQueries } from "../../core/query/parse";
import type { Project } from "../../db/schema";
import type { Ctx } from "../../platform/context";
import { loadProject } from "./store";

/**
 * The project these routes configure is the one the request addresses (X-Appwrite-Project, i.e. the API key's
 * project), read fresh from the control database. The console is not a configurable project.
 */
export async function projectOf(c: Ctx): Promise<Project> {
  const id = c.var.project.id;
  if (id === "console") throw new AppwriteError("project_not_found", "Project with the requested ID 'console' could not be found.");
  return loadProject(c, id);
}

/** `queries` (only limit and offset, as Appwrite's validator allows) and `total` over an in-memory list. */
export async function limitOffset<T>(c: Ctx, items: T[]): Promise<{ page: T[]; total: number }> {
  const a = validate(await collectParams(c), { queries: p.default(p.strings(), []), total: p.default(p.boolean(), true) });
  const parsed = parseQueries(a.queries);
  const other = parsed.find((q) => q.method !== "limit" && q.method !== "offset");
  if (other) throw new AppwriteError("general_argument_invalid", `Invalid \`queries\` param: Invalid query: Query method not valid: ${other.method}`);
  const g = groupQueries(parsed, items.length || 1);
  return { page: items.slice(g.offset, g.offset + g.limit), total: a.total ? items.length : 0 };
}
