/**
 * The auth messages, in Appwrite 1.9.6's default English wording (app/config/locale/translations/en.json
 * `emails.*`, `sms.*`) and layout (app/config/locale/templates/email-*.tpl): each mail is an HTML body with
 * absolute links plus a plain-text alternative (`content`). `{{b}}…{{/b}}` marks bold text; values are
 * HTML-escaped, links are attribute-escaped. SMS bodies are the bare code, as Appwrite's `sms.verification.body`.
 */
import type { Message } from "../messaging/transport";

type Vars = Record<string, string>;

const EN = {
  verification: {
    subject: "Account Verification for {{project}}",
    preview: "Verify your email to activate your {{project}} account.",
    hello: "Hello {{user}},",
    body: "Follow this link to verify your email address to your {{b}}{{project}}{{/b}} account.",
    footer: "If you didn’t ask to verify this address, you can ignore this message.",
    buttonText: "Confirm email address",
  },
  recovery: {
    subject: "Password Reset for {{project}}",
    preview: "Reset your {{project}} password using the link.",
    hello: "Hello {{user}},",
    body: "Follow this link to reset your {{b}}{{project}}{{/b}} password.",
    footer: "If you didn't ask to reset your password, you can ignore this message.",
    buttonText: "Reset password",
  },
  invitation: {
    subject: "Invitation to {{team}} Team at {{project}}",
    preview: "{{owner}} invited you to join {{team}} at {{project}}",
    hello: "Hello {{user}},",
    body: "This mail was sent to you because {{b}}{{owner}}{{/b}} invited you to become a member of the {{b}}{{team}}{{/b}} team at {{b}}{{project}}{{/b}}.",
    footer: "If you are not interested, you can ignore this message.",
    buttonText: "Accept invite to {{team}}",
  },
  magicSession: {
    subject: "{{project}} Login",
    preview: "Sign in to {{project}} with your secure link. Expires in 1 hour.",
    hello: "Hello {{user}},",
    optionButton: "Click the button below to securely sign in to your {{b}}{{project}}{{/b}} account. This link will expire in 1 hour.",
    buttonText: "Sign in to {{project}}",
    optionUrl: "If you are unable to sign in using the button above, please visit the following link:",
    clientInfo: "This sign in was requested using {{b}}{{agentClient}}{{/b}} on {{b}}{{agentDevice}}{{/b}} {{b}}{{agentOs}}{{/b}}. If you didn't request the sign in, you can safely ignore this email.",
    securityPhrase: "Security phrase for this email is {{b}}{{phrase}}{{/b}}. You can trust this email if this phrase matches the phrase shown during sign in.",
  },
  otpSession: {
    subject: "OTP for {{project}} Login",
    preview: "Use OTP {{otp}} to sign in to {{project}}. Expires in 15 minutes.",
    hello: "Hello {{user}},",
    description: "Enter the following verification code when prompted to securely sign in to your {{b}}{{project}}{{/b}} account. This code will expire in 15 minutes.",
    clientInfo: "This sign in was requested using {{b}}{{agentClient}}{{/b}} on {{b}}{{agentDevice}}{{/b}} {{b}}{{agentOs}}{{/b}}. If you didn't request the sign in, you can safely ignore this email.",
    securityPhrase: "Security phrase for this email is {{b}}{{phrase}}{{/b}}. You can trust this email if this phrase matches the phrase shown during sign in.",
  },
  mfaChallenge: {
    subject: "Verification Code for {{project}}",
    preview: "Use code {{otp}} for two-step verification in {{project}}. Expires in 15 minutes.",
    hello: "Hello {{user}},",
    description: "Enter the following code to confirm your two-step verification in {{b}}{{project}}{{/b}}. This code will expire in 15 minutes.",
    clientInfo: "This verification code was requested using {{b}}{{agentClient}}{{/b}} on {{b}}{{agentDevice}}{{/b}} {{b}}{{agentOs}}{{/b}}. If you didn't request the verification code, you can safely ignore this email.",
    securityPhrase: "",
  },
  sessionAlert: {
    subject: "Security alert: new session on your {{project}} account",
    preview: "New login detected on {{project}} at {{time}} UTC.",
    hello: "Hello {{user}},",
    body: "A new session has been created on your {{b}}{{project}}{{/b}} account, {{b}}on {{date}}, {{year}} at {{time}} UTC{{/b}}.\nHere are the details of the new session: ",
    listDevice: "Device: {{b}}{{device}}{{/b}}",
    listIpAddress: "IP Address: {{b}}{{ipAddress}}{{/b}}",
    listCountry: "Country: {{b}}{{country}}{{/b}}",
    footer: "If this was you, there's nothing more you need to do.\nIf you didn't initiate this session or suspect any unauthorized activity, please secure your account.",
  },
};
const THANKS = "Thanks,";
const SIGNATURE = "{{project}} team";

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);

