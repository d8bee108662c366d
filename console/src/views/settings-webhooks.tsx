import { Client, type Models } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { endpoint, projects } from "../sdk";
import { href, navigate } from "../router";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";
import { EventsChooser } from "./choosers";

/** Edgewrite's delivery attempt log (GET /v1/projects/{id}/webhooks/{id}/attempts; not in Appwrite 1.9.6). */
interface Attempt { $id: string; $createdAt: string; event: string; attempt: number; success: boolean; statusCode: number; error: string; duration: number }

/** The console client, for the one route the SDK has no method for (the attempt log), called through its `call`. */
const consoleClient = new Client().setEndpoint(endpoint).setProject("console");
const listAttempts = (projectId: string, webhookId: string): Promise<{ total: number; attempts: Attempt[] }> =>
  consoleClient.call("get", new URL(`${endpoint}/projects/${encodeURIComponent(projectId)}/webhooks/${encodeURIComponent(webhookId)}/attempts`), {}, {});

const base = (projectId: string) => `/project/${encodeURIComponent(projectId)}/settings/webhooks`;

export function Webhooks({ projectId, webhookId }: { projectId: string; webhookId?: string }) {
  if (webhookId) return <WebhookPage projectId={projectId} webhookId={webhookId} />;
  return <WebhookList projectId={projectId} />;
}

