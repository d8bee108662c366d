import { ID, Query, type Models, type Runtime, type Scopes } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { inProject } from "../sdk";
import { href, navigate } from "../router";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";
import { EventsChooser, parseRoles, ScopesChooser } from "./choosers";
import { Deployments } from "./function-deployments";
import { Executions } from "./function-executions";
import { Variables } from "./function-variables";

/** Functions › the list, or one function with its tabs: Deployments · Executions · Variables · Settings. */
export default function FunctionsSection({ projectId, rest }: { projectId: string; rest: string[] }) {
  const [functionId, tab] = rest;
  if (functionId) return <FunctionPage projectId={projectId} functionId={functionId} tab={tab ?? "deployments"} />;
  return <FunctionList projectId={projectId} />;
}

export const fnBase = (projectId: string) => `/project/${encodeURIComponent(projectId)}/functions`;

function FunctionList({ projectId }: { projectId: string }) {
  const { functions } = inProject(projectId);
  const list = useLoad(() => functions.list({ queries: [Query.limit(100), Query.orderDesc("$createdAt")] }), [projectId]);
  const [creating, setCreating] = useState(false);
  return (
    <section aria-labelledby="functions-h">
      <div class="heading">
        <h1 id="functions-h">Functions</h1>
        <button type="button" onClick={() => setCreating(true)}>Create function</button>
      </div>
      <ErrorNote error={list.error} />
      {list.data && !list.data.functions.length && (
        <Empty title="No functions yet">
          <p>A function runs your JavaScript on an HTTP call, an event or a schedule. Create one, then deploy a .tar.gz, a single .js file or a pasted snippet.</p>
          <button type="button" onClick={() => setCreating(true)}>Create the first function</button>
        </Empty>
      )}
      {list.data && list.data.functions.length > 0 && (
        <ul class="cards" aria-label="Functions">
          {list.data.functions.map((f) => (
            <li class="card" key={f.$id}>
              <a class="card-link" href={href(`${fnBase(projectId)}/${encodeURIComponent(f.$id)}`)}><strong>{f.name}</strong><code class="muted small">{f.$id}</code></a>
              <span class="muted small">{f.runtime} · {f.deploymentId ? "deployed" : "no active deployment"}{f.enabled ? "" : " · disabled"}{f.schedule ? ` · ${f.schedule}` : ""}</span>
            </li>
          ))}
        </ul>
      )}
      <Dialog title="Create function" open={creating} onClose={() => setCreating(false)}>
        <FunctionForm projectId={projectId} onCancel={() => setCreating(false)} onSaved={(f) => { setCreating(false); navigate(`${fnBase(projectId)}/${encodeURIComponent(f.$id)}`); }} />
      </Dialog>
    </section>
  );
}

type Kept = { specification?: string; deploymentRetention?: number };
/**
 * `PUT /functions/{id}` replaces every setting. The console SDK speaks response format 1.8 (one `specification`,
 * which the server splits into 1.9's build and runtime ones) and its `update` cannot send `deploymentRetention`,
 * so the console sends the request through the SDK client itself, carrying both over from the function as it is.
 */
function replace(projectId: string, fn: Models.Function & Kept, settings: Record<string, unknown>): Promise<Models.Function> {
  const { client } = inProject(projectId);
  const body = { ...settings, commands: fn.commands, specification: fn.specification, deploymentRetention: fn.deploymentRetention };
  return client.call("put", new URL(`${client.config.endpoint}/functions/${encodeURIComponent(fn.$id)}`), { "content-type": "application/json" }, body);
}

