import { sql } from "drizzle-orm";
import { outbox } from "../db/schema";
import type { DB } from "../db/client";
import { channelsFor } from "./channels";
import { concreteEvent, generateEvents, type EventParams } from "./names";
import { roleChange } from "./role-changes";

export interface EventInput {
  projectId: string;
  /** Appwrite pattern, e.g. `buckets.[bucketId].files.[fileId].create`. */
  pattern: string;
  params: EventParams;
  /** The REST model of the resource, with sensitive fields already removed. */
  payload: Record<string, unknown>;
  /** Roles allowed to receive it in realtime (resource read roles). */
  roles: readonly string[];
  /** The acting user, for webhooks' X-Appwrite-Webhook-User-Id. */
  userId?: string;
}

/**
 * What the committed outbox row returns for the direct realtime path (src/services/realtime/direct.ts),
 * computed by the insert itself, so SQL-built payloads (TablesDB) come back as committed. `rt_fenced`:
 * a role-changing event of the project still awaits its refresh (migrations/0019), so this one must go
 * through the outbox only. Qualified names: inside the subquery a bare column would be `o`'s.
 */
export const REALTIME_RETURNING = {
  rt_seq: sql<number>`"outbox"."seq"`.as("rt_seq"),
  rt_project: sql<string>`"outbox"."project_id"`.as("rt_project"),
  rt_events: sql<string>`"outbox"."events"`.as("rt_events"),
  rt_channels: sql<string>`"outbox"."channels"`.as("rt_channels"),
  rt_roles: sql<string>`"outbox"."roles"`.as("rt_roles"),
  rt_payload: sql<string>`"outbox"."payload"`.as("rt_payload"),
  rt_at: sql<number>`"outbox"."created_at"`.as("rt_at"),
  rt_fenced: sql<number>`EXISTS (SELECT 1 FROM "outbox" "o" WHERE "o"."project_id" = "outbox"."project_id" AND "o"."role_change" = 1 AND "o"."seq" < "outbox"."seq")`.as("rt_fenced"),
};

/**
 * The one way a service records an event: returns an insert to put in the SAME `db.batch([...])`
 * as the mutation, so the event exists if and only if the mutation committed. The insert returns the
 * row's realtime frame (REALTIME_RETURNING) for the direct path.
 */
export function recordEvent(db: DB, e: EventInput) {
  return db.insert(outbox).values(outboxValues(e)).returning(REALTIME_RETURNING);
}

function outboxValues(e: EventInput) {
  const event = concreteEvent(e.pattern, e.params);
  return {
    projectId: e.projectId,
    event,
    events: generateEvents(e.pattern, e.params),
    channels: channelsFor(event, e.payload),
    roles: [...e.roles],
    payload: e.payload,
    userId: e.userId ?? "",
    createdAt: Date.now(),
    roleChange: roleChange(event, e.payload) ? 1 : 0,
  };
}

/** recordEvent's SQL text (drizzle's, built once per isolate: rendering it was ~0.2 ms per event). */
let insertText: string | null = null;

/**
 * recordEvent's insert as SQL text and parameters, for raw D1 batches (TablesDB's SQL-built events): the text is
 * drizzle's own; the parameters are laid out in its order, checked against drizzle's on the first use.
 */
export function recordEventSql(db: DB, e: EventInput): { sql: string; params: unknown[] } {
  const v = outboxValues(e);
  const params = [v.projectId, v.event, JSON.stringify(v.events), JSON.stringify(v.channels), JSON.stringify(v.roles), JSON.stringify(v.payload), v.userId, v.createdAt, 0, v.roleChange];
  if (insertText !== null) return { sql: insertText, params };
  const q = db.insert(outbox).values(v).returning(REALTIME_RETURNING).toSQL();
  if (JSON.stringify(q.params) !== JSON.stringify(params)) {
    console.error("outbox insert: drizzle's parameters differ from recordEventSql's layout; using drizzle's each time");
    return q;
  }
  insertText = q.sql;
  return q;
}

/**
 * Dispatch hook: services call it after a batch commits so consumers see events promptly.
 * Consumers (realtime, webhooks, function triggers) register here; the sweeper re-runs anything missed.
 */
export type Dispatcher = (env: Env, projectId?: string) => Promise<void>;
let dispatcher: Dispatcher | null = null;
export function setDispatcher(d: Dispatcher): void {
  dispatcher = d;
}
/**
 * Kick the writing project's dispatcher (each project has its own, src/events/dispatcher.ts) at most once per
 * DISPATCH_DEBOUNCE_MS per isolate: every write of that project in the window rides one kick, made after the
 * window closes (so after their commits), and each write's waitUntil lasts until that kick returned. One DO call
 * and one outbox pass per window instead of per write, so dispatch no longer competes write for write with the
 * writes themselves. Without a project (background work over several), every project with undispatched rows is kicked.
 * 250 ms: a pass costs about five D1 round trips whatever it carries, so under a steady write load the window sets
 * how much of the database's time dispatch takes (at 100 ms, an estimated third as many as the row requests' own).
 * Realtime does not wait for it (the direct path, src/services/realtime/direct.ts); webhooks and event-triggered
 * functions start up to that much later.
 */
export const DISPATCH_DEBOUNCE_MS = 250;
const pendingKicks = new Map<string, Promise<void>>();
export function scheduleDispatch(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, projectId?: string): void {
  if (direct) direct(env, ctx); // first: the realtime frames leave before the dispatcher is even asked
  if (!dispatcher) return;
  const run = dispatcher;
  const key = projectId ?? "";
  let kick = pendingKicks.get(key);
  if (!kick) {
    kick = new Promise<void>((resolve) => setTimeout(resolve, DISPATCH_DEBOUNCE_MS))
      .then(() => {
        pendingKicks.delete(key); // writes from now on wait for the next window
        return run(env, projectId);
      })
      .catch((err) => console.error("event dispatch failed", err));
    pendingKicks.set(key, kick);
  }
  ctx.waitUntil(kick);
}

/** The realtime direct path (src/services/realtime/direct.ts): sends what committed batches returned. */
let direct: ((env: Env, ctx: { waitUntil(p: Promise<unknown>): void }) => void) | null = null;
export function setDirectPath(d: typeof direct): void {
  direct = d;
}
