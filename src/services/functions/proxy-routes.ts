import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { p, params } from "../../core/params";
import type { Binder } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { isUniqueViolation } from "../../db/client";
import { prepareQueries, runList } from "../../db/list";
import { functions, rules, sites, type Rule } from "../../db/schema";
import { recordEvent } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { forgetRules, functionsDomain, ruleByDomain } from "./domains";
import { ruleModel } from "./models";
import { sitesDomain } from "../sites/serve";
import { fromRaw, resolver, searchClause } from "./store";

/**
 * /v1/proxy/rules (Appwrite's Proxy module) over Edgewrite's hostname routing (domains.ts):
 * - a function rule for `<label>.<FUNCTIONS_DOMAIN>` is `verified` at once and routes that host to the
 *   function (what appwrite-cli does when it pushes a new function);
 * - any other domain is kept as an `unverified` rule, as Appwrite keeps one whose DNS it cannot check:
 *   Edgewrite cannot check DNS or issue certificates, and routes custom hosts to no function (the Worker
 *   serves the API on whatever hostnames Cloudflare routes to it), so verifying it fails with the reason.
 */
export const proxyRoutes = new Hono<AppEnv>();

// A function rule reports the function's active deployment.
const FROM =
  "rules r LEFT JOIN functions f ON r.deployment_resource_type = 'function' AND f.project_id = r.project_id AND f.id = r.deployment_resource_id" +
  " LEFT JOIN sites s ON r.deployment_resource_type = 'site' AND s.project_id = r.project_id AND s.id = r.deployment_resource_id";
const COLUMNS = "r.*, coalesce(f.deployment_id, s.deployment_id, '') AS deployment_id";

const resolve = resolver(
  {
    domain: { sql: "r.domain", type: "string" },
    type: { sql: "r.type", type: "string" },
    trigger: { sql: "r.trigger", type: "string" },
    deploymentResourceType: { sql: "r.deployment_resource_type", type: "string" },
    deploymentResourceId: { sql: "r.deployment_resource_id", type: "string" },
    deploymentId: { sql: "coalesce(f.deployment_id, s.deployment_id, '')", type: "string" },
    deploymentVcsProviderBranch: { sql: "r.branch", type: "string" },
    status: { sql: "r.status", type: "string" },
  },
  "r",
);

const model = (raw: Record<string, unknown>) => ruleModel(fromRaw<Rule>(raw, []), String(raw.deployment_id ?? ""));

const NOT_ALLOWED = "This domain name is not allowed. Please use a different domain.";
const UNROUTED = {
  api: "Edgewrite cannot verify DNS or issue certificates for custom domains: the API answers on every hostname Cloudflare routes to this Worker, so add the domain as a route or custom domain of the Worker.",
  function: (base: string) => `Edgewrite routes only subdomains of ${base || "FUNCTIONS_DOMAIN"} to functions; custom domains cannot be verified or served yet.`,
};

/**
 * Appwrite's domain restrictions: never the API's own host or the functions domain itself, and under the
 * functions domain exactly one more label. True when the domain is one of Edgewrite's function hosts.
 */
function isFunctionHost(c: Ctx, domain: string, base = functionsDomain(c.env)): boolean {
  const site = sitesDomain(c.env);
  if (domain === base || domain === site || domain === functionsDomain(c.env) || domain === new URL(c.req.url).hostname.toLowerCase()) throw new AppwriteError("general_argument_invalid", NOT_ALLOWED);
  // A function host never serves a site, nor a sites host a function or the API (each is its own origin).
  const other = base === site ? functionsDomain(c.env) : site;
  if (other && domain.endsWith(`.${other}`)) throw new AppwriteError("general_argument_invalid", NOT_ALLOWED);
  if (!base || !domain.endsWith(`.${base}`)) return false;
  if (domain.slice(0, -base.length - 1).includes(".")) throw new AppwriteError("general_argument_invalid", NOT_ALLOWED);
  return true;
}

