import { and, eq, inArray, sql } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import type { DB } from "../../db/client";
import { functionDeployments, functionExecutions, functions, functionVariables, type Fn, type FnExecution, type FnVariable } from "../../db/schema";
import { recordEvent } from "../../events/outbox";
import { executionModel, QUEUED_MARK } from "./models";
import { cachedRunnable, epochOf, rememberRunnable, workerDigest, type Runnable } from "./cache";
import { functionEnv, invoke, OUTBOUND_VARIABLE, type Exports, type InvocationResult } from "./runtime";
import { decryptValue, DYNAMIC_KEY_GRACE_S, signDynamicKey } from "./secrets";
import { r2 } from "./store";
import { utf8 } from "./payload";
import { specification } from "./specifications";
import { recordExecution } from "../usage/recorder";

/**
 * One execution, whatever its trigger (http, schedule, event): the function's active deployment, its
 * variables, a dynamic API key limited to the function's scopes, the Appwrite request headers, the run
 * in its Dynamic Worker, and the stored result.
 */
export const REQUEST_HEADER_ALLOWLIST = ["content-type", "agent", "content-length", "host", "x-appwrite-client-ip"];
export const RESPONSE_HEADER_ALLOWLIST = ["content-type", "content-length"];
const INLINE_BODY_LIMIT = 64 * 1024;

export type Trigger = "http" | "schedule" | "event";

/** What a queued (async, scheduled or event) execution carries until it runs. */
export interface ExecutionMessage {
  kind: "execution";
  projectId: string;
  functionId: string;
  executionId: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Large bodies wait in R2. */
  bodyKey?: string;
  userId: string;
  jwt: string;
  event?: string;
  origin?: string;
}

export interface BuildMessage {
  kind: "build";
  projectId: string;
  functionId: string;
  deploymentId: string;
}

export type FunctionsMessage = ExecutionMessage | BuildMessage;

/**
 * A queued execution keeps its message in its own row until a consumer takes it: `response_body` holds
 * QUEUED_MARK + {attempts, msg} while the row is `waiting` (the Execution model never shows it, and the
 * take clears it). The sweeper (src/services/functions/sweeper.ts) re-sends it if the queue lost it.
 */
export const stashMessage = (msg: ExecutionMessage, attempts = 0) => QUEUED_MARK + JSON.stringify({ attempts, msg });
export function readStash(responseBody: string): { attempts: number; msg: ExecutionMessage } | null {
  if (!responseBody.startsWith(QUEUED_MARK)) return null;
  try {
    const v = JSON.parse(responseBody.slice(QUEUED_MARK.length)) as { attempts: number; msg: ExecutionMessage };
    return v && v.msg?.kind === "execution" && typeof v.attempts === "number" ? v : null;
  } catch {
    return null;
  }
}

export const roleFor = (userId: string) => (userId ? [`user:${userId}`] : []);

export function executionEvent(db: DB, e: FnExecution, action: "create" | "update" | "delete") {
  return recordEvent(db, {
    projectId: e.projectId,
    pattern: `functions.[functionId].executions.[executionId].${action}`,
    params: { functionId: e.functionId, executionId: e.id },
    payload: executionModel(e, false),
    roles: roleFor(e.userId),
    userId: e.userId || undefined,
  });
}

/**
 * Everything an execution needs: the function, its active deployment's status and the variables
 * (project-wide and the function's own). From this isolate's cache when fresh (src/services/functions/cache.ts),
 * otherwise in ONE D1 round trip; a runnable result is cached.
 */
