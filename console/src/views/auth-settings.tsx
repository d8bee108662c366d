import type { AuthMethod, EmailTemplateLocale, EmailTemplateType, Models, OAuthProvider, SMTPSecure } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { projects } from "../sdk";
import { ErrorNote, Field, formValues, useAction, useLoad } from "../ui";
import { Confirm, FormDialog, SaveField, Toggle } from "../ui-kit";

type Project = Models.Project & Record<string, unknown>;

// Enum values as strings (`import type` only): the SDK is one module, and its enums would land in the first chunk.
const METHODS: [AuthMethod, string, string][] = [
  ["email-password" as AuthMethod, "Email and password", "authEmailPassword"],
  ["magic-url" as AuthMethod, "Magic URL", "authUsersAuthMagicURL"],
  ["email-otp" as AuthMethod, "Email one-time code", "authEmailOtp"],
  ["phone" as AuthMethod, "Phone (SMS)", "authPhone"],
  ["anonymous" as AuthMethod, "Anonymous", "authAnonymous"],
  ["invites" as AuthMethod, "Team invites", "authInvites"],
  ["jwt" as AuthMethod, "JWT", "authJWT"],
];
/** The providers this server implements (src/services/auth/oauth2/providers.ts); others are refused by it. */
const PROVIDERS = ["apple", "discord", "github", "google", "microsoft", "oidc"];
const JSON_SECRET: Record<string, string> = {
  apple: 'JSON: {"keyID": …, "teamID": …, "p8": …}',
  microsoft: 'JSON: {"clientSecret": …, "tenantID": …}',
  oidc: 'JSON: {"clientSecret": …, "wellKnownEndpoint": …} or the three endpoints',
};
const TEMPLATES: [string, string][] = [["verification", "Verification"], ["magicSession", "Magic URL"], ["otpSession", "Email OTP"], ["recovery", "Password recovery"], ["invitation", "Team invitation"], ["mfaChallenge", "MFA challenge"], ["sessionAlert", "Session alert"]];

/** Auth › Settings: the project's auth methods, policies, mock numbers, OAuth2 providers, SMTP and email templates. */
export default function AuthSettings({ projectId }: { projectId: string }) {
  const project = useLoad(() => projects.get({ projectId }) as Promise<Project>, [projectId]);
  if (project.error) return <ErrorNote error={project.error} />;
  const p = project.data;
  if (!p) return <p aria-busy="true">Loading settings…</p>;
  const props = { project: p, onSaved: project.reload };
  return (
    <section aria-labelledby="auth-settings-h">
      <div class="heading"><h1 id="auth-settings-h">Auth settings</h1></div>
      <div class="settings-grid">
        <Methods {...props} />
        <Security {...props} />
        <Passwords {...props} />
        <MockNumbers {...props} />
      </div>
      <Providers {...props} />
      <Smtp {...props} />
      <Templates {...props} />
    </section>
  );
}

type Props = { project: Project; onSaved: () => void };

/** One toggle group whose every switch is one call; Appwrite's refusal is shown under the group. */
function useSave(onSaved: () => void) {
  return useAction(async (f: () => Promise<unknown>) => {
    await f();
    onSaved();
  });
}

function Methods({ project, onSaved }: Props) {
  const save = useSave(onSaved);
  return (
    <div class="panel-box" role="group" aria-labelledby="methods-h">
      <h2 id="methods-h">Auth methods</h2>
      {METHODS.map(([method, label, field]) => (
        <Toggle key={method} label={label} checked={project[field] !== false} disabled={save.busy} onChange={(status) => save.run(() => projects.updateAuthStatus({ projectId: project.$id, method, status }))} />
      ))}
      <ErrorNote error={save.error} />
      <p class="muted small">A disabled method answers Appwrite's <code>user_auth_method_unsupported</code> to clients; API keys still work.</p>
    </div>
  );
}

/** Memberships privacy: what a team's members (not admins or API keys) see of each other in membership lists. */
const PRIVACY = [["userName", "Names", "authMembershipsUserName"], ["userEmail", "E-mail addresses", "authMembershipsUserEmail"], ["mfa", "MFA status", "authMembershipsMfa"]] as const;
const privacy = (p: Project) => ({ userName: p.authMembershipsUserName !== false, userEmail: p.authMembershipsUserEmail !== false, mfa: p.authMembershipsMfa !== false });

const UNITS: [string, number][] = [["days", 86400], ["hours", 3600], ["minutes", 60]];
const unitOf = (seconds: number) => UNITS.find(([, s]) => seconds % s === 0) ?? UNITS[2]!;

