import { Hono } from "hono";
import { and, asc, eq, inArray } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { resolveId, uniqueId } from "../../core/ids";
import { p, params, type Parsed } from "../../core/params";
import type { Binder } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { updatedAtAfter } from "../../core/time";
import { isUniqueViolation, type DB } from "../../db/client";
import { prepareQueries, runList } from "../../db/list";
import { functionVariables, rules, siteDeployments, siteLogs, sites, type FnVariable, type Rule, type Site } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { onProjectDelete } from "../../platform/projects";
import { forgetRules, ruleByDomain } from "../functions/domains";
import { ruleModel } from "../functions/models";
import { ALL_RUNTIMES } from "../functions/runtimes";
import { checkSpecification, DEFAULT_SPECIFICATION, SPECIFICATIONS } from "../functions/specifications";
import { fromRaw, resolver, searchClause } from "../functions/store";
import { variableRoutes } from "../functions/variables";
import { activateSiteDeployment } from "./build";
import { forgetSite } from "./cache";
import { siteDeploymentRoutes } from "./deployments";
import { siteLogRoutes } from "./logs";
import { FRAMEWORK_KEYS, frameworkModel, siteModel } from "./models";
import { sitesDomain } from "./serve";
import { deletePrefix, loadSite, loadSiteDeployment, r2 } from "./store";

/** /v1/sites: sites CRUD, frameworks, specifications, activation; deployments, logs and variables below a site. */
export const siteRoutes = new Hono<AppEnv>();

const MAX_TIMEOUT = 30; // _APP_SITES_TIMEOUT

function oneOf<T extends string>(name: string, allowed: readonly T[], v: string | undefined): T | undefined {
  if (v !== undefined && !allowed.includes(v as T)) throw new AppwriteError("general_argument_invalid", `Invalid \`${name}\` param: Value must be one of (${allowed.join(", ")})`);
  return v as T | undefined;
}

