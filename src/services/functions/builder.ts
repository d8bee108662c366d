import { and, eq } from "drizzle-orm";
import { writableDataDatabase } from "../../db/shards";
import { open, type DB } from "../../db/client";
import { functionDeployments, functions, type FnDeployment } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { buildArchive, BuildError, type Bundle } from "./build";
import type { BundleInput, BundleResult } from "../../../bundler/src/index";
import type { BuildMessage } from "./execute";
import { deploymentModel, deploymentStatus } from "./models";
import { invalidateFunction } from "./cache";
import { configureSchedule } from "./schedules";
import { r2 } from "./store";

/** The build job (EXECUTIONS queue): waiting → processing → building → ready | failed, then activation. */
export function deploymentEvent(db: DB, d: FnDeployment, action: "create" | "update" | "delete") {
  return recordEvent(db, {
    projectId: d.projectId,
    pattern: `functions.[functionId].deployments.[deploymentId].${action}`,
    params: { functionId: d.functionId, deploymentId: d.id },
    payload: deploymentModel(d),
    roles: [],
  });
}

const where = (m: BuildMessage) => and(eq(functionDeployments.projectId, m.projectId), eq(functionDeployments.id, m.deploymentId));

/** The bundler Worker behind the BUNDLER binding (bundler/), installing from NPM_REGISTRY. */
const bundler = (env: Env): Bundle => (files, entrypoint) =>
  (env.BUNDLER as unknown as { bundle(i: BundleInput): Promise<BundleResult> }).bundle({ files, entrypoint, registry: env.NPM_REGISTRY || "https://registry.npmjs.org" });

export async function runBuild(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, msg: BuildMessage): Promise<void> {
  const db = open(await writableDataDatabase(env, msg.projectId)); // a moving project's builds wait (retried)
  const started = Date.now();
  const [taken] = await db.update(functionDeployments).set({ status: "processing", updatedAt: started }).where(and(where(msg), eq(functionDeployments.status, "waiting"))).returning();
  if (!taken) return;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  await setLatest(db, taken.projectId, taken.functionId, taken.id, "processing");
  await db.update(functionDeployments).set({ status: "building", updatedAt: Date.now() }).where(where(msg));

  let status: "ready" | "failed" = "failed";
  let buildSize = 0;
  try {
    log(`Building deployment ${taken.id} (entrypoint ${taken.entrypoint}).`);
    const source = await env.BUCKET.get(r2.source(msg.projectId, msg.functionId, msg.deploymentId));
    if (!source) throw new BuildError("The deployment's source archive is missing.");
    const { build } = await buildArchive(await source.arrayBuffer(), taken.entrypoint, log, { commands: taken.commands, bundle: bundler(env) });
    const text = JSON.stringify(build);
    buildSize = new TextEncoder().encode(text).byteLength;
    await env.BUCKET.put(r2.build(msg.projectId, msg.functionId, msg.deploymentId), text);
    status = "ready";
    log("Build completed.");
  } catch (e) {
    log(`Build failed: ${e instanceof BuildError ? e.message : "internal error"}`);
    if (!(e instanceof BuildError)) console.error("function build failed", (e as Error)?.message);
  }
  const now = Date.now();
  const [done] = await db
    .update(functionDeployments)
    .set({ status, buildSize, buildLogs: lines.join("\n") + "\n", buildDuration: Math.round((now - started) / 1000), updatedAt: now })
    .where(and(where(msg), eq(functionDeployments.status, "building")))
    .returning();
  if (!done) return; // canceled meanwhile
  await setLatest(db, done.projectId, done.functionId, done.id, deploymentStatus(done));
  const writes = [deploymentEvent(db, done, "update")];
  await db.batch(writes as [typeof writes[0]]);
  if (status === "ready" && done.activate) await activate(env, db, done);
  scheduleDispatch(env, ctx, done.projectId); // the build's end reaches the console now, not at the next sweep
}

async function setLatest(db: DB, projectId: string, functionId: string, deploymentId: string, status: string) {
  await db
    .update(functions)
    .set({ latestDeploymentStatus: status })
    .where(and(eq(functions.projectId, projectId), eq(functions.id, functionId), eq(functions.latestDeploymentId, deploymentId)));
}

/** Make a ready deployment the function's active one (and re-arm its schedule). */
export async function activate(env: Env, db: DB, d: FnDeployment) {
  const [fn] = await db
    .update(functions)
    .set({ deploymentId: d.id, deploymentCreatedAt: d.createdAt, updatedAt: Date.now() })
    .where(and(eq(functions.projectId, d.projectId), eq(functions.id, d.functionId)))
    .returning();
  invalidateFunction(d.projectId, d.functionId);
  if (fn) await configureSchedule(env, fn);
  return fn;
}