/** Create (no `fn`) or settings of one function (PUT replaces every setting, so the form sends all of them). */
function FunctionForm({ projectId, fn, onSaved, onCancel, onStart }: { projectId: string; fn?: Models.Function; onSaved: (f: Models.Function) => void; onCancel?: () => void; onStart?: () => void }) {
  const { functions } = inProject(projectId);
  const runtimes = useLoad(() => functions.listRuntimes(), [projectId]);
  const [events, setEvents] = useState<string[]>(fn?.events ?? []);
  const [scopes, setScopes] = useState<string[]>(fn?.scopes ?? []);
  const save = useAction(async (v: Record<string, string>) => {
    onStart?.();
    const common = {
      name: v.name ?? "",
      runtime: v.runtime as Runtime,
      execute: parseRoles(v.execute ?? ""),
      events,
      schedule: v.schedule?.trim() ?? "",
      timeout: Number(v.timeout || 15),
      entrypoint: v.entrypoint?.trim() || undefined,
      scopes: scopes as Scopes[],
      enabled: v.enabled === "on",
      logging: v.logging === "on",
    };
    const saved = fn
      ? await replace(projectId, fn, common)
      : await functions.create({ functionId: v.functionId?.trim() || ID.unique(), ...common });
    onSaved(saved);
  });
  const p = fn ? "fs" : "fc";
  return (
    <form class={fn ? "inline-form wide" : ""} onSubmit={(e) => { e.preventDefault(); void save.run(formValues(e)); }}>
      <Field label="Name" name="name" required maxLength={128} defaultValue={fn?.name} autoFocus={!fn} />
      {!fn && <Field label="Function ID" name="functionId" maxLength={36} hint="Leave empty for a generated one." />}
      <div class="field">
        <label for={`${p}-runtime`}>Runtime</label>
        <select id={`${p}-runtime`} name="runtime" required defaultValue={fn?.runtime ?? "node-22"}>
          {(runtimes.data?.runtimes ?? (fn ? [{ $id: fn.runtime, name: fn.runtime, version: "" }] : [])).map((r) => <option key={r.$id} value={r.$id} selected={r.$id === (fn?.runtime ?? "node-22")}>{r.name} {r.version} ({r.$id})</option>)}
        </select>
        <ErrorNote error={runtimes.error} />
      </div>
      <Field label="Entrypoint" name="entrypoint" defaultValue={fn?.entrypoint ?? "index.js"} maxLength={256} hint="The file in the deployment that exports the handler." />
      <div class="field">
        <label for={`${p}-execute`}>Execute access</label>
        <textarea id={`${p}-execute`} name="execute" rows={2} defaultValue={(fn?.execute ?? []).join("\n")} aria-describedby={`${p}-execute-hint`} />
        <small id={`${p}-execute-hint`}>Who may run it: one role a line — any, users, guests, user:ID, team:ID, label:X. Empty: API keys and the console only.</small>
      </div>
      <EventsChooser value={events} onChange={setEvents} idPrefix={p} />
      <div class="two">
        <Field label="Schedule (cron)" name="schedule" defaultValue={fn?.schedule ?? ""} hint="e.g. */5 * * * * — empty for none." />
        <Field label="Timeout (seconds)" name="timeout" type="number" defaultValue={String(fn?.timeout ?? 15)} step="1" />
      </div>
      <ScopesChooser value={scopes} onChange={setScopes} idPrefix={p} />
      <label class="checkline"><input type="checkbox" name="enabled" class="check" defaultChecked={fn?.enabled ?? true} /> Enabled</label>
      <label class="checkline"><input type="checkbox" name="logging" class="check" defaultChecked={fn?.logging ?? true} /> Keep execution logs</label>
      <ErrorNote error={save.error} />
      <div class={fn ? "actions start" : "actions"}>
        {onCancel && <button type="button" class="quiet" onClick={onCancel}>Cancel</button>}
        <button type="submit" disabled={save.busy}>{fn ? "Save settings" : "Create"}</button>
      </div>
    </form>
  );
}

function FunctionPage({ projectId, functionId, tab }: { projectId: string; functionId: string; tab: string }) {
  const { functions } = inProject(projectId);
  const fn = useLoad(() => functions.get({ functionId }), [projectId, functionId]);
  const here = `${fnBase(projectId)}/${encodeURIComponent(functionId)}`;
  const tabs = [["deployments", "Deployments"], ["executions", "Executions"], ["variables", "Variables"], ["settings", "Settings"]] as const;
  return (
    <section aria-labelledby="fn-h">
      <p><a href={href(fnBase(projectId))}>← All functions</a></p>
      <div class="heading"><h1 id="fn-h">{fn.data?.name ?? functionId}</h1><code class="muted">{functionId}</code></div>
      <ErrorNote error={fn.error} />
      {fn.data && (
        <p class="muted small">
          {fn.data.runtime} · entrypoint <code>{fn.data.entrypoint || "—"}</code> · active deployment <code>{fn.data.deploymentId || "none"}</code> · updated {when(fn.data.$updatedAt)}
        </p>
      )}
      <nav aria-label="Function" class="tabs">
        {tabs.map(([k, label]) => <a key={k} href={href(k === "deployments" ? here : `${here}/${k}`)} aria-current={tab === k ? "page" : undefined}>{label}</a>)}
      </nav>
      {fn.data && (tab === "executions" ? <Executions projectId={projectId} fn={fn.data} />
        : tab === "variables" ? <Variables projectId={projectId} functionId={functionId} />
        : tab === "settings" ? <Settings projectId={projectId} fn={fn.data} onSaved={fn.reload} />
        : <Deployments projectId={projectId} fn={fn.data} onChange={fn.reload} />)}
    </section>
  );
}

function Settings({ projectId, fn, onSaved }: { projectId: string; fn: Models.Function; onSaved: () => void }) {
  const { functions } = inProject(projectId);
  const [confirm, setConfirm] = useState(false);
  const [typed, setTyped] = useState("");
  // Outside the form: a save reloads the function, which remounts the form with the new values.
  const [saved, setSaved] = useState(false);
  const del = useAction(async () => {
    await functions.delete({ functionId: fn.$id });
    navigate(fnBase(projectId));
  });
  return (
    <>
      <h2>Settings</h2>
      <FunctionForm key={fn.$updatedAt} projectId={projectId} fn={fn} onStart={() => setSaved(false)} onSaved={() => { setSaved(true); onSaved(); }} />
      {saved && <p class="muted" role="status">Saved.</p>}
      <h2>Delete function</h2>
      <p class="muted">Deletes the function with its deployments, executions and variables.</p>
      <button type="button" class="danger" onClick={() => setConfirm(true)}>Delete function</button>
      <Dialog title="Delete function" open={confirm} onClose={() => setConfirm(false)}>
        <p>Type <code>{fn.$id}</code> to delete <strong>{fn.name}</strong>.</p>
        <Field label="Function ID" name="confirm" value={typed} onInput={setTyped} autoFocus />
        <ErrorNote error={del.error} />
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setConfirm(false)}>Cancel</button>
          <button type="button" class="danger" disabled={typed !== fn.$id || del.busy} onClick={() => void del.run()}>Delete</button>
        </div>
      </Dialog>
    </>
  );
}
