import { Hono } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { archiveFile, assembleChunks, chunkOf, SIZE_LIMIT } from "./upload";
import { p, params } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import { prepareQueries, runList } from "../../db/list";
import type { Binder } from "../../core/query/sql";
import { functionDeployments, functions, type FnDeployment } from "../../db/schema";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { activate, deploymentEvent } from "./builder";
import type { BuildMessage } from "./execute";
import { deploymentModel } from "./models";
import { forgetBuild, invalidateFunction } from "./cache";
import { configureSchedule } from "./schedules";
import { fromRaw, loadDeployment, loadFunction, r2, resolver, searchClause } from "./store";

/** /v1/functions/:functionId/deployments — chunked tar.gz upload (5 MiB chunks), builds on the queue. */
export const deploymentRoutes = new Hono<AppEnv>();

export { CHUNK_SIZE, SIZE_LIMIT } from "./upload";

const fnId = (c: Ctx) => c.req.param("functionId")!;

async function queueBuild(env: Env, d: FnDeployment) {
  await env.EXECUTIONS.send({ kind: "build", projectId: d.projectId, functionId: d.functionId, deploymentId: d.id } satisfies BuildMessage);
}

/** A complete upload: record it as the function's latest deployment, announce it and queue the build. */
export async function uploaded(c: Ctx, d: FnDeployment) {
  const db = c.var.db;
  await db.batch([
    db
      .update(functions)
      .set({ latestDeploymentId: d.id, latestDeploymentCreatedAt: d.createdAt, latestDeploymentStatus: "waiting" })
      .where(and(eq(functions.projectId, d.projectId), eq(functions.id, d.functionId))),
    deploymentEvent(db, d, "create"),
  ]);
  await queueBuild(c.env, d);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
}

deploymentRoutes.post("/", async (c) => {
  requireScope(c, "functions.write");
  const projectId = c.var.project.id;
  const fn = await loadFunction(c.var.db, projectId, fnId(c));
  const a = await params(c, {
    entrypoint: p.optional(p.string({ max: 1028 })),
    commands: p.optional(p.string({ max: 8192 })),
    code: p.any(),
    activate: p.boolean(),
  });
  const entrypoint = a.entrypoint ?? fn.entrypoint;
  if (!entrypoint) throw new AppwriteError("function_entrypoint_missing");
  const file = archiveFile(a.code);

  const range = c.req.header("content-range");
  const db = c.var.db;
  const now = Date.now();
  if (!range) {
    if (file.size > SIZE_LIMIT) throw new AppwriteError("deployment_invalid_file_size");
    const id = uniqueId();
    await c.env.BUCKET.put(r2.source(projectId, fn.id, id), await file.arrayBuffer());
    const [d] = await db
      .insert(functionDeployments)
      .values({ projectId, id, functionId: fn.id, entrypoint, commands: a.commands ?? fn.commands, activate: a.activate, status: "waiting", sourceSize: file.size, chunksTotal: 1, chunks: [1], createdAt: now, updatedAt: now })
      .returning();
    await uploaded(c, d!);
    return json(c, deploymentModel(d!), 202);
  }

  const { id, size, chunk, chunksTotal } = chunkOf(range, c.req.header("x-appwrite-id"));

  const [existing] = await db.select().from(functionDeployments).where(and(eq(functionDeployments.projectId, projectId), eq(functionDeployments.id, id))).limit(1);
  if (existing && existing.functionId !== fn.id) throw new AppwriteError("deployment_not_found");
  if (existing && existing.status !== "uploading") return json(c, deploymentModel(existing), 202);

  await c.env.BUCKET.put(r2.chunk(projectId, fn.id, id, chunk), await file.arrayBuffer());
  await db
    .insert(functionDeployments)
    .values({ projectId, id, functionId: fn.id, entrypoint, commands: a.commands ?? fn.commands, activate: a.activate, status: "uploading", sourceSize: size, chunksTotal, chunks: [], createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  // Record this chunk atomically (chunks arrive concurrently): a set of chunk numbers in one statement.
  const [row] = await db
    .update(functionDeployments)
    .set({
      chunks: sql`(SELECT json_group_array(value) FROM (SELECT value FROM json_each(${functionDeployments.chunks}) UNION SELECT ${chunk} ORDER BY 1))`,
      updatedAt: now,
    })
    .where(and(eq(functionDeployments.projectId, projectId), eq(functionDeployments.id, id)))
    .returning();
  let d = row!;
  if (d.chunks.length >= d.chunksTotal && d.status === "uploading") {
    // Exactly one request wins the switch to `waiting` and assembles the archive.
    const [won] = await db
      .update(functionDeployments)
      .set({ status: "waiting", updatedAt: Date.now() })
      .where(and(eq(functionDeployments.projectId, projectId), eq(functionDeployments.id, id), eq(functionDeployments.status, "uploading")))
      .returning();
    if (won) {
      await assembleChunks(c.env.BUCKET, (n) => r2.chunk(projectId, fn.id, id, n), won.chunksTotal, r2.source(projectId, fn.id, id));
      await uploaded(c, won);
      d = won;
    }
  }
  return json(c, deploymentModel(d), 202);
});

const resolve = resolver({
  entrypoint: { sql: "entrypoint", type: "string" },
  sourceSize: { sql: "source_size", type: "integer" },
  buildSize: { sql: "build_size", type: "integer" },
  totalSize: { sql: "(source_size + build_size)", type: "integer" },
  buildDuration: { sql: "build_duration", type: "integer" },
  activate: { sql: "activate", type: "boolean" },
  type: { sql: "type", type: "string" },
  status: { sql: "status", type: "string" },
  buildId: { sql: "id", type: "string" },
});

deploymentRoutes.get("/", async (c) => {
  requireScope(c, "functions.read");
  const projectId = c.var.project.id;
  const fn = await loadFunction(c.var.db, projectId, fnId(c));
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const g = prepareQueries(a.queries);
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "function_deployments",
      columns: "*",
      base: (b: Binder) => `project_id = ${b.bind(projectId)} AND function_id = ${b.bind(fn.id)} AND ${searchClause(b, ["id", "entrypoint", "type", "status"], a.search)}`,
      resolve,
      sequence: "seq",
      id: "id",
    },
    g,
    a.total,
  );
  const rows = result.rows.map((r) => fromRaw<FnDeployment>(r, ["chunks"], ["activate"]));
  return json(c, list("deployments", rows.map(deploymentModel), result.total));
});