const shape = () => ({
  name: p.string({ min: 1, max: 128 }),
  framework: p.string({ max: 64 }),
  enabled: p.optional(p.boolean()),
  logging: p.optional(p.boolean()),
  timeout: p.optional(p.integer({ min: 1, max: MAX_TIMEOUT })),
  installCommand: p.optional(p.string({ max: 8192 })),
  buildCommand: p.optional(p.string({ max: 8192 })),
  startCommand: p.optional(p.string({ max: 8192 })),
  outputDirectory: p.optional(p.string({ max: 8192 })),
  buildRuntime: p.optional(p.string({ max: 64 })),
  adapter: p.optional(p.string({ max: 16 })),
  fallbackFile: p.optional(p.string({ max: 255 })),
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

/** Create and update (PUT) share these, with Appwrite's defaults: what an update is not given returns to its default. */
function settings(a: Parsed<ReturnType<typeof shape>>, current?: Site) {
  return {
    name: a.name,
    framework: oneOf("framework", FRAMEWORK_KEYS, a.framework)!,
    enabled: a.enabled ?? true,
    logging: a.logging ?? true,
    timeout: a.timeout ?? 30,
    installCommand: a.installCommand ?? "",
    buildCommand: a.buildCommand ?? "",
    startCommand: a.startCommand ?? "",
    outputDirectory: a.outputDirectory ?? "",
    buildRuntime: oneOf("buildRuntime", ALL_RUNTIMES, a.buildRuntime) ?? current?.buildRuntime ?? "",
    adapter: oneOf("adapter", ["static", "ssr"] as const, a.adapter || undefined) ?? current?.adapter ?? "static",
    fallbackFile: a.fallbackFile ?? "",
    deploymentRetention: a.deploymentRetention ?? 0,
    buildSpecification: checkSpecification("buildSpecification", a.buildSpecification) ?? DEFAULT_SPECIFICATION,
    runtimeSpecification: checkSpecification("runtimeSpecification", a.runtimeSpecification) ?? DEFAULT_SPECIFICATION,
  };
}

function provider(a: Record<string, unknown>, base: Record<string, unknown> = {}) {
  const out: Record<string, unknown> = { ...base };
  for (const k of ["installationId", "providerRepositoryId", "providerBranch", "providerSilentMode", "providerRootDirectory", "providerBranches", "providerPaths"]) {
    if (a[k] !== undefined) out[k] = a[k];
  }
  return out;
}

const siteEvent = (db: DB, s: Site, action: "create" | "update" | "delete") =>
  recordEvent(db, { projectId: s.projectId, pattern: `sites.[siteId].${action}`, params: { siteId: s.id }, payload: siteModel(s), roles: [] });

const variablesOf = (db: DB, projectId: string, siteIds: string[]) =>
  db
    .select()
    .from(functionVariables)
    .where(and(eq(functionVariables.projectId, projectId), eq(functionVariables.resourceType, "site"), inArray(functionVariables.resourceId, siteIds)))
    .orderBy(asc(functionVariables.seq));

/**
 * The site's own host: `<siteId>.<SITES_DOMAIN>` when the id is a DNS label no other project holds, else
 * `<unique id>.<SITES_DOMAIN>`; none when SITES_DOMAIN is empty.
 */
async function siteHost(c: Ctx, siteId: string): Promise<string | null> {
  const base = sitesDomain(c.env);
  if (!base) return null;
  const label = siteId.toLowerCase();
  if (/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label) && !(await ruleByDomain(c.env, `${label}.${base}`))) return `${label}.${base}`;
  return `${uniqueId()}.${base}`;
}

siteRoutes.get("/frameworks", (c) => {
  requireScope(c, "public");
  return json(c, list("frameworks", FRAMEWORK_KEYS.map(frameworkModel), FRAMEWORK_KEYS.length));
});

siteRoutes.get("/specifications", (c) => {
  requireScope(c, "sites.read");
  return json(c, list("specifications", SPECIFICATIONS, SPECIFICATIONS.length));
});

siteRoutes.post("/", async (c) => {
  requireScope(c, "sites.write");
  const a = await params(c, { siteId: p.customId(), ...shape() });
  const id = resolveId("siteId", a.siteId);
  if (!a.buildRuntime) throw new AppwriteError("general_argument_invalid", 'Param "buildRuntime" is not optional.');
  const now = Date.now();
  const projectId = c.var.project.id;
  const values = { projectId, id, ...settings(a), provider: provider(a), createdAt: now, updatedAt: now };
  const row: Site = { seq: 0, deploymentId: "", deploymentCreatedAt: null, latestDeploymentId: "", latestDeploymentCreatedAt: null, latestDeploymentStatus: "", ...values };
  const db = c.var.db;
  const host = await siteHost(c, id);
  const writes = [db.insert(sites).values(values), siteEvent(db, row, "create")];
  if (host) {
    const rule: Omit<Rule, "seq"> = { projectId, id: uniqueId(), domain: host, type: "deployment", trigger: "manual", deploymentResourceType: "site", deploymentResourceId: id, status: "verified", branch: "", logs: "", createdAt: now, updatedAt: now };
    writes.push(db.insert(rules).values(rule) as never, recordEvent(db, { projectId, pattern: "rules.[ruleId].create", params: { ruleId: rule.id }, payload: ruleModel({ seq: 0, ...rule }, ""), roles: [] }));
  }
  try {
    await db.batch(writes as [(typeof writes)[0]]);
  } catch (e) {
    if (isUniqueViolation(e)) {
      const [exists] = await db.select({ id: sites.id }).from(sites).where(and(eq(sites.projectId, projectId), eq(sites.id, id))).limit(1);
      throw new AppwriteError(exists ? "site_already_exists" : "rule_already_exists");
    }
    throw e;
  }
  scheduleDispatch(c.env, c.executionCtx, projectId);
  return json(c, siteModel(row), 201);
});

const resolve = resolver({
  name: { sql: "name", type: "string" },
  enabled: { sql: "enabled", type: "boolean" },
  framework: { sql: "framework", type: "string" },
  deploymentId: { sql: "deployment_id", type: "string" },
  buildCommand: { sql: "build_command", type: "string" },
  installCommand: { sql: "install_command", type: "string" },
  outputDirectory: { sql: "output_directory", type: "string" },
  installationId: { sql: "json_extract(provider, '$.installationId')", type: "string" },
});

siteRoutes.get("/", async (c) => {
  requireScope(c, "sites.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    { from: "sites", columns: "*", base: (b: Binder) => `project_id = ${b.bind(projectId)} AND ${searchClause(b, ["id", "name", "framework"], a.search)}`, resolve, sequence: "seq", id: "id" },
    prepareQueries(a.queries),
    a.total,
  );
  const rows = result.rows.map((r) => fromRaw<Site>(r, ["provider"], ["enabled", "logging"]));
  const vars = new Map<string, FnVariable[]>(rows.map((s) => [s.id, []]));
  for (let i = 0; i < rows.length; i += 90) for (const v of await variablesOf(c.var.db, projectId, rows.slice(i, i + 90).map((s) => s.id))) vars.get(v.resourceId)?.push(v);
  return json(c, list("sites", rows.map((s) => siteModel(s, vars.get(s.id))), result.total));
});

async function withVars(c: Ctx, s: Site) {
  return siteModel(s, await variablesOf(c.var.db, s.projectId, [s.id]));
}

siteRoutes.get("/:siteId", async (c) => {
  requireScope(c, "sites.read");
  return json(c, await withVars(c, await loadSite(c.var.db, c.var.project.id, c.req.param("siteId"))));
});

siteRoutes.put("/:siteId", async (c) => {
  requireScope(c, "sites.write");
  const site = await loadSite(c.var.db, c.var.project.id, c.req.param("siteId"));
  const a = await params(c, shape());
  const set = { ...settings(a, site), provider: provider(a, site.provider) };
  const row: Site = { ...site, ...set, updatedAt: updatedAtAfter(site, set) };
  const db = c.var.db;
  await db.batch([db.update(sites).set({ ...set, updatedAt: row.updatedAt }).where(and(eq(sites.projectId, site.projectId), eq(sites.id, site.id))), siteEvent(db, row, "update")]);
  forgetSite(site.projectId, site.id);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, await withVars(c, row));
});

