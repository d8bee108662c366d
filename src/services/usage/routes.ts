import { Hono } from "hono";
import { AppwriteError, error } from "../../core/errors";
import { p, params } from "../../core/params";
import { json } from "../../core/response";
import { parseDate } from "../../core/time";
import { requireScope, scopeError } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { q } from "../tablesdb/meta";
import { METRIC, functionMetric } from "./recorder";
import { RANGES, rangeWindow, windowOf, type Window } from "./range";
import { none, StatsReader, sum, type Figure } from "./stats";

/**
 * Appwrite 1.9.6's usage routes (console-only: `auth: [ADMIN]`). Two routers, because an id may spell a
 * sibling's name: `usageListRoutes` (`/<service>/usage`) go before each service's `/:id` routes,
 * `usageResourceRoutes` (`/<service>/:id/usage`) after them (so `GET /v1/storage/buckets/usage` stays a bucket).
 */
export const usageListRoutes = new Hono<AppEnv>();
export const usageResourceRoutes = new Hono<AppEnv>();

/**
 * Appwrite's scope for the route — and then only the server: guests hold `files.read` and users `projects.read`,
 * where Appwrite would show them a project's usage (its usage routes skip authorization).
 */
function serverOnly(c: Ctx, ...scopes: [string, ...string[]]): void {
  if (!requireScope(c, ...scopes).privileged) throw scopeError(c, scopes);
}

async function rangeParam(c: Ctx): Promise<{ range: string; window: Window }> {
  const a = await params(c, { range: p.default(p.enum(RANGES), "30d") });
  return { range: a.range, window: rangeWindow(a.range) };
}

const reader = (c: Ctx, window: Window) => new StatsReader(c.var.d1, c.var.project.id, window);

/** The physical row tables of a project, or of one database. */
async function rowTables(c: Ctx, databaseSeq?: number): Promise<string[]> {
  const sql = `SELECT physical FROM tdb_tables WHERE project_id = ?${databaseSeq === undefined ? "" : " AND database_seq = ?"}`;
  const binds = databaseSeq === undefined ? [c.var.project.id] : [c.var.project.id, databaseSeq];
  const { results } = await c.var.d1.prepare(sql).bind(...binds).all<{ physical: string }>();
  return results.map((r) => r.physical);
}

/** Rows of the given tables (their own `_createdAt` buckets), added up. */
function rowsOf(r: StatsReader, physicals: string[]): () => Figure {
  const each = physicals.map((t) => r.stock(`${q(t)} WHERE 1`, [], "COUNT(*)", "_createdAt"));
  return () => sum(each.map((f) => f()), r.window);
}

// ---- users -------------------------------------------------------------------------------------

usageListRoutes.get("/users/usage", async (c) => {
  serverOnly(c, "users.read");
  const { range, window } = await rangeParam(c);
  const r = reader(c, window);
  const users = r.stock("users WHERE project_id = ?", [c.var.project.id]);
  const sessions = r.stock("sessions WHERE project_id = ?", [c.var.project.id]);
  await r.run();
  const u = users(), s = sessions();
  return json(c, { range, usersTotal: u.total, sessionsTotal: s.total, users: u.series, sessions: s.series });
});

// ---- databases (TablesDB and the legacy Databases API: the same figures under Appwrite's two names) --------

const DATABASE_ROUTES = [
  { base: "/tablesdb", child: "tables", scopes: ["tables.read", "collections.read"] as [string, ...string[]], notFound: "table_not_found" as const },
  { base: "/databases", child: "collections", scopes: ["collections.read"] as [string, ...string[]], notFound: "collection_not_found" as const },
];

async function loadDatabaseSeq(c: Ctx, databaseId: string): Promise<number> {
  const row = await c.var.d1.prepare("SELECT seq FROM tdb_databases WHERE project_id = ? AND id = ?").bind(c.var.project.id, databaseId).first<{ seq: number }>();
  if (!row) throw error("database_not_found", databaseId);
  return row.seq;
}

