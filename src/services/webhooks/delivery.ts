import { and, eq, inArray, sql } from "drizzle-orm";
import { onQueue } from "../../background";
import { isPrivateUrl } from "../../core/addresses";
import { APP_VERSION } from "../../core/errors";
import { open } from "../../db/client";
import { outbox, type OutboxRow } from "../../db/schema";
import { onEvents, type SweepResult } from "../../events/consumers";
import { allDataDatabases, writableDataDatabase } from "../../db/shards";
import { eventMatches } from "../../events/names";
import { webhookAttempts, webhookDeliveries, webhooks, type Webhook } from "./schema";
import { signature, unseal } from "./secrets";

/**
 * Webhook delivery, at least once.
 *   dispatcher → consumer "webhooks": for each event, every enabled webhook of the project whose `events`
 *     match one of the event's names gets a pending delivery (`webhook_deliveries`), recorded in the same
 *     D1 batch that moves the consumer's cursor; after that commit, a Queue message {p, w, s} (project,
 *     webhook, outbox seq) per delivery.
 *   Queue consumer (edgewrite-webhooks): POSTs the event payload with Appwrite's headers. The body is read
 *     from the outbox (kept 3 days), so messages stay small whatever the payload size. Every outcome —
 *     delivered, given up, webhook gone or disabled, event gone — deletes the pending delivery; a message
 *     whose delivery is already gone is a duplicate and is dropped.
 *   Sweep (dispatcher alarm and cron): a pending delivery whose next attempt is DELIVERY_GRACE_MS overdue
 *     lost its message (a crash; under `wrangler dev` the queue is in the process's memory) and is sent again.
 * Failures: retried with exponential backoff (1 s, 2 s, 4 s … 256 s), MAX_DELIVERY_ATTEMPTS per delivery.
 *   As in Appwrite, every failed attempt increments the webhook's `attempts` and sets `logs`; at
 *   MAX_FAILED_ATTEMPTS consecutive failures the webhook is disabled; a success resets it to 0. Every
 *   attempt is written to `webhook_attempts` (the attempt log).
 * Duplicates: a re-send can race a message that was only late, so a receiver may get a delivery twice.
 *   Appwrite sends no per-delivery id; receivers dedupe on X-Appwrite-Webhook-Id + the payload's `$id`
 *   and `$updatedAt` (plus the event in X-Appwrite-Webhook-Events).
 * TLS: `tls = false` cannot switch off certificate checks from a Worker; every https delivery verifies.
 */
export const MAX_FAILED_ATTEMPTS = 10; // Appwrite's _APP_WEBHOOK_MAX_FAILED_ATTEMPTS default
export const MAX_DELIVERY_ATTEMPTS = 10; // within the queue's max_retries = 10 (wrangler.toml)
/** How long a delivery may be overdue, with no outcome, before the sweep takes its message for lost. */
export const DELIVERY_GRACE_MS = 2 * 60_000;
const SWEEP_BATCH = 500;
const TIMEOUT_MS = 15_000;
const MAX_LOG_BODY = 10_000;

export interface WebhookMessage {
  p: string; // project id
  w: string; // webhook id
  s: number; // outbox seq
}

export const backoffSeconds = (attempt: number) => Math.min(2 ** Math.max(0, attempt - 1), 600);

async function send(env: Env, deliveries: readonly WebhookMessage[]): Promise<void> {
  for (let i = 0; i < deliveries.length; i += 100) await env.WEBHOOKS.sendBatch(deliveries.slice(i, i + 100).map((body) => ({ body })));
}

