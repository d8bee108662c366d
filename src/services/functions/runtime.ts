import type { Fn } from "../../db/schema";
import { cachedBuild, type Prepared } from "./cache";
import { loaderModules, type Build } from "./build";
import { runtimeInfo } from "./runtimes";
import { r2 } from "./store";
import { WRAPPER_MODULE, wrapperModules } from "./wrapper";
import { specification } from "./specifications";

/**
 * Running a deployment: one Dynamic Worker per (deployment, variables), loaded from the build in R2 the
 * first time and kept warm by the Worker Loader. The loaded worker has no network of its own: its
 * global `fetch` goes to FunctionGateway (src/services/functions/gateway.ts), which routes
 * APPWRITE_FUNCTION_API_ENDPOINT to this app and refuses every other host unless the function allows
 * outbound traffic (variable EDGEWRITE_OUTBOUND=allow).
 */
export const INTERNAL_API_HOST = "edgewrite.internal";
export const INTERNAL_API_ENDPOINT = `http://${INTERNAL_API_HOST}/v1`;
export const OUTBOUND_VARIABLE = "EDGEWRITE_OUTBOUND";
const COMPATIBILITY_DATE = "2026-04-20";
const LOG_LIMIT = 1_000_000;
/** open-runtimes' error line for a run past its timeout. */
const TIMED_OUT = "Execution timed out.\n";

export interface Invocation {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  timeout: number;
  logging: boolean;
  apiKey: string;
}

export interface InvocationResult {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
  logs: string;
  errors: string;
  /** Seconds. */
  duration: number;
}

interface RunOutput {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
  logs: string;
  errors: string;
}

export interface Exports {
  FunctionGateway(opts: { props: { projectId: string; functionId: string; outbound: boolean } }): Fetcher;
}

/** Keep the end of overlong logs, as Appwrite does, with its warning line first. */
export function truncateLog(text: string, kind: "Logs" | "Errors"): string {
  if (text.length <= LOG_LIMIT) return text;
  const warning = `[WARNING] ${kind} truncated. The output exceeded ${LOG_LIMIT} characters.\n`;
  return warning + text.slice(-(LOG_LIMIT - warning.length));
}

/** The environment a deployment sees (process.env): user variables, then APPWRITE_FUNCTION_*. */
export function functionEnv(fn: Fn, projectId: string, deploymentId: string, userVars: Record<string, string>): Record<string, string> {
  const rt = runtimeInfo(fn.runtime);
  const spec = specification(fn.runtimeSpecification);
  return {
    ...userVars,
    APPWRITE_FUNCTION_API_ENDPOINT: INTERNAL_API_ENDPOINT,
    APPWRITE_FUNCTION_ID: fn.id,
    APPWRITE_FUNCTION_NAME: fn.name,
    APPWRITE_FUNCTION_DEPLOYMENT: deploymentId,
    APPWRITE_FUNCTION_PROJECT_ID: projectId,
    APPWRITE_FUNCTION_RUNTIME_NAME: rt.name,
    APPWRITE_FUNCTION_RUNTIME_VERSION: rt.version,
    APPWRITE_FUNCTION_CPUS: String(spec.cpus),
    APPWRITE_FUNCTION_MEMORY: String(spec.memory),
    APPWRITE_VERSION: "1.9.6",
    APPWRITE_REGION: "default",
    APPWRITE_DEPLOYMENT_TYPE: "manual",
  };
}

export async function invoke(env: Env, exports: Exports, fn: Fn, projectId: string, deploymentId: string, prepared: Prepared, inv: Invocation): Promise<InvocationResult> {
  const { env: vars, outbound, digest } = prepared;
  const started = Date.now();
  const worker = env.LOADER.get(`${projectId}/${deploymentId}/${digest}`, async () => {
    const build = await cachedBuild(deploymentId, async () => {
      const obj = await env.BUCKET.get(r2.build(projectId, fn.id, deploymentId));
      if (!obj) throw new Error("The deployment's build is missing.");
      const text = await obj.text();
      return { build: JSON.parse(text) as Build, chars: text.length };
    });
    return {
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: ["nodejs_compat"],
      mainModule: WRAPPER_MODULE,
      modules: { ...loaderModules(build), ...wrapperModules(build.entry, runtimeInfo(fn.runtime).key) },
      env: vars,
      globalOutbound: exports.FunctionGateway({ props: { projectId, functionId: fn.id, outbound } }),
    };
  });
  // CPU time is capped at the timeout (Cloudflare enforces it and ends the run with an exception); the
  // wrapper's timer and loop guards end it locally, where workerd enforces no CPU limit.
  const entry = worker.getEntrypoint(undefined, { limits: { cpuMs: inv.timeout * 1000 } }) as unknown as { run(inv: Invocation): Promise<RunOutput> };
  let timer: number | undefined;
  // Backstop for a run that neither returns nor throws in time.
  const backstop = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), inv.timeout * 1000 + 1500) as unknown as number));
  const failed = (errors: string): RunOutput => ({ statusCode: 500, headers: {}, body: new Uint8Array(), logs: "", errors });
  let out: RunOutput;
  try {
    const r = await Promise.race([entry.run(inv), backstop]);
    out = r === "timeout" ? failed(TIMED_OUT) : r;
  } catch (e) {
    // CPU time cannot exceed wall time: a run that dies after its whole timeout hit the CPU limit.
    const message = e instanceof Error ? e.stack || e.message : String(e);
    out = failed(Date.now() - started >= inv.timeout * 1000 ? TIMED_OUT : `${message}\n`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  return {
    ...out,
    body: out.body instanceof Uint8Array ? out.body : new Uint8Array(out.body ?? []),
    logs: inv.logging ? truncateLog(out.logs, "Logs") : "",
    errors: inv.logging ? truncateLog(out.errors, "Errors") : "",
    duration: (Date.now() - started) / 1000,
  };
}