for (const route of DATABASE_ROUTES) {
  usageListRoutes.get(`${route.base}/usage`, async (c) => {
    serverOnly(c, ...route.scopes);
    const { range, window } = await rangeParam(c);
    const physicals = await rowTables(c);
    const r = reader(c, window);
    const databases = r.stock("tdb_databases WHERE project_id = ?", [c.var.project.id]);
    const tables = r.stock("tdb_tables WHERE project_id = ?", [c.var.project.id]);
    const rows = rowsOf(r, physicals);
    await r.run();
    const d = databases(), t = tables(), n = rows(), zero = none(window);
    return json(c, {
      range, databasesTotal: d.total, collectionsTotal: t.total, tablesTotal: t.total, documentsTotal: n.total, rowsTotal: n.total,
      storageTotal: 0, databasesReadsTotal: 0, databasesWritesTotal: 0,
      databases: d.series, collections: t.series, tables: t.series, documents: n.series, rows: n.series,
      storage: zero.series, databasesReads: zero.series, databasesWrites: zero.series,
    });
  });

  usageResourceRoutes.get(`${route.base}/:databaseId/usage`, async (c) => {
    serverOnly(c, ...route.scopes);
    const { range, window } = await rangeParam(c);
    const seq = await loadDatabaseSeq(c, c.req.param("databaseId"));
    const physicals = await rowTables(c, seq);
    const r = reader(c, window);
    const tables = r.stock("tdb_tables WHERE project_id = ? AND database_seq = ?", [c.var.project.id, seq]);
    const rows = rowsOf(r, physicals);
    await r.run();
    const t = tables(), n = rows(), zero = none(window);
    return json(c, {
      range, collectionsTotal: t.total, tablesTotal: t.total, documentsTotal: n.total, rowsTotal: n.total,
      storageTotal: 0, databaseReadsTotal: 0, databaseWritesTotal: 0,
      collections: t.series, tables: t.series, documents: n.series, rows: n.series,
      storage: zero.series, databaseReads: zero.series, databaseWrites: zero.series,
    });
  });

  usageResourceRoutes.get(`${route.base}/:databaseId/${route.child}/:tableId/usage`, async (c) => {
    serverOnly(c, ...route.scopes);
    const { range, window } = await rangeParam(c);
    const seq = await loadDatabaseSeq(c, c.req.param("databaseId"));
    const tableId = c.req.param("tableId");
    const table = await c.var.d1.prepare("SELECT physical FROM tdb_tables WHERE database_seq = ? AND id = ?").bind(seq, tableId).first<{ physical: string }>();
    if (!table) throw error(route.notFound, tableId);
    const r = reader(c, window);
    const rows = rowsOf(r, [table.physical]);
    await r.run();
    const n = rows();
    return json(c, route.child === "tables" ? { range, rowsTotal: n.total, rows: n.series } : { range, documentsTotal: n.total, documents: n.series });
  });
}

// ---- storage -------------------------------------------------------------------------------------

usageListRoutes.get("/storage/usage", async (c) => {
  serverOnly(c, "files.read");
  const { range, window } = await rangeParam(c);
  const r = reader(c, window);
  const buckets = r.stock("buckets WHERE project_id = ?", [c.var.project.id]);
  const files = r.stock("files WHERE project_id = ? AND status = 'ready'", [c.var.project.id]);
  const storage = r.stock("files WHERE project_id = ? AND status = 'ready'", [c.var.project.id], "COALESCE(SUM(size_original), 0)");
  await r.run();
  const b = buckets(), f = files(), s = storage();
  return json(c, { range, bucketsTotal: b.total, filesTotal: f.total, filesStorageTotal: s.total, buckets: b.series, files: f.series, storage: s.series });
});

usageResourceRoutes.get("/storage/:bucketId/usage", async (c) => {
  serverOnly(c, "files.read");
  const { range, window } = await rangeParam(c);
  const bucketId = c.req.param("bucketId");
  const bucket = await c.var.d1.prepare("SELECT seq FROM buckets WHERE project_id = ? AND id = ?").bind(c.var.project.id, bucketId).first<{ seq: number }>();
  if (!bucket) throw error("storage_bucket_not_found");
  const r = reader(c, window);
  const from = "files WHERE project_id = ? AND bucket_seq = ? AND status = 'ready'";
  const files = r.stock(from, [c.var.project.id, bucket.seq]);
  const storage = r.stock(from, [c.var.project.id, bucket.seq], "COALESCE(SUM(size_original), 0)");
  await r.run();
  const f = files(), s = storage();
  return json(c, { range, filesTotal: f.total, filesStorageTotal: s.total, files: f.series, storage: s.series, imageTransformations: none(window).series, imageTransformationsTotal: 0 });
});

