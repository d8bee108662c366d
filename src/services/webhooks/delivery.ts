import { and, eq, inArray, sql } from "drizzle-orm";
import { onQueue } from "../../background";
import { isPrivateUrl } from "../../core/addresses";
import { APP_VERSION } from "../../core/errors";
import { open } from "../../db/client";
import { outbox, type OutboxRow } from "../../db/schema";
import { onEvents } from "../../events/consumers";
import { eventMatches } from "../../events/names";
import { webhookAttempts, webhooks, type Webhook } from "./schema";
import { signature, unseal } from "./secrets";

/**
 * Webhook delivery.
 *   dispatcher → consumer "webhooks": for each event, every enabled webhook of the project whose `events`
 *     match one of the event's names gets a Queue message {p, w, s} (project, webhook, outbox seq).
 *   Queue consumer (edgewrite-webhooks): POSTs the event payload with Appwrite's headers. The body is read
 *     from the outbox (kept 3 days), so messages stay small whatever the payload size.
 * Failures: the message is retried with exponential backoff (1 s, 2 s, 4 s … 512 s; max_retries = 10 in
 *   wrangler.toml). As in Appwrite, every failed attempt increments the webhook's `attempts` and sets
 *   `logs`; at MAX_FAILED_ATTEMPTS consecutive failures the webhook is disabled; a success resets it to 0.
 * Every attempt is written to `webhook_attempts` (the attempt log); a successful (webhook, event) pair is
 *   never sent again, so an event the dispatcher hands over twice is delivered once.
 * TLS: `tls = false` cannot switch off certificate checks from a Worker; every https delivery verifies.
 */
export const MAX_FAILED_ATTEMPTS = 10; // Appwrite's _APP_WEBHOOK_MAX_FAILED_ATTEMPTS default
const TIMEOUT_MS = 15_000;
const MAX_LOG_BODY = 10_000;

export interface WebhookMessage {
  p: string; // project id
  w: string; // webhook id
  s: number; // outbox seq
}

export const backoffSeconds = (attempt: number) => Math.min(2 ** Math.max(0, attempt - 1), 600);

onEvents("webhooks", async (env, rows) => {
  const projectIds = [...new Set(rows.map((r) => r.projectId))];
  const db = open(env.DB);
  const hooks = await db.select().from(webhooks).where(and(inArray(webhooks.projectId, projectIds), eq(webhooks.enabled, true)));
  if (!hooks.length) return;
  const messages: { body: WebhookMessage }[] = [];
  for (const row of rows) {
    for (const h of hooks) {
      if (h.projectId === row.projectId && eventMatches(h.events, row.events)) messages.push({ body: { p: row.projectId, w: h.id, s: row.seq } });
    }
  }
  for (let i = 0; i < messages.length; i += 100) await env.WEBHOOKS.sendBatch(messages.slice(i, i + 100));
});

async function deliver(env: Env, msg: Message<WebhookMessage>): Promise<void> {
  const { p: projectId, w: webhookId, s: seq } = msg.body;
  const db = open(env.DB);
  const [[hook], [event], [done]] = await db.batch([
    db.select().from(webhooks).where(and(eq(webhooks.projectId, projectId), eq(webhooks.id, webhookId))).limit(1),
    db.select().from(outbox).where(eq(outbox.seq, seq)).limit(1),
    db.select({ seq: webhookAttempts.seq }).from(webhookAttempts).where(and(eq(webhookAttempts.webhookId, webhookId), eq(webhookAttempts.eventSeq, seq), eq(webhookAttempts.success, true), eq(webhookAttempts.projectId, projectId))).limit(1),
  ]);
  if (!hook || !hook.enabled || done || !event || event.projectId !== projectId) return msg.ack();

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
  const attempt = { projectId, webhookId, eventSeq: seq, event: event.event, attempt: msg.attempts, statusCode: status, duration: now - started, createdAt: now };

  if (!clientError && status < 400) {
    await db.batch([
      db.insert(webhookAttempts).values({ ...attempt, success: true, error: "" }),
      db.update(webhooks).set({ attempts: 0 }).where(and(eq(webhooks.seq, hook.seq), sql`${webhooks.attempts} > 0`)),
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
  await db.batch([
    db.insert(webhookAttempts).values({ ...attempt, success: false, error: clientError || `HTTP ${status}` }),
    ...(disable ? [db.update(webhooks).set({ enabled: false }).where(eq(webhooks.seq, hook.seq))] : []),
  ]);
  if (disable) {
    console.warn(`webhook ${projectId}/${webhookId} disabled after ${updated?.attempts} failed attempts`);
    return msg.ack();
  }
  msg.retry({ delaySeconds: backoffSeconds(msg.attempts) });
}

async function headers(env: Env, hook: Webhook, event: OutboxRow, body: string): Promise<Headers> {
  const key = await unseal(env, hook.secretEnc);
  const h = new Headers({
    "content-type": "application/json",
    "user-agent": `Appwrite-Server v${APP_VERSION} (Edgewrite)`,
    "x-appwrite-webhook-id": hook.id,
    "x-appwrite-webhook-events": event.events.join(","),
    "x-appwrite-webhook-name": hook.name,
    "x-appwrite-webhook-user-id": event.userId,
    "x-appwrite-webhook-project-id": event.projectId,
    "x-appwrite-webhook-signature": await signature(key, hook.url, body),
  });
  const pass = await unseal(env, hook.authPasswordEnc);
  if (hook.authUsername && pass) h.set("authorization", `Basic ${btoa(`${hook.authUsername}:${pass}`)}`);
  return h;
}

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