onEvents(
  "webhooks",
  async (env, rows, ctx) => {
    const projectIds = [...new Set(rows.map((r) => r.projectId))];
    const db = open(ctx.d1); // webhooks and their deliveries are the project's data
    const hooks = await db.select().from(webhooks).where(and(inArray(webhooks.projectId, projectIds), eq(webhooks.enabled, true)));
    const deliveries: WebhookMessage[] = [];
    for (const row of rows) {
      for (const h of hooks) if (h.projectId === row.projectId && eventMatches(h.events, row.events)) deliveries.push({ p: row.projectId, w: h.id, s: row.seq });
    }
    if (!deliveries.length) return;
    const now = Date.now();
    return {
      // One statement whatever the count (D1 binds at most 100 parameters per statement).
      writes: [
        db
          .insert(webhookDeliveries)
          .select(sql`SELECT json_extract(value, '$.p'), json_extract(value, '$.w'), json_extract(value, '$.s'), 0, ${now}, ${now} FROM json_each(${JSON.stringify(deliveries)}) WHERE true`)
          .onConflictDoNothing(),
      ],
      afterCommit: () => send(env, deliveries),
    };
  },
  sweepDeliveries,
);

/**
 * Re-send every delivery overdue by `graceMs` with no outcome (its due time restarts now, so the next
 * sweep leaves it alone for another grace period). Returns when the next pending delivery falls due.
 */
export async function sweepDeliveries(env: Env, o: { graceMs?: number } = {}): Promise<SweepResult> {
  // Deliveries live on their project's data database: sweep each.
  const results = await Promise.all(allDataDatabases(env).map(({ d1 }) => sweepDeliveriesOn(env, d1, o.graceMs ?? DELIVERY_GRACE_MS)));
  const due = results.flatMap((r) => (r.next === null ? [] : [r.next]));
  return { resent: results.reduce((n, r) => n + r.resent, 0), next: due.length ? Math.min(...due) : null };
}

async function sweepDeliveriesOn(env: Env, d1: D1Database, grace: number): Promise<SweepResult> {
  const now = Date.now();
  const { results: lost } = await d1.prepare(
    `UPDATE webhook_deliveries SET due_at = ?1
     WHERE rowid IN (SELECT rowid FROM webhook_deliveries WHERE due_at <= ?2 ORDER BY due_at LIMIT ?3)
     RETURNING project_id AS p, webhook_id AS w, event_seq AS s`,
  )
    .bind(now, now - grace, SWEEP_BATCH)
    .all<WebhookMessage>();
  if (lost.length) {
    console.warn(`webhooks: re-sending ${lost.length} deliveries that have no outcome`);
    await send(env, lost);
  }
  const next = await d1.prepare("SELECT MIN(due_at) AS due FROM webhook_deliveries").first<{ due: number | null }>();
  return { resent: lost.length, next: next?.due == null ? null : next.due + grace };
}

