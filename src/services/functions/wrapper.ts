import { GUARD } from "./loop-guard";

/**
 * The internal modules of every function's Dynamic Worker. The main module imports the user's entrypoint
 * and exposes one RPC method, `run(invocation)`, that gives the user function Appwrite's Node runtime
 * context (open-runtimes v5: `req`, `res`, `log`, `error`) and returns `{statusCode, headers, body, logs,
 * errors}`. console.* inside an execution goes to that execution's logs (AsyncLocalStorage keeps
 * concurrent executions apart), as open-runtimes does, with its "Native logs detected" hint.
 *
 * User modules are loaded under USER_ROOT and the internal ones outside it, so no archive path can
 * clash with them. The prelude module is evaluated before any user module: the runtime's globals
 * (Deno/Bun env shims) and the loop guard that loop-guard.ts puts in every loop, which throws once the
 * execution is past its deadline; the run then ends as open-runtimes ends a timed-out one
 * ("Execution timed out.", 500).
 */
export const USER_ROOT = "app/";
export const WRAPPER_MODULE = "edgewrite-main.js";
export const PRELUDE_MODULE = "edgewrite-prelude.js";
/** A module's top level (outside any execution) gets as long as Workers' startup limit. */
const STARTUP_MS = 1000;

function preludeSource(runtimeKey: string): string {
  return `import { AsyncLocalStorage } from "node:async_hooks";
export const als = new AsyncLocalStorage();
export class ExecutionTimeout extends Error {}
const startupDeadline = Date.now() + ${STARTUP_MS};
// The clock is read every 1024 guarded iterations. Once a run is past its deadline every guard in it
// throws (a loop that catches the timeout cannot outlast the next guard), hence \`sticky\`.
let ticks = 0;
let sticky = false;
function guard() {
  const check = (++ticks & 1023) === 0;
  if (!check && !sticky) return true;
  const run = als.getStore();
  if (run && run.timedOut) throw new ExecutionTimeout("Execution timed out.");
  if (!check || Date.now() <= (run ? run.deadline : startupDeadline)) return true;
  if (run) run.timedOut = sticky = true;
  throw new ExecutionTimeout("Execution timed out.");
}
Object.defineProperty(globalThis, ${JSON.stringify(GUARD)}, { value: guard, writable: false, configurable: false });
${runtimeKey === "deno" ? `if (!globalThis.Deno) globalThis.Deno = { env: { get: (k) => process.env[k], has: (k) => k in process.env, toObject: () => ({ ...process.env }) } };` : ""}
${runtimeKey === "bun" ? `if (!globalThis.Bun) globalThis.Bun = { env: process.env };` : ""}
`;
}

/** The prelude alone (loop guard, runtime shims), for Workers with a main module of their own (site SSR bundles). */
export function preludeModules(runtimeKey: string): Record<string, WorkerLoaderModule> {
  return { [PRELUDE_MODULE]: { js: preludeSource(runtimeKey) } };
}

export function wrapperModules(entry: string, runtimeKey: string): Record<string, WorkerLoaderModule> {
  return { [PRELUDE_MODULE]: { js: preludeSource(runtimeKey) }, [WRAPPER_MODULE]: { js: wrapperSource(entry) } };
}

