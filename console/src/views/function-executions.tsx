import { ExecutionMethod, Query, type Models } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { inProject } from "../sdk";
import { Dialog, Empty, ErrorNote, useAction, useLoad, when } from "../ui";
import { debounced, useRealtime } from "./live";

const PAGE = 25;
const statusClass = (s: string) => (s === "completed" ? "available" : s === "failed" ? "failed" : "processing");

/** `Name: value` lines → a headers object (null-prototype: names are user input). */
function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf(":");
    if (at <= 0) throw new Error(`Header line "${line.trim()}" is not "Name: value".`);
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

export function Executions({ projectId, fn }: { projectId: string; fn: Models.Function }) {
  const { functions } = inProject(projectId);
  const [page, setPage] = useState(0);
  const list = useLoad(() => functions.listExecutions({ functionId: fn.$id, queries: [Query.orderDesc("$createdAt"), Query.limit(PAGE), Query.offset(page * PAGE)] }), [projectId, fn.$id, page]);
  // Executions are published on `functions.<id>` (Appwrite's channel): each create/update refreshes the list.
  const live = useRealtime(projectId, [`functions.${fn.$id}`], debounced(list.reload));
  const [open, setOpen] = useState<string | null>(null);
  // The answer to a synchronous run is the only place its response body exists (Appwrite does not store it).
  const [ran, setRan] = useState<Models.Execution | null>(null);
  const total = list.data?.total ?? 0;
  return (
    <>
      <Run projectId={projectId} fn={fn} onRan={(e) => { setRan(e); list.reload(); setOpen(e.$id); }} />
      <h2>Executions <span class={`live ${live ? "live-live" : ""}`}>{live ? "● live" : ""}</span></h2>
      <ErrorNote error={list.error} />
      {list.data && !list.data.executions.length && <Empty title="No executions yet"><p>Run the function above, call it with <code>functions.createExecution</code>, or let its events and schedule trigger it.</p></Empty>}
      {list.data && list.data.executions.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Executions" class="executions">
            <thead><tr><th>Execution</th><th>Status</th><th>Code</th><th>Duration</th><th>Trigger</th><th>Request</th><th>Created</th></tr></thead>
            <tbody>
              {list.data.executions.map((e) => (
                <tr key={e.$id}>
                  <td><button type="button" class="cell-btn" onClick={() => setOpen(e.$id)} aria-label={`Execution ${e.$id}`}><code>{e.$id}</code></button></td>
                  <td><span class={`status status-${statusClass(e.status)}`}>{e.status}</span></td>
                  <td>{e.responseStatusCode || "—"}</td>
                  <td>{e.duration ? `${(e.duration * 1000).toFixed(0)} ms` : "—"}</td>
                  <td>{e.trigger}</td>
                  <td><code>{e.requestMethod} {e.requestPath}</code></td>
                  <td>{when(e.$createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > PAGE && (
        <div class="pager">
          <button type="button" class="quiet" disabled={page === 0} onClick={() => setPage(page - 1)}>Previous</button>
          <span>Page {page + 1} of {Math.ceil(total / PAGE)}</span>
          <button type="button" class="quiet" disabled={(page + 1) * PAGE >= total} onClick={() => setPage(page + 1)}>Next</button>
        </div>
      )}
      <Dialog title="Execution" open={!!open} onClose={() => setOpen(null)}>
        {open && <ExecutionDetail projectId={projectId} functionId={fn.$id} executionId={open} ran={ran?.$id === open ? ran : null} onDeleted={() => { setOpen(null); list.reload(); }} />}
        <div class="actions"><button type="button" onClick={() => setOpen(null)}>Close</button></div>
      </Dialog>
    </>
  );
}

function Run({ projectId, fn, onRan }: { projectId: string; fn: Models.Function; onRan: (e: Models.Execution) => void }) {
  const { functions } = inProject(projectId);
  const run = useAction(async (v: Record<string, string>) => {
    const e = await functions.createExecution({ functionId: fn.$id, method: v.method as ExecutionMethod, xpath: v.path || "/", headers: parseHeaders(v.headers ?? ""), body: v.body ?? "", async: v.async === "on" });
    onRan(e);
  });
  return (
    <details class="run" open>
      <summary><h2>Run</h2></summary>
      <form onSubmit={(e) => { e.preventDefault(); void run.run(Object.fromEntries(new FormData(e.target as HTMLFormElement)) as Record<string, string>); }}>
        <div class="run-line">
          <div class="field">
            <label for="run-method">Method</label>
            <select id="run-method" name="method" defaultValue="POST">{Object.values(ExecutionMethod).map((m) => <option key={m} value={m}>{m}</option>)}</select>
          </div>
          <div class="field grow">
            <label for="run-path">Path</label>
            <input id="run-path" name="path" defaultValue="/" maxLength={2048} />
          </div>
        </div>
        <div class="two">
          <div class="field">
            <label for="run-headers">Headers</label>
            <textarea id="run-headers" name="headers" rows={3} class="code" placeholder="content-type: application/json" aria-describedby="run-headers-hint" />
            <small id="run-headers-hint">One <code>Name: value</code> a line.</small>
          </div>
          <div class="field">
            <label for="run-body">Body</label>
            <textarea id="run-body" name="body" rows={3} class="code" />
          </div>
        </div>
        <label class="checkline"><input type="checkbox" name="async" class="check" /> Asynchronous (queued; see the result in the list)</label>
        <ErrorNote error={run.error} />
        <div class="actions start"><button type="submit" disabled={run.busy}>{run.busy ? "Running…" : "Run"}</button></div>
      </form>
    </details>
  );
}

const headerText = (h: Models.Headers[]) => h.map((x) => `${x.name}: ${x.value}`).join("\n");

function ExecutionDetail({ projectId, functionId, executionId, ran, onDeleted }: { projectId: string; functionId: string; executionId: string; ran: Models.Execution | null; onDeleted: () => void }) {
  const { functions } = inProject(projectId);
  const e = useLoad(() => functions.getExecution({ functionId, executionId }), [executionId]);
  useRealtime(projectId, [`executions.${executionId}`], debounced(e.reload), !!e.data && (e.data.status === "waiting" || e.data.status === "processing"));
  const del = useAction(async () => { await functions.deleteExecution({ functionId, executionId }); onDeleted(); });
  if (e.error) return <ErrorNote error={e.error} />;
  if (!e.data) return <p aria-busy="true" class="muted">Loading…</p>;
  const x = e.data;
  const body = x.responseBody || ran?.responseBody || "";
  return (
    <div class="execution-detail">
      <dl class="facts">
        <dt>ID</dt><dd><code>{x.$id}</code></dd>
        <dt>Status</dt><dd><span class={`status status-${statusClass(x.status)}`}>{x.status}</span> {x.responseStatusCode ? <strong>{x.responseStatusCode}</strong> : null}</dd>
        <dt>Duration</dt><dd>{(x.duration * 1000).toFixed(0)} ms</dd>
        <dt>Trigger</dt><dd>{x.trigger}</dd>
        <dt>Request</dt><dd><code>{x.requestMethod} {x.requestPath}</code></dd>
        <dt>Deployment</dt><dd><code>{x.deploymentId}</code></dd>
        <dt>Created</dt><dd>{when(x.$createdAt)}</dd>
      </dl>
      <h3>Response</h3>
      {body ? <pre class="logs" tabIndex={0} aria-label="Response body">{body}</pre>
        : <p class="muted small">No body here: a response body is returned only to the synchronous call that ran it and is not stored.</p>}
      {x.responseHeaders.length > 0 && <><h3>Response headers</h3><pre class="logs" aria-label="Response headers">{headerText(x.responseHeaders)}</pre></>}
      <h3>Logs</h3>
      <pre class="logs" tabIndex={0} aria-label="Logs">{x.logs || "(none)"}</pre>
      <h3>Errors</h3>
      <pre class="logs errors" tabIndex={0} aria-label="Errors">{x.errors || "(none)"}</pre>
      {x.requestHeaders.length > 0 && <><h3>Request headers</h3><pre class="logs" aria-label="Request headers">{headerText(x.requestHeaders)}</pre></>}
      <ErrorNote error={del.error} />
      <div class="actions start"><button type="button" class="danger quiet" disabled={del.busy} onClick={() => void del.run()}>Delete execution</button></div>
    </div>
  );
}