async function deliver(env: Env, msg: Message<WebhookMessage>): Promise<void> {
  const { p: projectId, w: webhookId, s: seq } = msg.body;
  const db = open(await writableDataDatabase(env, projectId)); // a moving project's deliveries wait (retried)
  const thisDelivery = and(eq(webhookDeliveries.projectId, projectId), eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.eventSeq, seq));
  const [[pending], [hook], [event]] = await db.batch([
    db.select().from(webhookDeliveries).where(thisDelivery).limit(1),
    db.select().from(webhooks).where(and(eq(webhooks.projectId, projectId), eq(webhooks.id, webhookId))).limit(1),
    db.select().from(outbox).where(eq(outbox.seq, seq)).limit(1),
  ]);
  if (!pending) return msg.ack(); // already has an outcome: a duplicate message
  if (!hook || !hook.enabled || !event || event.projectId !== projectId) {
    await db.delete(webhookDeliveries).where(thisDelivery);
    return msg.ack();
  }

  const started = Date.now();
  const body = JSON.stringify(event.payload);
  let status = 0;
  let clientError = "";
  let responseBody = "";
  try {
    if (isPrivateUrl(hook.url)) throw new Error("Private and link-local addresses are not allowed"); // e.g. a webhook saved before the check
    const res = await fetch(hook.url, { method: "POST", headers: await headers(env, hook, event, body), body, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    status = res.status;
    responseBody = status >= 400 ? (await res.text()).slice(0, MAX_LOG_BODY) : "";
    if (status < 400) await res.body?.cancel();
  } catch (e) {
    clientError = String((e as Error)?.message ?? e).slice(0, 500);
  }
  const now = Date.now();
  const tries = pending.attempts + 1;
  const attempt = { projectId, webhookId, eventSeq: seq, event: event.event, attempt: tries, statusCode: status, duration: now - started, createdAt: now };

  if (!clientError && status < 400) {
    await db.batch([
      db.insert(webhookAttempts).values({ ...attempt, success: true, error: "" }),
      db.update(webhooks).set({ attempts: 0 }).where(and(eq(webhooks.seq, hook.seq), sql`${webhooks.attempts} > 0`)),
      db.delete(webhookDeliveries).where(thisDelivery),
    ]);
    return msg.ack();
  }

  // Appwrite's failure log text.
  let logs = `URL: ${hook.url}\nMethod: POST\n`;
  logs += clientError ? `Client Error: ${clientError}\nEvents: ${event.events.join(", ")}\n` : `Status code: ${status}\nBody: \n${responseBody}\n`;
  const [updated] = await db
    .update(webhooks)
    .set({ attempts: sql`${webhooks.attempts} + 1`, logs })
    .where(eq(webhooks.seq, hook.seq))
    .returning({ attempts: webhooks.attempts });
  const disable = (updated?.attempts ?? 0) >= MAX_FAILED_ATTEMPTS;
  const giveUp = disable || tries >= MAX_DELIVERY_ATTEMPTS;
  const delay = backoffSeconds(tries);
  await db.batch([
    db.insert(webhookAttempts).values({ ...attempt, success: false, error: clientError || `HTTP ${status}` }),
    giveUp ? db.delete(webhookDeliveries).where(thisDelivery) : db.update(webhookDeliveries).set({ attempts: tries, dueAt: now + delay * 1000 }).where(thisDelivery),
    ...(disable ? [db.update(webhooks).set({ enabled: false }).where(eq(webhooks.seq, hook.seq))] : []),
  ]);
  if (disable) console.warn(`webhook ${projectId}/${webhookId} disabled after ${updated?.attempts} failed attempts`);
  if (giveUp) return msg.ack();
  msg.retry({ delaySeconds: delay });
}

async function headers(env: Env, hook: Webhook, event: OutboxRow, body: string): Promise<Headers> {
  const key = await unseal(env, hook.secretEnc);
  const h = new Headers({
    "content-type": "application/json",
    "user-agent": `Appwrite-Server v${APP_VERSION} (Edgewrite)`,
    "x-appwrite-webhook-id": hook.id,
    "x-appwrite-webhook-events": event.events.join(","),
    "x-appwrite-webhook-name": headerText(hook.name),
    "x-appwrite-webhook-user-id": event.userId,
    "x-appwrite-webhook-project-id": event.projectId,
    "x-appwrite-webhook-signature": await signature(key, hook.url, body),
  });
  const pass = await unseal(env, hook.authPasswordEnc);
  if (hook.authUsername && pass) h.set("authorization", `Basic ${btoa(utf8Bytes(`${hook.authUsername}:${pass}`))}`);
  return h;
}

/** Text as one char per UTF-8 byte, for btoa (Basic credentials are the UTF-8 bytes, as Appwrite sends them). */
const utf8Bytes = (s: string) => String.fromCharCode(...new TextEncoder().encode(s));

/**
 * A header value: workerd writes Latin-1 text as its UTF-8 bytes (what Appwrite sends) but refuses anything
 * beyond U+00FF, so such a name goes percent-encoded rather than failing every delivery.
 */
const headerText = (s: string) => (/^[\u0000-\u00ff]*$/.test(s) ? s : encodeURIComponent(s));

onQueue("edgewrite-webhooks", async (batch, env) => {
  await Promise.all(
    (batch.messages as readonly Message<WebhookMessage>[]).map((m) =>
      deliver(env, m).catch((e) => {
        console.error("webhook delivery error", String((e as Error)?.message ?? e));
        m.retry({ delaySeconds: backoffSeconds(m.attempts) });
      }),
    ),
  );
});
