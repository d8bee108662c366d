import type { Statement } from "../db/client";
import type { OutboxRow } from "../db/schema";

/**
 * Who receives committed events: realtime fan-out, webhooks, function triggers. Each consumer gets
 * outbox rows in `seq` order and must be idempotent — delivery is at least once.
 *
 * A consumer that hands work on (a Queue message per delivery) returns a Handoff: `writes` record that
 * work in D1 and commit in the SAME batch as the consumer's cursor, so the record exists before the
 * cursor passes the event; `afterCommit` (the Queue sends) runs after that commit. It may be lost with the
 * process — the record's owner re-sends whatever has no outcome after a grace period (the webhook
 * delivery sweep, the execution sweeper).
 */
export interface Handoff {
  writes: Statement[];
  afterCommit?: () => Promise<void>;
}

/** `ctx.d1`: the data database of the events' project (one project per call), where `writes` commit with the cursor. */
export type EventConsumer = (env: Env, events: OutboxRow[], ctx: { waitUntil(p: Promise<unknown>): void; d1: D1Database }) => Promise<Handoff | void>;

/**
 * A consumer's re-send sweep: sends again every recorded hand-off that has no outcome `graceMs` after
 * it was due. `next`: when the next pending one falls due (null: nothing pending).
 */
export type HandoffSweep = (env: Env, o?: { graceMs?: number }) => Promise<SweepResult>;
export interface SweepResult {
  resent: number;
  next: number | null;
}

const consumers = new Map<string, EventConsumer>();
const sweeps = new Map<string, HandoffSweep>();

export function onEvents(name: string, consumer: EventConsumer, sweep?: HandoffSweep): void {
  consumers.set(name, consumer);
  if (sweep) sweeps.set(name, sweep);
}

export function eventConsumers(): ReadonlyMap<string, EventConsumer> {
  return consumers;
}

/** Run every consumer's re-send sweep: how many each re-sent, and the earliest next due time. */
export async function sweepHandoffs(env: Env, o: { graceMs?: number } = {}): Promise<{ resent: Record<string, number>; next: number | null }> {
  const results = await Promise.all([...sweeps].map(async ([name, sweep]) => [name, await sweep(env, o)] as const));
  const due = results.flatMap(([, r]) => (r.next === null ? [] : [r.next]));
  return { resent: Object.fromEntries(results.map(([name, r]) => [name, r.resent])), next: due.length ? Math.min(...due) : null };
}
