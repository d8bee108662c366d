import { Hono } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { p, params } from "../../core/params";
import type { Binder } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { prepareQueries, runList } from "../../db/list";
import { siteDeployments, sites, type Site, type SiteDeployment } from "../../db/schema";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { fromRaw, resolver, searchClause } from "../functions/store";
import { archiveFile, assembleChunks, chunkOf, SIZE_LIMIT, withChunk } from "../functions/upload";
import { deploymentEvent, type SiteBuildMessage } from "./build";
import { forgetSite } from "./cache";
import { siteDeploymentModel } from "./models";
import { deletePrefix, loadSite, loadSiteDeployment, r2 } from "./store";

/** /v1/sites/:siteId/deployments — the functions' chunked tar.gz upload (functions/upload.ts), built on the queue (build.ts). */
export const siteDeploymentRoutes = new Hono<AppEnv>();

const siteIdOf = (c: Ctx) => c.req.param("siteId")!;

async function uploaded(c: Ctx, d: SiteDeployment) {
  const db = c.var.db;
  await db.batch([
    db
      .update(sites)
      .set({ latestDeploymentId: d.id, latestDeploymentCreatedAt: d.createdAt, latestDeploymentStatus: "waiting" })
      .where(and(eq(sites.projectId, d.projectId), eq(sites.id, d.siteId))),
    deploymentEvent(db, d, "create"),
  ]);
  await c.env.EXECUTIONS.send({ kind: "site-build", projectId: d.projectId, siteId: d.siteId, deploymentId: d.id } satisfies SiteBuildMessage);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
}

/** What a deployment keeps of its site's settings (and the upload's overrides). */
const fromSite = (s: Site, a: { installCommand?: string; buildCommand?: string; outputDirectory?: string }) => ({
  adapter: s.adapter,
  fallbackFile: s.fallbackFile,
  outputDirectory: a.outputDirectory ?? s.outputDirectory,
  installCommand: a.installCommand ?? s.installCommand,
  buildCommand: a.buildCommand ?? s.buildCommand,
});

siteDeploymentRoutes.post("/", async (c) => {
  requireScope(c, "sites.write");
  const projectId = c.var.project.id;
  const site = await loadSite(c.var.db, projectId, siteIdOf(c));
  const a = await params(c, {
    installCommand: p.optional(p.string({ max: 8192 })),
    buildCommand: p.optional(p.string({ max: 8192 })),
    outputDirectory: p.optional(p.string({ max: 8192 })),
    code: p.any(),
    activate: p.default(p.boolean(), false),
  });
  const file = archiveFile(a.code);
  const settings = fromSite(site, a);
  const db = c.var.db;
  const now = Date.now();
  const range = c.req.header("content-range");
  if (!range) {
    if (file.size > SIZE_LIMIT) throw new AppwriteError("deployment_invalid_file_size");
    const id = uniqueId();
    await c.env.BUCKET.put(r2.source(projectId, site.id, id), await file.arrayBuffer());
    const [d] = await db
      .insert(siteDeployments)
      .values({ projectId, id, siteId: site.id, ...settings, activate: a.activate, status: "waiting", sourceSize: file.size, chunksTotal: 1, chunks: [1], createdAt: now, updatedAt: now })
      .returning();
    await uploaded(c, d!);
    return json(c, siteDeploymentModel(d!), 202);
  }

  const { id, size, chunk, chunksTotal } = chunkOf(range, c.req.header("x-appwrite-id"));
  const [existing] = await db.select().from(siteDeployments).where(and(eq(siteDeployments.projectId, projectId), eq(siteDeployments.id, id))).limit(1);
  if (existing && existing.siteId !== site.id) throw new AppwriteError("deployment_not_found");
  if (existing && existing.status !== "uploading") return json(c, siteDeploymentModel(existing), 202);
  await c.env.BUCKET.put(r2.chunk(projectId, site.id, id, chunk), await file.arrayBuffer());
  await db
    .insert(siteDeployments)
    .values({ projectId, id, siteId: site.id, ...settings, activate: a.activate, status: "uploading", sourceSize: size, chunksTotal, chunks: [], createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  const [row] = await db
    .update(siteDeployments)
    .set({ chunks: sql.raw(withChunk("chunks", chunk)) as never, updatedAt: now })
    .where(and(eq(siteDeployments.projectId, projectId), eq(siteDeployments.id, id)))
    .returning();
  let d = row!;
  if (d.chunks.length >= d.chunksTotal && d.status === "uploading") {
    const [won] = await db
      .update(siteDeployments)
      .set({ status: "waiting", updatedAt: Date.now() })
      .where(and(eq(siteDeployments.projectId, projectId), eq(siteDeployments.id, id), eq(siteDeployments.status, "uploading")))
      .returning();
    if (won) {
      await assembleChunks(c.env.BUCKET, (n) => r2.chunk(projectId, site.id, id, n), won.chunksTotal, r2.source(projectId, site.id, id));
      await uploaded(c, won);
      d = won;
    }
  }
  return json(c, siteDeploymentModel(d), 202);
});

const resolve = resolver({
  sourceSize: { sql: "source_size", type: "integer" },
  buildSize: { sql: "build_size", type: "integer" },
  totalSize: { sql: "(source_size + build_size)", type: "integer" },
  buildDuration: { sql: "build_duration", type: "integer" },
  activate: { sql: "activate", type: "boolean" },
  type: { sql: "type", type: "string" },
  status: { sql: "status", type: "string" },
  buildId: { sql: "id", type: "string" },
});

siteDeploymentRoutes.get("/", async (c) => {
  requireScope(c, "sites.read");
  const projectId = c.var.project.id;
  const site = await loadSite(c.var.db, projectId, siteIdOf(c));
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "site_deployments",
      columns: "*",
      base: (b: Binder) => `project_id = ${b.bind(projectId)} AND site_id = ${b.bind(site.id)} AND ${searchClause(b, ["id", "type", "status"], a.search)}`,
      resolve,
      sequence: "seq",
      id: "id",
    },
    prepareQueries(a.queries),
    a.total,
  );
  const rows = result.rows.map((r) => fromRaw<SiteDeployment>(r, ["chunks"], ["activate"]));
  return json(c, list("deployments", rows.map(siteDeploymentModel), result.total));
});