async function loadRule(c: Ctx): Promise<Record<string, unknown>> {
  const row = await c.var.d1.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.project_id = ? AND r.id = ? LIMIT 1`)
    .bind(c.var.project.id, c.req.param("ruleId"))
    .first<Record<string, unknown>>();
  if (!row) throw new AppwriteError("rule_not_found");
  return row;
}

/** Store a new rule and its create event in one batch; a domain taken in any project is `rule_already_exists`. */
async function createRule(c: Ctx, rule: Omit<Rule, "seq">, deploymentId: string) {
  const db = c.var.db;
  const payload = ruleModel({ seq: 0, ...rule }, deploymentId);
  // Rules live on their project's data database: a domain another database already routes is taken too.
  if (await ruleByDomain(c.env, rule.domain)) throw new AppwriteError("rule_already_exists");
  try {
    await db.batch([
      db.insert(rules).values(rule),
      recordEvent(db, { projectId: rule.projectId, pattern: "rules.[ruleId].create", params: { ruleId: rule.id }, payload, roles: [] }),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("rule_already_exists");
    throw e;
  }
  return json(c, payload, 201);
}

function newRule(c: Ctx, domain: string, fields: Pick<Rule, "type" | "deploymentResourceType" | "deploymentResourceId" | "branch" | "status" | "logs">): Omit<Rule, "seq"> {
  const now = Date.now();
  return { projectId: c.var.project.id, id: uniqueId(), domain, trigger: "manual", createdAt: now, updatedAt: now, ...fields };
}

proxyRoutes.get("/rules", async (c) => {
  requireScope(c, "rules.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    { from: FROM, columns: COLUMNS, base: (b: Binder) => `r.project_id = ${b.bind(projectId)} AND ${searchClause(b, ["r.id", "r.domain", "r.branch"], a.search)}`, resolve, sequence: "r.seq", id: "r.id" },
    prepareQueries(a.queries),
    a.total,
  );
  return json(c, list("rules", result.rows.map(model), result.total));
});

proxyRoutes.post("/rules/api", async (c) => {
  requireScope(c, "rules.write");
  const a = await params(c, { domain: p.domain() });
  // A functions host is a function's own origin: serving the API there would hand functions its cookies.
  if (isFunctionHost(c, a.domain)) throw new AppwriteError("general_argument_invalid", NOT_ALLOWED);
  const rule = newRule(c, a.domain, { type: "api", deploymentResourceType: "", deploymentResourceId: "", branch: "", status: "unverified", logs: UNROUTED.api });
  return createRule(c, rule, "");
});

proxyRoutes.post("/rules/function", async (c) => {
  requireScope(c, "rules.write");
  const a = await params(c, { domain: p.domain(), functionId: p.uid(), branch: p.default(p.string({ max: 255 }), "") });
  const routed = isFunctionHost(c, a.domain);
  const [fn] = await c.var.db
    .select({ id: functions.id, deploymentId: functions.deploymentId })
    .from(functions)
    .where(and(eq(functions.projectId, c.var.project.id), eq(functions.id, a.functionId)))
    .limit(1);
  if (!fn) throw new AppwriteError("rule_resource_not_found");
  const rule = newRule(c, a.domain, {
    type: "deployment",
    deploymentResourceType: "function",
    deploymentResourceId: fn.id,
    branch: a.branch,
    ...(routed ? { status: "verified", logs: "" } : { status: "unverified", logs: UNROUTED.function(functionsDomain(c.env)) }),
  });
  return createRule(c, rule, fn.deploymentId);
});

proxyRoutes.post("/rules/site", async (c) => {
  requireScope(c, "rules.write");
  const a = await params(c, { domain: p.domain(), siteId: p.uid(), branch: p.default(p.string({ max: 255 }), "") });
  const base = sitesDomain(c.env);
  const routed = isFunctionHost(c, a.domain, base);
  const [site] = await c.var.db
    .select({ id: sites.id, deploymentId: sites.deploymentId })
    .from(sites)
    .where(and(eq(sites.projectId, c.var.project.id), eq(sites.id, a.siteId)))
    .limit(1);
  if (!site) throw new AppwriteError("rule_resource_not_found");
  const rule = newRule(c, a.domain, {
    type: "deployment",
    deploymentResourceType: "site",
    deploymentResourceId: site.id,
    branch: a.branch,
    ...(routed ? { status: "verified", logs: "" } : { status: "unverified", logs: `Edgewrite routes only subdomains of ${base || "SITES_DOMAIN"} to sites; custom domains cannot be verified or served yet.` }),
  });
  return createRule(c, rule, site.deploymentId);
});

proxyRoutes.get("/rules/:ruleId", async (c) => {
  requireScope(c, "rules.read");
  return json(c, model(await loadRule(c)));
});

proxyRoutes.delete("/rules/:ruleId", async (c) => {
  requireScope(c, "rules.write");
  const raw = await loadRule(c);
  const db = c.var.db;
  await db.batch([
    db.delete(rules).where(and(eq(rules.projectId, c.var.project.id), eq(rules.id, String(raw.id)))),
    recordEvent(db, { projectId: c.var.project.id, pattern: "rules.[ruleId].delete", params: { ruleId: String(raw.id) }, payload: model(raw), roles: [] }),
  ]);
  forgetRules(c.var.project.id);
  return noContent(c);
});

/** Appwrite re-checks DNS here; Edgewrite's rules are verified at creation or never (the rule's `logs` say why). */
async function updateStatus(c: Ctx) {
  requireScope(c, "rules.write");
  const raw = await loadRule(c);
  const db = c.var.db;
  const ruleId = String(raw.id);
  if (raw.status !== "verified") {
    await db.update(rules).set({ updatedAt: Date.now() }).where(and(eq(rules.projectId, c.var.project.id), eq(rules.id, ruleId)));
    throw new AppwriteError("rule_verification_failed", String(raw.logs ?? "") || undefined);
  }
  await db.batch([recordEvent(db, { projectId: c.var.project.id, pattern: "rules.[ruleId].update", params: { ruleId }, payload: model(raw), roles: [] })]);
  return json(c, model(raw));
}
proxyRoutes.patch("/rules/:ruleId/status", updateStatus);
proxyRoutes.patch("/rules/:ruleId/verification", updateStatus);
