import { Hono } from "hono";
import { eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import { json, noContent } from "../../core/response";
import { open } from "../../db/client";
import { keys, platforms, type Project } from "../../db/schema";
import type { AppEnv, Ctx } from "../../platform/context";
import { projectModel } from "../../platform/models";
import { hostnameAllowed } from "../../platform/origin";
import { isPrivateUrl } from "../../core/addresses";
import { fillTemplate } from "../auth/mails";
import { deliver, probe, projectSmtp, sealPassword, serverFor, SMTP_PURPOSE, type SmtpSettings } from "../messaging/smtp";
import { unseal } from "../../core/secrets";
import { type ProjectOf } from "./access";
import { setSettings } from "./store";

/**
 * Custom SMTP (Project.updateSMTP / createSMTPTest; console aliases /v1/projects/{projectId}/smtp[/tests]).
 * Saving a config that is (or becomes) enabled first greets the server, upgrades and authenticates, as
 * Appwrite does; a config that works is enabled unless the caller said otherwise.
 */

/** The Project model's smtp* fields; the password is write-only. */
export function smtpFields(project: Project) {
  const s = projectSmtp(project);
  return {
    smtpEnabled: s.enabled === true,
    smtpSenderName: s.senderName ?? "",
    smtpSenderEmail: s.senderEmail ?? "",
    smtpReplyToName: s.replyToName ?? "",
    smtpReplyToEmail: s.replyToEmail ?? "",
    smtpHost: s.host ?? "",
    smtpPort: s.port ?? 0,
    smtpUsername: s.username ?? "",
    smtpPassword: "",
    smtpSecure: s.secure ?? "",
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
function assertEmail(name: string, v: string | undefined, allowEmpty: boolean): void {
  if (v === undefined || (allowEmpty && v === "")) return;
  if (!EMAIL.test(v) || v.length > 255) throw new AppwriteError("general_argument_invalid", `Invalid \`${name}\` param: Value must be a valid email address`);
}
function canonicalHost(v: string): string | null {
  try {
    return new URL(`http://${v}/`).hostname;
  } catch {
    return null;
  }
}
/** A hostname (no scheme, port or path), and never a private or link-local address: as webhooks (core/addresses.ts). */
function assertHost(v: string | undefined): void {
  if (v === undefined || v === "") return;
  // Only the form a URL parser prints back: `0127.0.0.1` (87.0.0.1), `10.0.0.1 ` and the like are refused here,
  // not left for the connection to interpret.
  if (!hostnameAllowed(v.toLowerCase(), ["*"]) || canonicalHost(v) !== v.toLowerCase()) throw new AppwriteError("general_argument_invalid", "Invalid `host` param: Value must be a valid hostname without path, port and protocol.");
  if (isPrivateUrl(`http://${v}/`)) throw new AppwriteError("general_argument_invalid", "Invalid `host` param: Private and link-local addresses are not allowed.");
}

async function projectResponse(c: Ctx, project: Project) {
  const db = open(c.env.DB);
  const [ps, ks] = await db.batch([db.select().from(platforms).where(eq(platforms.projectId, project.id)), db.select().from(keys).where(eq(keys.projectId, project.id))]);
  return json(c, projectModel(project, { platforms: ps, keys: ks }));
}

export function smtpRoutes(projectOf: ProjectOf): Hono<AppEnv> {
  const r = new Hono<AppEnv>();

  r.patch("/", async (c) => {
    const { project } = await projectOf(c, "project.write");
    const a = await params(c, {
      host: p.optional(p.string({ max: 256 })),
      port: p.optional(p.integer()),
      username: p.optional(p.string({ max: 256 })),
      password: p.optional(p.string({ max: 256 })),
      senderEmail: p.optional(p.string({ max: 255 })),
      senderName: p.optional(p.string({ max: 256 })),
      replyToEmail: p.optional(p.string({ max: 255 })),
      replyTo: p.optional(p.string({ max: 255 })), // 1.9.1 and older consoles
      replyToName: p.optional(p.string({ max: 256 })),
      secure: p.optional(p.enum(["tls", "ssl", ""])),
      enabled: p.optional(p.boolean()),
    });
    assertHost(a.host);
    for (const name of ["senderEmail", "replyToEmail", "replyTo"] as const) assertEmail(name, a[name], true);

    const smtp: SmtpSettings = { ...projectSmtp(project) };
    const { password, replyTo, ...rest } = a;
    for (const [k, v] of Object.entries({ ...rest, replyToEmail: a.replyToEmail ?? replyTo })) if (v !== undefined) (smtp as Record<string, unknown>)[k] = v;
    if (password !== undefined) smtp.password = await sealPassword(c.env, password);
    if (smtp.enabled === true) {
      for (const k of ["host", "port", "senderEmail"] as const) if (!smtp[k]) throw new AppwriteError("general_argument_invalid", `Param "${k}" is not optional.`);
    }
    if (a.enabled !== false && smtp.senderEmail) {
      try {
        await probe({ host: smtp.host ?? "", port: smtp.port ?? 0, secure: smtp.secure ?? "", username: smtp.username ?? "", password: () => unseal(c.env, SMTP_PURPOSE, smtp.password ?? "") });
        if (a.enabled === undefined) smtp.enabled = true;
      } catch (e) {
        if (smtp.enabled === true) throw new AppwriteError("project_smtp_config_invalid", e instanceof Error ? e.message : undefined);
      }
    }
    return projectResponse(c, await setSettings(c, project.id, [[["smtp"], smtp]]));
  });

  r.post("/tests", async (c) => {
    const { project } = await projectOf(c, "project.write");
    const a = await params(c, { emails: p.array(p.email(), { max: 10 }) });
    const s = projectSmtp(project);
    if (s.enabled !== true) throw new AppwriteError("general_argument_invalid", "SMTP must be enabled on the project to send a test email.");
    if (!s.senderEmail) throw new AppwriteError("general_argument_invalid", "SMTP sender email must be configured on the project to send a test email.");
    if (!s.host) throw new AppwriteError("general_argument_invalid", "SMTP host must be configured on the project to send a test email.");
    if (!s.port) throw new AppwriteError("general_argument_invalid", "SMTP port must be configured on the project to send a test email.");
    const { server, sender } = serverFor(c.env, project)!;
    const vars = {
      from: `${sender.name} (${sender.email})`,
      replyTo: `${sender.replyToName || sender.name} (${sender.replyToEmail || sender.email})`,
    };
    const html = fillTemplate(SMTP_TEST, vars, true);
    const mail = { subject: "Custom SMTP email sample", html, text: html.replace(/<[^>]*>/g, "").trim(), fromEmail: sender.email, fromName: sender.name, replyToEmail: sender.replyToEmail, replyToName: sender.replyToName };
    // Sent like every mail: after the answer, so a slow server holds no request open.
    c.executionCtx.waitUntil(deliver(a.emails.map((to) => ({ server, mail: { ...mail, to } }))));
    return noContent(c);
  });
  return r;
}

/** Appwrite's email-smtp-test.tpl wording. */
const SMTP_TEST =
  "<p>Hello,</p><p>This email ensures your custom SMTP configuration is working correctly. Please review your sender Information details:</p>" +
  "<p>From: {{b}}{{from}}{{/b}}</p><p>Reply-To: {{b}}{{replyTo}}{{/b}}</p>" +
  "<p>If this email was labeled as spam, please check your SMTP server settings to ensure they meet your provider's requirements. Often, missing DNS configurations or security checks mandated by your SMTP provider affect email delivery.</p>" +
  "<p>Best regards,</p><p>Appwrite team</p>";
