import type { Models } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { inProject } from "../sdk";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad } from "../ui";

/** A function's variables: secret ones (the default) are sealed on the server and never come back. */
export function Variables({ projectId, functionId }: { projectId: string; functionId: string }) {
  const { functions } = inProject(projectId);
  const list = useLoad(() => functions.listVariables({ functionId }), [projectId, functionId]);
  const [editing, setEditing] = useState<Models.Variable | null>(null);
  const [deleting, setDeleting] = useState<Models.Variable | null>(null);
  const create = useAction(async (v: Record<string, string>, form: HTMLFormElement) => {
    await functions.createVariable({ functionId, key: v.key ?? "", value: v.value ?? "", secret: v.secret === "on" });
    form.reset();
    list.reload();
  });
  const save = useAction(async (v: Record<string, string>) => {
    const current = editing!;
    // An empty value on a secret keeps the sealed one (the server is sent no value).
    const value = current.secret && !v.value ? undefined : v.value ?? "";
    await functions.updateVariable({ functionId, variableId: current.$id, key: v.key ?? current.key, value, secret: v.secret === "on" || current.secret });
    setEditing(null);
    list.reload();
  });
  const del = useAction(async (variableId: string) => { await functions.deleteVariable({ functionId, variableId }); setDeleting(null); list.reload(); });
  return (
    <>
      <h2>Variables</h2>
      <p class="muted small">Read by the function as <code>process.env.KEY</code>; a change applies to new executions. Secret values are write-only.</p>
      <ErrorNote error={list.error} />
      {list.data && !list.data.variables.length && <Empty title="No variables yet"><p>Add API endpoints, feature flags or secrets below.</p></Empty>}
      {list.data && list.data.variables.length > 0 && (
        <ul class="list" aria-label="Variables">
          {list.data.variables.map((v) => (
            <li key={v.$id}>
              <span><code>{v.key}</code> = {v.secret ? <span class="muted">•••• secret</span> : <code>{v.value}</code>}</span>
              <span class="row-actions">
                <button type="button" class="quiet" onClick={() => setEditing(v)} aria-label={`Edit ${v.key}`}>Edit</button>
                <button type="button" class="danger quiet" onClick={() => setDeleting(v)} aria-label={`Delete ${v.key}`}>Delete</button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <form class="inline-form" aria-label="Add variable" onSubmit={(e) => { e.preventDefault(); void create.run(formValues(e), e.target as HTMLFormElement); }}>
        <h3>Add variable</h3>
        <div class="two">
          <Field label="Key" name="key" required maxLength={255} />
          <Field label="Value" name="value" maxLength={8192} />
        </div>
        <label class="checkline"><input type="checkbox" name="secret" class="check" defaultChecked /> Secret (never shown again)</label>
        <ErrorNote error={create.error} />
        <div class="actions start"><button type="submit" disabled={create.busy}>Add variable</button></div>
      </form>
      <Dialog title="Edit variable" open={!!editing} onClose={() => setEditing(null)}>
        {editing && (
          <form onSubmit={(e) => { e.preventDefault(); void save.run(formValues(e)); }}>
            <Field label="Key" name="key" required maxLength={255} defaultValue={editing.key} autoFocus />
            <Field label="Value" name="value" maxLength={8192} defaultValue={editing.secret ? "" : editing.value} hint={editing.secret ? "Secret: the value is not shown. Leave empty to keep it, or type a new one." : undefined} />
            <label class="checkline"><input type="checkbox" name="secret" class="check" defaultChecked={editing.secret} disabled={editing.secret} /> Secret{editing.secret ? " (a secret cannot be made visible again)" : ""}</label>
            <ErrorNote error={save.error} />
            <div class="actions">
              <button type="button" class="quiet" onClick={() => setEditing(null)}>Cancel</button>
              <button type="submit" disabled={save.busy}>Save</button>
            </div>
          </form>
        )}
      </Dialog>
      <Dialog title="Delete variable" open={!!deleting} onClose={() => setDeleting(null)}>
        <p>Delete <code>{deleting?.key}</code>?</p>
        <ErrorNote error={del.error} />
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger" disabled={del.busy} onClick={() => void del.run(deleting!.$id)}>Delete</button>
        </div>
      </Dialog>
    </>
  );
}
