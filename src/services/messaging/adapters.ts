/**
 * One send to one recipient through one provider's real API (what utopia-php/messaging's adapters call).
 * Each throws a ProviderError with the provider's own error text on failure; `expired` marks a push token the
 * service says is gone (the target is then marked expired, as Appwrite does). Every base URL can be pointed
 * elsewhere with MESSAGING_<PROVIDER>_URL (tests use loopback fakes); secrets go only to the provider.
 */
import { importPKCS8, SignJWT } from "jose";
import { isPrivateHost } from "../../core/addresses";
import { sendMail } from "./smtp";

export class ProviderError extends Error {
  constructor(message: string, readonly expired = false) {
    super(message);
  }
}

export const MAX_ATTEMPTS = 3; // Appwrite's MESSAGE_SEND_MAX_RETRIES

/** Appwrite's isRetryableError: throttling, quota, 429/503 and timeout phrasing only. */
const RETRYABLE = ["throttl", "rate exceeded", "rate limit", "too many requests", "429", "quota", "service unavailable", "503", "502", "504", "timed out", "timeout", "temporarily"];
export const isRetryable = (error: string) => RETRYABLE.some((p) => error.toLowerCase().includes(p));

export interface Recipient {
  identifier: string;
  /** Email only: resolved cc/bcc addresses. */
  cc: string[];
  bcc: string[];
}