// ---- functions ------------------------------------------------------------------------------------

/** Deployment and build figures over `from` (function_deployments …), and the recorded execution figures. */
function functionFigures(r: StatsReader, from: string, binds: unknown[], metric: (m: string) => string) {
  const builds = `${from} AND status IN ('ready', 'failed')`;
  const flow = r.flow(metric(METRIC.executions), metric(METRIC.executionsCompute), metric(METRIC.executionsMbSeconds));
  const f = {
    deployments: r.stock(from, binds),
    deploymentsStorage: r.stock(from, binds, "COALESCE(SUM(source_size), 0)"),
    builds: r.stock(builds, binds),
    buildsStorage: r.stock(builds, binds, "COALESCE(SUM(build_size), 0)"),
    buildsTime: r.stock(builds, binds, "COALESCE(SUM(build_duration), 0) * 1000"), // ms, as Appwrite's builds.compute
    buildsSuccess: r.stock(`${from} AND status = 'ready'`, binds),
    buildsFailed: r.stock(`${from} AND status = 'failed'`, binds),
  };
  return () => {
    const g = Object.fromEntries(Object.entries(f).map(([k, get]) => [k, get()])) as Record<keyof typeof f, Figure>;
    return { ...g, buildsMbSeconds: none(r.window), executions: flow(metric(METRIC.executions)), executionsTime: flow(metric(METRIC.executionsCompute)), executionsMbSeconds: flow(metric(METRIC.executionsMbSeconds)) };
  };
}

usageListRoutes.get("/functions/usage", async (c) => {
  serverOnly(c, "functions.read");
  const { range, window } = await rangeParam(c);
  const r = reader(c, window);
  const functions = r.stock("functions WHERE project_id = ?", [c.var.project.id]);
  const figures = functionFigures(r, "function_deployments WHERE project_id = ?", [c.var.project.id], (m) => m);
  await r.run();
  const fn = functions(), g = figures();
  return json(c, {
    range, functionsTotal: fn.total, deploymentsTotal: g.deployments.total, deploymentsStorageTotal: g.deploymentsStorage.total,
    buildsTotal: g.builds.total, buildsStorageTotal: g.buildsStorage.total, buildsTimeTotal: g.buildsTime.total,
    buildsMbSecondsTotal: g.buildsMbSeconds.total, executionsTotal: g.executions.total, executionsTimeTotal: g.executionsTime.total,
    executionsMbSecondsTotal: g.executionsMbSeconds.total, functions: fn.series, deployments: g.deployments.series,
    deploymentsStorage: g.deploymentsStorage.series, buildsSuccessTotal: g.buildsSuccess.total, buildsFailedTotal: g.buildsFailed.total,
    builds: g.builds.series, buildsStorage: g.buildsStorage.series, buildsTime: g.buildsTime.series, buildsMbSeconds: g.buildsMbSeconds.series,
    executions: g.executions.series, executionsTime: g.executionsTime.series, executionsMbSeconds: g.executionsMbSeconds.series,
    buildsSuccess: g.buildsSuccess.series, buildsFailed: g.buildsFailed.series,
  });
});

