import { app } from "./app";
import { cronJobs, queueHandlers } from "./background";
import "./events/dispatcher";
import { serveFunctionDomain } from "./services/functions/domains";
import { serveSiteDomain } from "./services/sites/serve";
export { RealtimeShard } from "../durable-objects/realtime";
export { EventDispatcher } from "../durable-objects/event-dispatcher";
export { FunctionScheduler } from "../durable-objects/scheduler";
export { MessageScheduler } from "../durable-objects/message-scheduler";
export { ShardMover } from "../durable-objects/shard-mover";
export { FunctionGateway } from "./services/functions/gateway";

/** The console (static assets, console/dist): /console and below on the API's hosts. */
const isConsolePage = (request: Request) => /^\/console(\/|$)/.test(new URL(request.url).pathname);

/** The cron jobs, each on its own: one that fails (even synchronously) never keeps the others from running. */
async function runCron(env: Env, ctx: ExecutionContext): Promise<void> {
  const results = await Promise.allSettled(cronJobs.map(async (job) => job(env, ctx)));
  for (const r of results) if (r.status === "rejected") console.error("cron job failed:", (r.reason as Error)?.message ?? r.reason);
}

/**
 * Local only (scripts/lib/server.mjs sets EDGEWRITE_LOCAL_CRON, wrangler.toml never does): wrangler dev's
 * /cdn-cgi/handler/scheduled fails once the Worker has static assets, so `npm run dev` and the tests run the
 * cron through this path instead. On Cloudflare the cron trigger calls `scheduled`.
 */
const isLocalCron = (request: Request, env: Env) =>
  (env as unknown as { EDGEWRITE_LOCAL_CRON?: string }).EDGEWRITE_LOCAL_CRON === "1" && new URL(request.url).pathname === "/_edgewrite/cron";

export default {
  // A functions host (`<id>.<FUNCTIONS_DOMAIN>`) is the function's own origin, a sites host (`<label>.<SITES_DOMAIN>`)
  // the site's: nothing of /v1 is served there.
  async fetch(request, env, ctx) {
    if (isLocalCron(request, env)) {
      await runCron(env, ctx);
      return new Response("ok");
    }
    return (await serveFunctionDomain(request, env, ctx)) ?? (await serveSiteDomain(request, env, ctx)) ?? (isConsolePage(request) ? env.ASSETS.fetch(request) : app.fetch(request, env, ctx));
  },

  async queue(batch, env, ctx) {
    const handler = queueHandlers[batch.queue];
    if (!handler) throw new Error(`no consumer for queue ${batch.queue}`);
    await handler(batch, env, ctx);
  },

  async scheduled(_event, env, ctx) {
    await runCron(env, ctx);
  },
} satisfies ExportedHandler<Env>;
