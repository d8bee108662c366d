import { and, asc, eq, gt } from "drizzle-orm";
import { onCron } from "../background";
import { batch, open } from "../db/client";
import { eventCursors, outbox, type OutboxRow } from "../db/schema";
import { eventConsumers, sweepHandoffs, type Handoff } from "./consumers";
import { setDispatcher } from "./outbox";

/**
 * The event dispatcher: moves committed outbox rows (written in the mutation's own D1 batch) to every
 * registered consumer (realtime, webhooks, function triggers), at least once, in `seq` order.
 *
 * Bookkeeping — one cursor per consumer (`event_cursors`, migrations/0006_events.sql): the highest seq
 * that consumer has taken. Each pass reads the rows after the lowest cursor and gives every consumer the
 * rows after its own cursor; a consumer's cursor advances only when it returned (and its waitUntil work
 * settled), in one D1 batch with the records of whatever it handed on (consumers.ts, Handoff), so a
 * crash can never leave the cursor past an event whose delivery was not recorded. A failing consumer
 * keeps its cursor and is retried alone, so the others never get duplicates because of it.
 * `outbox.dispatched_at` is set once every cursor has passed a row (for retention); `attempts` counts
 * failed passes over a row.
 *
 * Runs serialised in one Durable Object (durable-objects/event-dispatcher.ts), so concurrent requests
 * coalesce into one loop instead of racing over the same rows:
 *   request → scheduleDispatch → waitUntil(EventDispatcher.kick())   (prompt, never blocks the response)
 *   failed consumer → object alarm with backoff (1 s, 2 s, 4 s … 5 min)
 *   running loop → object alarm as a watchdog (a killed process resumes on its own, even with no cron)
 *   cron (every minute) → kick()                                      (sweep: anything a crash left behind)
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
}

/** The test hook's simulated crash. */
export class CrashFault extends Error {
  constructor() {
    super("test fault: dispatcher crashed after reading the outbox");
  }
}

const errText = (e: unknown) => String((e as Error)?.message ?? e).slice(0, 500);

/** One dispatch pass over at most BATCH rows. `crash` (test hook) is asked once rows exist; true throws before delivering. */
export async function dispatchPass(env: Env, crash: () => Promise<boolean> = async () => false): Promise<PassResult> {
  const consumers = [...eventConsumers()];
  if (!consumers.length) return { rows: 0, more: false, failed: [] };
  const d1 = env.DB;
  const now = Date.now();
  const { results } = await d1.prepare("SELECT consumer, seq, failures FROM event_cursors").all<Cursor>();
  const cursors = new Map(results.map((c) => [c.consumer, c]));
  const missing = consumers.filter(([name]) => !cursors.has(name));
  if (missing.length) {
    await d1.batch(missing.map(([name]) => d1.prepare("INSERT OR IGNORE INTO event_cursors (consumer, seq, updated_at) VALUES (?, 0, ?)").bind(name, now)));
    for (const [name] of missing) cursors.set(name, { consumer: name, seq: 0, failures: 0 });
  }
  const from = Math.min(...consumers.map(([name]) => cursors.get(name)!.seq));
  const db = open(d1);
  const rows: OutboxRow[] = await db.select().from(outbox).where(gt(outbox.seq, from)).orderBy(asc(outbox.seq)).limit(BATCH);
  if (!rows.length) return { rows: 0, more: false, failed: [] };
  if (await crash()) throw new CrashFault();

  const failed: string[] = [];
  const updates: D1PreparedStatement[] = [];
  const after = new Map<string, number>();
  await Promise.all(
    consumers.map(async ([name, consume]) => {
      const cur = cursors.get(name)!;
      const mine = rows.filter((r) => r.seq > cur.seq);
      if (!mine.length) return after.set(name, cur.seq);
      const pending: Promise<unknown>[] = [];
      let handoff: Handoff | void;
      try {
        handoff = await consume(env, mine, { waitUntil: (p) => pending.push(p) });
        await Promise.all(pending);
        const last = mine[mine.length - 1]!.seq;
        // What the consumer handed on is recorded in the same batch that moves its cursor.
        await batch(db, [
          ...(handoff?.writes ?? []),
          db.update(eventCursors).set({ seq: last, failures: 0, lastError: "", updatedAt: now }).where(and(eq(eventCursors.consumer, name), eq(eventCursors.seq, cur.seq))),
        ]);
        after.set(name, last);
      } catch (e) {
        failed.push(name);
        const head = mine[0]!.seq;
        updates.push(d1.prepare("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?").bind(head));
        if (cur.failures + 1 >= MAX_FAILURES) {
          console.error(`event consumer ${name} skipped event seq ${head} after ${MAX_FAILURES} failures: ${errText(e)}`);
          after.set(name, head);
          updates.push(d1.prepare("UPDATE event_cursors SET seq = ?, failures = 0, last_error = ?, updated_at = ? WHERE consumer = ? AND seq = ?").bind(head, errText(e), now, name, cur.seq));
        } else {
          console.error(`event consumer ${name} failed at seq ${head}: ${errText(e)}`);
          after.set(name, cur.seq);
          updates.push(d1.prepare("UPDATE event_cursors SET failures = failures + 1, last_error = ?, updated_at = ? WHERE consumer = ?").bind(errText(e), now, name));
        }
        return;
      }
      // After the commit: a send lost here is re-sent from its D1 record by the owner's sweep.
      await handoff?.afterCommit?.().catch((e) => console.error(`event consumer ${name}: hand-off after commit failed (its sweep re-sends): ${errText(e)}`));
    }),
  );
  const done = Math.min(...consumers.map(([name]) => after.get(name) ?? cursors.get(name)!.seq));
  updates.push(d1.prepare("UPDATE outbox SET dispatched_at = ? WHERE dispatched_at IS NULL AND seq <= ?").bind(now, done));
  await d1.batch(updates);
  return { rows: rows.length, more: rows.length === BATCH && failed.length === 0, failed };
}

/** The one dispatcher object of the deployment. */
export function dispatcherStub(env: Env) {
  return env.EVENT_DISPATCHER.get(env.EVENT_DISPATCHER.idFromName("events"));
}

setDispatcher(async (env) => {
  await dispatcherStub(env).kick();
});

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
    await dispatcherStub(env).kick();
    await sweepHandoffs(env);
  } catch (e) {
    console.error("event sweep failed", errText(e));
  }
  // Retention: only rows every consumer has passed.
  await env.DB.prepare("DELETE FROM outbox WHERE dispatched_at IS NOT NULL AND created_at < ?").bind(Date.now() - OUTBOX_RETENTION_MS).run();
});
