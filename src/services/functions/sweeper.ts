import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import { onCron } from "../../background";
import { open, type DB } from "../../db/client";
import { allDataDatabases, movingProjects } from "../../db/shards";
import { functionExecutions, type FnExecution } from "../../db/schema";
import { scheduleDispatch } from "../../events/outbox";
import { executionEvent, readStash, stashMessage } from "./execute";

/**
 * The sweeper for queued executions (async, event, schedule) that have no outcome:
 * - a `waiting` row untouched for STUCK_AFTER_MS lost its message (the send failed after the row was
 *   written, the process died with the message in an in-memory queue, or the consumer gave up);
 * - a `processing` row older than its function's timeout plus STUCK_AFTER_MS lost its worker (the
 *   process died mid-run: a run past its timeout is stopped by the runtime and stored as failed).
 * Either gets its stashed message (execute.ts, stashMessage) sent again as a `waiting` row — at least
 * once, as for any queued work — up to MAX_REQUEUES times (a message that was only late just finds the
 * row taken: runQueuedExecution takes a waiting row once). After that, or without a readable message,
 * the row becomes `failed` with the reason in `errors`.
 * Runs every minute from the cron trigger and, because crons do not fire under `wrangler dev`, from a
 * FunctionScheduler alarm armed while queued executions are open (schedules.ts, watchQueued).
 */
export const STUCK_AFTER_MS = 2 * 60_000;
export const MAX_REQUEUES = 3;
/** The runtime's backstop beyond a function's timeout (runtime.ts), and the longest timeout. */
const BACKSTOP_MS = 1500;
const MAX_TIMEOUT_S = 900;
const BATCH = 100;

export const LOST_MESSAGE = `The execution was not started: its queue message was lost and was re-sent ${MAX_REQUEUES} times without success.`;
export const LOST_WORKER = "The execution did not finish: its worker stopped before storing a result.";

export interface SweepResult {
  requeued: number;
  failed: number;
  /** waiting + processing executions left (the sweeper keeps its alarm while any remain). */
  open: number;
}

/** `stuckAfterMs`: the grace period (waiting: since last touched; processing: beyond the function's timeout). */
export async function sweepExecutions(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, o: { stuckAfterMs?: number } = {}): Promise<SweepResult> {
  // Executions live on their project's data database: sweep each; a moving project's rows wait for its move.
  const moving = await movingProjects(env);
  const results = [];
  for (const { d1 } of allDataDatabases(env)) results.push(await sweepOn(env, ctx, o, open(d1), moving));
  return results.reduce((a, r) => ({ requeued: a.requeued + r.requeued, failed: a.failed + r.failed, open: a.open + r.open }), { requeued: 0, failed: 0, open: 0 });
}

async function sweepOn(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, o: { stuckAfterMs?: number }, db: DB, moving: Set<string>): Promise<SweepResult> {
  const now = Date.now();
  const stuckBefore = now - (o.stuckAfterMs ?? STUCK_AFTER_MS);
  const timeoutMs = sql`COALESCE((SELECT f.timeout FROM functions f WHERE f.project_id = ${functionExecutions.projectId} AND f.id = ${functionExecutions.functionId}), ${MAX_TIMEOUT_S}) * 1000 + ${BACKSTOP_MS}`;
  const rows = await db
    .select()
    .from(functionExecutions)
    .where(
      or(
        and(eq(functionExecutions.status, "waiting"), lt(functionExecutions.updatedAt, stuckBefore)),
        and(eq(functionExecutions.status, "processing"), lt(functionExecutions.updatedAt, stuckBefore), lt(functionExecutions.updatedAt, sql`${stuckBefore} - ${timeoutMs}`)),
      ),
    )
    .limit(BATCH);
  let requeued = 0;
  let failed = 0;
  for (const row of rows) {
    if (moving.has(row.projectId)) continue;
    // Conditional on the row being exactly as read, so a consumer or another sweep that got there first wins.
    const same = and(eq(functionExecutions.projectId, row.projectId), eq(functionExecutions.id, row.id), eq(functionExecutions.status, row.status), eq(functionExecutions.updatedAt, row.updatedAt));
    const stash = readStash(row.responseBody);
    if (stash && stash.attempts < MAX_REQUEUES) {
      const fields = { status: "waiting", responseBody: stashMessage(stash.msg, stash.attempts + 1), updatedAt: now };
      const [won] = await db.update(functionExecutions).set(fields).where(same).returning({ id: functionExecutions.id });
      if (!won) continue;
      if (row.status !== "waiting") await db.batch([executionEvent(db, { ...row, ...fields }, "update")]);
      await env.EXECUTIONS.send(stash.msg);
      requeued++;
      continue;
    }
    const fields = { status: "failed", responseStatusCode: 500, responseBody: "", errors: `${row.status === "waiting" ? LOST_MESSAGE : LOST_WORKER}\n`, updatedAt: now } as const;
    const [won] = await db.update(functionExecutions).set(fields).where(same).returning({ id: functionExecutions.id });
    if (!won) continue;
    if (stash?.msg.bodyKey) await env.BUCKET.delete(stash.msg.bodyKey);
    await db.batch([executionEvent(db, { ...row, ...fields } as FnExecution, "update")]);
    failed++;
  }
  if (failed || requeued) scheduleDispatch(env, ctx);
  const [{ n }] = (await db
    .select({ n: sql<number>`count(*)` })
    .from(functionExecutions)
    .where(inArray(functionExecutions.status, ["waiting", "processing"]))) as [{ n: number }];
  return { requeued, failed, open: Number(n) };
}

onCron(async (env, ctx) => {
  await sweepExecutions(env, ctx);
});
