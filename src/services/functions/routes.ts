import { Hono } from "hono";
import { and, asc, eq, inArray } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { updatedAtAfter } from "../../core/time";
import { resolveId } from "../../core/ids";
import { p, params, type Parsed } from "../../core/params";
import { isValidRole } from "../../core/permissions";
import type { Binder } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { KEY_SCOPES } from "../../core/scopes";
import { isUniqueViolation } from "../../db/client";
import { prepareQueries, runList } from "../../db/list";
import { functionDeployments, functionExecutions, functions, functionVariables, type Fn, type FnVariable } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { onProjectDelete } from "../../platform/projects";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { isValidCron } from "./cron";
import { deploymentRoutes, updateFunctionDeployment } from "./deployments";
import { createTemplateDeployment } from "./templates";
import { executionRoutes } from "./executions";
import { functionModel } from "./models";
import { checkRuntime, JS_RUNTIMES, runtimeModel } from "./runtimes";
import { invalidateFunction } from "./cache";
import { deleteRules, newFunctionRule } from "./domains";
import { settleExecutions } from "./persist";
import { configureSchedule } from "./schedules";
import { fromRaw, loadFunction, r2, resolver, searchClause } from "./store";
import { variableRoutes } from "./variables";
import { checkSpecification, DEFAULT_SPECIFICATION, SPECIFICATIONS } from "./specifications";
import "./background";
import "./sweeper";
import "./dynamic-key";

/** /v1/functions: functions CRUD, runtimes, then deployments, executions and variables. */
export const functionRoutes = new Hono<AppEnv>();

const EVENT = /^[a-zA-Z0-9*_.\-[\]]+$/;

function checkRoles(roles: string[]): string[] {
  for (const r of roles) {
    if (r.length > 64 || !isValidRole(r)) {
      throw new AppwriteError("general_argument_invalid", `Invalid \`execute\` param: Role "${r}" is not allowed. Must be one of: any, guests, users, user:[id], team:[id], member:[id], label:[name].`);
    }
  }
  return [...new Set(roles)];
}

function checkEvents(events: string[]): string[] {
  for (const e of events) {
    if (!EVENT.test(e) || e.split(".").length < 2 || e.length > 256) throw new AppwriteError("general_argument_invalid", "Invalid `events` param: Event is not valid.");
  }
  return [...new Set(events)];
}

function checkSchedule(schedule: string | undefined): string | undefined {
  if (schedule !== undefined && !isValidCron(schedule)) throw new AppwriteError("general_argument_invalid", "Invalid `schedule` param: String must be a valid cron expression");
  return schedule;
}

const shape = () => ({
  runtime: p.string({ max: 64 }),
  execute: p.optional(p.strings({ max: 100, maxLength: 64 })),
  events: p.optional(p.strings({ max: 100, maxLength: 256 })),
  schedule: p.optional(p.string({ max: 256 })),
  timeout: p.optional(p.integer({ min: 1, max: 900 })),
  enabled: p.optional(p.boolean()),
  logging: p.optional(p.boolean()),
  entrypoint: p.optional(p.string({ max: 1028 })),
  commands: p.optional(p.string({ max: 8192 })),
  scopes: p.optional(p.array(p.enum(KEY_SCOPES), { max: 100 })),
  installationId: p.optional(p.string({ max: 128 })),
  providerRepositoryId: p.optional(p.string({ max: 128 })),
  providerBranch: p.optional(p.string({ max: 128 })),
  providerSilentMode: p.optional(p.boolean()),
  providerRootDirectory: p.optional(p.string({ max: 128 })),
  providerBranches: p.optional(p.strings({ max: 100, maxLength: 128 })),
  providerPaths: p.optional(p.strings({ max: 100, maxLength: 128 })),
  buildSpecification: p.optional(p.string({ max: 128 })),
  runtimeSpecification: p.optional(p.string({ max: 128 })),
  deploymentRetention: p.optional(p.integer({ min: 0, max: 36500 })),
});

/**
 * The settings create and update (PUT) share, with Appwrite's defaults: an update replaces every one it is
 * not given, as Appwrite's PUT does (only runtime and entrypoint keep theirs when omitted).
 */
function settings(a: Omit<Parsed<ReturnType<typeof shape>>, "runtime">) {
  return {
    execute: checkRoles(a.execute ?? []),
    events: checkEvents(a.events ?? []),
    schedule: checkSchedule(a.schedule) ?? "",
    timeout: a.timeout ?? 15,
    enabled: a.enabled ?? true,
    logging: a.logging ?? true,
    entrypoint: a.entrypoint ?? "",
    commands: a.commands ?? "",
    scopes: [...new Set(a.scopes ?? [])],
    deploymentRetention: a.deploymentRetention ?? 0,
    buildSpecification: checkSpecification("buildSpecification", a.buildSpecification) ?? DEFAULT_SPECIFICATION,
    runtimeSpecification: checkSpecification("runtimeSpecification", a.runtimeSpecification) ?? DEFAULT_SPECIFICATION,
  };
}

