import { Hono } from "hono";
import { AppwriteError } from "../core/errors";
import { p, params } from "../core/params";
import { json } from "../core/response";
import type { AppEnv } from "../platform/context";
import { shardCount, shardName } from "../services/realtime/protocol";
import { sweepOrphanObjects } from "../services/storage/cleanup";
import { projectPrefix } from "../services/storage/constants";
import { sweepHandoffs } from "./consumers";
import { dispatcherStub, kickPending, testHooksEnabled } from "./dispatcher";
import { functionTestHooks } from "../services/functions/test-hooks";
import { authTestHooks } from "../services/auth/test-hooks";
import { isDeploymentAdmin } from "../platform/console-access";
import { keepAccessMemoryOnChange } from "../platform/access";

/**
 * Test-only controls, mounted at /v1/_edgewrite/test. They exist only when the server runs with
 * EDGEWRITE_TEST_HOOKS=1 (test/e2e/global-setup.ts passes it with --var; wrangler.toml never sets it),
 * and only for the deployment admin. Otherwise every path is a plain 404.
 */
export const testHookRoutes = new Hono<AppEnv>();

// Every hook, including the services' mounted below, is behind this one gate.
testHookRoutes.use("*", async (c, next) => {
  if (!testHooksEnabled(c.env) || !isDeploymentAdmin(c.var.caller)) {
    throw new AppwriteError("general_route_not_found", "The requested route was not found. Please refer to the API docs and try again.");
  }
  await next();
});

/**
 * Make a project's next dispatch pass (`/faults`: next `count` passes) crash after reading the outbox;
 * nothing retries them but the watchdog alarm, the next kick of that project or the cron sweep.
 */
testHookRoutes.post("/dispatcher/:projectId/fail-once", async (c) => armFaults(c.env, c.req.param("projectId"), 1).then((s) => json(c, s)));
testHookRoutes.post("/dispatcher/:projectId/faults", async (c) => {
  const a = await params(c, { count: p.integer({ min: 0, max: 1000 }) });
  return json(c, await armFaults(c.env, c.req.param("projectId"), a.count));
});
async function armFaults(env: Env, projectId: string, count: number) {
  await dispatcherStub(env, projectId).armFaults(projectId, count);
  return dispatcherStub(env, projectId).status(projectId);
}

/** A project's dispatcher: faults armed, cursor per consumer, realtime shards known to be empty. */
testHookRoutes.get("/dispatcher/:projectId", async (c) => {
  const projectId = c.req.param("projectId");
  return json(c, await dispatcherStub(c.env, projectId).status(projectId));
});

/**
 * Run the recovery sweeps the cron runs (dispatch, webhook deliveries and executions with no outcome,
 * one step of the R2 orphan sweep) now, with `graceMs` in place of their grace periods.
 */
testHookRoutes.post("/sweep", async (c) => {
  const a = await params(c, { graceMs: p.integer({ min: 0 }) });
  await kickPending(c.env);
  const handoffs = await sweepHandoffs(c.env, { graceMs: a.graceMs }); // webhook deliveries, event executions
  const objects = await sweepOrphanObjects(c.env, { graceMs: a.graceMs });
  return json(c, { resent: handoffs.resent, objects });
});

/** The R2 keys under a project's storage prefix (what the orphan sweep must keep tidy). */
testHookRoutes.get("/storage/:projectId/objects", async (c) => {
  const keys: string[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await c.env.BUCKET.list({ prefix: projectPrefix(c.req.param("projectId")), cursor });
    keys.push(...page.objects.map((o) => o.key));
    if (!page.truncated) break;
    cursor = page.cursor;
  }
  return json(c, { keys });
});

/** Connection counts of a project's realtime shards. */
testHookRoutes.get("/realtime/:projectId", async (c) => {
  const projectId = c.req.param("projectId");
  const stats = await Promise.all(Array.from({ length: shardCount(c.env) }, (_, i) => c.env.REALTIME.get(c.env.REALTIME.idFromName(shardName(projectId, i))).stats()));
  return json(c, { shards: stats });
});

/** Make a project's shards drop (or take again) every direct-path event, as if each send were lost. */
testHookRoutes.post("/realtime/:projectId/direct", async (c) => {
  const a = await params(c, { drop: p.boolean() });
  const projectId = c.req.param("projectId");
  await Promise.all(Array.from({ length: shardCount(c.env) }, (_, i) => c.env.REALTIME.get(c.env.REALTIME.idFromName(shardName(projectId, i))).testDropDirect(a.drop)));
  return json(c, { drop: a.drop });
});

/** Functions: insert a stuck execution, run the sweeper now (src/services/functions/test-hooks.ts). */
testHookRoutes.route("/functions", functionTestHooks);

/** Auth: expire OAuth2 flows in progress (src/services/auth/test-hooks.ts). */
testHookRoutes.route("/auth", authTestHooks);

/** `{ keep: true }`: changes to projects, keys and platforms no longer drop this isolate's remembered access (access.ts). */
testHookRoutes.post("/access/memory", async (c) => {
  const a = await params(c, { keep: p.boolean() });
  keepAccessMemoryOnChange(a.keep);
  return json(c, { keep: a.keep });
});

/** Names added to the isolate's built-in prototypes since it started (prototype-pollution probe). */
const PROTOTYPES = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype, String: String.prototype };
const pristine = new Map(Object.entries(PROTOTYPES).map(([k, proto]) => [k, new Set(Reflect.ownKeys(proto))]));
testHookRoutes.get("/prototypes", (c) => {
  const added = Object.entries(PROTOTYPES).flatMap(([k, proto]) => Reflect.ownKeys(proto).filter((n) => !pristine.get(k)!.has(n)).map((n) => `${k}.${String(n)}`));
  return json(c, { added });
});

/** Every route the app serves (method and path pattern), for the permission matrix test. */
testHookRoutes.get("/routes", async (c) => {
  const { app } = await import("../app");
  return json(c, { routes: app.routes.map((r) => ({ method: r.method, path: r.path })) });
});
