/**
 * The one way auth (and teams) send email and SMS.
 *
 * `await sendMessage(c, msg)` returns D1 statements to put in the SAME `db.batch([...])` as the mutation that
 * needs the message (token row, membership row …), so a message exists if and only if that commit did.
 * Every message is a `message_outbox` row; where it goes:
 *  - mail, when the project's SMTP is enabled (Project.updateSMTP) or the deployment has `_APP_SMTP_HOST`:
 *    `smtp`, in the project's custom template for the request's `X-Appwrite-Locale` (else `en`) if it has one;
 *  - SMS, when the project has an enabled SMS messaging provider: `sms`, through the first enabled one;
 *  - otherwise the local outbox (zero configuration: local dev and tests), listed to the console admin at
 *    GET /v1/projects/{projectId}/outbox → {total, messages:[{$id, channel, to, subject, content, text, html,
 *    template, transport, status, providerId, error, attempts, $createdAt, $updatedAt}]}.
 * `smtp`/`sms` rows are `pending` until the queue consumer has sent them (auth-delivery.ts), which then empties
 * their subject and content: the outbox keeps OTPs and links only when it is the inbox.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { uniqueId } from "../../core/ids";
import type { Ctx } from "../../platform/context";
import { CONSOLE } from "../../platform/projects";
import { messageOutbox } from "../auth/tables";
import { fillTemplate } from "../auth/mails";
import { customTemplate } from "../project/templates";
import { defaultSmsProvider, deliverAfterResponse } from "./auth-delivery";
import { projectSmtp, serverFor } from "./smtp";

export interface Message {
  channel: "email" | "sms";
  /** Email address or E.164 phone number. */
  to: string;
  subject?: string;
  /** The text (SMS body, or the plain-text alternative of a mail). */
  content: string;
  /** The HTML body of a mail (src/services/auth/mails.ts). */
  html?: string;
  /** Which of Appwrite's email templates this mail is, and the values a project's custom one is filled with. */
  template?: { id: string; vars: Record<string, string> };
}

type Row = typeof messageOutbox.$inferInsert;

/** Stage a message; commit the returned statements in the caller's batch. */
export async function sendMessage(c: Ctx, message: Message): Promise<BatchItem<"sqlite">[]> {
  const project = c.var.project;
  const now = Date.now();
  const row: Row = {
    projectId: project.id, id: uniqueId(), channel: message.channel, recipient: message.to, subject: message.subject ?? "",
    content: message.content, html: message.html ?? "", createdAt: now, updatedAt: 0, meta: { template: message.template?.id ?? "" },
  };
  const smtp = message.channel === "email" ? serverFor(c.env, project) : null;
  if (smtp) {
    // Appwrite: a custom template (and its sender) only with the project's own SMTP enabled.
    const custom = message.template && projectSmtp(project).enabled === true ? customTemplate(project, message.template.id, c.req.header("x-appwrite-locale") || "en") : null;
    const vars = message.template?.vars ?? {};
    if (custom?.message) {
      row.html = fillTemplate(custom.message, vars, true);
      row.content = row.html.replace(/<[^>]*>/g, "").trim();
    }
    if (custom?.subject) row.subject = fillTemplate(custom.subject, vars, false);
    row.meta = { ...row.meta, fromEmail: custom?.senderEmail || smtp.sender.email, fromName: custom?.senderName || smtp.sender.name, replyToEmail: custom?.replyToEmail || smtp.sender.replyToEmail, replyToName: custom?.replyToName || smtp.sender.replyToName };
    Object.assign(row, { transport: "smtp", status: "pending" });
  } else if (message.channel === "sms" && project.id !== CONSOLE.id) {
    const providerId = await defaultSmsProvider(c.var.d1, project.id);
    if (providerId) Object.assign(row, { transport: "sms", status: "pending", providerId });
  }
  if (row.status === "pending") deliverAfterResponse(c, { p: project.id, o: row.id });
  return [c.var.db.insert(messageOutbox).values(row)];
}
