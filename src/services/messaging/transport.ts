/**
 * The one way auth (and teams) send email and SMS.
 *
 * `sendMessage(c, msg)` returns D1 statements to put in the SAME `db.batch([...])` as the mutation that
 * needs the message (token row, membership row …), so a message exists if and only if that commit did.
 * Transports:
 *  - "outbox" (the only one today, used whenever the project has no provider configured — always so in
 *    local dev and tests): the message is stored in `message_outbox` and listed to the console admin at
 *    GET /v1/projects/{projectId}/outbox → {total, messages:[{$id, channel, to, subject, content, text, html, $createdAt}]}
 *    (`content` = `text`, the plain text; `html` the mail's HTML body, "" for SMS).
 *  - provider transports (Messaging, later) will stage a delivery row here the same way and send it from a
 *    queue consumer after the commit.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { uniqueId } from "../../core/ids";
import type { DB } from "../../db/client";
import type { Ctx } from "../../platform/context";
import { messageOutbox } from "../auth/tables";
import { fillTemplate } from "../auth/mails";
import { customTemplate } from "../project/templates";
import { projectSmtp, sendAfterResponse, serverFor } from "./smtp";

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

export interface Transport {
  readonly name: string;
  stage(db: DB, projectId: string, message: Message): BatchItem<"sqlite">[];
}

/** The local transport: keep the message for the console admin to read. */
export const outboxTransport: Transport = {
  name: "outbox",
  stage(db, projectId, m) {
    return [
      db.insert(messageOutbox).values({
        projectId,
        id: uniqueId(),
        channel: m.channel,
        recipient: m.to,
        subject: m.subject ?? "",
        content: m.content,
        html: m.html ?? "",
        createdAt: Date.now(),
      }),
    ];
  },
};

/** The transport for a project: a configured provider (none yet) or the local outbox. */
export function transportFor(_project: { settings: Record<string, unknown> }): Transport {
  return outboxTransport;
}

/**
 * Stage a message; commit the returned statements in the caller's batch. A mail goes out over SMTP when the
 * project (or the deployment) has a server: after the request succeeds, in the project's custom template
 * for the request's locale if there is one (src/services/messaging/smtp.ts).
 */
export function sendMessage(c: Ctx, message: Message): BatchItem<"sqlite">[] {
  const smtp = message.channel === "email" ? serverFor(c.env, c.var.project) : null;
  if (!smtp) return transportFor(c.var.project).stage(c.var.db, c.var.project.id, message);
  const custom = message.template && projectSmtp(c.var.project).enabled === true ? customTemplate(c.var.project, message.template.id, c.req.header("x-appwrite-locale") || "en") : null;
  const vars = message.template?.vars ?? {};
  const html = custom?.message ? fillTemplate(custom.message, vars, true) : (message.html ?? "");
  sendAfterResponse(c, {
    server: smtp.server,
    mail: {
      to: message.to,
      subject: custom?.subject ? fillTemplate(custom.subject, vars, false) : (message.subject ?? ""),
      html,
      text: custom?.message ? html.replace(/<[^>]*>/g, "").trim() : message.content,
      fromEmail: custom?.senderEmail || smtp.sender.email,
      fromName: custom?.senderName || smtp.sender.name,
      replyToEmail: custom?.replyToEmail || smtp.sender.replyToEmail,
      replyToName: custom?.replyToName || smtp.sender.replyToName,
    },
  });
  return [];
}
