/**
 * Sending a message (Appwrite's Workers/Messaging.php, on a Queue):
 *   the route commits the message as `processing` and enqueues {p, m} on edgewrite-messages (or, with a future
 *   `scheduledAt`, as `scheduled` with a MessageScheduler alarm that flips it to `processing` and enqueues it);
 *   the consumer resolves topics/users/targets to the targets of the message's type (not expired), picks each
 *   target's provider (its own `providerId` when that provider is enabled, else the project's first enabled
 *   provider of the type — Appwrite's "default"), and sends to every address. A send failing with a retryable
 *   error (throttling, 429, 5xx, timeouts: Appwrite's patterns) is retried MAX_ATTEMPTS times with exponential
 *   backoff, then recorded as failed with the provider's error. Each address's outcome is a messaging_deliveries
 *   row; the message ends `sent` (no failure) or `failed`, with deliveredTotal, deliveredAt and deliveryErrors.
 * Redelivery of a queue message is harmless: a message no longer `processing` is skipped, an address already
 * `sent` is not sent again. The cron sweep re-enqueues a message left `processing` (a lost queue message) and
 * releases a `scheduled` one whose alarm was missed. The same queue carries auth messages (`{p, o}`,
 * auth-delivery.ts), handled first in each batch.
 */
import { onCron, onQueue } from "../../background";
import { allDataDatabases, movingProjects, writableDataDatabase } from "../../db/shards";
import { providerFromRaw, providerSecrets } from "./providers";
import { isRetryable, MAX_ATTEMPTS, ProviderError, sendOne, type Recipient } from "./adapters";
import { deliverAuthMessage, type AuthJob } from "./auth-delivery";
import type { Provider } from "./tables";

export const MESSAGES_QUEUE = "edgewrite-messages";
export const DELIVERY_ERRORS_LIMIT = 100;
/** A `processing` message untouched this long lost its queue message; a `scheduled` one this overdue, its alarm. */
const STUCK_MS = 5 * 60_000;
const CONCURRENCY = 8;
const HEARTBEAT_MS = 60_000;

export interface SendJob {
  p: string;
  m: string;
}

export async function enqueueMessage(env: Env, projectId: string, messageId: string): Promise<void> {
  await env.MESSAGES.send({ p: projectId, m: messageId } satisfies SendJob);
}

