import { WorkerMailer, LogLevel } from "worker-mailer";
import { seal, unseal } from "../../core/secrets";
import type { Project } from "../../db/schema";

/**
 * Mail over SMTP from the Worker (`cloudflare:sockets` through worker-mailer): the project's own SMTP server
 * (`settings.smtp`, Project.updateSMTP) or else the deployment's (`_APP_SMTP_HOST` …, Appwrite's variables).
 * Auth mail is staged with the request's commit and sent from the queue (auth-delivery.ts): a slow or failing
 * server never fails or delays the user's request; failures are recorded without credentials. The password is
 * sealed at rest (core/secrets.ts) and never returned.
 */
export interface SmtpSettings {
  enabled?: boolean;
  host?: string;
  port?: number;
  username?: string;
  /** Sealed with purpose SMTP_PURPOSE. */
  password?: string;
  senderEmail?: string;
  senderName?: string;
  replyToEmail?: string;
  replyToName?: string;
  secure?: "" | "tls" | "ssl";
}

export const SMTP_PURPOSE = "smtp-password";

export const sealPassword = (env: Env, plain: string) => seal(env, SMTP_PURPOSE, plain);

export function projectSmtp(project: Project): SmtpSettings {
  return (project.settings.smtp ?? {}) as SmtpSettings;
}

/** A server to send through, its password in clear only here, on the way to the socket. */
export interface Server {
  host: string;
  port: number;
  secure: string;
  username: string;
  password: () => Promise<string>;
}

export interface Mail {
  to: string;
  subject: string;
  html: string;
  text: string;
  fromEmail: string;
  fromName: string;
  replyToEmail: string;
  replyToName: string;
}

export interface MailJob {
  server: Server;
  mail: Mail;
}

/** The project's server when its SMTP is enabled, else the deployment's when configured, else none. */
export function serverFor(env: Env, project: Project): { server: Server; sender: { email: string; name: string; replyToEmail: string; replyToName: string } } | null {
  const s = projectSmtp(project);
  if (s.enabled === true && s.host && s.port && s.senderEmail) {
    return {
      server: { host: s.host, port: s.port, secure: s.secure ?? "", username: s.username ?? "", password: () => unseal(env, SMTP_PURPOSE, s.password ?? "") },
      sender: { email: s.senderEmail, name: s.senderName ?? "", replyToEmail: s.replyToEmail ?? "", replyToName: s.replyToName ?? "" },
    };
  }
  const v = env as unknown as Record<string, string | undefined>;
  if (v._APP_SMTP_HOST) {
    return {
      server: { host: v._APP_SMTP_HOST, port: Number(v._APP_SMTP_PORT || 25), secure: v._APP_SMTP_SECURE ?? "", username: v._APP_SMTP_USERNAME ?? "", password: async () => v._APP_SMTP_PASSWORD ?? "" },
      sender: { email: v._APP_SYSTEM_EMAIL_ADDRESS || "team@appwrite.io", name: v._APP_SYSTEM_EMAIL_NAME || "Appwrite Server", replyToEmail: "", replyToName: "" },
    };
  }
  return null;
}

/** Header values never carry line breaks (no header injection through a user's name or a template). */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, " ").trim();

async function connect(server: Server): Promise<WorkerMailer> {
  const password = await server.password();
  return WorkerMailer.connect({
    host: server.host,
    port: server.port,
    secure: server.secure === "ssl",
    startTls: server.secure === "tls",
    credentials: server.username ? { username: server.username, password } : undefined,
    authType: ["plain", "login"],
    logLevel: LogLevel.NONE,
    socketTimeoutMs: 10_000,
    responseTimeoutMs: 10_000,
  });
}

/** Greet, upgrade and authenticate, then quit: what Appwrite checks before it saves an enabled SMTP config. */
export async function probe(server: Server): Promise<void> {
  const mailer = await connect(server);
  await mailer.close();
}

/** Send one mail, throwing the server's refusal (Messaging's SMTP provider records it per target). */
export async function sendMail(server: Server, mail: Mail & { cc?: string[]; bcc?: string[] }): Promise<void> {
  const mailer = await connect(server);
  try {
    await mailer.send({
      from: { email: mail.fromEmail, name: oneLine(mail.fromName) || undefined },
      to: mail.to,
      cc: mail.cc?.length ? mail.cc : undefined,
      bcc: mail.bcc?.length ? mail.bcc : undefined,
      reply: mail.replyToEmail ? { email: mail.replyToEmail, name: oneLine(mail.replyToName) || undefined } : undefined,
      subject: oneLine(mail.subject),
      html: mail.html || undefined,
      text: mail.text,
    });
  } finally {
    await mailer.close().catch(() => {});
  }
}

export async function deliver(jobs: MailJob[]): Promise<void> {
  for (const { server, mail } of jobs) {
    try {
      await sendMail(server, mail);
    } catch (e) {
      console.error("smtp delivery failed", server.host, server.port, e instanceof Error ? e.message : String(e));
    }
  }
}
