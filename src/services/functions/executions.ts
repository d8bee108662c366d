import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { p, params } from "../../core/params";
import type { Binder } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { parseDate } from "../../core/time";
import { prepareQueries, runList } from "../../db/list";
import { functionExecutions, type Fn, type FnExecution } from "../../db/schema";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope, signJWT } from "../../platform/caller";
import type { AppEnv, Caller, Ctx } from "../../platform/context";
import { clientIp } from "../../platform/client";
import {
  attachBody,
  loadForExecution,
  readyDeployment,
  executionEvent,
  filterHeaders,
  insertExecution,
  newExecution,
  REQUEST_HEADER_ALLOWLIST,
  resultFields,
  runFunction,
  stashMessage,
  type ExecutionMessage,
} from "./execute";
import { serveHttp } from "./http";
import { executionModel } from "./models";
import { jsonBody, multipartField, multipartResponse, wantsMultipart } from "./payload";
import { persistExecution, settleExecutions } from "./persist";
import type { Exports } from "./runtime";
import { scheduleExecution, unscheduleExecution, watchQueued } from "./schedules";
import { fromRaw, loadFunction, resolver } from "./store";
import { parseJson } from "../../core/input";

/** /v1/functions/:functionId/executions, and the direct HTTP route /v1/functions/:functionId/http/*. */
export const executionRoutes = new Hono<AppEnv>();

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"] as const;
const exportsOf = (c: Ctx) => (c.executionCtx as unknown as { exports: Exports }).exports;

/** A function callers may see: disabled ones exist only for API keys (Appwrite's rule). */
async function visibleFunction(c: Ctx): Promise<Fn> {
  const fn = await loadFunction(c.var.db, c.var.project.id, c.req.param("functionId")!);
  if (!fn.enabled && !c.var.caller.privileged) throw new AppwriteError("function_not_found");
  return fn;
}

/** Function + active deployment + variables in one round trip, for running it now. */
async function runnable(c: Ctx) {
  const loaded = await loadForExecution(c.env, c.var.db, c.var.project.id, c.req.param("functionId")!);
  if (!loaded.fn.enabled && !c.var.caller.privileged) throw new AppwriteError("function_not_found");
  return loaded;
}

function assertExecute(caller: Caller, fn: Fn) {
  if (caller.privileged) return;
  const held = new Set(caller.roles);
  if (!fn.execute.some((r) => held.has(r))) {
    throw new AppwriteError(
      "user_unauthorized",
      `Missing "execute" permission for role "${caller.roles[caller.roles.length - 1] ?? "guests"}". Only "${JSON.stringify(fn.execute)}" scopes are allowed and "${JSON.stringify(caller.roles)}" was given.`,
    );
  }
}

async function userJwt(c: Ctx, fn: Fn): Promise<string> {
  const { user, session } = c.var.caller;
  if (!user || !session) return "";
  return signJWT(c.env, { userId: user.id, sessionId: session.id, projectId: c.var.project.id }, fn.timeout + 60);
}

function parseHeaders(raw: unknown): Record<string, string> {
  let v = raw;
  if (typeof v === "string") {
    try {
      v = v.trim() === "" ? {} : parseJson(v);
    } catch (e) {
      if (e instanceof AppwriteError) throw e;
      throw new AppwriteError("general_argument_invalid", "Invalid `headers` param: Value must be a valid object.");
    }
  }
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new AppwriteError("general_argument_invalid", "Invalid `headers` param: Value must be a valid object.");
  const out: Record<string, string> = Object.create(null);
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k) || (typeof val !== "string" && typeof val !== "number" && typeof val !== "boolean")) {
      throw new AppwriteError("general_argument_invalid", "Invalid `headers` param: Headers must be an object of valid header names and string values.");
    }
    out[k.toLowerCase()] = String(val);
  }
  return out;
}