interface TargetRow {
  id: string;
  identifier: string;
  provider_id: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A scheduled message whose time has come becomes `processing` (once) and is enqueued. */
export async function releaseScheduled(env: Env, projectId: string, messageId: string): Promise<boolean> {
  const d1 = await writableDataDatabase(env, projectId); // a moving project's sends wait (queue/alarm retry)
  const now = Date.now();
  const row = await d1
    .prepare("UPDATE messaging_messages SET status = 'processing', updated_at = ? WHERE project_id = ? AND id = ? AND status = 'scheduled' AND scheduled_at <= ? RETURNING id")
    .bind(now, projectId, messageId, now)
    .first();
  if (row) await enqueueMessage(env, projectId, messageId);
  return !!row;
}

export async function processMessage(env: Env, projectId: string, messageId: string): Promise<void> {
  const d1 = await writableDataDatabase(env, projectId); // a moving project's sends wait (queue/alarm retry)
  const msg = await d1.prepare("SELECT * FROM messaging_messages WHERE project_id = ? AND id = ?").bind(projectId, messageId).first<Record<string, unknown>>();
  if (!msg || msg.status !== "processing") return;
  const type = String(msg.provider_type);
  const data = JSON.parse(String(msg.data)) as Record<string, unknown>;
  const finish = (status: "sent" | "failed", errors: string[], delivered: number) =>
    d1
      .prepare("UPDATE messaging_messages SET status = ?, delivery_errors = ?, delivered_total = ?, delivered_at = ?, updated_at = ? WHERE project_id = ? AND id = ? AND status = 'processing'")
      .bind(status, JSON.stringify(errors.slice(0, DELIVERY_ERRORS_LIMIT)), delivered, Date.now(), Date.now(), projectId, messageId)
      .run();

  const providerRows = ((await d1.prepare("SELECT * FROM messaging_providers WHERE project_id = ? AND type = ? AND enabled = 1 ORDER BY seq").bind(projectId, type).all()).results ?? []).map((r) => providerFromRaw(r as Record<string, unknown>));
  const fallback = providerRows[0];
  if (!fallback) {
    await finish("failed", ["No enabled provider found."], 0);
    return;
  }
  const byId = new Map(providerRows.map((p) => [p.id, p]));

  const recipients = ((await d1
    .prepare(
      `SELECT t.id, t.identifier, t.provider_id FROM targets t WHERE t.project_id = ?1 AND t.provider_type = ?2 AND t.expired = 0 AND (
         t.id IN (SELECT value FROM json_each(?3))
         OR t.user_id IN (SELECT value FROM json_each(?4))
         OR t.id IN (SELECT s.target_id FROM messaging_subscribers s WHERE s.project_id = ?1 AND s.topic_id IN (SELECT value FROM json_each(?5)))
       ) ORDER BY t.seq`,
    )
    .bind(projectId, type, String(msg.targets), String(msg.users), String(msg.topics))
    .all<TargetRow>()).results ?? []);
  if (!recipients.length) {
    await finish("failed", ["No valid recipients found."], 0);
    return;
  }

  // cc/bcc are target ids of email targets (checked when the message was written).
  const addresses = async (ids: unknown) => {
    const list = Array.isArray(ids) ? ids.map(String) : [];
    if (!list.length) return [];
    const rows = (await d1.prepare("SELECT identifier FROM targets WHERE project_id = ? AND provider_type = 'email' AND id IN (SELECT value FROM json_each(?))").bind(projectId, JSON.stringify(list)).all<{ identifier: string }>()).results ?? [];
    return rows.map((r) => r.identifier);
  };
  const cc = type === "email" ? await addresses(data.cc) : [];
  const bcc = type === "email" ? await addresses(data.bcc) : [];

  const done = new Set(
    ((await d1.prepare("SELECT identifier FROM messaging_deliveries WHERE project_id = ? AND message_id = ? AND status = 'sent'").bind(projectId, messageId).all<{ identifier: string }>()).results ?? []).map((r) => r.identifier),
  );
  const secrets = new Map<string, Promise<Record<string, unknown>>>();
  const credentialsOf = (p: Provider) => {
    let s = secrets.get(p.id);
    if (!s) secrets.set(p.id, (s = providerSecrets(env, p).then((sec) => ({ ...p.credentials, ...sec }))));
    return s;
  };
  const delay = Number(env.MESSAGING_RETRY_DELAY_MS ?? 1000) || 0;

  let delivered = 0;
  const errors: string[] = [];
  const seen = new Set<string>();
  const queue = recipients.filter((t) => !seen.has(t.identifier) && (seen.add(t.identifier), true));
  const work = async (t: TargetRow) => {
    if (done.has(t.identifier)) {
      delivered++;
      return;
    }
    const provider = (t.provider_id && byId.get(t.provider_id)) || fallback;
    const recipient: Recipient = { identifier: t.identifier, cc, bcc };
    let error = "";
    let expired = false;
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        await sendOne({ env, provider: provider.provider, credentials: await credentialsOf(provider), options: provider.options, data }, recipient);
        error = "";
        break;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        expired = e instanceof ProviderError && e.expired;
        if (attempts >= MAX_ATTEMPTS || expired || !isRetryable(error)) break;
        const wait = delay * 2 ** (attempts - 1);
        if (wait > 0) await sleep(wait + Math.random() * wait * 0.1);
      }
    }
    const now = Date.now();
    const statements = [
      d1
        .prepare("INSERT INTO messaging_deliveries (project_id, message_id, identifier, target_id, provider_id, status, error, attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, message_id, identifier) DO UPDATE SET status = excluded.status, error = excluded.error, attempts = messaging_deliveries.attempts + excluded.attempts, updated_at = excluded.updated_at")
        .bind(projectId, messageId, t.identifier, t.id, provider.id, error ? "failed" : "sent", error, attempts, now),
    ];
    if (expired) statements.push(d1.prepare("UPDATE targets SET expired = 1, updated_at = ? WHERE project_id = ? AND id = ?").bind(now, projectId, t.id));
    await d1.batch(statements);
    if (error) errors.push(`Failed sending to target ${t.identifier} with error: ${error}`);
    else delivered++;
  };
  // A long send keeps its row fresh, so the sweep never takes it for a lost queue message and sends it twice.
  let beat = Date.now();
  const heartbeat = async () => {
    if (Date.now() - beat < HEARTBEAT_MS) return;
    beat = Date.now();
    await d1.prepare("UPDATE messaging_messages SET updated_at = ? WHERE project_id = ? AND id = ? AND status = 'processing'").bind(beat, projectId, messageId).run();
  };
  const workers = Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      await work(t);
      await heartbeat();
    }
  });
  await Promise.all(workers);
  if (!errors.length && delivered === 0) errors.push("Unknown error");
  await finish(errors.length ? "failed" : "sent", errors, delivered);
}

onQueue(MESSAGES_QUEUE, async (batch, env) => {
  const run = async (m: Message<SendJob | AuthJob>) => {
    const job = m.body;
    try {
      // {p, o}: an auth message staged in message_outbox (auth-delivery.ts); {p, m}: a Messaging message.
      if ("o" in job) await deliverAuthMessage(env, job.p, job.o);
      else await processMessage(env, job.p, job.m);
      m.ack();
    } catch (e) {
      console.error("message send failed", job.p, "o" in job ? job.o : job.m, (e as Error)?.message);
      m.retry();
    }
  };
  const all = batch.messages as readonly Message<SendJob | AuthJob>[];
  // Auth messages (one recipient each, someone waiting for the code) first and together, so an OTP never
  // waits behind a large Messaging send in the same batch.
  await Promise.all(all.filter((m) => "o" in m.body).map(run));
  for (const m of all.filter((m) => !("o" in m.body))) await run(m);
});

/** Lost queue messages and missed alarms, on every data database; projects being moved wait for their move. */
onCron(async (env) => {
  const now = Date.now();
  const moving = await movingProjects(env);
  for (const { d1 } of allDataDatabases(env)) {
    const stuck = (await d1.prepare("SELECT project_id, id, status FROM messaging_messages WHERE (status = 'processing' AND updated_at < ?) OR (status = 'scheduled' AND scheduled_at < ?) LIMIT 100").bind(now - STUCK_MS, now - 60_000).all<{ project_id: string; id: string; status: string }>()).results ?? [];
    for (const s of stuck) {
      if (moving.has(s.project_id)) continue;
      if (s.status === "scheduled") await releaseScheduled(env, s.project_id, s.id);
      else {
        await d1.prepare("UPDATE messaging_messages SET updated_at = ? WHERE project_id = ? AND id = ?").bind(now, s.project_id, s.id).run();
        await enqueueMessage(env, s.project_id, s.id);
      }
    }
  }
});
