import { AppwriteError } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import type { DB } from "../../db/client";
import { filterHeaders, newExecution, readyDeployment, REQUEST_HEADER_ALLOWLIST, resultFields, runFunction, type Loaded } from "./execute";
import { persistExecution } from "./persist";
import type { Exports, InvocationResult } from "./runtime";

/**
 * A visitor's HTTP request answered by a function, in the two places that happens:
 * - `domain`: the function's own origin, `<rule>.<FUNCTIONS_DOMAIN>` (domains.ts), as Appwrite's function
 *   domains. The function's own cookies and headers pass both ways; the platform's never do.
 * - `api`: `/v1/functions/{id}/http/*` on the API origin (executions.ts), kept for compatibility. Nothing
 *   that authenticates a visitor to the API reaches the function, and nothing the function answers can act
 *   on the API origin: no cookies, no CORS grants, no origin-wide policies, and the body is sandboxed.
 * Either way the run is anonymous, as on Appwrite's domains: no user id, no user JWT.
 */
export type Surface = "domain" | "api";

/** Cookie names the platform reads as a session (src/platform/session-secret.ts: `a_session_<project>[_legacy]`). */
const PLATFORM_COOKIE = /^a_session_/i;

/**
 * Response headers that act on the whole origin rather than this response: never on the API origin.
 * (CSP and nosniff are replaced by the platform's own.)
 */
const ORIGIN_WIDE = /^(set-cookie2?|access-control-.*|clear-site-data|strict-transport-security|alt-svc|nel|report-to|reporting-endpoints|service-worker-allowed|origin-agent-cluster|accept-ch|critical-ch|content-security-policy(-report-only)?|x-content-type-options)$/;

/** A Cookie header without the platform's session cookies ("" when nothing is left). */
function withoutPlatformCookies(cookie: string): string {
  return cookie
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part && !PLATFORM_COOKIE.test(part.split("=", 1)[0]!.trim()))
    .join("; ");
}

/**
 * The visitor's headers as the function sees them. Never: `x-appwrite-*` (the platform's namespace: it
 * sets its own after) and `x-fallback-cookies`; on the API origin also no `cookie` and no `authorization`
 * (every credential the API honours); on the function's domain its cookies minus the platform's.
 */
export function visitorHeaders(headers: Headers, surface: Surface): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  headers.forEach((value, name) => {
    if (name.startsWith("x-appwrite-") || name === "x-fallback-cookies") return;
    if (surface === "api" && (name === "cookie" || name === "authorization")) return;
    const kept = name === "cookie" ? withoutPlatformCookies(value) : value;
    if (kept) out[name] = kept;
  });
  return out;
}

/** A function's cookie stays on the function's host: a `Domain=` attribute would hand it to sibling hosts (and the API). */
export function hostOnly(setCookie: string): string {
  return setCookie
    .split(";")
    .filter((attr, i) => i === 0 || !/^\s*domain\s*=/i.test(attr))
    .join(";");
}

/** The function's answer as an HTTP response for the surface it was asked on. */
export function functionResponse(result: InvocationResult, executionId: string, method: string, surface: Surface): Response {
  const out = new Headers();
  for (const [name, value] of Object.entries(result.headers)) {
    if (surface === "api" && ORIGIN_WIDE.test(name)) continue;
    try {
      if (name === "set-cookie") out.append(name, hostOnly(value));
      else out.set(name, value);
    } catch {
      /* not a valid header name or value: dropped */
    }
  }
  if (surface === "api") {
    out.set("content-security-policy", "sandbox");
    out.set("x-content-type-options", "nosniff");
  }
  out.set("x-appwrite-execution-id", executionId);
  const status = result.statusCode >= 200 && result.statusCode <= 599 ? result.statusCode : 500;
  return new Response(method === "HEAD" || [204, 205, 304].includes(status) ? null : result.body, { status, headers: out });
}

export interface HttpRequest {
  surface: Surface;
  request: Request;
  /** Path and query the function sees. */
  path: string;
  /** Scheme://host[:port] the function sees as its own URL. */
  origin: string;
  clientIp: string;
}

type WaitUntil = { waitUntil(p: Promise<unknown>): void };

/**
 * Run a function for a visitor's request: Appwrite's domain checks (enabled, ready deployment, `execute`
 * includes "any" or "guests"), then one anonymous `http` execution, stored after the answer.
 */
export async function serveHttp(env: Env, exports: Exports, ctx: WaitUntil, db: DB, loaded: Loaded, r: HttpRequest): Promise<Response> {
  const fn = loaded.fn;
  if (!fn.enabled) throw new AppwriteError("function_not_found");
  const deploymentId = readyDeployment(fn, loaded.deployment);
  if (!fn.execute.includes("any") && !fn.execute.includes("guests")) throw new AppwriteError("function_execute_permission_missing");
  const method = r.request.method.toUpperCase();
  const headers = visitorHeaders(r.request.headers, r.surface);
  const body = method === "GET" || method === "HEAD" ? new Uint8Array() : new Uint8Array(await r.request.arrayBuffer());
  const executionId = uniqueId();
  const result = await runFunction(env, exports, db, {
    fn,
    deploymentId,
    executionId,
    trigger: "http",
    method,
    path: r.path,
    headers,
    body,
    userId: "",
    jwt: "",
    origin: r.origin,
    clientIp: r.clientIp,
    variables: await loaded.variables(),
    runnable: loaded.runnable,
  });
  const requestHeaders = filterHeaders({ ...headers, "x-appwrite-client-ip": r.clientIp }, REQUEST_HEADER_ALLOWLIST);
  const execution = { ...newExecution(fn, deploymentId, { id: executionId, trigger: "http", status: "processing", method, path: r.path, requestHeaders, userId: "" }), ...resultFields(result) };
  persistExecution(env, ctx, db, execution);
  return functionResponse(result, executionId, method, r.surface);
}