executionRoutes.post("/:functionId/executions", async (c) => {
  const caller = requireScope(c, "executions.write", "execution.write");
  const contentType = c.req.header("content-type") ?? "";
  // Read before the params consume the body: a multipart `body` is bytes, which FormData would decode as text.
  const form = contentType.toLowerCase().startsWith("multipart/form-data") ? c.req.raw.clone().arrayBuffer() : null;
  const a = await params(c, {
    body: p.default(p.string({ max: 10485760 }), ""),
    async: p.default(p.boolean(), false),
    path: p.default(p.string({ max: 2048 }), "/"),
    method: p.default(p.enum(METHODS), "POST"),
    headers: p.optional(p.any()),
    scheduledAt: p.optional(p.string({ max: 100 })),
  });
  if (!a.async && a.scheduledAt) {
    throw new AppwriteError("general_bad_request", "Scheduled executions must run asynchronously. Set scheduledAt to a future date, or set async to true.");
  }
  let scheduledAt: number | null = null;
  if (a.scheduledAt) {
    scheduledAt = parseDate(a.scheduledAt);
    if (scheduledAt === null || scheduledAt < Date.now() + 60_000) throw new AppwriteError("general_bad_request", "Execution schedule must be a valid date, and at least 1 minute from now");
  }
  const body = (form && multipartField(new Uint8Array(await form), contentType, "body")) || new TextEncoder().encode(a.body);
  const userHeaders = parseHeaders(a.headers);
  const loaded = await runnable(c);
  const fn = loaded.fn;
  const deploymentId = readyDeployment(fn, loaded.deployment);
  assertExecute(caller, fn);

  const db = c.var.db;
  const projectId = c.var.project.id;
  const userId = caller.user?.id ?? "";
  const jwt = await userJwt(c, fn);
  const ip = clientIp(c);
  const requestHeaders = filterHeaders({ ...userHeaders, "x-appwrite-client-ip": ip }, REQUEST_HEADER_ALLOWLIST);
  const path = a.path || "/";
  const origin = new URL(c.req.url).origin;
  const executionId = uniqueId();

  if (a.async) {
    const execution = newExecution(fn, deploymentId, { id: executionId, trigger: scheduledAt ? "schedule" : "http", status: scheduledAt ? "scheduled" : "waiting", method: a.method, path, requestHeaders, userId, scheduledAt });
    const msg = await attachBody(c.env, { kind: "execution", projectId, functionId: fn.id, executionId, method: a.method, path, headers: { ...userHeaders }, userId, jwt, origin } satisfies ExecutionMessage, body);
    // The row carries its message, so the sweeper can send it again if the queue (or a worker) loses it.
    await db.batch([insertExecution(db, { ...execution, responseBody: stashMessage(msg) }), executionEvent(db, execution, "create")]);
    if (scheduledAt) await scheduleExecution(c.env, scheduledAt, msg);
    else {
      await c.env.EXECUTIONS.send(msg);
      watchQueued(c.env, c.executionCtx);
    }
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, executionModel(execution, caller.privileged), 202);
  }

  const result = await runFunction(c.env, exportsOf(c), db, {
    fn,
    deploymentId,
    executionId,
    trigger: "http",
    method: a.method,
    path,
    headers: userHeaders,
    body,
    userId,
    jwt,
    origin,
    clientIp: ip,
    variables: await loaded.variables(),
    runnable: loaded.runnable,
  });
  const execution = { ...newExecution(fn, deploymentId, { id: executionId, trigger: "http", status: "processing", method: a.method, path, requestHeaders, userId }), ...resultFields(result) };
  // Stored (with its event) right after the response, as Appwrite does; reads in this isolate settle it first.
  persistExecution(c.env, c.executionCtx, db, execution);
  // The caller gets the whole response (all headers and the body); the stored execution keeps only allow-listed headers.
  const headers = Object.entries({ ...result.headers, "x-appwrite-execution-id": executionId }).map(([name, value]) => ({ name, value }));
  const model = { ...executionModel(execution, caller.privileged), responseHeaders: headers };
  if (wantsMultipart(c.req.header("accept"))) return multipartResponse({ ...model, responseBody: result.body }, 201);
  return json(c, { ...model, responseBody: jsonBody(result.body) }, 201);
});

