import { and, asc, eq, gt, isNull, lte, sql } from "drizzle-orm";
import { onCron } from "../background";
import { batch, open, type Statement } from "../db/client";
import { allDataDatabases, projectPlacement } from "../db/shards";
import { eventCursors, outbox, type OutboxRow } from "../db/schema";
import { eventConsumers, sweepHandoffs, type Handoff } from "./consumers";
import { setDispatcher } from "./outbox";

/**
 * The event dispatcher: moves committed outbox rows (written in the mutation's own D1 batch) to every
 * registered consumer (realtime, webhooks, function triggers), at least once, in `seq` order.
 *
 * Partitioned by project: each project has its own dispatcher object, its own cursors and reads only its
 * own outbox rows, so a project whose consumer fails or is slow never delays another project's events.
 * Order holds per project (hence per resource): a project's rows go out in `seq` order.
 *
 * Bookkeeping — one cursor per (project, consumer) (`event_cursors`, migrations/0006 + 0018): the highest
 * seq of that project the consumer has taken; outbox and cursors live on the project's data database.
 * Each pass reads the project's rows after its lowest cursor and gives every consumer the rows after its
 * own cursor; a consumer's cursor advances only when it returned (and its waitUntil work settled), in one D1 batch with the records of whatever it handed on (consumers.ts, Handoff), so a
 * crash can never leave the cursor past an event whose delivery was not recorded. A failing consumer
 * keeps its cursor and is retried alone, so the others never get duplicates because of it.
 * `outbox.dispatched_at` is set once every cursor has passed a row (for retention); `attempts` counts
 * failed passes over a row.
 *
 * Runs serialised in the project's Durable Object (durable-objects/event-dispatcher.ts), so concurrent
 * requests of a project coalesce into one loop instead of racing over the same rows:
 *   request → scheduleDispatch → waitUntil(EventDispatcher(project).kick())   (prompt, never blocks the response)
 *   failed consumer → object alarm with backoff (1 s, 2 s, 4 s … 5 min)
 *   running loop → object alarm as a watchdog (a killed process resumes on its own, even with no cron)
 *   cron (every minute) → kick() of every project with undispatched rows (anything a crash left behind)
 * A consumer that fails MAX_FAILURES passes in a row on the same event skips that one event (logged),
 * so a poison event cannot stall its pipeline forever.
 */
export const BATCH = 100;
export const MAX_FAILURES = 10;
/** Dispatched outbox rows are kept this long (replay window for late consumers), then purged by the cron. */
export const OUTBOX_RETENTION_MS = 3 * 24 * 3600_000;

interface Cursor {
  consumer: string;
  seq: number;
  failures: number;
}

export interface PassResult {
  rows: number;
  more: boolean;
  failed: string[];
  /** A consumer recorded hand-offs (queue sends the hand-off sweeper must watch). */
  handedOff: boolean;
}

/** The test hook's simulated crash. */
export class CrashFault extends Error {
  constructor() {
    super("test fault: dispatcher crashed after reading the outbox");
  }
}

const errText = (e: unknown) => String((e as Error)?.message ?? e).slice(0, 500);

/**
 * One dispatch pass over at most BATCH rows of a project. `crash` (test hook) is asked once rows exist; true throws
 * before delivering. Three round trips besides the consumers' own reads: the project's placement, its cursors with
 * the rows after the lowest one (one batch), and one batch at the end with every consumer's hand-off records and
 * cursor (each consumer's records still commit with its cursor) and the rows' `dispatched_at`.
 */
