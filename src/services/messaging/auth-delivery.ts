/**
 * Delivery of auth messages (OTPs, magic links, verification, recovery, invitations, session alerts) to a real
 * provider: the project's SMTP server (or the deployment's, `_APP_SMTP_HOST`) for mail, the project's default
 * SMS messaging provider (the first enabled one, oldest first) for SMS.
 *
 * transport.ts stages the message in `message_outbox` (status `pending`) in the mutation's batch; once the
 * request has answered successfully, `messageDelivery` enqueues `{p, o}` on edgewrite-messages; the consumer
 * claims the row, sends with Appwrite's retry rule (retryable provider errors, MAX_ATTEMPTS, backoff), then
 * records `sent` or `failed` with the provider's error and empties `subject`, `content` and `html` — the OTP or
 * link is not kept at rest once a provider has had it (a custom subject may hold `{{otp}}`; `meta.template` still
 * names the mail). A failure is never silent: the row says why and the Worker log names the row. The request
 * that asked for the message answers as Appwrite's does whatever the provider does (its worker sends after the
 * response too).
 * The cron sweep re-enqueues rows left `pending` 5 minutes (a queue message lost, or a request that committed
 * and then answered an error).
 */
import type { MiddlewareHandler } from "hono";
import { onCron } from "../../background";
import { open } from "../../db/client";
import { allDataDatabases, movingProjects, writableDataDatabase } from "../../db/shards";
import type { AppEnv, Ctx } from "../../platform/context";
import { findProject } from "../../platform/projects";
import { isRetryable, MAX_ATTEMPTS, sendOne } from "./adapters";
import { providerFromRaw, providerSecrets } from "./providers";
import { sendMail, serverFor } from "./smtp";

export interface AuthJob {
  p: string;
  /** The message_outbox row's id. */
  o: string;
}

/** A claimed row is another consumer's for this long (a redelivered queue message skips it meanwhile). */
const LEASE_MS = 2 * 60_000;
const STUCK_MS = 5 * 60_000;

const pending = new WeakMap<Ctx, AuthJob[]>();

/** Enqueue this staged row once the request has answered successfully (so its batch has committed). */
export function deliverAfterResponse(c: Ctx, job: AuthJob): void {
  const jobs = pending.get(c) ?? [];
  jobs.push(job);
  pending.set(c, jobs);
}

export const messageDelivery: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const jobs = pending.get(c);
  if (jobs?.length && c.res.status < 400) {
    c.executionCtx.waitUntil(c.env.MESSAGES.sendBatch(jobs.map((body) => ({ body }))).catch((e) => console.error("auth message enqueue failed", (e as Error)?.message)));
  }
};

/** The project's default SMS provider's id (Messaging's rule: the first enabled one), or none. */
export async function defaultSmsProvider(d1: D1Database, projectId: string): Promise<string | null> {
  const row = await d1.prepare("SELECT id FROM messaging_providers WHERE project_id = ? AND type = 'sms' AND enabled = 1 ORDER BY seq LIMIT 1").bind(projectId).first<{ id: string }>();
  return row?.id ?? null;
}

interface Row {
  id: string;
  channel: string;
  recipient: string;
  subject: string;
  content: string;
  html: string;
  transport: string;
  provider_id: string;
  meta: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The send for a row, or the reason there is none. */
async function sender(env: Env, d1: D1Database, projectId: string, row: Row): Promise<{ send: () => Promise<void>; providerId: string } | { keep: true } | { error: string }> {
  if (row.transport === "smtp") {
    const project = await findProject(open(env.DB), projectId);
    const smtp = project && serverFor(env, project);
    // SMTP switched off since: the mail stays in the local outbox, as the next one would.
    if (!smtp) return { keep: true };
    const s = JSON.parse(row.meta || "{}") as Record<string, string | undefined>;
    const mail = {
      to: row.recipient, subject: row.subject, html: row.html, text: row.content,
      fromEmail: s.fromEmail || smtp.sender.email, fromName: s.fromName ?? smtp.sender.name,
      replyToEmail: s.replyToEmail ?? smtp.sender.replyToEmail, replyToName: s.replyToName ?? smtp.sender.replyToName,
    };
    return { send: () => sendMail(smtp.server, mail), providerId: "" };
  }
  const rows = ((await d1.prepare("SELECT * FROM messaging_providers WHERE project_id = ? AND type = 'sms' AND enabled = 1 ORDER BY seq").bind(projectId).all()).results ?? []).map((r) => providerFromRaw(r as Record<string, unknown>));
  const provider = rows.find((p) => p.id === row.provider_id) ?? rows[0];
  if (!provider) return { error: "No enabled provider found." };
  const credentials = { ...provider.credentials, ...(await providerSecrets(env, provider)) };
  return {
    providerId: provider.id,
    send: () => sendOne({ env, provider: provider.provider, credentials, options: provider.options, data: { content: row.content } }, { identifier: row.recipient, cc: [], bcc: [] }),
  };
}

export async function deliverAuthMessage(env: Env, projectId: string, id: string): Promise<void> {
  const d1 = await writableDataDatabase(env, projectId); // a moving project's mail waits (queue retry)
  const now = Date.now();
  const row = await d1
    .prepare("UPDATE message_outbox SET updated_at = ? WHERE project_id = ? AND id = ? AND status = 'pending' AND updated_at < ? RETURNING *")
    .bind(now, projectId, id, now - LEASE_MS)
    .first<Row>();
  if (!row) return; // not committed, already handled, or another consumer holds it
  const how = await sender(env, d1, projectId, row);
  if ("keep" in how) {
    await d1.prepare("UPDATE message_outbox SET status = 'outbox', transport = 'outbox', updated_at = ? WHERE project_id = ? AND id = ?").bind(Date.now(), projectId, id).run();
    return;
  }
  let error = "error" in how ? how.error : "";
  let attempts = 0;
  if ("send" in how) {
    const delay = Number(env.MESSAGING_RETRY_DELAY_MS ?? 1000) || 0;
    for (;;) {
      attempts++;
      try {
        await how.send();
        error = "";
        break;
      } catch (e) {
        error = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
        if (attempts >= MAX_ATTEMPTS || !isRetryable(error)) break;
        const wait = delay * 2 ** (attempts - 1);
        if (wait > 0) await sleep(wait + Math.random() * wait * 0.1);
      }
    }
  }
  await d1
    .prepare("UPDATE message_outbox SET status = ?, error = ?, attempts = attempts + ?, provider_id = ?, subject = '', content = '', html = '', updated_at = ? WHERE project_id = ? AND id = ? AND status = 'pending'")
    .bind(error ? "failed" : "sent", error, attempts, "providerId" in how ? how.providerId : row.provider_id, Date.now(), projectId, id)
    .run();
  // No recipient or body in the log: the row id leads to them.
  if (error) console.error("auth message delivery failed", projectId, id, row.transport, error);
}

onCron(async (env) => {
  const old = Date.now() - STUCK_MS;
  const moving = await movingProjects(env);
  for (const { d1 } of allDataDatabases(env)) { // every data database; a moving project's mail waits for its move
    const stuck = ((await d1.prepare("SELECT project_id, id FROM message_outbox WHERE status = 'pending' AND updated_at < ? AND created_at < ? LIMIT 100").bind(old, old).all<{ project_id: string; id: string }>()).results ?? []).filter((s) => !moving.has(s.project_id));
    if (stuck.length) await env.MESSAGES.sendBatch(stuck.map((s) => ({ body: { p: s.project_id, o: s.id } satisfies AuthJob })));
  }
});