const resolve = resolver({
  trigger: { sql: "trigger", type: "string" },
  status: { sql: "status", type: "string" },
  responseStatusCode: { sql: "response_status_code", type: "integer" },
  duration: { sql: "duration", type: "float" },
  requestMethod: { sql: "request_method", type: "string" },
  requestPath: { sql: "request_path", type: "string" },
  deploymentId: { sql: "deployment_id", type: "string" },
  functionId: { sql: "function_id", type: "string" },
  resourceId: { sql: "function_id", type: "string" },
  scheduledAt: { sql: "scheduled_at", type: "datetime" },
});

executionRoutes.get("/:functionId/executions", async (c) => {
  const caller = requireScope(c, "executions.read", "execution.read");
  const fn = await visibleFunction(c);
  const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  await settleExecutions(c.env, c.executionCtx, c.var.db);
  const projectId = c.var.project.id;
  const owner = caller.privileged ? null : (caller.user?.id ?? "\u0000none");
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "function_executions",
      columns: "*",
      base: (b: Binder) => `project_id = ${b.bind(projectId)} AND function_id = ${b.bind(fn.id)}${owner === null ? "" : ` AND user_id = ${b.bind(owner)}`}`,
      resolve,
      sequence: "seq",
      id: "id",
    },
    prepareQueries(a.queries),
    a.total,
  );
  const rows = result.rows.map((r) => fromRaw<FnExecution>(r, ["requestHeaders", "responseHeaders"]));
  return json(c, list("executions", rows.map((e) => executionModel(e, caller.privileged)), result.total));
});

async function loadExecution(c: Ctx, fn: Fn): Promise<FnExecution> {
  await settleExecutions(c.env, c.executionCtx, c.var.db);
  const [row] = await c.var.db
    .select()
    .from(functionExecutions)
    .where(and(eq(functionExecutions.projectId, c.var.project.id), eq(functionExecutions.id, c.req.param("executionId")!)))
    .limit(1);
  if (!row || row.functionId !== fn.id) throw new AppwriteError("execution_not_found");
  if (!c.var.caller.privileged && (!c.var.caller.user || row.userId !== c.var.caller.user.id)) throw new AppwriteError("execution_not_found");
  return row;
}

executionRoutes.get("/:functionId/executions/:executionId", async (c) => {
  const caller = requireScope(c, "executions.read", "execution.read");
  const fn = await visibleFunction(c);
  return json(c, executionModel(await loadExecution(c, fn), caller.privileged));
});

executionRoutes.delete("/:functionId/executions/:executionId", async (c) => {
  requireScope(c, "executions.write", "execution.write");
  if (!c.var.caller.privileged) throw new AppwriteError("user_unauthorized");
  const fn = await visibleFunction(c);
  const e = await loadExecution(c, fn);
  if (e.status === "waiting" || e.status === "processing") throw new AppwriteError("execution_in_progress");
  if (e.status === "scheduled") await unscheduleExecution(c.env, e.projectId, fn.id, e.id);
  const db = c.var.db;
  await db.batch([
    db.delete(functionExecutions).where(and(eq(functionExecutions.projectId, e.projectId), eq(functionExecutions.id, e.id))),
    executionEvent(db, e, "delete"),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});

/**
 * Direct HTTP access on the API origin, kept for compatibility (a function's own origin is its domain,
 * domains.ts): `ANY /v1/functions/:functionId/http/<path>?project=<projectId>` runs the function with that
 * method, path, query, headers and raw body, and answers with its status, headers and body, under the
 * API-origin rules of http.ts (no credentials in, nothing origin-wide out, sandboxed).
 */
executionRoutes.all("/:functionId/http/*", async (c) => {
  const loaded = await loadForExecution(c.env, c.var.db, c.var.project.id, c.req.param("functionId")!);
  const url = new URL(c.req.url);
  const prefix = `/v1/functions/${loaded.fn.id}/http`;
  const rest = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : "/";
  url.searchParams.delete("project");
  const path = (rest || "/") + (url.searchParams.size ? `?${url.searchParams}` : "");
  return serveHttp(c.env, exportsOf(c), c.executionCtx, c.var.db, loaded, { surface: "api", request: c.req.raw, path, origin: url.origin, clientIp: clientIp(c) });
});