function Security({ project, onSaved }: Props) {
  const projectId = project.$id;
  const duration = Number(project.authDuration ?? 31536000);
  const [unit, perUnit] = unitOf(duration);
  const length = useAction(async (v: Record<string, string>) => {
    await projects.updateAuthDuration({ projectId, duration: Math.round(Number(v.length) * Number(v.unit)) });
    onSaved();
  });
  const save = useSave(onSaved);
  return (
    <div class="panel-box">
      <h2>Sessions and users</h2>
      <form class="one-field" onSubmit={(e) => { e.preventDefault(); void length.run(formValues(e)); }}>
        <label for="f-length">Session length</label>
        <div class="one-row">
          <input id="f-length" name="length" type="number" step="any" defaultValue={String(duration / perUnit)} aria-describedby="f-length-hint" />
          <select aria-label="Unit" name="unit" defaultValue={String(perUnit)}>{UNITS.map(([u, s]) => <option key={u} value={s} selected={u === unit}>{u}</option>)}</select>
          <button type="submit" class="quiet" disabled={length.busy} aria-label="Save session length">Save</button>
        </div>
        <small id="f-length-hint" class="muted">How long a session lasts: 1 minute to 1 year.</small>
        <ErrorNote error={length.error} />
        {length.done && !length.error && <p class="muted small" role="status">Saved.</p>}
      </form>
      <SaveField id="f-sessionsLimit" label="Sessions per user" type="number" value={String(Number(project.authSessionsLimit ?? 10))} hint="1–100; the oldest session ends when a new one passes the limit." save="Save" saveLabel="Save sessions per user" onSave={async (v) => { const limit = Number(v); await projects.updateAuthSessionsLimit({ projectId, limit }); onSaved(); }} />
      <SaveField id="f-usersLimit" label="Users limit" type="number" value={String(Number(project.authLimit ?? 0))} hint="0 for unlimited; sign-ups past it are refused." save="Save" saveLabel="Save users limit" onSave={async (v) => { const limit = Number(v); await projects.updateAuthLimit({ projectId, limit }); onSaved(); }} />
      <Toggle label="Session alerts (e-mail on a new sign-in)" checked={project.authSessionAlerts === true} disabled={save.busy} onChange={(alerts) => save.run(() => projects.updateSessionAlerts({ projectId, alerts }))} />
      <h3 class="sub">Team members see each other's</h3>
      {PRIVACY.map(([k, label, field]) => (
        <Toggle key={k} label={label} checked={project[field] !== false} disabled={save.busy} onChange={(on) => save.run(() => projects.updateMembershipsPrivacy({ projectId, ...privacy(project), [k]: on }))} />
      ))}
      <ErrorNote error={save.error} />
    </div>
  );
}

function Passwords({ project, onSaved }: Props) {
  const projectId = project.$id;
  const save = useSave(onSaved);
  return (
    <div class="panel-box">
      <h2>Password policies</h2>
      <SaveField id="f-passwordHistory" label="Password history" type="number" value={String(Number(project.authPasswordHistory ?? 0))} hint="0–20 previous passwords that may not be reused; 0 turns it off." save="Save" saveLabel="Save password history" onSave={async (v) => { const limit = Number(v); await projects.updateAuthPasswordHistory({ projectId, limit }); onSaved(); }} />
      <Toggle label="Refuse common passwords (dictionary)" checked={project.authPasswordDictionary === true} disabled={save.busy} onChange={(enabled) => save.run(() => projects.updateAuthPasswordDictionary({ projectId, enabled }))} />
      <Toggle label="Refuse passwords containing personal data" checked={project.authPersonalDataCheck === true} disabled={save.busy} onChange={(enabled) => save.run(() => projects.updatePersonalDataCheck({ projectId, enabled }))} hint="The user's name, e-mail or phone in the password." />
      <ErrorNote error={save.error} />
    </div>
  );
}

function MockNumbers({ project, onSaved }: Props) {
  const current = ((project.authMockNumbers ?? []) as { phone: string; otp: string }[]).map((n) => ({ phone: n.phone, otp: n.otp }));
  const [rows, setRows] = useState(current);
  const { busy, error, done, run } = useAction(async () => {
    await projects.updateMockNumbers({ projectId: project.$id, numbers: rows.filter((r) => r.phone || r.otp) });
    onSaved();
  });
  const set = (i: number, k: "phone" | "otp", v: string) => setRows(rows.map((r, n) => (n === i ? { ...r, [k]: v } : r)));
  return (
    <div class="panel-box">
      <h2>Mock phone numbers</h2>
      <p class="muted small">Phone sign-in for these numbers takes the fixed code and sends no SMS (for app review and tests). Up to 10.</p>
      <form onSubmit={(e) => { e.preventDefault(); void run(); }}>
        {rows.map((r, i) => (
          <div class="bar mock" key={i}>
            <input aria-label={`Phone ${i + 1}`} type="tel" placeholder="+14155550100" value={r.phone} onInput={(e) => set(i, "phone", (e.target as HTMLInputElement).value)} />
            <input aria-label={`Code ${i + 1}`} inputMode="numeric" placeholder="123456" maxLength={6} value={r.otp} onInput={(e) => set(i, "otp", (e.target as HTMLInputElement).value)} />
            <button type="button" class="danger quiet" aria-label={`Remove number ${i + 1}`} onClick={() => setRows(rows.filter((_, n) => n !== i))}>Remove</button>
          </div>
        ))}
        <div class="actions start">
          <button type="button" class="quiet" disabled={rows.length >= 10} onClick={() => setRows([...rows, { phone: "", otp: "" }])}>Add number</button>
          <button type="submit" disabled={busy}>Save numbers</button>
        </div>
        <ErrorNote error={error} />
        {done && !error && <p class="muted small" role="status">Saved.</p>}
      </form>
    </div>
  );
}

