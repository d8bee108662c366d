import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { onQueue } from "../../background";
import { writableDataDatabase } from "../../db/shards";
import { batch, open, type DB, type Statement } from "../../db/client";
import { functionExecutions, functions, type Fn, type FnExecution, type OutboxRow } from "../../db/schema";
import { onEvents, type Handoff, type HandoffSweep } from "../../events/consumers";
import { eventMatches } from "../../events/names";
import { scheduleDispatch } from "../../events/outbox";
import { runBuild } from "./builder";
import { runSiteBuild, type SiteBuildMessage } from "../sites/build";
import {
  attachBody,
  loadForExecution,
  readyDeployment,
  executionEvent,
  insertExecution,
  messageBody,
  newExecution,
  REQUEST_HEADER_ALLOWLIST,
  filterHeaders,
  resultFields,
  runFunction,
  stashMessage,
  type ExecutionMessage,
  type FunctionsMessage,
} from "./execute";
import type { Exports } from "./runtime";
import { watchQueued } from "./schedules";
import { STUCK_AFTER_MS, sweepExecutions } from "./sweeper";

/**
 * Everything that runs outside a request: the EXECUTIONS queue (async executions and builds), event
 * triggers (the "functions" event consumer) and scheduled runs (started by FunctionScheduler alarms).
 */
export const EXECUTIONS_QUEUE = "edgewrite-executions";

type WaitUntil = { waitUntil(p: Promise<unknown>): void };

/** Run one queued execution. Idempotent: only a `waiting`/`scheduled` row is taken, once. */
export async function runQueuedExecution(env: Env, exports: Exports, ctx: WaitUntil, msg: ExecutionMessage): Promise<void> {
  const db = open(await writableDataDatabase(env, msg.projectId)); // a moving project's executions wait (the message is retried)
  const now = Date.now();
  // The row keeps its stashed message while it runs: if this worker dies, the sweeper runs it again.
  const [taken] = await db
    .update(functionExecutions)
    .set({ status: "processing", updatedAt: now })
    .where(and(eq(functionExecutions.projectId, msg.projectId), eq(functionExecutions.id, msg.executionId), inArray(functionExecutions.status, ["waiting", "scheduled"])))
    .returning();
  if (!taken) return;
  await db.batch([executionEvent(db, taken, "update")]);
  scheduleDispatch(env, ctx, msg.projectId);

  let fields: Partial<FnExecution>;
  try {
    const loaded = await loadForExecution(env, db, msg.projectId, msg.functionId);
    const fn = loaded.fn;
    const deploymentId = readyDeployment(fn, loaded.deployment);
    const result = await runFunction(env, exports, db, {
      fn,
      deploymentId,
      executionId: taken.id,
      trigger: taken.trigger as "http" | "schedule" | "event",
      method: msg.method,
      path: msg.path,
      headers: msg.headers,
      body: await messageBody(env, msg),
      userId: msg.userId,
      jwt: msg.jwt,
      event: msg.event,
      origin: msg.origin,
      variables: await loaded.variables(),
      runnable: loaded.runnable,
    });
    fields = { ...resultFields(result), deploymentId };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    fields = { status: "failed", responseStatusCode: 500, errors: `${message}\n`, duration: 0 };
  }
  // Queued executions keep no response body (as in Appwrite); this also drops the stashed message.
  const done = { ...taken, ...fields, responseBody: "", updatedAt: Date.now() } as FnExecution;
  await db.batch([
    db.update(functionExecutions).set({ ...fields, responseBody: "", updatedAt: done.updatedAt }).where(and(eq(functionExecutions.projectId, msg.projectId), eq(functionExecutions.id, msg.executionId))),
    executionEvent(db, done, "update"),
  ]);
  if (msg.bodyKey) await env.BUCKET.delete(msg.bodyKey); // only now: a re-run needs the body
  scheduleDispatch(env, ctx, msg.projectId);
}

/**
 * A schedule/event trigger's execution: the `waiting` row (carrying its message, execute.ts stashMessage,
 * for the sweeper) and its create event, as statements for the caller's batch, and the message to run.
 */
async function triggeredExecution(env: Env, db: DB, fn: Fn, o: { trigger: "schedule" | "event"; body: string; event?: string; userId?: string; inline?: boolean }) {
  const headers: Record<string, string> = o.trigger === "event" ? { "content-type": "application/json" } : {};
  const execution = newExecution(fn, fn.deploymentId, {
    trigger: o.trigger,
    status: "waiting",
    method: "POST",
    path: "/",
    requestHeaders: filterHeaders(headers, REQUEST_HEADER_ALLOWLIST),
    userId: "",
  });
  const base: ExecutionMessage = { kind: "execution", projectId: fn.projectId, functionId: fn.id, executionId: execution.id, method: "POST", path: "/", headers, userId: o.userId ?? "", jwt: "", event: o.event };
  const msg = o.inline ? { ...base, body: o.body } : await attachBody(env, base, o.body);
  return { msg, writes: [insertExecution(db, { ...execution, responseBody: stashMessage(msg) }), executionEvent(db, execution, "create")] as Statement[] };
}

