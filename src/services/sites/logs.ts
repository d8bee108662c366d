import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import type { Binder } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { prepareQueries, runList } from "../../db/list";
import { siteLogs, type SiteLog } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { fromRaw, resolver } from "../functions/store";
import { logModel } from "./models";
import { loadSite } from "./store";

/** /v1/sites/:siteId/logs — one per visitor request (serve.ts), Appwrite's Execution model; scopes log.*. */
export const siteLogRoutes = new Hono<AppEnv>();

const resolve = resolver({
  trigger: { sql: "'http'", type: "string" },
  status: { sql: "CASE WHEN response_status_code >= 500 THEN 'failed' ELSE 'completed' END", type: "string" },
  requestMethod: { sql: "request_method", type: "string" },
  requestPath: { sql: "request_path", type: "string" },
  responseStatusCode: { sql: "response_status_code", type: "integer" },
  duration: { sql: "duration", type: "float" },
  deploymentId: { sql: "deployment_id", type: "string" },
});

const sensitive = (c: Ctx) => c.var.caller.privileged;

siteLogRoutes.get("/", async (c) => {
  requireScope(c, "log.read");
  const projectId = c.var.project.id;
  const site = await loadSite(c.var.db, projectId, c.req.param("siteId")!);
  const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    { from: "site_logs", columns: "*", base: (b: Binder) => `project_id = ${b.bind(projectId)} AND site_id = ${b.bind(site.id)}`, resolve, sequence: "seq", id: "id" },
    prepareQueries(a.queries),
    a.total,
  );
  const rows = result.rows.map((r) => fromRaw<SiteLog>(r, ["requestHeaders", "responseHeaders"]));
  return json(c, list("executions", rows.map((l) => logModel(l, sensitive(c))), result.total));
});

async function loadLog(c: Ctx): Promise<SiteLog> {
  const projectId = c.var.project.id;
  const site = await loadSite(c.var.db, projectId, c.req.param("siteId")!);
  const [row] = await c.var.db.select().from(siteLogs).where(and(eq(siteLogs.projectId, projectId), eq(siteLogs.siteId, site.id), eq(siteLogs.id, c.req.param("logId")!))).limit(1);
  if (!row) throw new AppwriteError("log_not_found");
  return row;
}

siteLogRoutes.get("/:logId", async (c) => {
  requireScope(c, "log.read");
  return json(c, logModel(await loadLog(c), sensitive(c)));
});

siteLogRoutes.delete("/:logId", async (c) => {
  requireScope(c, "log.write");
  const l = await loadLog(c);
  await c.var.db.delete(siteLogs).where(and(eq(siteLogs.projectId, l.projectId), eq(siteLogs.id, l.id)));
  return noContent(c);
});
