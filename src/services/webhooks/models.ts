import { formatDate } from "../../core/time";
import type { Webhook, WebhookAttempt } from "./schema";

/**
 * Appwrite's Webhook model (node-appwrite 27 names: tls, authUsername, authPassword, secret) plus the
 * older console names (security, httpUser, httpPass, signatureKey) — one superset model. The secret is
 * shown only on creation and on secret rotation; "" otherwise.
 */
export function webhookModel(w: Webhook, authPassword: string, secret = "") {
  return {
    $id: w.id,
    $createdAt: formatDate(w.createdAt),
    $updatedAt: formatDate(w.updatedAt),
    name: w.name,
    url: w.url,
    events: w.events,
    tls: w.tls,
    authUsername: w.authUsername,
    authPassword,
    secret,
    enabled: w.enabled,
    logs: w.logs,
    attempts: w.attempts,
    security: w.tls,
    httpUser: w.authUsername,
    httpPass: authPassword,
    signatureKey: secret,
  };
}

/** Edgewrite's delivery attempt log entry (GET /v1/webhooks/{id}/attempts). */
export function attemptModel(a: WebhookAttempt) {
  return {
    $id: String(a.seq),
    $createdAt: formatDate(a.createdAt),
    webhookId: a.webhookId,
    event: a.event,
    eventSequence: String(a.eventSeq),
    attempt: a.attempt,
    success: a.success,
    statusCode: a.statusCode,
    error: a.error,
    duration: a.duration,
  };
}