function provider(a: Record<string, unknown>, base: Record<string, unknown> = {}) {
  const out = { ...base };
  for (const k of ["installationId", "providerRepositoryId", "providerBranch", "providerSilentMode", "providerRootDirectory", "providerBranches", "providerPaths"]) {
    if (a[k] !== undefined) out[k] = a[k];
  }
  return out;
}

function functionEvent(c: Ctx, f: Fn, action: "create" | "update" | "delete") {
  return recordEvent(c.var.db, { projectId: f.projectId, pattern: `functions.[functionId].${action}`, params: { functionId: f.id }, payload: functionModel(f), roles: [] });
}

functionRoutes.get("/runtimes", (c) => {
  requireScope(c, "public");
  return json(c, list("runtimes", JS_RUNTIMES.map(runtimeModel), JS_RUNTIMES.length));
});

functionRoutes.get("/specifications", (c) => {
  requireScope(c, "functions.read");
  return json(c, list("specifications", SPECIFICATIONS, SPECIFICATIONS.length));
});

functionRoutes.post("/", async (c) => {
  requireScope(c, "functions.write");
  const a = await params(c, { functionId: p.customId(), name: p.string({ min: 1, max: 128 }), ...shape() });
  const runtime = checkRuntime(a.runtime);
  const id = resolveId("functionId", a.functionId);
  const now = Date.now();
  const db = c.var.db;
  const values = {
    projectId: c.var.project.id,
    id,
    name: a.name,
    runtime,
    ...settings(a),
    provider: provider(a),
    createdAt: now,
    updatedAt: now,
  };
  const row: Fn = { seq: 0, deploymentId: "", deploymentCreatedAt: null, latestDeploymentId: "", latestDeploymentCreatedAt: null, latestDeploymentStatus: "", ...values };
  try {
    // The function, its domain (domains.ts) and their events: one batch.
    await db.batch([db.insert(functions).values(values), ...newFunctionRule(c.env, db, row.projectId, row.id, now), functionEvent(c, row, "create")]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("function_already_exists");
    throw e;
  }
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, functionModel(row), 201);
});

const resolve = resolver({
  name: { sql: "name", type: "string" },
  enabled: { sql: "enabled", type: "boolean" },
  runtime: { sql: "runtime", type: "string" },
  deploymentId: { sql: "deployment_id", type: "string" },
  schedule: { sql: "schedule", type: "string" },
  scheduleNext: { sql: "schedule", type: "string" },
  timeout: { sql: "timeout", type: "integer" },
  entrypoint: { sql: "entrypoint", type: "string" },
  commands: { sql: "commands", type: "string" },
  installationId: { sql: "json_extract(provider, '$.installationId')", type: "string" },
});

functionRoutes.get("/", async (c) => {
  requireScope(c, "functions.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    { from: "functions", columns: "*", base: (b: Binder) => `project_id = ${b.bind(projectId)} AND ${searchClause(b, ["id", "name", "runtime"], a.search)}`, resolve, sequence: "seq", id: "id" },
    prepareQueries(a.queries),
    a.total,
  );
  const rows = result.rows.map((r) => fromRaw<Fn>(r, ["execute", "events", "scopes", "provider"], ["enabled", "logging"]));
  const vars = await varsByFunction(c.var.db, projectId, rows.map((f) => f.id));
  return json(c, list("functions", rows.map((f) => functionModel(f, vars.get(f.id))), result.total));
});

/** Functions' `vars`: Appwrite puts them on every Function model (get and list), in creation order. */
const variablesOf = (db: Ctx["var"]["db"], projectId: string, functionIds: string[]) =>
  db
    .select()
    .from(functionVariables)
    .where(and(eq(functionVariables.projectId, projectId), eq(functionVariables.resourceType, "function"), inArray(functionVariables.resourceId, functionIds)))
    .orderBy(asc(functionVariables.seq));
type VarQuery = ReturnType<typeof variablesOf>;

/** The `vars` of a page of functions in one D1 round trip (id lists kept under D1's 100 bound parameters). */
async function varsByFunction(db: Ctx["var"]["db"], projectId: string, ids: string[]): Promise<Map<string, FnVariable[]>> {
  const byId = new Map(ids.map((id) => [id, [] as FnVariable[]]));
  const queries: VarQuery[] = [];
  for (let i = 0; i < ids.length; i += 90) queries.push(variablesOf(db, projectId, ids.slice(i, i + 90)));
  if (queries.length) for (const rows of await db.batch(queries as [VarQuery, ...VarQuery[]])) for (const v of rows) byId.get(v.resourceId)?.push(v);
  return byId;
}

async function withVars(c: Ctx, f: Fn) {
  const vars: FnVariable[] = await variablesOf(c.var.db, f.projectId, [f.id]);
  return functionModel(f, vars);
}