siteDeploymentRoutes.post("/duplicate", async (c) => {
  requireScope(c, "sites.write");
  const projectId = c.var.project.id;
  const site = await loadSite(c.var.db, projectId, siteIdOf(c));
  const a = await params(c, { deploymentId: p.uid() });
  const src = await loadSiteDeployment(c.var.db, projectId, site.id, a.deploymentId);
  const source = await c.env.BUCKET.get(r2.source(projectId, site.id, src.id));
  if (!source) throw new AppwriteError("deployment_not_found");
  const id = uniqueId();
  await c.env.BUCKET.put(r2.source(projectId, site.id, id), await source.arrayBuffer());
  const now = Date.now();
  const [d] = await c.var.db
    .insert(siteDeployments)
    .values({ projectId, id, siteId: site.id, ...fromSite(site, src), type: src.type, activate: true, status: "waiting", sourceSize: src.sourceSize, chunksTotal: 1, chunks: [1], createdAt: now, updatedAt: now })
    .returning();
  await uploaded(c, d!);
  return json(c, siteDeploymentModel(d!), 202);
});

siteDeploymentRoutes.get("/:deploymentId", async (c) => {
  requireScope(c, "sites.read");
  const site = await loadSite(c.var.db, c.var.project.id, siteIdOf(c));
  return json(c, siteDeploymentModel(await loadSiteDeployment(c.var.db, c.var.project.id, site.id, c.req.param("deploymentId"))));
});

siteDeploymentRoutes.get("/:deploymentId/download", async (c) => {
  requireScope(c, "sites.read");
  const projectId = c.var.project.id;
  const site = await loadSite(c.var.db, projectId, siteIdOf(c));
  const d = await loadSiteDeployment(c.var.db, projectId, site.id, c.req.param("deploymentId"));
  const a = await params(c, { type: p.default(p.enum(["source", "output"] as const), "source") });
  const key = a.type === "output" ? r2.manifest(projectId, site.id, d.id) : r2.source(projectId, site.id, d.id);
  const obj = await c.env.BUCKET.get(key);
  if (!obj) throw new AppwriteError(a.type === "output" ? "build_not_found" : "deployment_not_found");
  const filename = a.type === "output" ? `${d.id}-manifest.json` : `${d.id}.tar.gz`;
  return c.body(obj.body, 200, {
    "content-type": a.type === "output" ? "application/json" : "application/gzip",
    "content-disposition": `attachment; filename="${filename}"`,
    "content-length": String(obj.size),
  });
});

siteDeploymentRoutes.patch("/:deploymentId/status", async (c) => {
  requireScope(c, "sites.write");
  const projectId = c.var.project.id;
  const site = await loadSite(c.var.db, projectId, siteIdOf(c));
  const d = await loadSiteDeployment(c.var.db, projectId, site.id, c.req.param("deploymentId"));
  if (d.status === "ready" || d.status === "failed") throw new AppwriteError("build_already_completed");
  if (d.status === "canceled") throw new AppwriteError("build_canceled");
  const [row] = await c.var.db
    .update(siteDeployments)
    .set({ status: "canceled", buildLogs: d.buildLogs + "Build canceled.\n", updatedAt: Date.now() })
    .where(and(eq(siteDeployments.projectId, projectId), eq(siteDeployments.id, d.id)))
    .returning();
  await c.var.db.batch([deploymentEvent(c.var.db, row!, "update")]);
  return json(c, siteDeploymentModel(row!));
});

siteDeploymentRoutes.delete("/:deploymentId", async (c) => {
  requireScope(c, "sites.write");
  const projectId = c.var.project.id;
  const db = c.var.db;
  const site = await loadSite(db, projectId, siteIdOf(c));
  const d = await loadSiteDeployment(db, projectId, site.id, c.req.param("deploymentId"));
  const clear: Partial<Site> = {};
  if (site.deploymentId === d.id) Object.assign(clear, { deploymentId: "", deploymentCreatedAt: null, updatedAt: Date.now() });
  if (site.latestDeploymentId === d.id) Object.assign(clear, { latestDeploymentId: "", latestDeploymentCreatedAt: null, latestDeploymentStatus: "" });
  const writes = [db.delete(siteDeployments).where(and(eq(siteDeployments.projectId, projectId), eq(siteDeployments.id, d.id))), deploymentEvent(db, d, "delete")];
  if (Object.keys(clear).length) writes.push(db.update(sites).set(clear).where(and(eq(sites.projectId, projectId), eq(sites.id, site.id))) as never);
  await db.batch(writes as [(typeof writes)[0]]);
  forgetSite(projectId, site.id);
  await deletePrefix(c.env.BUCKET, r2.deployment(projectId, site.id, d.id));
  return noContent(c);
});