export async function dispatchPass(env: Env, projectId: string, crash: () => Promise<boolean> = async () => false): Promise<PassResult> {
  const consumers = [...eventConsumers()];
  if (!consumers.length) return { rows: 0, more: false, failed: [], handedOff: false };
  // The project's data database, read fresh (a move flips it). While the project moves, nothing is dispatched:
  // the pass reports no rows and the move's end kicks the dispatcher again (services/shards/move.ts).
  const placement = await projectPlacement(env, projectId);
  if (placement.moving) return { rows: 0, more: false, failed: [], handedOff: false };
  const d1 = placement.d1;
  const db = open(d1);
  const now = Date.now();
  const names = consumers.map(([name]) => name);
  // Rows after the lowest cursor of these consumers (0 while one has none yet), read with the cursors.
  const lowest = sql`(SELECT CASE WHEN count(*) = ${names.length} THEN min(${eventCursors.seq}) ELSE 0 END FROM ${eventCursors} WHERE ${eventCursors.projectId} = ${projectId} AND ${eventCursors.consumer} IN (SELECT value FROM json_each(${JSON.stringify(names)})))`;
  const [cursorRows, rows] = await db.batch([
    db.select({ consumer: eventCursors.consumer, seq: eventCursors.seq, failures: eventCursors.failures }).from(eventCursors).where(eq(eventCursors.projectId, projectId)),
    db.select().from(outbox).where(and(eq(outbox.projectId, projectId), gt(outbox.seq, lowest))).orderBy(asc(outbox.seq)).limit(BATCH),
  ]);
  const cursors = new Map<string, Cursor>(cursorRows.map((c) => [c.consumer, c]));
  const missing = consumers.filter(([name]) => !cursors.has(name));
  if (missing.length) {
    await d1.batch(missing.map(([name]) => d1.prepare("INSERT OR IGNORE INTO event_cursors (project_id, consumer, seq, updated_at) VALUES (?, ?, 0, ?)").bind(projectId, name, now)));
    for (const [name] of missing) cursors.set(name, { consumer: name, seq: 0, failures: 0 });
  }
  if (!rows.length) return { rows: 0, more: false, failed: [], handedOff: false };
  if (await crash()) throw new CrashFault();

  const failed: string[] = [];
  const writes: Statement[] = [];
  const committed: Handoff[] = [];
  const after = new Map<string, number>();
  await Promise.all(
    consumers.map(async ([name, consume]) => {
      const cur = cursors.get(name)!;
      const mine = rows.filter((r) => r.seq > cur.seq);
      if (!mine.length) return after.set(name, cur.seq);
      const pending: Promise<unknown>[] = [];
      let handoff: Handoff | void;
      try {
        handoff = await consume(env, mine, { waitUntil: (p) => pending.push(p), d1 });
        await Promise.all(pending);
      } catch (e) {
        failed.push(name);
        const head = mine[0]!.seq;
        writes.push(db.update(outbox).set({ attempts: sql`${outbox.attempts} + 1` }).where(eq(outbox.seq, head)));
        if (cur.failures + 1 >= MAX_FAILURES) {
          console.error(`event consumer ${name} skipped event seq ${head} after ${MAX_FAILURES} failures: ${errText(e)}`);
          after.set(name, head);
          writes.push(db.update(eventCursors).set({ seq: head, failures: 0, lastError: errText(e), updatedAt: now }).where(and(eq(eventCursors.projectId, projectId), eq(eventCursors.consumer, name), eq(eventCursors.seq, cur.seq))));
        } else {
          console.error(`event consumer ${name} failed at seq ${head}: ${errText(e)}`);
          after.set(name, cur.seq);
          writes.push(db.update(eventCursors).set({ failures: sql`${eventCursors.failures} + 1`, lastError: errText(e), updatedAt: now }).where(and(eq(eventCursors.projectId, projectId), eq(eventCursors.consumer, name))));
        }
        return;
      }
      const last = mine[mine.length - 1]!.seq;
      // What the consumer handed on is recorded in the same batch that moves its cursor.
      writes.push(
        ...(handoff?.writes ?? []),
        db.update(eventCursors).set({ seq: last, failures: 0, lastError: "", updatedAt: now }).where(and(eq(eventCursors.projectId, projectId), eq(eventCursors.consumer, name), eq(eventCursors.seq, cur.seq))),
      );
      if (handoff) committed.push(handoff);
      after.set(name, last);
    }),
  );
  const done = Math.min(...consumers.map(([name]) => after.get(name) ?? cursors.get(name)!.seq));
  // (drizzle builders only: a raw `db.run` with parameters cannot join a drizzle D1 batch.)
  writes.push(db.update(outbox).set({ dispatchedAt: now }).where(and(eq(outbox.projectId, projectId), isNull(outbox.dispatchedAt), lte(outbox.seq, done))));
  await batch(db, writes);
  // After the commit: a send lost here is re-sent from its D1 record by the owner's sweep.
  await Promise.all(committed.map((h) => h.afterCommit?.().catch((e) => console.error(`event consumer: hand-off after commit failed (its sweep re-sends): ${errText(e)}`))));
  return { rows: rows.length, more: rows.length === BATCH && failed.length === 0, failed, handedOff: committed.some((h) => h.writes.length > 0) };
}