export interface SendContext {
  env: Env;
  provider: string;
  /** Public and secret credentials together (never logged). */
  credentials: Record<string, unknown>;
  options: Record<string, unknown>;
  data: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const base = (env: Env, name: string, real: string) => (env[`MESSAGING_${name}_URL`] || real).replace(/\/+$/, "");
const basic = (user: string, pass: string) => `Basic ${btoa(`${user}:${pass}`)}`;
const noPlus = (phone: string) => phone.replace(/^\+/, "");
const mailbox = (email: string, name: string) => (name ? `${name.replace(/[\r\n"<>]+/g, " ").trim()} <${email}>` : email);

/** POST and fail with the provider's message (status first, so 429/503 classify as retryable). */
async function post(url: string, init: { headers?: Record<string, string>; form?: Record<string, string | string[]>; json?: unknown }): Promise<unknown> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string;
  if (init.form) {
    const f = new URLSearchParams();
    for (const [k, v] of Object.entries(init.form)) for (const one of Array.isArray(v) ? v : [v]) if (one !== "") f.append(k, one);
    body = f.toString();
    headers["content-type"] = "application/x-www-form-urlencoded";
  } else {
    body = JSON.stringify(init.json ?? {});
    headers["content-type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    throw new ProviderError(e instanceof Error && e.name === "TimeoutError" ? "Request timed out" : `Request failed: ${(e as Error)?.message ?? e}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* a text body */
  }
  if (!res.ok) throw new ProviderError(`${res.status} ${errorText(parsed) || res.statusText}`.trim());
  return parsed;
}

/** The human part of a provider's error body (each names it differently). */
function errorText(body: unknown): string {
  if (typeof body === "string") return body.slice(0, 500);
  const b = body as Record<string, any> | null;
  if (!b) return "";
  return str(b.message ?? b.error?.message ?? b.errors?.[0]?.message ?? b.error ?? b.detail ?? b.reason ?? JSON.stringify(b)).slice(0, 500);
}

// ---- email ------------------------------------------------------------------------------------------

function mailParts(s: SendContext) {
  const html = s.data.html === true;
  const content = str(s.data.content);
  return { subject: str(s.data.subject), html, content, fromEmail: str(s.options.fromEmail), fromName: str(s.options.fromName), replyToEmail: str(s.options.replyToEmail), replyToName: str(s.options.replyToName) };
}

async function mailgun(s: SendContext, r: Recipient) {
  const m = mailParts(s);
  const real = s.credentials.isEuRegion === true ? "https://api.eu.mailgun.net" : "https://api.mailgun.net";
  await post(`${base(s.env, "MAILGUN", real)}/v3/${encodeURIComponent(str(s.credentials.domain))}/messages`, {
    headers: { authorization: basic("api", str(s.credentials.apiKey)) },
    form: {
      from: mailbox(m.fromEmail, m.fromName), to: r.identifier, cc: r.cc, bcc: r.bcc, subject: m.subject,
      [m.html ? "html" : "text"]: m.content, "h:Reply-To": m.replyToEmail ? mailbox(m.replyToEmail, m.replyToName) : "",
    },
  });
}

async function sendgrid(s: SendContext, r: Recipient) {
  const m = mailParts(s);
  const list = (a: string[]) => (a.length ? a.map((email) => ({ email })) : undefined);
  await post(`${base(s.env, "SENDGRID", "https://api.sendgrid.com")}/v3/mail/send`, {
    headers: { authorization: `Bearer ${str(s.credentials.apiKey)}` },
    json: {
      personalizations: [{ to: [{ email: r.identifier }], cc: list(r.cc), bcc: list(r.bcc) }],
      from: { email: m.fromEmail, name: m.fromName || undefined },
      reply_to: m.replyToEmail ? { email: m.replyToEmail, name: m.replyToName || undefined } : undefined,
      subject: m.subject,
      content: [{ type: m.html ? "text/html" : "text/plain", value: m.content }],
    },
  });
}

async function resend(s: SendContext, r: Recipient) {
  const m = mailParts(s);
  await post(`${base(s.env, "RESEND", "https://api.resend.com")}/emails`, {
    headers: { authorization: `Bearer ${str(s.credentials.apiKey)}` },
    json: {
      from: mailbox(m.fromEmail, m.fromName), to: [r.identifier], cc: r.cc.length ? r.cc : undefined, bcc: r.bcc.length ? r.bcc : undefined,
      reply_to: m.replyToEmail ? [mailbox(m.replyToEmail, m.replyToName)] : undefined, subject: m.subject, [m.html ? "html" : "text"]: m.content,
    },
  });
}

async function smtp(s: SendContext, r: Recipient) {
  const m = mailParts(s);
  // Appwrite's `host` may list several `host[:port]` separated by `;`: the first is used.
  const [host = "", portText] = str(s.credentials.host).split(";")[0]!.trim().split(":");
  if (!host || isPrivateHost(host)) throw new ProviderError("SMTP host is not allowed");
  const encryption = str(s.options.encryption);
  await sendMail(
    { host, port: Number(portText || s.credentials.port || 587), secure: encryption, username: str(s.credentials.username), password: async () => str(s.credentials.password) },
    { to: r.identifier, cc: r.cc, bcc: r.bcc, subject: m.subject, html: m.html ? m.content : "", text: m.html ? m.content.replace(/<[^>]*>/g, "").trim() : m.content, fromEmail: m.fromEmail, fromName: m.fromName, replyToEmail: m.replyToEmail, replyToName: m.replyToName },
  ).catch((e) => {
    throw new ProviderError(e instanceof Error ? e.message : String(e));
  });
}

// AWS Signature V4 for SES v2 SendEmail.
const enc = new TextEncoder();
const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
const sha256hex = async (s: string) => hex(await crypto.subtle.digest("SHA-256", enc.encode(s)));
async function hmacRaw(key: ArrayBuffer | Uint8Array, data: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", k, enc.encode(data));
}

async function ses(s: SendContext, r: Recipient) {
  const m = mailParts(s);
  const region = str(s.credentials.region);
  const url = new URL(`${base(s.env, "SES", `https://email.${region}.amazonaws.com`)}/v2/email/outbound-emails`);
  const body = JSON.stringify({
    FromEmailAddress: mailbox(m.fromEmail, m.fromName),
    Destination: { ToAddresses: [r.identifier], CcAddresses: r.cc, BccAddresses: r.bcc },
    ReplyToAddresses: m.replyToEmail ? [m.replyToEmail] : [],
    Content: { Simple: { Subject: { Data: m.subject }, Body: { [m.html ? "Html" : "Text"]: { Data: m.content } } } },
  });
  const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, "");
  const day = amzDate.slice(0, 8);
  const payloadHash = await sha256hex(body);
  const canonical = ["POST", url.pathname, "", `content-type:application/json`, `host:${url.host}`, `x-amz-date:${amzDate}`, "", "content-type;host;x-amz-date", payloadHash].join("\n");
  const scope = `${day}/${region}/ses/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256hex(canonical)].join("\n");
  let key = await hmacRaw(enc.encode(`AWS4${str(s.credentials.secretKey)}`), day);
  for (const part of [region, "ses", "aws4_request"]) key = await hmacRaw(key, part);
  const signature = hex(await hmacRaw(key, toSign));
  await post(url.toString(), {
    headers: { "x-amz-date": amzDate, authorization: `AWS4-HMAC-SHA256 Credential=${str(s.credentials.accessKey)}/${scope}, SignedHeaders=content-type;host;x-amz-date, Signature=${signature}` },
    json: JSON.parse(body),
  });
}

// ---- sms --------------------------------------------------------------------------------------------

const smsText = (s: SendContext) => str(s.data.content);

async function twilio(s: SendContext, r: Recipient) {
  const sid = str(s.credentials.accountSid);
  await post(`${base(s.env, "TWILIO", "https://api.twilio.com")}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`, {
    headers: { authorization: basic(sid, str(s.credentials.authToken)) },
    form: { To: r.identifier, From: str(s.options.from), Body: smsText(s) },
  });
}

async function vonage(s: SendContext, r: Recipient) {
  const out = (await post(`${base(s.env, "VONAGE", "https://rest.nexmo.com")}/sms/json`, {
    form: { api_key: str(s.credentials.apiKey), api_secret: str(s.credentials.apiSecret), from: noPlus(str(s.options.from)), to: noPlus(r.identifier), text: smsText(s) },
  })) as { messages?: { status?: string; "error-text"?: string }[] } | null;
  const first = out?.messages?.[0];
  if (first && first.status !== "0") throw new ProviderError(first["error-text"] || `status ${first.status}`);
}

async function textmagic(s: SendContext, r: Recipient) {
  await post(`${base(s.env, "TEXTMAGIC", "https://rest.textmagic.com")}/api/v2/messages`, {
    headers: { "x-tm-username": str(s.credentials.username), "x-tm-key": str(s.credentials.apiKey) },
    form: { text: smsText(s), phones: noPlus(r.identifier), from: noPlus(str(s.options.from)) },
  });
}

async function telesign(s: SendContext, r: Recipient) {
  await post(`${base(s.env, "TELESIGN", "https://rest-ww.telesign.com")}/v1/messaging`, {
    headers: { authorization: basic(str(s.credentials.customerId), str(s.credentials.apiKey)) },
    form: { phone_number: noPlus(r.identifier), message: smsText(s), message_type: "ARN" },
  });
}

async function msg91(s: SendContext, r: Recipient) {
  await post(`${base(s.env, "MSG91", "https://control.msg91.com")}/api/v5/flow/`, {
    headers: { authkey: str(s.credentials.authKey) },
    json: { sender: str(s.credentials.senderId), template_id: str(s.credentials.templateId), recipients: [{ mobiles: noPlus(r.identifier), content: smsText(s) }] },
  });
}

// ---- push -------------------------------------------------------------------------------------------

/** FCM OAuth2 access tokens, per service account, for their lifetime (less a minute), per isolate. */
const fcmTokens = new Map<string, { token: string; until: number }>();

async function fcmAccessToken(env: Env, sa: Record<string, unknown>): Promise<string> {
  const tokenUrl = env.MESSAGING_FCM_URL ? `${base(env, "FCM", "")}/token` : "https://oauth2.googleapis.com/token";
  const cacheKey = `${tokenUrl}\u0000${str(sa.client_email)}\u0000${str(sa.private_key_id)}`;
  const hit = fcmTokens.get(cacheKey);
  if (hit && hit.until > Date.now()) return hit.token;
  let key: CryptoKey;
  try {
    key = await importPKCS8(str(sa.private_key), "RS256");
  } catch {
    throw new ProviderError("Invalid FCM service account: private_key is not a PKCS#8 RSA key");
  }
  const assertion = await new SignJWT({ scope: "https://www.googleapis.com/auth/firebase.messaging" })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(sa.private_key_id ? { kid: str(sa.private_key_id) } : {}) })
    .setIssuer(str(sa.client_email))
    .setAudience(tokenUrl)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(key);
  const out = (await post(tokenUrl, { form: { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion } })) as { access_token?: string; expires_in?: number } | null;
  if (!out?.access_token) throw new ProviderError("FCM token exchange returned no access_token");
  fcmTokens.set(cacheKey, { token: out.access_token, until: Date.now() + Math.max(60, (out.expires_in ?? 3600) - 60) * 1000 });
  return out.access_token;
}

/** FCM's `data` values are strings. */
const stringValues = (o: unknown) => Object.fromEntries(Object.entries((o ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));

async function fcm(s: SendContext, r: Recipient) {
  const sa = s.credentials.serviceAccountJSON as Record<string, unknown> | undefined;
  if (!sa || typeof sa !== "object") throw new ProviderError("FCM provider has no service account");
  const token = await fcmAccessToken(s.env, sa);
  const d = s.data;
  const badge = typeof d.badge === "number" ? d.badge : undefined;
  try {
    await post(`${base(s.env, "FCM", "https://fcm.googleapis.com")}/v1/projects/${encodeURIComponent(str(sa.project_id))}/messages:send`, {
      headers: { authorization: `Bearer ${token}` },
      json: {
        message: {
          token: r.identifier,
          notification: { title: d.title ? str(d.title) : undefined, body: d.body ? str(d.body) : undefined },
          data: d.data ? stringValues(d.data) : undefined,
          android: {
            priority: d.priority === "normal" ? "normal" : "high",
            notification: { click_action: d.action || undefined, icon: d.icon || undefined, color: d.color || undefined, sound: d.sound || undefined, tag: d.tag || undefined },
          },
          apns: { payload: { aps: { sound: d.sound || undefined, badge, "content-available": d.contentAvailable ? 1 : undefined, category: d.action || undefined } } },
        },
      },
    });
  } catch (e) {
    const m = (e as Error).message;
    if (/UNREGISTERED|registration-token-not-registered|Requested entity was not found/i.test(m) || m.startsWith("404")) throw new ProviderError("Expired device token", true);
    throw e;
  }
}

async function apns(s: SendContext, r: Recipient) {
  let key: CryptoKey;
  try {
    key = await importPKCS8(str(s.credentials.authKey), "ES256");
  } catch {
    throw new ProviderError("Invalid APNs auth key: not a PKCS#8 P-256 key");
  }
  const jwt = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: str(s.credentials.authKeyId) }).setIssuer(str(s.credentials.teamId)).setIssuedAt().sign(key);
  const d = s.data;
  const real = s.options.sandbox === true ? "https://api.sandbox.push.apple.com" : "https://api.push.apple.com";
  try {
    await post(`${base(s.env, "APNS", real)}/3/device/${encodeURIComponent(r.identifier)}`, {
      headers: {
        authorization: `bearer ${jwt}`, "apns-topic": str(s.credentials.bundleId), "apns-push-type": d.contentAvailable && !d.title && !d.body ? "background" : "alert",
        "apns-priority": d.priority === "normal" ? "5" : "10",
      },
      json: {
        aps: {
          alert: d.title || d.body ? { title: d.title ? str(d.title) : undefined, body: d.body ? str(d.body) : undefined } : undefined,
          badge: typeof d.badge === "number" ? d.badge : undefined,
          sound: d.critical ? { critical: 1, name: d.sound || "default", volume: 1 } : d.sound || undefined,
          "content-available": d.contentAvailable ? 1 : undefined,
          category: d.action || undefined,
          "thread-id": d.tag || undefined,
        },
        ...((d.data ?? {}) as Record<string, unknown>),
      },
    });
  } catch (e) {
    const m = (e as Error).message;
    if (m.startsWith("410") || /BadDeviceToken|Unregistered/.test(m)) throw new ProviderError("Expired device token", true);
    throw e;
  }
}

const ADAPTERS: Record<string, (s: SendContext, r: Recipient) => Promise<void>> = Object.assign(Object.create(null), {
  mailgun, sendgrid, resend, smtp, ses, twilio, vonage, textmagic, telesign, msg91, fcm, apns,
});

export async function sendOne(s: SendContext, r: Recipient): Promise<void> {
  const adapter = ADAPTERS[s.provider];
  if (!adapter) throw new ProviderError(`Unknown provider ${s.provider}`);
  await adapter(s, r);
}
