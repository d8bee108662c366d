import type { Models, Scopes } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { projects } from "../sdk";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";
import { ScopesChooser } from "./choosers";

/** Expiry choices (Appwrite's console offers the same): never, or a number of days from now. */
const EXPIRY: [string, string][] = [["", "Never"], ["7", "In 7 days"], ["30", "In 30 days"], ["90", "In 90 days"], ["365", "In a year"], ["custom", "On a date…"]];

function expireOf(v: Record<string, string>): string | undefined {
  if (v.expiry === "custom") return v.expireAt ? new Date(v.expireAt).toISOString() : undefined;
  return v.expiry ? new Date(Date.now() + Number(v.expiry) * 86_400_000).toISOString() : undefined;
}

export function Keys({ projectId }: { projectId: string }) {
  const list = useLoad(() => projects.listKeys({ projectId }), [projectId]);
  const [creating, setCreating] = useState(false);
  const [scopes, setScopes] = useState<string[]>([]);
  const [expiry, setExpiry] = useState("");
  const [created, setCreated] = useState<Models.Key | null>(null);
  const [editing, setEditing] = useState<Models.Key | null>(null);
  const [editScopes, setEditScopes] = useState<string[]>([]);
  const [deleting, setDeleting] = useState<Models.Key | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useAction(async (v: Record<string, string>) => {
    const k = await projects.createKey({ projectId, name: v.name ?? "", scopes: scopes as Scopes[], expire: expireOf(v) });
    setCreating(false);
    setCopied(false);
    setCreated(k);
    list.reload();
  });
  const save = useAction(async (v: Record<string, string>) => {
    await projects.updateKey({ projectId, keyId: editing!.$id, name: v.name ?? "", scopes: editScopes as Scopes[], expire: v.expire ? new Date(v.expire).toISOString() : undefined });
    setEditing(null);
    list.reload();
  });
  const del = useAction(async (keyId: string) => { await projects.deleteKey({ projectId, keyId }); setDeleting(null); list.reload(); });
  const expired = (k: Models.Key) => !!k.expire && new Date(k.expire).getTime() < Date.now();
  return (
    <>
      <div class="heading">
        <h2>API keys</h2>
        <button type="button" onClick={() => { setScopes([]); setExpiry(""); setCreating(true); }}>Create API key</button>
      </div>
      <p class="muted small">A key lets a server act on the project with exactly its scopes. Its secret is shown once, when it is created.</p>
      <ErrorNote error={list.error} />
      {list.data && !list.data.keys.length && <Empty title="No API keys yet"><p>Create one for node-appwrite, the CLI or a backend job, with only the scopes it needs.</p></Empty>}
      {list.data && list.data.keys.length > 0 && (
        <div class="table-wrap">
          <table aria-label="API keys">
            <thead><tr><th>Name</th><th>Scopes</th><th>Expires</th><th>Last used</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data.keys.map((k) => (
                <tr key={k.$id}>
                  <td><strong>{k.name}</strong> <code class="muted small">{k.$id}</code></td>
                  <td title={k.scopes.join(", ")}>{k.scopes.length} scope{k.scopes.length === 1 ? "" : "s"}</td>
                  <td>{k.expire ? <span class={expired(k) ? "status status-failed" : ""}>{expired(k) ? "expired " : ""}{when(k.expire)}</span> : "Never"}</td>
                  <td>{k.accessedAt ? when(k.accessedAt) : "Never"}</td>
                  <td class="row-actions">
                    <button type="button" class="quiet" onClick={() => { setEditScopes(k.scopes); setEditing(k); }} aria-label={`Edit ${k.name}`}>Edit</button>
                    <button type="button" class="danger quiet" onClick={() => setDeleting(k)} aria-label={`Delete ${k.name}`}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title="Create API key" open={creating} onClose={() => setCreating(false)}>
        <form onSubmit={(e) => { e.preventDefault(); void create.run(formValues(e)); }}>
          <Field label="Name" name="name" required maxLength={128} autoFocus />
          <div class="field">
            <label for="key-expiry">Expiration</label>
            <select id="key-expiry" name="expiry" value={expiry} onChange={(e) => setExpiry((e.target as HTMLSelectElement).value)}>
              {EXPIRY.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
            </select>
          </div>
          {expiry === "custom" && <Field label="Expires at" name="expireAt" type="datetime-local" required />}
          <ScopesChooser value={scopes} onChange={setScopes} idPrefix="kc" />
          <ErrorNote error={create.error} />
          <div class="actions">
            <button type="button" class="quiet" onClick={() => setCreating(false)}>Cancel</button>
            <button type="submit" disabled={create.busy}>Create</button>
          </div>
        </form>
      </Dialog>
      <Dialog title="API key created" open={!!created} onClose={() => setCreated(null)}>
        {created && (
          <>
            <p>Copy the secret of <strong>{created.name}</strong> now: it is stored hashed and <strong>will not be shown again</strong>.</p>
            <label for="key-secret" class="strong">Secret</label>
            <textarea id="key-secret" class="code secret" readOnly rows={4} value={created.secret} onFocus={(e) => (e.target as HTMLTextAreaElement).select()} />
            <p class="muted small">Key ID <code>{created.$id}</code> · {created.scopes.length} scopes</p>
            <div class="actions">
              <button type="button" class="quiet" onClick={() => void navigator.clipboard.writeText(created.secret).then(() => setCopied(true))}>{copied ? "Copied" : "Copy secret"}</button>
              <button type="button" onClick={() => setCreated(null)}>Done</button>
            </div>
          </>
        )}
      </Dialog>
      <Dialog title="Edit API key" open={!!editing} onClose={() => setEditing(null)}>
        {editing && (
          <form onSubmit={(e) => { e.preventDefault(); void save.run(formValues(e)); }}>
            <Field label="Name" name="name" required maxLength={128} defaultValue={editing.name} autoFocus />
            <Field label="Expires at" name="expire" type="datetime-local" defaultValue={editing.expire ? toLocalInput(editing.expire) : ""} hint="Empty: never." />
            <ScopesChooser value={editScopes} onChange={setEditScopes} idPrefix="ke" />
            <ErrorNote error={save.error} />
            <div class="actions">
              <button type="button" class="quiet" onClick={() => setEditing(null)}>Cancel</button>
              <button type="submit" disabled={save.busy}>Save</button>
            </div>
          </form>
        )}
      </Dialog>
      <Dialog title="Delete API key" open={!!deleting} onClose={() => setDeleting(null)}>
        <p>Delete <strong>{deleting?.name}</strong>? Everything using it stops working at once.</p>
        <ErrorNote error={del.error} />
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger" disabled={del.busy} onClick={() => void del.run(deleting!.$id)}>Delete</button>
        </div>
      </Dialog>
    </>
  );
}

/** An ISO date as a datetime-local value in the browser's zone. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