function Providers({ project, onSaved }: Props) {
  const configured = (project.oAuthProviders ?? []) as { key: string; appId: string; enabled: boolean }[];
  const all = [...new Set([...PROVIDERS, ...configured.map((p) => p.key)])].sort();
  const [editing, setEditing] = useState<string | null>(null);
  const state = (key: string) => configured.find((p) => p.key === key);
  const e = editing ? state(editing) : undefined;
  return (
    <div class="panel-box">
      <h2>OAuth2 providers</h2>
      <p class="muted small">The redirect URI to register with a provider: <code>{location.origin}/v1/account/sessions/oauth2/callback/&lt;provider&gt;/{project.$id}</code></p>
      <ul class="list providers" aria-label="OAuth2 providers">
        {all.map((key) => (
          <li key={key}>
            <span><strong>{key}</strong> <span class={`status ${state(key)?.enabled ? "status-available" : ""}`}>{state(key)?.enabled ? "enabled" : "disabled"}</span></span>
            <button type="button" class="quiet" aria-label={`Configure ${key}`} onClick={() => setEditing(key)}>Configure</button>
          </li>
        ))}
      </ul>
      <FormDialog title={`OAuth2: ${editing ?? ""}`} open={!!editing} onClose={() => setEditing(null)} submit="Save provider" action={async (v) => {
        await projects.updateOAuth2({ projectId: project.$id, provider: editing as OAuthProvider, appId: v.appId, secret: v.secret ? v.secret : undefined, enabled: v.enabled === "on" });
        setEditing(null);
        onSaved();
      }}>
        <Field label="App ID" name="appId" defaultValue={e?.appId ?? ""} autoFocus />
        <div class="field">
          <label for="f-oauth-secret">App secret</label>
          <textarea id="f-oauth-secret" name="secret" rows={2} spellcheck={false} aria-describedby="f-oauth-secret-hint" />
          <small id="f-oauth-secret-hint">Never shown again once saved; leave empty to keep the current one.{editing && JSON_SECRET[editing] ? ` ${JSON_SECRET[editing]}` : ""}</small>
        </div>
        <label class="checkline"><input type="checkbox" name="enabled" class="check" defaultChecked={e?.enabled ?? true} /> Enabled</label>
      </FormDialog>
    </div>
  );
}

function Smtp({ project, onSaved }: Props) {
  const s = (k: string) => String(project[k] ?? "");
  const { busy, error, done, run } = useAction(async (v: Record<string, string>) => {
    await projects.updateSmtp({
      projectId: project.$id, enabled: v.enabled === "on", senderName: v.senderName, senderEmail: v.senderEmail, replyTo: v.replyTo,
      host: v.host, port: v.port ? Number(v.port) : undefined, username: v.username, password: v.password || undefined, secure: (v.secure || undefined) as SMTPSecure | undefined,
    });
    onSaved();
  });
  return (
    <div class="panel-box">
      <h2>SMTP</h2>
      <p class="muted small">The project's own mail server for auth e-mails (verification, magic URL, recovery, invitations). Saving an enabled server first connects and signs in to it.</p>
      <form onSubmit={(e) => { e.preventDefault(); void run(formValues(e)); }}>
        <label class="checkline"><input type="checkbox" name="enabled" class="check" defaultChecked={project.smtpEnabled === true} /> Use custom SMTP</label>
        <div class="two">
          <Field label="Sender name" name="senderName" defaultValue={s("smtpSenderName")} />
          <Field label="Sender email" name="senderEmail" type="email" defaultValue={s("smtpSenderEmail")} />
          <Field label="Reply-to email" name="replyTo" type="email" defaultValue={s("smtpReplyToEmail") || s("smtpReplyTo")} />
          <Field label="Host" name="host" defaultValue={s("smtpHost")} />
          <Field label="Port" name="port" type="number" defaultValue={project.smtpPort ? String(project.smtpPort) : ""} />
          <div class="field">
            <label for="f-secure">Security</label>
            <select id="f-secure" name="secure" defaultValue={s("smtpSecure")}><option value="">None</option><option value="tls">TLS</option><option value="ssl">SSL</option></select>
          </div>
          <Field label="Username" name="username" defaultValue={s("smtpUsername")} autoComplete="off" />
          <Field label="SMTP password" name="password" type="password" autoComplete="new-password" hint="Leave empty to keep the current one." />
        </div>
        <ErrorNote error={error} />
        {done && !error && <p class="muted small" role="status">Saved.</p>}
        <div class="actions start"><button type="submit" disabled={busy}>Save SMTP</button></div>
      </form>
      {project.smtpEnabled === true && (
        <div class="inline-form">
          <SaveField id="f-smtp-test" label="Send a test e-mail to" type="email" value="" saveLabel="Send test e-mail" hint="Sent through the saved server, after the answer: check the inbox." onSave={(to) => projects.createSmtpTest({ projectId: project.$id, emails: [to], senderName: s("smtpSenderName"), senderEmail: s("smtpSenderEmail"), host: s("smtpHost") })} />
        </div>
      )}
    </div>
  );
}

