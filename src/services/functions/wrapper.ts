/**
 * The main module of every function's Dynamic Worker. It imports the user's entrypoint and exposes one
 * RPC method, `run(invocation)`, that gives the user function Appwrite's Node runtime context
 * (open-runtimes v5: `req`, `res`, `log`, `error`) and returns `{statusCode, headers, body, logs, errors}`.
 * console.* inside an execution goes to that execution's logs (AsyncLocalStorage keeps concurrent
 * executions apart), as open-runtimes does, with its "Native logs detected" hint.
 */
export const WRAPPER_MODULE = "__edgewrite_main.js";

export function wrapperSource(entry: string, runtimeKey: string): string {
  return `import { WorkerEntrypoint } from "cloudflare:workers";
import { AsyncLocalStorage } from "node:async_hooks";
import * as userModule from ${JSON.stringify("./" + entry)};

const als = new AsyncLocalStorage();
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
${runtimeKey === "deno" ? `if (!globalThis.Deno) globalThis.Deno = { env: { get: (k) => process.env[k], has: (k) => k in process.env, toObject: () => ({ ...process.env }) } };` : ""}
${runtimeKey === "bun" ? `if (!globalThis.Bun) globalThis.Bun = { env: process.env };` : ""}

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
      if (result === "timeout") {
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
      context.error(e && e.stack ? e.stack : e);
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
