/**
 * Every provider SDK 27 names, as data: which params its create/update routes take, where each value is kept
 * (a public credential shown in the model, a secret credential sealed and never shown, or an option), and what
 * must be present before it may be enabled — Appwrite 1.9.6's app/controllers/api/messaging.php, route by route.
 */
import { lookup } from "../../core/input";

export type ProviderType = "email" | "sms" | "push";
export type FieldKind = "text" | "name" | "email" | "phone" | "bool" | "port" | "json" | "encryption";

export interface FieldSpec {
  name: string;
  /** `public`: a credential shown in the model; `secret`: a credential sealed at rest, never shown; `option`. */
  to: "public" | "secret" | "option";
  kind: FieldKind;
}

export interface ProviderSpec {
  provider: string;
  type: ProviderType;
  fields: FieldSpec[];
  /** Keys (credentials or options) that must be set for `enabled: true`. */
  required: string[];
  /** On create, options Appwrite always writes (even empty) — the email senders; others only when given. */
  alwaysOptions?: Record<string, unknown>;
  /** On create, public credentials Appwrite always writes (SMTP's port, default 587, and username). */
  alwaysCredentials?: Record<string, unknown>;
}

const pub = (name: string, kind: FieldKind = "text"): FieldSpec => ({ name, to: "public", kind });
const sec = (name: string, kind: FieldKind = "text"): FieldSpec => ({ name, to: "secret", kind });
const opt = (name: string, kind: FieldKind = "text"): FieldSpec => ({ name, to: "option", kind });

const SENDER = [opt("fromName", "name"), opt("fromEmail", "email"), opt("replyToName", "name"), opt("replyToEmail", "email")];
const SENDER_DEFAULTS = { fromName: "", fromEmail: "", replyToName: "", replyToEmail: "" };

export const PROVIDERS = lookup<ProviderSpec>({
  mailgun: { provider: "mailgun", type: "email", fields: [sec("apiKey"), pub("domain"), pub("isEuRegion", "bool"), ...SENDER], required: ["isEuRegion", "apiKey", "domain", "fromEmail"], alwaysOptions: SENDER_DEFAULTS },
  sendgrid: { provider: "sendgrid", type: "email", fields: [sec("apiKey"), ...SENDER], required: ["apiKey", "fromEmail"], alwaysOptions: SENDER_DEFAULTS },
  // An AWS access key id is an identifier, but with the secret it signs: kept sealed too.
  ses: { provider: "ses", type: "email", fields: [sec("accessKey"), sec("secretKey"), pub("region"), ...SENDER], required: ["accessKey", "secretKey", "region", "fromEmail"], alwaysOptions: SENDER_DEFAULTS },
  resend: { provider: "resend", type: "email", fields: [sec("apiKey"), ...SENDER], required: ["apiKey", "fromEmail"], alwaysOptions: SENDER_DEFAULTS },
  smtp: {
    provider: "smtp", type: "email",
    fields: [pub("host"), pub("port", "port"), pub("username"), sec("password"), opt("encryption", "encryption"), opt("autoTLS", "bool"), opt("mailer"), ...SENDER],
    required: ["host", "fromEmail"],
    alwaysOptions: { ...SENDER_DEFAULTS, encryption: "", autoTLS: true, mailer: "" },
    alwaysCredentials: { port: 587, username: "" },
  },
  msg91: { provider: "msg91", type: "sms", fields: [pub("templateId"), pub("senderId"), sec("authKey")], required: ["senderId", "authKey"] },
  telesign: { provider: "telesign", type: "sms", fields: [opt("from", "phone"), pub("customerId"), sec("apiKey")], required: ["customerId", "apiKey", "from"] },
  textmagic: { provider: "textmagic", type: "sms", fields: [opt("from", "phone"), pub("username"), sec("apiKey")], required: ["username", "apiKey", "from"] },
  twilio: { provider: "twilio", type: "sms", fields: [opt("from", "phone"), pub("accountSid"), sec("authToken")], required: ["accountSid", "authToken", "from"] },
  // Vonage's api_key only works with its secret; kept sealed like it.
  vonage: { provider: "vonage", type: "sms", fields: [opt("from", "phone"), sec("apiKey"), sec("apiSecret")], required: ["apiKey", "apiSecret", "from"] },
  fcm: { provider: "fcm", type: "push", fields: [sec("serviceAccountJSON", "json")], required: ["serviceAccountJSON"] },
  apns: {
    provider: "apns", type: "push",
    fields: [sec("authKey"), pub("authKeyId"), pub("teamId"), pub("bundleId"), opt("sandbox", "bool")],
    required: ["authKey", "authKeyId", "teamId", "bundleId"],
    alwaysOptions: { sandbox: false },
  },
});

export const PROVIDER_NAMES = ["mailgun", "sendgrid", "ses", "resend", "smtp", "msg91", "telesign", "textmagic", "twilio", "vonage", "fcm", "apns"] as const;