/** A project's cursors by consumer. */
export async function readCursors(d1: D1Database, projectId: string): Promise<Map<string, Cursor>> {
  const { results } = await d1.prepare("SELECT consumer, seq, failures FROM event_cursors WHERE project_id = ?").bind(projectId).all<Cursor>();
  return new Map(results.map((c) => [c.consumer, c]));
}

/** The project's dispatcher object (its outbox, cursors, retries, and its realtime shards' occupancy). */
export function dispatcherStub(env: Env, projectId: string) {
  return env.EVENT_DISPATCHER.get(env.EVENT_DISPATCHER.idFromName(`project:${projectId}`));
}

/**
 * The deployment's one hand-off sweeper: re-sends lost hand-offs (they are global rows, swept in due order)
 * on its own alarm. The name is the single dispatcher's of before 0018, so its pending alarm carries on.
 */
export function sweeperStub(env: Env) {
  return env.EVENT_DISPATCHER.get(env.EVENT_DISPATCHER.idFromName("events"));
}

setDispatcher(async (env, projectId) => {
  if (projectId === undefined) return kickPending(env);
  await dispatcherStub(env, projectId).kick(projectId);
});

/** Projects with undispatched outbox rows (outbox_undispatched index), at most `limit`. */
export async function pendingProjects(d1: D1Database, limit = 1000): Promise<string[]> {
  const { results } = await d1.prepare("SELECT DISTINCT project_id AS p FROM outbox WHERE dispatched_at IS NULL LIMIT ?").bind(limit).all<{ p: string }>();
  return results.map((r) => r.p);
}

/** Kick every project with undispatched rows, on every data database, each in its own object (one failing never holds back the rest). */
export async function kickPending(env: Env): Promise<void> {
  const projects = (await Promise.all(allDataDatabases(env).map(({ d1 }) => pendingProjects(d1)))).flat();
  const results = await Promise.allSettled(projects.map((p) => dispatcherStub(env, p).kick(p)));
  for (const r of results) if (r.status === "rejected") console.error("event sweep: a project's dispatch failed", errText(r.reason));
}

/** Test hooks exist only when the test server sets EDGEWRITE_TEST_HOOKS=1 (never in wrangler.toml). */
export function testHooksEnabled(env: Env): boolean {
  return (env as unknown as { EDGEWRITE_TEST_HOOKS?: string }).EDGEWRITE_TEST_HOOKS === "1";
}

/**
 * The cron sweep: re-dispatch anything a failed or crashed pass left behind, re-send hand-offs that lost
 * their message, then apply outbox retention.
 */
onCron(async (env) => {
  try {
    await kickPending(env);
    await sweepHandoffs(env);
  } catch (e) {
    console.error("event sweep failed", errText(e));
  }
  // Retention: only rows every consumer has passed.
  const before = Date.now() - OUTBOX_RETENTION_MS;
  for (const { d1 } of allDataDatabases(env)) await d1.prepare("DELETE FROM outbox WHERE dispatched_at IS NOT NULL AND created_at < ?").bind(before).run();
});