/** Activate a ready deployment — or roll back to an older one (Appwrite's updateSiteDeployment). */
siteRoutes.patch("/:siteId/deployment", async (c) => {
  requireScope(c, "sites.write");
  const projectId = c.var.project.id;
  const site = await loadSite(c.var.db, projectId, c.req.param("siteId"));
  const { deploymentId } = await params(c, { deploymentId: p.uid() });
  const d = await loadSiteDeployment(c.var.db, projectId, site.id, deploymentId);
  if (d.status !== "ready") throw new AppwriteError("build_not_ready");
  const row = (await activateSiteDeployment(c.var.db, d))!;
  await c.var.db.batch([
    recordEvent(c.var.db, { projectId, pattern: "sites.[siteId].deployments.[deploymentId].update", params: { siteId: site.id, deploymentId: d.id }, payload: siteModel(row), roles: [] }),
  ]);
  scheduleDispatch(c.env, c.executionCtx, projectId);
  return json(c, await withVars(c, row));
});

/** Remove a site's rows, rules and R2 objects (site delete; siteId omitted: every site of a deleted project). */
async function purge(env: Env, db: DB, projectId: string, siteId?: string) {
  const one = siteId !== undefined;
  forgetSite(projectId, siteId);
  forgetRules(projectId);
  await db.batch([
    db.delete(siteLogs).where(one ? and(eq(siteLogs.projectId, projectId), eq(siteLogs.siteId, siteId)) : eq(siteLogs.projectId, projectId)),
    db.delete(siteDeployments).where(one ? and(eq(siteDeployments.projectId, projectId), eq(siteDeployments.siteId, siteId)) : eq(siteDeployments.projectId, projectId)),
    db.delete(functionVariables).where(and(eq(functionVariables.projectId, projectId), eq(functionVariables.resourceType, "site"), ...(one ? [eq(functionVariables.resourceId, siteId)] : []))),
    db.delete(rules).where(and(eq(rules.projectId, projectId), eq(rules.deploymentResourceType, "site"), ...(one ? [eq(rules.deploymentResourceId, siteId)] : []))),
    db.delete(sites).where(one ? and(eq(sites.projectId, projectId), eq(sites.id, siteId)) : eq(sites.projectId, projectId)),
  ]);
  await deletePrefix(env.BUCKET, one ? r2.prefix(projectId, siteId) : `sites/${projectId}/`);
}

siteRoutes.delete("/:siteId", async (c) => {
  requireScope(c, "sites.write");
  const site = await loadSite(c.var.db, c.var.project.id, c.req.param("siteId"));
  await c.var.db.batch([siteEvent(c.var.db, site, "delete")]);
  await purge(c.env, c.var.db, site.projectId, site.id);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});

onProjectDelete(async (env, db, projectId) => purge(env, db, projectId));

siteRoutes.route("/:siteId/deployments", siteDeploymentRoutes);
siteRoutes.route("/:siteId/logs", siteLogRoutes);
siteRoutes.route("/:siteId/variables", variableRoutes("site"));