type Template = { templateId: string; locale: string; subject: string; message: string; senderName: string; senderEmail: string; replyToEmail: string };

function Templates({ project }: Props) {
  const [type, setType] = useState("verification");
  const [locale, setLocale] = useState("en");
  const [resetting, setResetting] = useState(false);
  const args = { projectId: project.$id, type: type as EmailTemplateType, locale: locale as EmailTemplateLocale };
  const template = useLoad(() => projects.getEmailTemplate(args) as unknown as Promise<Template>, [project.$id, type, locale]);
  const save = useAction(async (v: Record<string, string>) => {
    await projects.updateEmailTemplate({ ...args, subject: v.subject ?? "", message: v.message ?? "", senderName: v.tplSenderName || undefined, senderEmail: v.tplSenderEmail || undefined, replyTo: v.tplReplyTo || undefined });
    template.reload();
  });
  const t = template.data;
  return (
    <div class="panel-box">
      <h2>Email templates</h2>
      <p class="muted small">Custom templates need custom SMTP. Placeholders: <code>{"{{user}}"}</code>, <code>{"{{project}}"}</code>, <code>{"{{redirect}}"}</code>, <code>{"{{otp}}"}</code>, <code>{"{{team}}"}</code>.</p>
      <div class="bar">
        <label for="f-tpl-type">Template</label>
        <select id="f-tpl-type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>{TEMPLATES.map(([k, l]) => <option key={k} value={k}>{l}</option>)}</select>
        <label for="f-tpl-locale">Locale</label>
        <input id="f-tpl-locale" class="narrow" value={locale} maxLength={16} onChange={(e) => setLocale((e.target as HTMLInputElement).value.trim() || "en")} />
      </div>
      <ErrorNote error={template.error} />
      {template.loading && <p aria-busy="true" class="muted">Loading the template…</p>}
      {t && !template.loading && (
        <form key={`${type}-${locale}-${t.subject}-${t.message.length}`} onSubmit={(e) => { e.preventDefault(); void save.run(formValues(e)); }} aria-busy={template.loading}>
          <Field label="Subject" name="subject" defaultValue={t.subject} required />
          <div class="field">
            <label for="f-tpl-message">Message (HTML)</label>
            <textarea id="f-tpl-message" name="message" rows={8} spellcheck={false} defaultValue={t.message} required />
          </div>
          <div class="two">
            <Field label="Template sender name" name="tplSenderName" defaultValue={t.senderName} />
            <Field label="Template sender email" name="tplSenderEmail" type="email" defaultValue={t.senderEmail} />
          </div>
          <Field label="Template reply-to email" name="tplReplyTo" type="email" defaultValue={t.replyToEmail} />
          <ErrorNote error={save.error} />
          {save.done && !save.error && <p class="muted small" role="status">Saved.</p>}
          <div class="actions start">
            <button type="submit" disabled={save.busy}>Save template</button>
            <button type="button" class="quiet" onClick={() => setResetting(true)}>Reset to default</button>
          </div>
        </form>
      )}
      <Confirm title="Reset template" open={resetting} onClose={() => setResetting(false)} confirm="Reset" action={async () => { await projects.deleteEmailTemplate(args); setResetting(false); template.reload(); }}>
        <p>Drop the custom {TEMPLATES.find(([k]) => k === type)?.[1]} template for <code>{locale}</code>? Mails use the default again.</p>
      </Confirm>
    </div>
  );
}
