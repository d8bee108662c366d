import { Query, type AuthenticatorType, type Models } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { inProject } from "../sdk";
import { href, navigate } from "../router";
import { ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";
import { Confirm, Heading, ListState, parseObject, SaveField, Toggle } from "../ui-kit";

type User = Models.User<Models.Preferences>;

/**
 * One user: facts, name/email/phone/password, verification, MFA (factors, authenticator removal, recovery codes),
 * labels, preferences, sessions, memberships, logs; block/unblock and delete. Every change is a `Users` call.
 */
export default function UserDetail({ projectId, userId }: { projectId: string; userId: string }) {
  const { users } = inProject(projectId);
  const user = useLoad(() => users.get({ userId }), [projectId, userId]);
  const sessions = useLoad(() => users.listSessions({ userId }), [projectId, userId]);
  const [deleting, setDeleting] = useState(false);
  const act = useAction(async (f: () => Promise<unknown>) => {
    await f();
    user.reload();
    sessions.reload();
  });
  const back = `/project/${encodeURIComponent(projectId)}/auth`;
  if (user.error) return <ErrorNote error={user.error} />;
  const u = user.data;
  if (!u) return <p aria-busy="true">Loading user…</p>;
  return (
    <section aria-labelledby="user-h" class="detail">
      <p><a href={href(back)}>← All users</a></p>
      <Heading id="user-h" title={u.name || u.$id}>
        <button type="button" class="quiet" disabled={act.busy} onClick={() => act.run(() => users.updateStatus({ userId, status: !u.status }))}>{u.status ? "Block" : "Unblock"}</button>
        <button type="button" class="danger" onClick={() => setDeleting(true)}>Delete user</button>
      </Heading>
      <ErrorNote error={act.error} />
      <dl class="facts">
        <dt>ID</dt><dd><code>{u.$id}</code></dd>
        <dt>Email</dt><dd>{u.email || "—"} {u.email && (u.emailVerification ? "(verified)" : "(not verified)")}</dd>
        <dt>Phone</dt><dd>{u.phone || "—"} {u.phone && (u.phoneVerification ? "(verified)" : "(not verified)")}</dd>
        <dt>Status</dt><dd>{u.status ? "Active" : "Blocked"}</dd>
        <dt>MFA</dt><dd>{u.mfa ? "On" : "Off"}</dd>
        <dt>Joined</dt><dd>{when(u.registration)}</dd>
        <dt>Password changed</dt><dd>{when(u.passwordUpdate)}</dd>
      </dl>
      <Account user={u} projectId={projectId} onSaved={user.reload} />
      <div class="panel-box">
        <h2>Verification</h2>
        <Toggle label="Email verified" checked={u.emailVerification} disabled={act.busy} onChange={(on) => act.run(() => users.updateEmailVerification({ userId, emailVerification: on }))} />
        <Toggle label="Phone verified" checked={u.phoneVerification} disabled={act.busy} onChange={(on) => act.run(() => users.updatePhoneVerification({ userId, phoneVerification: on }))} />
      </div>
      <Mfa user={u} projectId={projectId} onChange={user.reload} />
      <Labels user={u} onSave={(labels) => act.run(() => users.updateLabels({ userId, labels }))} busy={act.busy} />
      <Prefs user={u} onSave={(prefs) => act.run(() => users.updatePrefs({ userId, prefs }))} busy={act.busy} />
      <h2>Sessions</h2>
      <ListState state={sessions} items={sessions.data?.sessions} empty={<p class="muted">No active sessions. A session starts when the user signs in through an Appwrite SDK.</p>}>
        {(list) => (
          <ul class="list" aria-label="Sessions">
            {list.map((s) => (
              <li key={s.$id}>
                <span>{s.clientName || s.provider} on {s.osName || "unknown OS"} · {s.ip} · {when(s.$createdAt)}</span>
                <button type="button" class="quiet" aria-label={`End session ${s.$id}`} disabled={act.busy} onClick={() => act.run(() => users.deleteSession({ userId, sessionId: s.$id }))}>End</button>
              </li>
            ))}
          </ul>
        )}
      </ListState>
      <Memberships projectId={projectId} userId={userId} />
      <Logs projectId={projectId} userId={userId} />
      <Confirm title="Delete user" open={deleting} onClose={() => setDeleting(false)} confirm="Delete user" action={async () => { await users.delete({ userId }); navigate(back); }}>
        <p>Delete <strong>{u.name || u.email || u.$id}</strong> and end all their sessions? This cannot be undone.</p>
      </Confirm>
    </section>
  );
}

/** Name, email, phone and password: one small form each, Appwrite's refusal under the form that caused it. */
function Account({ user, projectId, onSaved }: { user: User; projectId: string; onSaved: () => void }) {
  const { users } = inProject(projectId);
  const userId = user.$id;
  return (
    <div class="panel-box">
      <h2>Account</h2>
      <div class="edit-grid">
        <SaveField id="f-user-name" label="Name" value={user.name} saveLabel="Save name" onSave={async (v) => { await users.updateName({ userId, name: v }); onSaved(); }} />
        <SaveField id="f-user-email" label="Email" type="email" value={user.email} saveLabel="Save email" onSave={async (v) => { await users.updateEmail({ userId, email: v }); onSaved(); }} />
        <SaveField id="f-user-phone" label="Phone" type="tel" value={user.phone} saveLabel="Save phone" hint="E.164, e.g. +14155550100." onSave={async (v) => { await users.updatePhone({ userId, number: v }); onSaved(); }} />
        <SaveField id="f-user-password" label="New password" type="password" value="" saveLabel="Set password" hint="At least 8 characters; the project's password policies apply." onSave={async (v) => { await users.updatePassword({ userId, password: v }); onSaved(); }} />
      </div>
    </div>
  );
}

/** MFA on/off, the user's factors, removing their authenticator app, and (re)generating recovery codes. */
function Mfa({ user, projectId, onChange }: { user: User; projectId: string; onChange: () => void }) {
  const { users } = inProject(projectId);
  const userId = user.$id;
  const factors = useLoad(() => users.listMfaFactors({ userId }), [projectId, userId, user.$updatedAt]);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [removing, setRemoving] = useState(false);
  const act = useAction(async (f: () => Promise<unknown>) => {
    await f();
    onChange();
  });
  const f = factors.data;
  return (
    <div class="panel-box">
      <h2>Multi-factor authentication</h2>
      <Toggle label="Require a second factor at sign-in" checked={user.mfa} disabled={act.busy} onChange={(on) => act.run(() => users.updateMfa({ userId, mfa: on }))} hint="The user needs a factor: a verified email, phone or authenticator app." />
      <ErrorNote error={factors.error ?? act.error} />
      {f && (
        <ul class="mfa-factors" aria-label="Factors">
          {([["totp", "Authenticator app"], ["email", "Email"], ["phone", "Phone"], ["recoveryCode", "Recovery codes"]] as const).map(([k, label]) => (
            <li key={k} class="chip">{label}: {f[k] ? "yes" : "no"}</li>
          ))}
        </ul>
      )}
      <div class="actions start">
        {f?.totp && <button type="button" class="quiet" onClick={() => setRemoving(true)}>Remove authenticator app</button>}
        <button type="button" class="quiet" disabled={act.busy || !f} onClick={() => act.run(async () => {
          const r = f?.recoveryCode ? await users.updateMfaRecoveryCodes({ userId }) : await users.createMfaRecoveryCodes({ userId });
          setCodes(r.recoveryCodes);
        })}>{f?.recoveryCode ? "Regenerate recovery codes" : "Generate recovery codes"}</button>
      </div>
      {codes && (
        <div role="status">
          <p>New recovery codes (the old ones no longer work). Hand them to the user; each signs in once:</p>
          <ol class="codes" aria-label="Recovery codes">{codes.map((c) => <li key={c}>{c}</li>)}</ol>
        </div>
      )}
      <Confirm title="Remove authenticator app" open={removing} onClose={() => setRemoving(false)} confirm="Remove" action={async () => { await users.deleteMfaAuthenticator({ userId, type: "totp" as AuthenticatorType }); setRemoving(false); onChange(); }}>
        <p>The user's authenticator app stops working as a factor; they can add one again from their account.</p>
      </Confirm>
    </div>
  );
}

function Memberships({ projectId, userId }: { projectId: string; userId: string }) {
  const list = useLoad(() => inProject(projectId).users.listMemberships({ userId }), [projectId, userId]);
  const teamHref = (id: string) => href(`/project/${encodeURIComponent(projectId)}/auth/teams/${encodeURIComponent(id)}`);
  return (
    <>
      <h2>Memberships</h2>
      <ListState state={list} items={list.data?.memberships} empty={<p class="muted">In no team. Add the user from a team's page under Auth › Teams.</p>}>
        {(items) => (
          <ul class="list" aria-label="Memberships">
            {items.map((m) => (
              <li key={m.$id}>
                <a href={teamHref(m.teamId)}>{m.teamName || m.teamId}</a>
                <span class="chips">{m.roles.map((r) => <span class="chip" key={r}>{r}</span>)}{!m.confirm && <span class="chip">invited</span>}</span>
              </li>
            ))}
          </ul>
        )}
      </ListState>
    </>
  );
}

function Logs({ projectId, userId }: { projectId: string; userId: string }) {
  const list = useLoad(() => inProject(projectId).users.listLogs({ userId, queries: [Query.limit(25)] }), [projectId, userId]);
  return (
    <>
      <h2>Logs</h2>
      <ListState state={list} items={list.data?.logs} empty={<p class="muted">No activity yet: sign-ins and account changes the user makes appear here.</p>}>
        {(logs) => (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Logs</caption>
              <thead><tr><th scope="col">Event</th><th scope="col">When</th><th scope="col">IP</th><th scope="col">Client</th></tr></thead>
              <tbody>
                {logs.map((l, i) => (
                  <tr key={i}><td><code>{l.event}</code></td><td>{when(l.time)}</td><td>{l.ip}</td><td>{[l.clientName, l.osName].filter(Boolean).join(" on ") || "—"}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </ListState>
    </>
  );
}

function Labels({ user, onSave, busy }: { user: User; onSave: (l: string[]) => void; busy: boolean }) {
  return (
    <form class="inline-form" key={user.labels.join()} onSubmit={(e) => { e.preventDefault(); onSave((formValues(e).labels ?? "").split(",").map((s) => s.trim()).filter(Boolean)); }}>
      <Field label="Labels (comma separated)" name="labels" defaultValue={user.labels.join(", ")} hint="Labels grant roles: label:vip in a permission means every user labelled vip." />
      <button type="submit" class="quiet" disabled={busy}>Save labels</button>
    </form>
  );
}

function Prefs({ user, onSave, busy }: { user: User; onSave: (p: object) => void; busy: boolean }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <form class="inline-form" key={JSON.stringify(user.prefs)} onSubmit={(e) => {
      e.preventDefault();
      try {
        const prefs = parseObject(formValues(e).prefs ?? "");
        setError(null);
        onSave(prefs);
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    }}>
      <div class="field">
        <label for="f-prefs">Preferences (JSON)</label>
        <textarea id="f-prefs" name="prefs" rows={4} spellcheck={false} defaultValue={JSON.stringify(user.prefs, null, 2)} />
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="quiet" disabled={busy}>Save preferences</button>
    </form>
  );
}