/** Fill `{{name}}` from vars; `{{b}}` becomes <strong> in HTML and nothing in text. */
function fill(template: string, vars: Vars, html: boolean): string {
  return template.replace(/\{\{(\/?)(\w+)\}\}/g, (all, close: string, name: string) => {
    if (name === "b") return html ? (close ? "</strong>" : "<strong>") : "";
    if (close || !Object.hasOwn(vars, name)) return all;
    return html ? escapeHtml(vars[name]!) : vars[name]!;
  });
}

/** One block of a mail: a paragraph, the link as a button, the link spelled out, or the code. */
type Block = { p: string } | { button: string; href: string } | { url: string } | { code: string } | { list: string[] };

function render(subject: string, preview: string, blocks: Block[], vars: Vars): { subject: string; html: string; text: string } {
  const h = (s: string) => fill(s, vars, true);
  const t = (s: string) => fill(s, vars, false);
  const html: string[] = [];
  // The preview line leads the text as it leads a client's rendering of the HTML (Appwrite's tests read it there).
  const text: string[] = [t(preview)];
  for (const b of blocks) {
    if ("p" in b) {
      if (!b.p) continue;
      html.push(`<p>${h(b.p).replaceAll("\n", "<br/>")}</p>`);
      text.push(t(b.p));
    } else if ("button" in b) {
      html.push(`<p><a href="${escapeHtml(b.href)}" target="_blank" rel="noopener" class="button">${h(b.button)}</a></p>`);
      text.push(`${t(b.button)}: ${b.href}`);
    } else if ("url" in b) {
      html.push(`<p><a href="${escapeHtml(b.url)}" target="_blank" rel="noopener">${escapeHtml(b.url)}</a></p>`);
      text.push(b.url);
    } else if ("code" in b) {
      html.push(`<p class="code" style="font-size:24px;letter-spacing:18px;font-weight:bold">${escapeHtml(b.code)}</p>`);
      text.push(b.code);
    } else {
      html.push(`<ol>${b.list.map((i) => `<li>${h(i)}</li>`).join("")}</ol>`);
      text.push(b.list.map((i) => `- ${t(i)}`).join("\n"));
    }
  }
  html.push(`<p>${h(THANKS)}<br/>${h(SIGNATURE)}</p>`);
  text.push(`${t(THANKS)}\n${t(SIGNATURE)}`);
  const title = t(subject);
  const page =
    `<!doctype html><html dir="ltr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title></head>` +
    `<body><div style="display:none">${h(preview)}</div>${html.join("")}</body></html>`;
  return { subject: title, html: page, text: text.join("\n\n") };
}

/** Appwrite's email template ids (app/config/locale/templates.php), in its order. */
export const TEMPLATE_IDS = ["verification", "magicSession", "recovery", "invitation", "mfaChallenge", "sessionAlert", "otpSession"] as const;
export type TemplateId = (typeof TEMPLATE_IDS)[number];

/** `vars` fill a project's custom template for this mail (`{{user}}`, `{{project}}`, `{{redirect}}` …). */
const mail = (to: string, m: ReturnType<typeof render>, id: TemplateId, vars: Vars): Message => ({ channel: "email", to, subject: m.subject, content: m.text, html: m.html, template: { id, vars } });

/** Fill a custom template: values HTML-escaped in the message, as they are in the default mails. */
export const fillTemplate = (template: string, vars: Vars, html: boolean) => fill(template, vars, html);

/** Who asked (Appwrite's agentClient / agentDevice / agentOs; UNKNOWN when the user agent says nothing). */
export interface Agent {
  client: string;
  device: string;
  os: string;
}
const agentVars = (a: Agent): Vars => ({ agentClient: a.client || "UNKNOWN", agentDevice: a.device || "UNKNOWN", agentOs: a.os || "UNKNOWN" });