functionRoutes.get("/:functionId", async (c) => {
  requireScope(c, "functions.read");
  const db = c.var.db;
  const projectId = c.var.project.id;
  const id = c.req.param("functionId");
  // The function and its variables in one D1 round trip.
  const [rows, vars] = await db.batch([
    db.select().from(functions).where(and(eq(functions.projectId, projectId), eq(functions.id, id))).limit(1),
    variablesOf(db, projectId, [id]),
  ]);
  if (!rows[0]) throw new AppwriteError("function_not_found");
  return json(c, functionModel(rows[0], vars));
});

functionRoutes.put("/:functionId", async (c) => {
  requireScope(c, "functions.write");
  const fn = await loadFunction(c.var.db, c.var.project.id, c.req.param("functionId"));
  const a = await params(c, { name: p.string({ min: 1, max: 128 }), ...shape(), runtime: p.optional(p.string({ max: 64 })) });
  // PUT replaces: what is not sent returns to Appwrite's default (runtime and entrypoint keep theirs)
  const set = {
    name: a.name,
    runtime: a.runtime ? checkRuntime(a.runtime) : fn.runtime,
    ...settings(a),
    entrypoint: a.entrypoint || fn.entrypoint,
    provider: provider(a, fn.provider),
  };
  const row: Fn = { ...fn, ...set, updatedAt: updatedAtAfter(fn, set) };
  const db = c.var.db;
  // The write and its event in one batch
  await db.batch([
    db.update(functions).set({ ...set, updatedAt: row.updatedAt }).where(and(eq(functions.projectId, fn.projectId), eq(functions.id, fn.id))),
    functionEvent(c, row, "update"),
  ]);
  invalidateFunction(fn.projectId, fn.id);
  if (row.schedule !== fn.schedule || row.enabled !== fn.enabled) await configureSchedule(c.env, row);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, await withVars(c, row));
});

async function activateDeployment(c: Ctx) {
  const fn = await updateFunctionDeployment(c);
  invalidateFunction(fn.projectId, fn.id);
  const params = { functionId: fn.id, deploymentId: fn.deploymentId };
  await c.var.db.batch([recordEvent(c.var.db, { projectId: fn.projectId, pattern: "functions.[functionId].deployments.[deploymentId].update", params, payload: functionModel(fn), roles: [] })]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, await withVars(c, fn));
}
functionRoutes.patch("/:functionId/deployment", activateDeployment);
functionRoutes.patch("/:functionId/deployments/:deploymentId", activateDeployment); // Appwrite's httpAlias

/** Remove a function's rows and R2 objects (function delete and project delete). */
async function purge(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, db: Ctx["var"]["db"], projectId: string, functionId?: string) {
  const one = functionId !== undefined;
  await settleExecutions(env, ctx, db);
  invalidateFunction(projectId, functionId);
  await db.batch([
    db.delete(functionExecutions).where(one ? and(eq(functionExecutions.projectId, projectId), eq(functionExecutions.functionId, functionId)) : eq(functionExecutions.projectId, projectId)),
    db.delete(functionDeployments).where(one ? and(eq(functionDeployments.projectId, projectId), eq(functionDeployments.functionId, functionId)) : eq(functionDeployments.projectId, projectId)),
    db
      .delete(functionVariables)
      .where(one ? and(eq(functionVariables.projectId, projectId), eq(functionVariables.resourceType, "function"), eq(functionVariables.resourceId, functionId)) : eq(functionVariables.projectId, projectId)),
    db.delete(functions).where(one ? and(eq(functions.projectId, projectId), eq(functions.id, functionId)) : eq(functions.projectId, projectId)),
    deleteRules(db, projectId, functionId),
  ]);
  const prefix = functionId ? r2.prefix(projectId, functionId) : `functions/${projectId}/`;
  for (let cursor: string | undefined; ; ) {
    const page = await env.BUCKET.list({ prefix, cursor });
    if (page.objects.length) await env.BUCKET.delete(page.objects.map((o) => o.key));
    if (!page.truncated) break;
    cursor = page.cursor;
  }
}

functionRoutes.delete("/:functionId", async (c) => {
  requireScope(c, "functions.write");
  const fn = await loadFunction(c.var.db, c.var.project.id, c.req.param("functionId"));
  await c.var.db.batch([functionEvent(c, fn, "delete")]);
  await purge(c.env, c.executionCtx, c.var.db, fn.projectId, fn.id);
  await configureSchedule(c.env, { ...fn, schedule: "" });
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});

onProjectDelete(async (env, db, projectId) => {
  const fns = await db.select({ id: functions.id }).from(functions).where(eq(functions.projectId, projectId));
  await purge(env, { waitUntil: (p) => void p.catch(() => {}) }, db, projectId);
  for (const f of fns) await configureSchedule(env, { projectId, id: f.id, schedule: "", enabled: false, deploymentId: "" });
});

functionRoutes.post("/:functionId/deployments/template", createTemplateDeployment);
functionRoutes.route("/:functionId/deployments", deploymentRoutes);
functionRoutes.route("/:functionId/variables", variableRoutes("function"));
functionRoutes.route("/", executionRoutes);

export const projectVariableRoutes = variableRoutes("project");