// The other paths are Appwrite's older ones (1.6 `createBuild`), which older SDKs still call.
deploymentRoutes.on("POST", ["/duplicate", "/:deploymentId/build", "/:deploymentId/builds/:buildId"], async (c) => {
  requireScope(c, "functions.write");
  const projectId = c.var.project.id;
  const fn = await loadFunction(c.var.db, projectId, fnId(c));
  const a = await params(c, { deploymentId: p.uid(), buildId: p.optional(p.string({ max: 36 })) });
  const src = await loadDeployment(c.var.db, projectId, fn.id, a.deploymentId);
  const source = await c.env.BUCKET.get(r2.source(projectId, fn.id, src.id));
  if (!source) throw new AppwriteError("deployment_not_found");
  const id = uniqueId();
  await c.env.BUCKET.put(r2.source(projectId, fn.id, id), await source.arrayBuffer());
  const now = Date.now();
  const [d] = await c.var.db
    .insert(functionDeployments)
    .values({ projectId, id, functionId: fn.id, type: src.type, entrypoint: src.entrypoint, commands: src.commands, activate: true, status: "waiting", sourceSize: src.sourceSize, chunksTotal: 1, chunks: [1], createdAt: now, updatedAt: now })
    .returning();
  await uploaded(c, d!);
  return json(c, deploymentModel(d!), 202);
});

deploymentRoutes.get("/:deploymentId", async (c) => {
  requireScope(c, "functions.read");
  const fn = await loadFunction(c.var.db, c.var.project.id, fnId(c));
  return json(c, deploymentModel(await loadDeployment(c.var.db, c.var.project.id, fn.id, c.req.param("deploymentId"))));
});

