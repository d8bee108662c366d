/**
 * Background work registries: services add their Queue consumers and cron jobs here at import time,
 * so src/index.ts stays a thin entry point.
 */
export type QueueHandler = (batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext) => Promise<void>;
export type CronJob = (env: Env, ctx: ExecutionContext) => Promise<void>;

export const queueHandlers: Record<string, QueueHandler> = {};
export const cronJobs: CronJob[] = [];

export function onQueue(queue: string, handler: QueueHandler): void {
  queueHandlers[queue] = handler;
}

export function onCron(job: CronJob): void {
  cronJobs.push(job);
}