/**
 * A schedule fired (FunctionScheduler alarm): one execution if the function is still enabled and
 * deployed, run right there in the alarm (no queue hop). Returns false when the schedule is obsolete.
 */
export async function runSchedule(env: Env, exports: Exports, ctx: WaitUntil, projectId: string, functionId: string): Promise<boolean> {
  const db = open(await writableDataDatabase(env, projectId));
  const [fn] = await db.select().from(functions).where(and(eq(functions.projectId, projectId), eq(functions.id, functionId))).limit(1);
  if (!fn || !fn.enabled || !fn.schedule || !fn.deploymentId) return false;
  const { msg, writes } = await triggeredExecution(env, db, fn, { trigger: "schedule", body: "", inline: true });
  await batch(db, writes);
  scheduleDispatch(env, ctx, projectId);
  await runQueuedExecution(env, exports, ctx, msg);
  return true;
}

/**
 * Event triggers: every outbox row is matched against the `events` of its project's enabled, deployed
 * functions. A function's own execution events never trigger it again (no loops). The executions are
 * written in the dispatcher's batch that moves this consumer's cursor; their messages go after it.
 */
export async function functionEventConsumer(env: Env, events: OutboxRow[], ctx: WaitUntil & { d1: D1Database }): Promise<Handoff | void> {
  if (!events.length) return;
  const db = open(ctx.d1); // the events' project's data database, where the executions commit with the cursor
  const projects = [...new Set(events.map((e) => e.projectId))];
  const candidates = await db
    .select()
    .from(functions)
    .where(and(inArray(functions.projectId, projects), ne(functions.events, sql`'[]'`), eq(functions.enabled, true), ne(functions.deploymentId, "")));
  const writes: Statement[] = [];
  const messages: ExecutionMessage[] = [];
  for (const row of events) {
    for (const fn of candidates) {
      if (fn.projectId !== row.projectId) continue;
      if (row.event.startsWith(`functions.${fn.id}.executions.`)) continue;
      if (!eventMatches(fn.events, row.events)) continue;
      const t = await triggeredExecution(env, db, fn, { trigger: "event", body: JSON.stringify(row.payload), event: row.event, userId: row.userId });
      writes.push(...t.writes);
      messages.push(t.msg);
    }
  }
  if (!messages.length) return;
  return {
    writes,
    afterCommit: async () => {
      await Promise.all(messages.map((m) => env.EXECUTIONS.send(m)));
      watchQueued(env, detached);
      // This runs inside the dispatcher's own pass: a kick it waited for would wait for the very loop
      // that is waiting for it (a deadlock that also held every later kick). The kick only marks the
      // loop dirty, so it runs one more pass for the new executions' events; nothing waits for it.
      for (const p of projects) scheduleDispatch(env, detached, p);
    },
  };
}

/** Work started from inside the dispatcher that the dispatcher must not wait for. */
const detached: WaitUntil = { waitUntil: (p) => void p.catch((e) => console.error("functions: background step failed", (e as Error)?.message)) };

/**
 * The consumer's re-send sweep is the execution sweeper, so the dispatcher's alarm — armed before this
 * consumer commits anything — also recovers executions whose message died before `watchQueued` ran.
 */
const sweepTriggered: HandoffSweep = async (env, o = {}) => {
  const r = await sweepExecutions(env, detached, { stuckAfterMs: o.graceMs });
  return { resent: r.requeued, next: r.open ? Date.now() + STUCK_AFTER_MS : null };
};

onEvents("functions", functionEventConsumer, sweepTriggered);

onQueue(EXECUTIONS_QUEUE, async (batch, env, ctx) => {
  const exports = ctx.exports as unknown as Exports;
  await Promise.all(
    batch.messages.map(async (m) => {
      const msg = m.body as FunctionsMessage;
      try {
        if (msg.kind === "build") await runBuild(env, ctx, msg);
        else if ((msg as { kind: string }).kind === "site-build") await runSiteBuild(env, ctx, msg as unknown as SiteBuildMessage);
        else if (msg.kind === "execution") await runQueuedExecution(env, exports, ctx, msg);
        m.ack();
      } catch (e) {
        console.error("functions queue message failed", (e as Error)?.message);
        m.retry();
      }
    }),
  );
});