usageResourceRoutes.get("/functions/:functionId/usage", async (c) => {
  serverOnly(c, "functions.read");
  const { range, window } = await rangeParam(c);
  const functionId = c.req.param("functionId");
  const fn = await c.var.d1.prepare("SELECT seq FROM functions WHERE project_id = ? AND id = ?").bind(c.var.project.id, functionId).first<{ seq: number }>();
  if (!fn) throw error("function_not_found");
  const r = reader(c, window);
  const figures = functionFigures(r, "function_deployments WHERE project_id = ? AND function_id = ?", [c.var.project.id, functionId], (m) => functionMetric(fn.seq, m));
  await r.run();
  const g = figures();
  return json(c, {
    range, deploymentsTotal: g.deployments.total, deploymentsStorageTotal: g.deploymentsStorage.total, buildsTotal: g.builds.total,
    buildsSuccessTotal: g.buildsSuccess.total, buildsFailedTotal: g.buildsFailed.total, buildsStorageTotal: g.buildsStorage.total,
    buildsTimeTotal: g.buildsTime.total, buildsTimeAverage: g.builds.total ? Math.floor(g.buildsTime.total / g.builds.total) : 0,
    buildsMbSecondsTotal: g.buildsMbSeconds.total, executionsTotal: g.executions.total, executionsTimeTotal: g.executionsTime.total,
    executionsMbSecondsTotal: g.executionsMbSeconds.total, deployments: g.deployments.series, deploymentsStorage: g.deploymentsStorage.series,
    builds: g.builds.series, buildsStorage: g.buildsStorage.series, buildsTime: g.buildsTime.series, buildsMbSeconds: g.buildsMbSeconds.series,
    executions: g.executions.series, executionsTime: g.executionsTime.series, executionsMbSeconds: g.executionsMbSeconds.series,
    buildsSuccess: g.buildsSuccess.series, buildsFailed: g.buildsFailed.series,
  });
});

// ---- the project (Project service `getUsage`: a date window instead of a range) -----------------------

const DAY = 86_400_000;
/** Appwrite walks every bucket between the dates; Edgewrite stops at 1,000 (41 days of hours, 2.7 years of days). */
const MAX_BUCKETS = 1000;

function dateParam(name: string, value: string): number {
  const ms = parseDate(value);
  if (ms === null) throw new AppwriteError("general_argument_invalid", `Invalid \`${name}\` param: Value must be valid date between 0000-01-01 00:00:00 and 9999-12-31 23:59:59.`);
  return ms;
}