export async function loadForExecution(env: Env, db: DB, projectId: string, functionId: string): Promise<Loaded> {
  const hit = cachedRunnable(projectId, functionId);
  if (hit) return { fn: hit.fn, deployment: { id: hit.deploymentId, status: "ready", functionId }, runnable: hit, variables: async () => hit.variables };
  const epoch = epochOf(projectId, functionId);
  const [fns, deps, vars] = await db.batch([
    db.select().from(functions).where(and(eq(functions.projectId, projectId), eq(functions.id, functionId))).limit(1),
    db
      .select({ id: functionDeployments.id, status: functionDeployments.status, functionId: functionDeployments.functionId })
      .from(functionDeployments)
      .where(and(eq(functionDeployments.projectId, projectId), sql`${functionDeployments.id} = (SELECT deployment_id FROM functions WHERE project_id = ${projectId} AND id = ${functionId})`))
      .limit(1),
    db.select().from(functionVariables).where(and(eq(functionVariables.projectId, projectId), inArray(functionVariables.resourceId, ["", functionId]))),
  ]);
  const fn = fns[0];
  if (!fn) throw new AppwriteError("function_not_found");
  const deployment = deps[0] ?? null;
  if (!fn.deploymentId || !deployment || deployment.functionId !== fn.id || deployment.status !== "ready") {
    return { fn, deployment, runnable: null, variables: () => decryptVariables(env, vars, functionId) };
  }
  const runnable: Runnable = { fn, deploymentId: deployment.id, variables: await decryptVariables(env, vars, functionId), at: Date.now(), epoch };
  rememberRunnable(runnable);
  return { fn, deployment, runnable, variables: async () => runnable.variables };
}

export interface Loaded {
  fn: Fn;
  deployment: { id: string; status: string; functionId: string } | null;
  /** Set when the function has a ready active deployment (what runFunction reuses). */
  runnable: Runnable | null;
  variables: () => Promise<Record<string, string>>;
}

/** The active deployment from loadForExecution, or Appwrite's errors. */
export function readyDeployment(fn: Fn, d: { id: string; status: string; functionId: string } | null): string {
  if (!fn.deploymentId || !d || d.functionId !== fn.id) throw new AppwriteError("deployment_not_found", "Deployment not found. Create a deployment before trying to execute a function");
  if (d.status !== "ready") throw new AppwriteError("build_not_ready");
  return d.id;
}

async function decryptVariables(env: Env, rows: FnVariable[], functionId: string): Promise<Record<string, string>> {
  const vars: Record<string, string> = Object.create(null);
  const ordered = [...rows.filter((r) => r.resourceType === "project"), ...rows.filter((r) => r.resourceType === "function" && r.resourceId === functionId)];
  for (const r of ordered) vars[r.key] = r.secret ? await decryptValue(env, r.value) : r.value;
  return vars;
}

/** Project variables, then the function's own (which win), decrypted. */
export async function loadVariables(env: Env, db: DB, projectId: string, functionId: string): Promise<Record<string, string>> {
  const rows = await db
    .select()
    .from(functionVariables)
    .where(and(eq(functionVariables.projectId, projectId), inArray(functionVariables.resourceId, ["", functionId])));
  return decryptVariables(env, rows, functionId);
}

export function filterHeaders(headers: Record<string, string>, allow: readonly string[]): { name: string; value: string }[] {
  return Object.entries(headers)
    .filter(([k]) => allow.includes(k.toLowerCase()))
    .map(([name, value]) => ({ name, value: String(value) }));
}

export interface RunInput {
  fn: Fn;
  deploymentId: string;
  executionId: string;
  trigger: Trigger;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  userId: string;
  jwt: string;
  event?: string;
  /** Scheme://host[:port] the function sees as its own URL. */
  origin?: string;
  clientIp?: string;
  /** Variables already loaded (loadForExecution); read from D1 when absent. */
  variables?: Record<string, string>;
  /** The cached runnable (loadForExecution): its worker environment and id digest are computed once. */
  runnable?: Runnable | null;
}

/** The headers Appwrite adds to every execution request (x-appwrite-*), over the caller's own. */
export async function executionHeaders(env: Env, input: RunInput): Promise<{ headers: Record<string, string>; apiKey: string }> {
  const fn = input.fn;
  // One key per execution, for its timeout and a little more (dynamic-key.ts also ends it with the function or its scopes).
  const apiKey = await signDynamicKey(env, { projectId: fn.projectId, functionId: fn.id, scopes: fn.scopes }, fn.timeout + DYNAMIC_KEY_GRACE_S);
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(input.headers)) headers.set(k.toLowerCase(), String(v));
  const appwrite: [string, string][] = [
    ["x-appwrite-execution-id", input.executionId],
    ["x-appwrite-key", apiKey],
    ["x-appwrite-trigger", input.trigger],
    ["x-appwrite-user-id", input.userId],
    ["x-appwrite-user-jwt", input.jwt],
    ["x-appwrite-country-code", ""],
    ["x-appwrite-continent-code", ""],
    ["x-appwrite-continent-eu", "false"],
    ["x-appwrite-client-ip", input.clientIp ?? ""],
  ];
  if (input.event) appwrite.push(["x-appwrite-event", input.event]);
  for (const [k, v] of appwrite) headers.set(k, v);
  // A plain object (RPC cannot carry null-prototype ones); fromEntries defines `__proto__` as a plain key.
  return { headers: Object.fromEntries(headers), apiKey };
}

