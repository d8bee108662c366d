import { Hono } from "hono";
import { uniqueId } from "../../core/ids";
import { p, params } from "../../core/params";
import { json } from "../../core/response";
import { open } from "../../db/client";
import { dataDatabase } from "../../db/shards";
import type { AppEnv } from "../../platform/context";
import { insertExecution, newExecution, stashMessage, type ExecutionMessage } from "./execute";
import { executionModel } from "./models";
import { loadFunction } from "./store";
import { sweepExecutions } from "./sweeper";

/**
 * Test-only controls of the Functions service, mounted under /v1/_edgewrite/test/functions by
 * src/events/test-hooks.ts: they answer only when the server runs with EDGEWRITE_TEST_HOOKS=1 and only
 * to the deployment admin; otherwise every path is a plain 404.
 */
export const functionTestHooks = new Hono<AppEnv>();

/**
 * An async execution whose queue message was lost (`waiting`, never sent) or whose worker died mid-run
 * (`processing`): the row, with its message, last touched `ageMs` ago.
 */
functionTestHooks.post("/stuck", async (c) => {
  const a = await params(c, { projectId: p.string({ min: 1, max: 36 }), functionId: p.string({ min: 1, max: 36 }), ageMs: p.integer({ min: 0 }), attempts: p.default(p.integer({ min: 0, max: 100 }), 0), body: p.default(p.string(), ""), status: p.default(p.enum(["waiting", "processing"] as const), "waiting") });
  const db = open(await dataDatabase(c.env, a.projectId));
  const fn = await loadFunction(db, a.projectId, a.functionId);
  const id = uniqueId();
  const msg: ExecutionMessage = { kind: "execution", projectId: fn.projectId, functionId: fn.id, executionId: id, method: "POST", path: "/", headers: {}, body: a.body, userId: "", jwt: "" };
  const at = Date.now() - a.ageMs;
  const execution = { ...newExecution(fn, fn.deploymentId, { id, trigger: "http", status: a.status, method: "POST", path: "/", requestHeaders: [], userId: "" }), createdAt: at, updatedAt: at };
  await db.batch([insertExecution(db, { ...execution, responseBody: stashMessage(msg, a.attempts) })]);
  return json(c, executionModel(execution, true), 201);
});

/** Run the stuck-execution sweeper now (the cron and the sweeper alarm run it every minute). */
functionTestHooks.post("/sweep", async (c) => {
  const a = await params(c, { stuckAfterMs: p.optional(p.integer({ min: 0 })) });
  return json(c, await sweepExecutions(c.env, c.executionCtx, { stuckAfterMs: a.stuckAfterMs }));
});
