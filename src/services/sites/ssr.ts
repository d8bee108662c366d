import type { Site } from "../../db/schema";
import { loaderModules, type Build } from "../functions/build";
import { cachedBuild, workerDigest } from "../functions/cache";
import { OUTBOUND_VARIABLE, INTERNAL_API_ENDPOINT, type Exports } from "../functions/runtime";
import { preludeModules, PRELUDE_MODULE, USER_ROOT } from "../functions/wrapper";
import { r2 } from "./store";

/**
 * Adapter `ssr`: the deployment's Worker bundle (build.ts) runs as a Dynamic Worker, loaded like a function
 * deployment (src/services/functions/runtime.ts: same module build, loop guards, FunctionGateway as its only
 * network, CPU limit = the site's timeout), and the visitor's request is passed to its `fetch(request, env, ctx)`.
 * `env` holds the site's variables (project-wide, then the site's own) and APPWRITE_SITE_*.
 */
const COMPATIBILITY_DATE = "2026-04-20";
const MAIN = "edgewrite-site.js";

function mainSource(entry: string, timeoutMs: number): string {
  return `import { WorkerEntrypoint } from "cloudflare:workers";
import { als } from ${JSON.stringify("./" + PRELUDE_MODULE)};
import * as site from ${JSON.stringify("./" + USER_ROOT + entry)};
const handler = site.default;
export default class extends WorkerEntrypoint {
  fetch(request) {
    return als.run({ deadline: Date.now() + ${timeoutMs}, timedOut: false }, async () => {
      if (handler && typeof handler.fetch === "function") return handler.fetch(request, this.env, this.ctx);
      if (typeof handler === "function") return handler(request, this.env, this.ctx);
      return new Response("The site's Worker bundle has no default export with a fetch handler.", { status: 500 });
    });
  }
}
`;
}

export function siteEnv(site: Site, deploymentId: string, projectId: string, vars: Record<string, string>): Record<string, string> {
  return {
    ...vars,
    APPWRITE_SITE_API_ENDPOINT: INTERNAL_API_ENDPOINT,
    APPWRITE_SITE_NAME: site.name,
    APPWRITE_SITE_DEPLOYMENT: deploymentId,
    APPWRITE_SITE_PROJECT_ID: projectId,
    APPWRITE_SITE_RUNTIME_NAME: "Node.js",
    APPWRITE_SITE_RUNTIME_VERSION: (site.buildRuntime || "node-22").replace(/^[a-z]+-/, ""),
    APPWRITE_VERSION: "1.9.6",
    APPWRITE_REGION: "default",
    APPWRITE_DEPLOYMENT_TYPE: "manual",
  };
}

export interface SsrResult {
  response: Response;
  errors: string;
}

export async function runSsr(env: Env, exports: Exports, site: Site, vars: Record<string, string>, request: Request): Promise<SsrResult> {
  const { projectId, id: siteId, deploymentId } = site;
  const workerEnv = siteEnv(site, deploymentId, projectId, vars);
  const outbound = vars[OUTBOUND_VARIABLE] === "allow";
  const timeoutMs = site.timeout * 1000;
  const worker = env.LOADER.get(`site/${projectId}/${deploymentId}/${workerDigest(workerEnv, outbound, `site:${site.timeout}`)}`, async () => {
    const build = await cachedBuild(deploymentId, async () => {
      const obj = await env.BUCKET.get(r2.build(projectId, siteId, deploymentId));
      if (!obj) throw new Error("The deployment's Worker bundle is missing.");
      const text = await obj.text();
      return { build: JSON.parse(text) as Build, chars: text.length };
    });
    return {
      compatibilityDate: COMPATIBILITY_DATE,
      compatibilityFlags: ["nodejs_compat"],
      mainModule: MAIN,
      modules: { ...loaderModules(build), ...preludeModules("node"), [MAIN]: { js: mainSource(build.entry, timeoutMs) } },
      env: workerEnv,
      globalOutbound: exports.FunctionGateway({ props: { projectId, functionId: `site:${siteId}`, outbound } }), // its own abuse identity
    };
  });
  const entry = worker.getEntrypoint(undefined, { limits: { cpuMs: timeoutMs } }) as unknown as Fetcher;
  let timer: number | undefined;
  const backstop = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs + 1500) as unknown as number));
  const failed = (errors: string): SsrResult => ({ response: new Response("Site error", { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } }), errors });
  try {
    const r = await Promise.race([entry.fetch(request), backstop]);
    return r === "timeout" ? failed("Execution timed out.\n") : { response: r, errors: "" };
  } catch (e) {
    return failed(`${e instanceof Error ? e.stack || e.message : String(e)}\n`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
