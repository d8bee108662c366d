import type { ExecutionMessage } from "./execute";

/**
 * Schedules run on a Durable Object alarm per function (durable-objects/scheduler.ts): alarms fire
 * under `wrangler dev` with no manual step, unlike cron triggers. The same object holds executions
 * created with `scheduledAt` until they are due.
 */
interface SchedulerRpc {
  configure(cfg: { projectId: string; functionId: string; schedule: string }): Promise<void>;
  add(at: number, msg: ExecutionMessage): Promise<void>;
  remove(executionId: string): Promise<void>;
  watch(): Promise<void>;
}

function stub(env: Env, projectId: string, functionId: string): SchedulerRpc {
  const ns = env.FUNCTION_SCHEDULER;
  return ns.get(ns.idFromName(`${projectId}/${functionId}`)) as unknown as SchedulerRpc;
}

/** Arm (or disarm, with an empty schedule) a function's cron schedule. */
export async function configureSchedule(env: Env, f: { projectId: string; id: string; schedule: string; enabled: boolean; deploymentId: string }): Promise<void> {
  const active = f.enabled && !!f.schedule && !!f.deploymentId;
  await stub(env, f.projectId, f.id).configure({ projectId: f.projectId, functionId: f.id, schedule: active ? f.schedule : "" });
}

export async function scheduleExecution(env: Env, at: number, msg: ExecutionMessage): Promise<void> {
  await stub(env, msg.projectId, msg.functionId).add(at, msg);
}

export async function unscheduleExecution(env: Env, projectId: string, functionId: string, executionId: string): Promise<void> {
  await stub(env, projectId, functionId).remove(executionId);
}

/** The object that runs the execution sweeper on its alarm (crons do not fire under `wrangler dev`). */
export const SWEEPER_OBJECT = "_sweeper";
const WATCH_EVERY_MS = 60_000;
let watchedAt = 0;

/**
 * An async execution was queued: make sure the sweeper's alarm is armed (at most one call per isolate
 * per minute, after the response). The alarm keeps itself armed while executions are in flight.
 */
export function watchQueued(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): void {
  const now = Date.now();
  if (now - watchedAt < WATCH_EVERY_MS) return;
  watchedAt = now;
  const ns = env.FUNCTION_SCHEDULER;
  const sweeper = ns.get(ns.idFromName(SWEEPER_OBJECT)) as unknown as SchedulerRpc;
  ctx.waitUntil(sweeper.watch().catch((e) => console.error("execution sweeper could not be armed", (e as Error)?.message)));
}