function WebhookList({ projectId }: { projectId: string }) {
  const list = useLoad(() => projects.listWebhooks({ projectId }), [projectId]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Models.Webhook | null>(null);
  return (
    <>
      <div class="heading">
        <h2>Webhooks</h2>
        <button type="button" onClick={() => setCreating(true)}>Create webhook</button>
      </div>
      <p class="muted small">A webhook POSTs each chosen event to a URL, signed with its key (<code>X-Appwrite-Webhook-Signature</code>), retried while the receiver fails.</p>
      <ErrorNote error={list.error} />
      {list.data && !list.data.webhooks.length && <Empty title="No webhooks yet"><p>Send row, file, user or function events to your own server.</p><button type="button" onClick={() => setCreating(true)}>Create the first webhook</button></Empty>}
      {list.data && list.data.webhooks.length > 0 && (
        <ul class="list" aria-label="Webhooks">
          {list.data.webhooks.map((w) => (
            <li key={w.$id}>
              <span><a href={href(`${base(projectId)}/${encodeURIComponent(w.$id)}`)}><strong>{w.name}</strong></a> <code class="small">{w.url}</code> <span class="muted small">{w.events.length} event{w.events.length === 1 ? "" : "s"}</span></span>
              <span class={`status ${w.enabled ? "status-available" : "status-failed"}`}>{w.enabled ? "enabled" : "disabled"}</span>
            </li>
          ))}
        </ul>
      )}
      <Dialog title="Create webhook" open={creating} onClose={() => setCreating(false)}>
        {creating && <WebhookForm projectId={projectId} onCancel={() => setCreating(false)} onSaved={(w) => { setCreating(false); setCreated(w); list.reload(); }} />}
      </Dialog>
      <Dialog title="Webhook created" open={!!created} onClose={() => setCreated(null)}>
        {created && (
          <>
            <p><strong>{created.name}</strong> delivers to <code>{created.url}</code>.</p>
            <SignatureKey value={(created as { secret?: string; signatureKey?: string }).secret || (created as { signatureKey?: string }).signatureKey || ""} />
            <div class="actions">
              <button type="button" class="quiet" onClick={() => { const id = created.$id; setCreated(null); navigate(`${base(projectId)}/${encodeURIComponent(id)}`); }}>Open webhook</button>
              <button type="button" onClick={() => setCreated(null)}>Done</button>
            </div>
          </>
        )}
      </Dialog>
    </>
  );
}

function SignatureKey({ value }: { value: string }) {
  return (
    <div class="field">
      <label for="wh-key">Signature key</label>
      <textarea id="wh-key" class="code secret" readOnly rows={3} value={value} onFocus={(e) => (e.target as HTMLTextAreaElement).select()} aria-describedby="wh-key-hint" />
      <small id="wh-key-hint">Verify each delivery's HMAC-SHA1 of URL + body with it. Shown now only: keep it; a new one can be generated later.</small>
    </div>
  );
}

function WebhookForm({ projectId, webhook, onSaved, onCancel }: { projectId: string; webhook?: Models.Webhook; onSaved: (w: Models.Webhook) => void; onCancel?: () => void }) {
  const [events, setEvents] = useState<string[]>(webhook?.events ?? []);
  const save = useAction(async (v: Record<string, string>) => {
    const body = { projectId, name: v.name ?? "", url: v.url ?? "", events, security: v.security === "on", enabled: v.enabled === "on", httpUser: v.httpUser ?? "", httpPass: v.httpPass ?? "" };
    onSaved(webhook ? await projects.updateWebhook({ ...body, webhookId: webhook.$id }) : await projects.createWebhook(body));
  });
  const p = webhook ? "we" : "wc";
  return (
    <form class={webhook ? "inline-form wide" : ""} onSubmit={(e) => { e.preventDefault(); void save.run(formValues(e)); }}>
      <Field label="Name" name="name" required maxLength={128} defaultValue={webhook?.name} autoFocus={!webhook} />
      <Field label="URL" name="url" type="url" required defaultValue={webhook?.url} hint="http(s)://… — a public address (loopback is allowed for local receivers)." />
      <EventsChooser value={events} onChange={setEvents} idPrefix={p} />
      <div class="two">
        <Field label="HTTP user" name="httpUser" maxLength={256} defaultValue={webhook?.httpUser ?? ""} autoComplete="off" />
        <Field label="HTTP password" name="httpPass" type="password" maxLength={256} defaultValue={webhook?.httpPass ?? ""} autoComplete="new-password" />
      </div>
      <label class="checkline"><input type="checkbox" name="security" class="check" defaultChecked={webhook?.security ?? true} /> Verify the receiver's TLS certificate</label>
      <label class="checkline"><input type="checkbox" name="enabled" class="check" defaultChecked={webhook?.enabled ?? true} /> Enabled</label>
      <ErrorNote error={save.error} />
      <div class={webhook ? "actions start" : "actions"}>
        {onCancel && <button type="button" class="quiet" onClick={onCancel}>Cancel</button>}
        <button type="submit" disabled={save.busy || !events.length}>{webhook ? "Save" : "Create"}</button>
      </div>
      {!events.length && <p class="muted small">Choose at least one event.</p>}
    </form>
  );
}

function WebhookPage({ projectId, webhookId }: { projectId: string; webhookId: string }) {
  const hook = useLoad(() => projects.getWebhook({ projectId, webhookId }), [projectId, webhookId]);
  const attempts = useLoad(() => listAttempts(projectId, webhookId), [projectId, webhookId]);
  const [newKey, setNewKey] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [saved, setSaved] = useState(false); // outside the form, which remounts with the saved values
  const rotate = useAction(async () => {
    const w = await projects.updateWebhookSignature({ projectId, webhookId });
    setNewKey((w as { secret?: string }).secret || w.signatureKey);
  });
  const del = useAction(async () => { await projects.deleteWebhook({ projectId, webhookId }); navigate(base(projectId)); });
  const w = hook.data;
  return (
    <>
      <p><a href={href(base(projectId))}>← All webhooks</a></p>
      <ErrorNote error={hook.error} />
      {w && (
        <>
          <div class="heading"><h2>{w.name}</h2><span class={`status ${w.enabled ? "status-available" : "status-failed"}`}>{w.enabled ? "enabled" : "disabled"}</span></div>
          {w.attempts > 0 && <p class="error" role="status">{w.attempts} failed deliveries in a row{w.logs ? `: ${w.logs}` : ""}</p>}
          <WebhookForm key={w.$updatedAt} projectId={projectId} webhook={w} onSaved={() => { setSaved(true); hook.reload(); }} />
          {saved && <p class="muted" role="status">Saved.</p>}
          <h3 class="gap">Signature key</h3>
          {newKey ? <SignatureKey value={newKey} /> : <p class="muted small">The key is not shown after creation. Generating a new one invalidates the old one at once.</p>}
          <ErrorNote error={rotate.error} />
          <div class="actions start"><button type="button" class="quiet" disabled={rotate.busy} onClick={() => void rotate.run()}>Generate a new key</button></div>
          <div class="heading gap">
            <h3>Delivery attempts</h3>
            <button type="button" class="quiet" onClick={attempts.reload}>Refresh</button>
          </div>
          <ErrorNote error={attempts.error} />
          {attempts.data && !attempts.data.attempts.length && <p class="muted">No deliveries yet: they appear here as events happen.</p>}
          {attempts.data && attempts.data.attempts.length > 0 && (
            <div class="table-wrap">
              <table aria-label="Delivery attempts">
                <thead><tr><th>When</th><th>Event</th><th>Attempt</th><th>Result</th><th>Duration</th></tr></thead>
                <tbody>
                  {attempts.data.attempts.map((a) => (
                    <tr key={a.$id}>
                      <td>{when(a.$createdAt)}</td>
                      <td><code class="small">{a.event}</code></td>
                      <td>{a.attempt}</td>
                      <td><span class={`status ${a.success ? "status-available" : "status-failed"}`}>{a.statusCode || "—"}</span>{a.error ? <span class="muted small"> {a.error}</span> : null}</td>
                      <td>{a.duration} ms</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h3 class="gap">Delete webhook</h3>
          <button type="button" class="danger" onClick={() => setDeleting(true)}>Delete webhook</button>
          <Dialog title="Delete webhook" open={deleting} onClose={() => setDeleting(false)}>
            <p>Delete <strong>{w.name}</strong>? Pending deliveries are dropped.</p>
            <ErrorNote error={del.error} />
            <div class="actions">
              <button type="button" class="quiet" onClick={() => setDeleting(false)}>Cancel</button>
              <button type="button" class="danger" disabled={del.busy} onClick={() => void del.run()}>Delete</button>
            </div>
          </Dialog>
        </>
      )}
    </>
  );
}
