import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import type { Binder } from "../../core/query/sql";
import { json, list } from "../../core/response";
import { prepareQueries, runList } from "../../db/list";
import type { Rule } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import type { AppEnv } from "../../platform/context";
import { ruleModel } from "./models";
import { fromRaw, resolver, searchClause } from "./store";

/**
 * /v1/proxy/rules, read-only: where a project finds its functions' domains (domains.ts). Creating,
 * verifying and deleting rules by hand (custom domains, redirects) is not built.
 */
export const proxyRoutes = new Hono<AppEnv>();

// A function rule reports the function's active deployment.
const FROM = "rules r LEFT JOIN functions f ON f.project_id = r.project_id AND f.id = r.deployment_resource_id";
const COLUMNS = "r.*, coalesce(f.deployment_id, '') AS deployment_id";

const resolve = resolver(
  {
    domain: { sql: "r.domain", type: "string" },
    type: { sql: "r.type", type: "string" },
    trigger: { sql: "r.trigger", type: "string" },
    deploymentResourceType: { sql: "r.deployment_resource_type", type: "string" },
    deploymentResourceId: { sql: "r.deployment_resource_id", type: "string" },
    deploymentId: { sql: "coalesce(f.deployment_id, '')", type: "string" },
    deploymentVcsProviderBranch: { sql: "''", type: "string" },
    status: { sql: "r.status", type: "string" },
  },
  "r",
);

const model = (raw: Record<string, unknown>) => ruleModel(fromRaw<Rule>(raw, []), String(raw.deployment_id ?? ""));

proxyRoutes.get("/rules", async (c) => {
  requireScope(c, "rules.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  const result = await runList<Record<string, unknown>>(
    c.env.DB,
    { from: FROM, columns: COLUMNS, base: (b: Binder) => `r.project_id = ${b.bind(projectId)} AND ${searchClause(b, ["r.id", "r.domain"], a.search)}`, resolve, sequence: "r.seq", id: "r.id" },
    prepareQueries(a.queries),
    a.total,
  );
  return json(c, list("rules", result.rows.map(model), result.total));
});

proxyRoutes.get("/rules/:ruleId", async (c) => {
  requireScope(c, "rules.read");
  const row = await c.env.DB.prepare(`SELECT ${COLUMNS} FROM ${FROM} WHERE r.project_id = ? AND r.id = ? LIMIT 1`)
    .bind(c.var.project.id, c.req.param("ruleId"))
    .first<Record<string, unknown>>();
  if (!row) throw new AppwriteError("rule_not_found");
  return json(c, model(row));
});
