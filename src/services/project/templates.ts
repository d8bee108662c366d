import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import type { Project } from "../../db/schema";
import type { AppEnv, Ctx } from "../../platform/context";
import { defaultTemplate, TEMPLATE_IDS, type TemplateId } from "../auth/mails";
import { projectSmtp } from "../messaging/smtp";
import type { ProjectOf } from "./access";
import { limitOffset } from "./scope";
import { setSettings } from "./store";

/**
 * Custom email templates (Project service, /v1/project/templates/email; console aliases under
 * /v1/projects/{projectId}/templates/email/…): `settings.templates["email.<templateId>-<locale>"]`, used by
 * the next auth mail sent through the project's SMTP (src/services/messaging/transport.ts). Appwrite allows
 * them only with custom SMTP enabled; deleting one restores the default.
 */
export interface EmailTemplate {
  subject?: string;
  message?: string;
  senderName?: string;
  senderEmail?: string;
  replyToEmail?: string;
  replyToName?: string;
}

const DEFAULT_LOCALE = "en";
const templateKey = (id: string, locale: string) => `email.${id}-${locale}`;
const templatesOf = (project: Project) => (project.settings.templates ?? {}) as Record<string, EmailTemplate>;

/** The custom template a mail in `locale` uses: that locale's, else the default locale's, else none. */
export function customTemplate(project: Project, id: string, locale: string): EmailTemplate | null {
  const all = templatesOf(project);
  const hit = (Object.hasOwn(all, templateKey(id, locale)) && all[templateKey(id, locale)]) || (Object.hasOwn(all, templateKey(id, DEFAULT_LOCALE)) && all[templateKey(id, DEFAULT_LOCALE)]);
  return hit || null;
}

function model(id: string, locale: string, t: EmailTemplate) {
  const d = defaultTemplate(id as TemplateId);
  return {
    templateId: id,
    locale,
    message: t.message ?? d.message,
    senderName: t.senderName ?? "",
    senderEmail: t.senderEmail ?? "",
    replyToEmail: t.replyToEmail ?? "",
    replyToName: t.replyToName ?? "",
    subject: t.subject ?? d.subject,
  };
}

// Appwrite's WhiteList of locale codes (app/config/locale/codes.php) is long; a code's shape is what matters here.
const localeParam = () => p.default(p.string({ max: 16 }), "");
const LOCALE = /^[a-z]{2,3}(-[a-z0-9]{2,4})?$/i;
async function idAndLocale(c: Ctx, idName = "templateId") {
  const a = await params(c, { [idName]: p.enum(TEMPLATE_IDS), locale: localeParam() });
  const locale = (a.locale as string) || DEFAULT_LOCALE;
  if (!LOCALE.test(locale)) throw new AppwriteError("general_argument_invalid", "Invalid `locale` param: Value must be a valid locale code");
  return { id: a[idName] as string, locale };
}

/** `console`: the 1.9 console's paths (`/:templateId/:locale`), else SDK 27's (`?locale=`, `templateId` in the body). */
export function templateRoutes(projectOf: ProjectOf, console: boolean): Hono<AppEnv> {
  const r = new Hono<AppEnv>();

  if (!console) r.get("/", async (c) => {
    const { project } = await projectOf(c, "templates.read");
    const all = Object.entries(templatesOf(project)).flatMap(([key, t]) => {
      const m = /^email\.([^-]+)-(.+)$/.exec(key);
      return m ? [model(m[1]!, m[2]!, t)] : [];
    });
    const { page, total } = await limitOffset(c, all);
    return json(c, list("templates", page, total));
  });

  const get = async (c: Ctx) => {
    const { project } = await projectOf(c, "templates.read");
    const { id, locale } = await idAndLocale(c);
    return json(c, model(id, locale, templatesOf(project)[templateKey(id, locale)] ?? {}));
  };
  r.get(console ? "/:templateId/:locale" : "/:templateId", get);

  const update = async (c: Ctx) => {
    const { project } = await projectOf(c, "templates.write");
    const { id, locale } = await idAndLocale(c);
    const a = await params(c, {
      subject: p.optional(p.string({ max: 255 })),
      message: p.optional(p.string({ max: 10485760 })),
      senderName: p.optional(p.string({ max: 255 })),
      senderEmail: p.optional(p.string({ max: 255 })),
      replyToEmail: p.optional(p.string({ max: 255 })),
      replyTo: p.optional(p.string({ max: 255 })), // 1.9.1 and older consoles
      replyToName: p.optional(p.string({ max: 255 })),
    });
    for (const name of ["senderEmail", "replyToEmail", "replyTo"] as const) {
      const v = a[name];
      if (v && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) throw new AppwriteError("general_argument_invalid", `Invalid \`${name}\` param: Value must be a valid email address`);
    }
    if (projectSmtp(project).enabled !== true) throw new AppwriteError("general_argument_invalid", "SMTP must be enabled on the project to configure custom email templates.");
    const next: EmailTemplate = { ...(templatesOf(project)[templateKey(id, locale)] ?? {}) };
    const changes = { ...a, replyToEmail: a.replyToEmail ?? a.replyTo, replyTo: undefined };
    for (const k of ["subject", "message", "senderName", "senderEmail", "replyToEmail", "replyToName"] as const) if (changes[k] !== undefined) next[k] = changes[k];
    for (const k of ["subject", "message"] as const) if (!next[k]) throw new AppwriteError("general_argument_invalid", `Param "${k}" is not optional.`);
    await setSettings(c, project.id, [[["templates", templateKey(id, locale)], next]]);
    return json(c, model(id, locale, next));
  };
  r.patch("/", update);
  if (console) r.patch("/:templateId/:locale", update);
  return r;
}

/** The console's reset: `DELETE /v1/projects/{projectId}/templates/email[/:type/:locale]` drops the custom template. */
export function templateResetRoutes(projectOf: ProjectOf): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  const reset = async (c: Ctx) => {
    const { project } = await projectOf(c, "projects.write");
    const { id, locale } = await idAndLocale(c, "type");
    const templates = { ...templatesOf(project) };
    delete templates[templateKey(id, locale)];
    await setSettings(c, project.id, [[["templates"], templates]]);
    return noContent(c);
  };
  r.delete("/", reset);
  r.delete("/:type/:locale", reset);
  return r;
}