function wrapperSource(entry: string): string {
  return `import { WorkerEntrypoint } from "cloudflare:workers";
import { als } from ${JSON.stringify("./" + PRELUDE_MODULE)};
import * as userModule from ${JSON.stringify("./" + USER_ROOT + entry)};

const native = { log: console.log, error: console.error, info: console.info, debug: console.debug, warn: console.warn };
const stringify = (m) => m instanceof Error ? String(m.stack || m) : (m !== null && typeof m === "object") ? safeJson(m) : String(m);
function safeJson(v) { try { return JSON.stringify(v); } catch { return String(v); } }
for (const name of Object.keys(native)) {
  console[name] = (...args) => {
    const logger = als.getStore();
    if (!logger) return native[name](...args);
    logger.native(args.map((a) => (typeof a === "object" && a !== null && !(a instanceof Error)) ? safeJson(a) : stringify(a)).join(" "));
  };
}
function userFunction() {
  let fn = userModule.default;
  if (fn && typeof fn === "object" && typeof fn.default === "function") fn = fn.default;
  if (typeof fn !== "function") {
    const named = Object.values(userModule).filter((v) => typeof v === "function");
    if (named.length === 1) fn = named[0];
  }
  if (typeof fn !== "function") throw new Error("User function is not valid.");
  return fn;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export default class extends WorkerEntrypoint {
  async run(inv) {
    const logs = [];
    const errors = [];
    let nativeHint = false;
    const logger = {
      deadline: Date.now() + inv.timeout * 1000,
      timedOut: false,
      write(type, message) { if (inv.logging) (type === "error" ? errors : logs).push(stringify(message)); },
      native(line) {
        if (!inv.logging) return;
        if (!nativeHint) { nativeHint = true; logs.push("Native logs detected. Use context.log() or context.error() for better experience."); }
        logs.push(line);
      },
    };
    const bodyBinary = inv.body instanceof Uint8Array ? inv.body : new Uint8Array(inv.body || 0);
    const headers = {};
    for (const [k, v] of Object.entries(inv.headers || {})) headers[k.toLowerCase()] = String(v);
    const contentType = (headers["content-type"] || "text/plain").toLowerCase();
    const url = new URL(inv.url);
    const scheme = url.protocol.replace(":", "");
    const port = Number(url.port || (scheme === "https" ? 443 : 80));
    const queryString = url.search.startsWith("?") ? url.search.slice(1) : "";
    const query = {};
    for (const param of queryString.split("&")) {
      const [key, ...rest] = param.split("=");
      if (key) query[key] = rest.join("=");
    }
    if (inv.apiKey) process.env.APPWRITE_FUNCTION_API_KEY = inv.apiKey;
    const context = {
      req: {
        get body() {
          if (contentType.startsWith("application/json")) return bodyBinary.length > 0 ? this.bodyJson : {};
          for (const t of ["application/", "audio/", "font/", "image/", "video/"]) if (contentType.startsWith(t)) return this.bodyBinary;
          return this.bodyText;
        },
        get bodyRaw() { return this.bodyText; },
        get bodyText() { return dec.decode(bodyBinary); },
        get bodyJson() { return JSON.parse(this.bodyText); },
        get bodyBinary() { return bodyBinary; },
        headers,
        method: inv.method,
        host: url.hostname,
        scheme,
        query,
        queryString,
        port,
        url: url.toString(),
        path: url.pathname,
      },
      res: {
        send(body, statusCode = 200, headers = {}) { return this.text(String(body), statusCode, headers); },
        text(body, statusCode = 200, headers = {}) { return this.binary(enc.encode(String(body)), statusCode, headers); },
        binary(bytes, statusCode = 200, headers = {}) { return { body: bytes, statusCode, headers }; },
        json(obj, statusCode = 200, headers = {}) { headers["content-type"] = "application/json"; return this.text(JSON.stringify(obj), statusCode, headers); },
        empty() { return this.text("", 204, {}); },
        redirect(url, statusCode = 301, headers = {}) { headers["location"] = url; return this.text("", statusCode, headers); },
      },
      log(message) { logger.write("log", message); },
      error(message) { logger.write("error", message); },
    };

    let output = null;
    let timer;
    try {
      const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve("timeout"), inv.timeout * 1000); });
      const result = await als.run(logger, () => Promise.race([Promise.resolve().then(() => userFunction()(context)).then((o) => ({ o })), timedOut]));
      if (result === "timeout" || logger.timedOut) {
        context.error("Execution timed out.");
        output = context.res.text("", 500, {});
      } else {
        output = result.o;
        if (output === null || output === undefined) {
          context.error("Return statement missing. return context.res.empty() if no response is expected.");
          output = context.res.text("", 500, {});
        }
      }
    } catch (e) {
      context.error(logger.timedOut ? "Execution timed out." : e && e.stack ? e.stack : e);
      output = context.res.text("", 500, {});
    } finally {
      clearTimeout(timer);
    }

    let body = output.body ?? "";
    if (typeof body === "string") body = enc.encode(body);
    else if (body instanceof ArrayBuffer) body = new Uint8Array(body);
    else if (ArrayBuffer.isView(body)) body = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    else body = enc.encode(String(body));
    const outHeaders = {};
    for (const [k, v] of Object.entries(output.headers ?? {})) {
      if (k.toLowerCase().startsWith("x-open-runtimes-")) continue;
      outHeaders[k.toLowerCase()] = String(v);
    }
    const ct = (outHeaders["content-type"] || "text/plain").toLowerCase();
    if (!ct.startsWith("multipart/") && !ct.includes("charset=")) outHeaders["content-type"] = ct + "; charset=utf-8";
    const statusCode = Number.isInteger(output.statusCode) ? output.statusCode : 200;
    return { statusCode, headers: outHeaders, body, logs: logs.join("\\n") + (logs.length ? "\\n" : ""), errors: errors.join("\\n") + (errors.length ? "\\n" : "") };
  }
}
`;
}
