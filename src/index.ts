import { app } from "./app";
import { cronJobs, queueHandlers } from "./background";

export default {
  fetch: app.fetch,

  async queue(batch, env, ctx) {
    const handler = queueHandlers[batch.queue];
    if (!handler) throw new Error(`no consumer for queue ${batch.queue}`);
    await handler(batch, env, ctx);
  },

  async scheduled(_event, env, ctx) {
    await Promise.allSettled(cronJobs.map((job) => job(env, ctx)));
  },
} satisfies ExportedHandler<Env>;