usageListRoutes.get("/project/usage", async (c) => {
  serverOnly(c, "projects.read");
  const a = await params(c, { startDate: p.string(), endDate: p.string(), period: p.default(p.enum(["1h", "1d"] as const), "1d") });
  const start = dateParam("startDate", a.startDate), end = dateParam("endDate", a.endDate);
  const first = start - (start % DAY), last = end - (end % DAY);
  // As Appwrite: as many buckets as whole days between the dates, ending now, each counted only within the dates.
  const days = Math.floor(Math.abs(end - start) / DAY);
  const window = windowOf(a.period, Math.min(MAX_BUCKETS, a.period === "1h" ? days * 24 : days));
  const within = (f: Figure): Figure => ({ total: f.total, series: f.series.map((m, i) => (window.buckets[i]! >= first && window.buckets[i]! < last ? m : { value: 0, date: m.date })) });

  const id = c.var.project.id;
  const physicals = await rowTables(c);
  const r = reader(c, window);
  const flow = r.flow(METRIC.requests, METRIC.inbound, METRIC.outbound, METRIC.executions, METRIC.executionsMbSeconds);
  const users = r.stock("users WHERE project_id = ?", [id]);
  const databases = r.stock("tdb_databases WHERE project_id = ?", [id]);
  const buckets = r.stock("buckets WHERE project_id = ?", [id]);
  const files = r.stock("files WHERE project_id = ? AND status = 'ready'", [id], "COALESCE(SUM(size_original), 0)");
  const deployments = r.stock("function_deployments WHERE project_id = ?", [id], "COALESCE(SUM(source_size), 0)");
  const builds = r.stock("function_deployments WHERE project_id = ?", [id], "COALESCE(SUM(build_size), 0)");
  const rows = rowsOf(r, physicals);
  const fnRows = r.query(
    `SELECT f.id, f.name,
       (SELECT value FROM usage_stats s WHERE s.project_id = f.project_id AND s.metric = 'functions.' || f.seq || '.${METRIC.executions}' AND s.period = 'inf' AND s.time = 0) AS executions,
       (SELECT value FROM usage_stats s WHERE s.project_id = f.project_id AND s.metric = 'functions.' || f.seq || '.${METRIC.executionsMbSeconds}' AND s.period = 'inf' AND s.time = 0) AS mbSeconds,
       (SELECT SUM(source_size) + SUM(build_size) FROM function_deployments d WHERE d.project_id = f.project_id AND d.function_id = f.id) AS storage
     FROM functions f WHERE f.project_id = ? ORDER BY f.seq`,
    id,
  );
  const bucketRows = r.query(
    "SELECT b.id, b.name, (SELECT SUM(size_original) FROM files WHERE project_id = b.project_id AND bucket_seq = b.seq AND status = 'ready') AS storage FROM buckets b WHERE b.project_id = ? ORDER BY b.seq",
    id,
  );
  const databaseRows = r.query("SELECT id, name FROM tdb_databases WHERE project_id = ? ORDER BY seq", id);
  await r.run();

  const requests = within(flow(METRIC.requests)), inbound = within(flow(METRIC.inbound)), outbound = within(flow(METRIC.outbound));
  const executions = flow(METRIC.executions), mbSeconds = flow(METRIC.executionsMbSeconds);
  const n = rows(), zero = within(none(window)).series;
  const breakdown = (list: Record<string, unknown>[], key: string) => list.map((x) => ({ resourceId: String(x.id), name: String(x.name), value: Number(x[key] ?? 0) }));
  const fns = fnRows();
  return json(c, {
    executionsTotal: executions.total, documentsTotal: n.total, documentsdbDocumentsTotal: 0, rowsTotal: n.total,
    databasesTotal: databases().total, documentsdbTotal: 0, databasesStorageTotal: 0, documentsdbDatabasesStorageTotal: 0,
    usersTotal: users().total, filesStorageTotal: files().total, functionsStorageTotal: deployments().total + builds().total,
    buildsStorageTotal: builds().total, deploymentsStorageTotal: deployments().total, bucketsTotal: buckets().total,
    executionsMbSecondsTotal: mbSeconds.total, buildsMbSecondsTotal: 0, databasesReadsTotal: 0, databasesWritesTotal: 0,
    documentsdbDatabasesReadsTotal: 0, documentsdbDatabasesWritesTotal: 0,
    requests: requests.series,
    network: inbound.series.map((m, i) => ({ date: m.date, value: m.value + outbound.series[i]!.value })), // Appwrite's key order
    users: within(users()).series, executions: within(executions).series,
    executionsBreakdown: breakdown(fns, "executions"), bucketsBreakdown: breakdown(bucketRows(), "storage"),
    databasesStorageBreakdown: breakdown(databaseRows(), "storage"), executionsMbSecondsBreakdown: breakdown(fns, "mbSeconds"),
    buildsMbSecondsBreakdown: breakdown(fns, "buildsMbSeconds"), functionsStorageBreakdown: breakdown(fns, "storage"),
    authPhoneTotal: 0, authPhoneEstimate: 0, authPhoneCountryBreakdown: [],
    databasesReads: zero, databasesWrites: zero, documentsdbDatabasesReads: zero, documentsdbDatabasesWrites: zero, documentsdbDatabasesStorage: zero,
    imageTransformations: zero, imageTransformationsTotal: 0,
    vectorsdbDatabasesTotal: 0, vectorsdbCollectionsTotal: 0, vectorsdbDocumentsTotal: 0, vectorsdbDatabasesStorageTotal: 0,
    vectorsdbDatabasesReadsTotal: 0, vectorsdbDatabasesWritesTotal: 0, vectorsdbDatabases: zero, vectorsdbCollections: zero,
    vectorsdbDocuments: zero, vectorsdbDatabasesStorage: zero, vectorsdbDatabasesReads: zero, vectorsdbDatabasesWrites: zero,
    embeddingsText: zero, embeddingsTextTokens: zero, embeddingsTextDuration: zero, embeddingsTextErrors: zero,
    embeddingsTextTotal: 0, embeddingsTextTokensTotal: 0, embeddingsTextDurationTotal: 0, embeddingsTextErrorsTotal: 0,
  });
});
