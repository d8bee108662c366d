import type { Project } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import { requireProjectAccess } from "../../platform/console-access";
import type { Caller, Ctx } from "../../platform/context";
import { projectOf } from "./scope";

/**
 * Who may change a project's settings, and where they live. Settings, keys and platforms are control data
 * (`c.env.DB`), read fresh here rather than from the per-isolate project cache.
 *
 * `/v1/project/*` serves the project the request names (never the console itself), for its own API keys, ADMIN_KEY
 * and console sessions in admin mode (their role's scopes in the project's organization, src/platform/caller.ts).
 * `/v1/projects/{projectId}/*` are the console's aliases: the ADMIN_KEY or the caller's organization role.
 */
export type ProjectOf = (c: Ctx, ...scopes: [string, ...string[]]) => Promise<{ caller: Caller; project: Project }>;

export const currentProject: ProjectOf = async (c, ...scopes) => {
  const caller = requireScope(c, ...scopes);
  return { caller, project: await projectOf(c) };
};

export const consoleProject: ProjectOf = async (c, ...scopes) => {
  const project = await requireProjectAccess(c, c.req.param("projectId")!, ...scopes);
  return { caller: c.var.caller, project };
};
