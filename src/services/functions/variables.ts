import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { resolveId } from "../../core/ids";
import { p, params } from "../../core/params";
import type { Binder } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { isUniqueViolation } from "../../db/client";
import { prepareQueries, runList } from "../../db/list";
import { functionVariables, type FnVariable } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { variableModel } from "./models";
import { invalidateFunction } from "./cache";
import { encryptValue } from "./secrets";

import { fromRaw, loadFunction, resolver } from "./store";
import { forgetSite } from "../sites/cache";
import { loadSite } from "../sites/store";

/** Variables feed running functions and sites: drop the cached runnable(s) they belong to. */
function changed(projectId: string, o: Owner) {
  if (o.resourceType !== "site") invalidateFunction(projectId, o.resourceType === "function" ? o.resourceId : undefined);
  if (o.resourceType !== "function") forgetSite(projectId, o.resourceType === "site" ? o.resourceId : undefined);
}

/**
 * Variables: per function (/v1/functions/:functionId/variables, scopes functions.*) and project-wide
 * (/v1/project/variables, scopes project.*), and per site (/v1/sites/:siteId/variables, scopes sites.*). Secret values (the default) are encrypted at rest and come
 * back as "" to everyone; only the function's runtime sees them.
 */
type Kind = "function" | "project" | "site";
type Owner = { resourceType: Kind; resourceId: string };

async function owner(c: Ctx, kind: Kind, write: boolean): Promise<Owner> {
  if (kind === "project") {
    requireScope(c, write ? "project.write" : "project.read");
    // The console is no project with variables (a console user holds project.* there for the console routes).
    if (c.var.project.id === "console") throw new AppwriteError("project_not_found", "Project with the requested ID 'console' could not be found.");
    return { resourceType: "project", resourceId: "" };
  }
  if (kind === "site") {
    requireScope(c, write ? "sites.write" : "sites.read");
    const site = await loadSite(c.var.db, c.var.project.id, c.req.param("siteId")!);
    return { resourceType: "site", resourceId: site.id };
  }
  requireScope(c, write ? "functions.write" : "functions.read");
  const fn = await loadFunction(c.var.db, c.var.project.id, c.req.param("functionId")!);
  return { resourceType: "function", resourceId: fn.id };
}

const where = (projectId: string, o: Owner, id: string) =>
  and(eq(functionVariables.projectId, projectId), eq(functionVariables.resourceType, o.resourceType), eq(functionVariables.resourceId, o.resourceId), eq(functionVariables.id, id));

async function load(c: Ctx, o: Owner, id: string): Promise<FnVariable> {
  const [row] = await c.var.db.select().from(functionVariables).where(where(c.var.project.id, o, id)).limit(1);
  if (!row) throw new AppwriteError("variable_not_found");
  return row;
}

const resolve = resolver({ key: { sql: "key", type: "string" }, secret: { sql: "secret", type: "boolean" }, resourceType: { sql: "resource_type", type: "string" }, resourceId: { sql: "resource_id", type: "string" } });

export function variableRoutes(kind: Kind) {
  const r = new Hono<AppEnv>();

  r.post("/", async (c) => {
    const o = await owner(c, kind, true);
    const a = await params(c, { variableId: p.customId(), key: p.string({ min: 1, max: 255 }), value: p.string({ max: 8192 }), secret: p.default(p.boolean(), true) });
    const id = resolveId("variableId", a.variableId);
    const now = Date.now();
    try {
      const [row] = await c.var.db
        .insert(functionVariables)
        .values({ projectId: c.var.project.id, id, ...o, key: a.key, value: a.secret ? await encryptValue(c.env, a.value) : a.value, secret: a.secret, createdAt: now, updatedAt: now })
        .returning();
      changed(c.var.project.id, o);
      return json(c, variableModel(row!), 201);
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppwriteError("variable_already_exists");
      throw e;
    }
  });

  r.get("/", async (c) => {
    const o = await owner(c, kind, false);
    const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
    const projectId = c.var.project.id;
    const result = await runList<Record<string, unknown>>(
      c.var.d1,
      { from: "function_variables", columns: "*", base: (b: Binder) => `project_id = ${b.bind(projectId)} AND resource_type = ${b.bind(o.resourceType)} AND resource_id = ${b.bind(o.resourceId)}`, resolve, sequence: "seq", id: "id" },
      prepareQueries(a.queries),
      a.total,
    );
    return json(c, list("variables", result.rows.map((row) => variableModel(fromRaw<FnVariable>(row, [], ["secret"]))), result.total));
  });

  r.get("/:variableId", async (c) => {
    const o = await owner(c, kind, false);
    return json(c, variableModel(await load(c, o, c.req.param("variableId"))));
  });

  r.put("/:variableId", async (c) => {
    const o = await owner(c, kind, true);
    const current = await load(c, o, c.req.param("variableId"));
    const a = await params(c, { key: p.optional(p.string({ min: 1, max: 255 })), value: p.optional(p.string({ max: 8192 })), secret: p.optional(p.boolean()) });
    if (current.secret && a.secret === false) throw new AppwriteError("variable_cannot_unset_secret");
    if (a.key === undefined && a.value === undefined && a.secret === undefined) {
      throw new AppwriteError("general_argument_invalid", "Missing key, value or secret. Please provide at least one of them.");
    }
    const secret = a.secret ?? current.secret;
    let value = current.value;
    if (a.value !== undefined) value = secret ? await encryptValue(c.env, a.value) : a.value;
    else if (secret && !current.secret) value = await encryptValue(c.env, current.value);
    try {
      const [row] = await c.var.db
        .update(functionVariables)
        .set({ key: a.key ?? current.key, value, secret, updatedAt: Date.now() })
        .where(where(c.var.project.id, o, current.id))
        .returning();
      changed(c.var.project.id, o);
      return json(c, variableModel(row!));
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppwriteError("variable_already_exists");
      throw e;
    }
  });

  r.delete("/:variableId", async (c) => {
    const o = await owner(c, kind, true);
    const current = await load(c, o, c.req.param("variableId"));
    await c.var.db.delete(functionVariables).where(where(c.var.project.id, o, current.id));
    changed(c.var.project.id, o);
    return noContent(c);
  });

  return r;
}
