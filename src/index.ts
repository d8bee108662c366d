import { app } from "./app";
import { cronJobs, queueHandlers } from "./background";
import "./events/dispatcher";
import { serveFunctionDomain } from "./services/functions/domains";
export { RealtimeShard } from "../durable-objects/realtime";
export { EventDispatcher } from "../durable-objects/event-dispatcher";
export { FunctionScheduler } from "../durable-objects/scheduler";
export { MessageScheduler } from "../durable-objects/message-scheduler";
export { ShardMover } from "../durable-objects/shard-mover";
export { FunctionGateway } from "./services/functions/gateway";

/** The console (static assets, console/dist): /console and below on the API's hosts. */
const isConsolePage = (request: Request) => /^\/console(\/|$)/.test(new URL(request.url).pathname);

export default {
  // A functions host (`<id>.<FUNCTIONS_DOMAIN>`) is the function's own origin: nothing of /v1 is served there.
  async fetch(request, env, ctx) {
    return (await serveFunctionDomain(request, env, ctx)) ?? (isConsolePage(request) ? env.ASSETS.fetch(request) : app.fetch(request, env, ctx));
  },

  async queue(batch, env, ctx) {
    const handler = queueHandlers[batch.queue];
    if (!handler) throw new Error(`no consumer for queue ${batch.queue}`);
    await handler(batch, env, ctx);
  },

  async scheduled(_event, env, ctx) {
    await Promise.allSettled(cronJobs.map((job) => job(env, ctx)));
  },
} satisfies ExportedHandler<Env>;