export async function runFunction(env: Env, exports: Exports, db: DB, input: RunInput): Promise<InvocationResult> {
  const { headers, apiKey } = await executionHeaders(env, input);
  const origin = input.origin ?? "http://localhost";
  headers.host ??= new URL(origin).host;
  const path = input.path.startsWith("/") ? input.path : `/${input.path}`;
  const r = input.runnable;
  let prepared = r && r.deploymentId === input.deploymentId ? r.prepared : undefined;
  if (!prepared) {
    const userVars = input.variables ?? (await loadVariables(env, db, input.fn.projectId, input.fn.id));
    const vars = functionEnv(input.fn, input.fn.projectId, input.deploymentId, userVars);
    prepared = { env: vars, outbound: vars[OUTBOUND_VARIABLE] === "allow", digest: "" };
    prepared.digest = workerDigest(vars, prepared.outbound, input.fn.runtime);
    if (r && r.deploymentId === input.deploymentId) r.prepared = prepared;
  }
  const result = await invoke(env, exports, input.fn, input.fn.projectId, input.deploymentId, prepared, {
    method: input.method,
    url: origin + path,
    headers,
    body: input.body,
    timeout: input.fn.timeout,
    logging: input.fn.logging,
    apiKey,
  });
  // Every execution (REST, domain, event, schedule) passes here once: its usage, with no D1 write of its own.
  const spec = specification(input.fn.runtimeSpecification);
  recordExecution(env, input.fn.projectId, input.fn.seq, result.duration, spec.memory * spec.cpus);
  return result;
}

/** Row fields of a finished run. */
export function resultFields(result: InvocationResult) {
  return {
    status: result.statusCode >= 500 ? "failed" : "completed",
    responseStatusCode: result.statusCode,
    responseHeaders: filterHeaders(result.headers, RESPONSE_HEADER_ALLOWLIST),
    logs: result.logs,
    errors: result.errors,
    duration: result.duration,
  } as const;
}

/** A new execution row (not yet stored). */
export function newExecution(fn: Fn, deploymentId: string, o: { id?: string; trigger: Trigger; status: string; method: string; path: string; requestHeaders: { name: string; value: string }[]; userId: string; scheduledAt?: number | null }): FnExecution {
  const now = Date.now();
  return {
    seq: 0,
    projectId: fn.projectId,
    id: o.id ?? uniqueId(),
    functionId: fn.id,
    deploymentId,
    trigger: o.trigger,
    status: o.status,
    requestMethod: o.method,
    requestPath: o.path,
    requestHeaders: o.requestHeaders,
    responseStatusCode: 0,
    responseBody: "",
    responseHeaders: [],
    logs: "",
    errors: "",
    duration: 0,
    scheduledAt: o.scheduledAt ?? null,
    userId: o.userId,
    createdAt: now,
    updatedAt: now,
  };
}

export function insertExecution(db: DB, e: FnExecution) {
  const { seq: _seq, ...values } = e;
  void _seq;
  return db.insert(functionExecutions).values(values);
}

/** Put a body on a queue message: inline when small text, in R2 otherwise (bytes stay bytes there). */
export async function attachBody(env: Env, msg: ExecutionMessage, body: string | Uint8Array): Promise<ExecutionMessage> {
  const text = typeof body === "string" ? body : utf8(body);
  if (text !== null && text.length <= INLINE_BODY_LIMIT) return { ...msg, body: text };
  const key = r2.body(msg.projectId, msg.executionId);
  await env.BUCKET.put(key, body);
  return { ...msg, bodyKey: key };
}

/** A queued message's body (the R2 copy stays until the execution's result is stored, for a re-run). */
export async function messageBody(env: Env, msg: ExecutionMessage): Promise<Uint8Array> {
  if (msg.bodyKey) {
    const obj = await env.BUCKET.get(msg.bodyKey);
    return obj ? new Uint8Array(await obj.arrayBuffer()) : new Uint8Array();
  }
  return new TextEncoder().encode(msg.body ?? "");
}