/** Verification, recovery, invitation: Appwrite's email-inner-base layout (greeting, body, button, footer). */
function linkMail(kind: "verification" | "recovery" | "invitation", to: string, link: string, vars: Vars): Message {
  const s = EN[kind];
  return mail(to, render(s.subject, s.preview, [{ p: s.hello }, { p: s.body }, { button: s.buttonText, href: link }, { p: s.footer }], vars), kind, { ...vars, redirect: link });
}

export const verificationMail = (to: string, o: { user: string; project: string; link: string }) => linkMail("verification", to, o.link, o);
export const recoveryMail = (to: string, o: { user: string; project: string; link: string }) => linkMail("recovery", to, o.link, o);
export const invitationMail = (to: string, o: { user: string; project: string; team: string; owner: string; link: string }) => linkMail("invitation", to, o.link, o);

export function magicUrlMail(to: string, o: { user: string; project: string; link: string; phrase: string; agent: Agent }): Message {
  const s = EN.magicSession;
  const vars = { user: o.user, project: o.project, phrase: o.phrase, ...agentVars(o.agent) };
  return mail(to, render(s.subject, s.preview, [
    { p: s.hello }, { p: s.optionButton }, { button: s.buttonText, href: o.link }, { p: s.optionUrl }, { url: o.link },
    { p: s.clientInfo }, { p: o.phrase ? s.securityPhrase : "" },
  ], vars), "magicSession", { ...vars, redirect: o.link, team: "" });
}

/** Email OTP sign-in and the MFA email challenge: Appwrite's email-otp / email-mfa-challenge layouts. */
export function codeMail(kind: "otpSession" | "mfaChallenge", to: string, o: { user: string; project: string; otp: string; phrase?: string; agent: Agent }): Message {
  const s = EN[kind];
  const vars = { user: o.user, project: o.project, otp: o.otp, phrase: o.phrase ?? "", ...agentVars(o.agent) };
  return mail(to, render(s.subject, s.preview, [{ p: s.hello }, { p: s.description }, { code: o.otp }, { p: s.clientInfo }, { p: o.phrase ? s.securityPhrase : "" }], vars), kind, vars);
}

export function sessionAlertMail(to: string, o: { user: string; project: string; device: string; ipAddress: string; country: string; at: Date }): Message {
  const s = EN.sessionAlert;
  const month = o.at.toLocaleString("en-US", { month: "long", timeZone: "UTC" });
  const vars = { user: o.user, project: o.project, device: o.device, ipAddress: o.ipAddress, country: o.country, date: `${month} ${o.at.getUTCDate()}`, year: String(o.at.getUTCFullYear()), time: o.at.toISOString().slice(11, 19) };
  return mail(to, render(s.subject, s.preview, [{ p: s.hello }, { p: s.body }, { list: [s.listDevice, s.listIpAddress, s.listCountry] }, { p: s.footer }], vars), "sessionAlert", vars);
}

/** SMS: the code alone (phone sign-in, phone verification, MFA), or the invitation link. */
export const sms = (to: string, body: string): Message => ({ channel: "sms", to, content: body });

/**
 * The default subject and message of a template, placeholders left in (what Project.getEmailTemplate shows
 * before a custom one exists): the default mail rendered with `{{name}}` as every value, its <body> content.
 */
export function defaultTemplate(id: TemplateId): { subject: string; message: string } {
  const v = (name: string) => `{{${name}}}`;
  const agent = { client: v("agentClient"), device: v("agentDevice"), os: v("agentOs") };
  const base = { user: v("user"), project: v("project"), link: v("redirect") };
  const m =
    id === "magicSession" ? magicUrlMail("", { ...base, phrase: v("phrase"), agent })
    : id === "otpSession" || id === "mfaChallenge" ? codeMail(id, "", { ...base, otp: v("otp"), phrase: v("phrase"), agent })
    : id === "sessionAlert" ? sessionAlertMail("", { ...base, device: v("device"), ipAddress: v("ipAddress"), country: v("country"), at: new Date(0) })
    : id === "invitation" ? invitationMail("", { ...base, team: v("team"), owner: v("owner") })
    : linkMail(id, "", base.link, base);
  const body = /<body><div style="display:none">.*?<\/div>(.*)<\/body>/s.exec(m.html ?? "")?.[1] ?? "";
  return { subject: EN[id].subject, message: body };
}