// The second path is Appwrite's older one, which older SDKs still call.
deploymentRoutes.on("GET", ["/:deploymentId/download", "/:deploymentId/build/download"], async (c) => {
  requireScope(c, "functions.read");
  const projectId = c.var.project.id;
  const fn = await loadFunction(c.var.db, projectId, fnId(c));
  const d = await loadDeployment(c.var.db, projectId, fn.id, c.req.param("deploymentId"));
  const a = await params(c, { type: p.default(p.enum(["source", "output"] as const), "source"), token: p.optional(p.string({ max: 512 })) });
  const key = a.type === "output" ? r2.build(projectId, fn.id, d.id) : r2.source(projectId, fn.id, d.id);
  const obj = await c.env.BUCKET.get(key);
  if (!obj) throw new AppwriteError(a.type === "output" ? "build_not_found" : "deployment_not_found");
  const filename = a.type === "output" ? `${d.id}-build.json` : `${d.id}.tar.gz`;
  return c.body(obj.body, 200, {
    "content-type": a.type === "output" ? "application/json" : "application/gzip",
    "content-disposition": `attachment; filename="${filename}"`,
    "content-length": String(obj.size),
  });
});

// The second path is Appwrite's older one, which older SDKs still call.
deploymentRoutes.on("PATCH", ["/:deploymentId/status", "/:deploymentId/build"], async (c) => {
  requireScope(c, "functions.write");
  const projectId = c.var.project.id;
  const fn = await loadFunction(c.var.db, projectId, fnId(c));
  const d = await loadDeployment(c.var.db, projectId, fn.id, c.req.param("deploymentId"));
  if (d.status === "ready" || d.status === "failed") throw new AppwriteError("build_already_completed");
  if (d.status === "canceled") throw new AppwriteError("build_canceled");
  const [row] = await c.var.db
    .update(functionDeployments)
    .set({ status: "canceled", buildLogs: d.buildLogs + "Build canceled.\n", updatedAt: Date.now() })
    .where(and(eq(functionDeployments.projectId, projectId), eq(functionDeployments.id, d.id)))
    .returning();
  await c.var.db.batch([deploymentEvent(c.var.db, row!, "update")]);
  return json(c, deploymentModel(row!));
});

deploymentRoutes.delete("/:deploymentId", async (c) => {
  requireScope(c, "functions.write");
  const projectId = c.var.project.id;
  const db = c.var.db;
  const fn = await loadFunction(db, projectId, fnId(c));
  const d = await loadDeployment(db, projectId, fn.id, c.req.param("deploymentId"));
  const now = Date.now();
  const writes = [
    db.delete(functionDeployments).where(and(eq(functionDeployments.projectId, projectId), eq(functionDeployments.id, d.id))),
    deploymentEvent(db, d, "delete"),
  ];
  if (fn.deploymentId === d.id) {
    writes.push(db.update(functions).set({ deploymentId: "", deploymentCreatedAt: null, updatedAt: now }).where(and(eq(functions.projectId, projectId), eq(functions.id, fn.id))) as never);
  }
  if (fn.latestDeploymentId === d.id) {
    writes.push(db.update(functions).set({ latestDeploymentId: "", latestDeploymentCreatedAt: null, latestDeploymentStatus: "" }).where(and(eq(functions.projectId, projectId), eq(functions.id, fn.id))) as never);
  }
  await db.batch(writes as [(typeof writes)[0]]);
  invalidateFunction(projectId, fn.id);
  forgetBuild(d.id);
  const keys = [r2.source(projectId, fn.id, d.id), r2.build(projectId, fn.id, d.id), ...Array.from({ length: d.chunksTotal }, (_, i) => r2.chunk(projectId, fn.id, d.id, i + 1))];
  await c.env.BUCKET.delete(keys);
  if (fn.deploymentId === d.id) await configureSchedule(c.env, { ...fn, deploymentId: "" });
  return noContent(c);
});

/**
 * PATCH /v1/functions/:functionId/deployment — activate a ready deployment (or roll back to an older one).
 * Appwrite also serves it at its alias PATCH …/deployments/:deploymentId, the id then in the path.
 */
export async function updateFunctionDeployment(c: Ctx) {
  requireScope(c, "functions.write");
  const projectId = c.var.project.id;
  const fn = await loadFunction(c.var.db, projectId, fnId(c));
  // On the alias the id is in the path, and path values are params (collectParams).
  const { deploymentId } = await params(c, { deploymentId: p.uid() });
  const d = await loadDeployment(c.var.db, projectId, fn.id, deploymentId);
  if (d.status !== "ready") throw new AppwriteError("build_not_ready");
  return (await activate(c.env, c.var.db, d))!;
}
