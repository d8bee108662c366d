import { Query, type Models } from "@appwrite.io/console";
import { createTarGzip } from "nanotar";
import { useEffect, useState } from "preact/hooks";
import { bytes } from "../chart";
import { inProject } from "../sdk";
import { Dialog, Empty, ErrorNote, useAction, useLoad, when } from "../ui";
import { debounced, useRealtime } from "./live";

type Source = "archive" | "file" | "snippet";
const SNIPPET = `export default async ({ req, res, log }) => {
  log("Hello from " + req.path);
  return res.json({ ok: true, path: req.path });
};
`;
const FINAL = new Set(["ready", "failed", "canceled"]);

/** A single file packed as a one-entry .tar.gz in the browser (nanotar: ustar + CompressionStream('gzip')). */
async function packOne(name: string, data: Uint8Array | string): Promise<File> {
  const gz = await createTarGzip([{ name, data }]);
  return new File([gz as Uint8Array<ArrayBuffer>], "code.tar.gz", { type: "application/gzip" });
}

export function Deployments({ projectId, fn, onChange }: { projectId: string; fn: Models.Function; onChange: () => void }) {
  const { functions } = inProject(projectId);
  const list = useLoad(() => functions.listDeployments({ functionId: fn.$id, queries: [Query.orderDesc("$createdAt"), Query.limit(25)] }), [projectId, fn.$id]);
  const reload = () => { list.reload(); onChange(); };
  // Deployment events reach the console on Appwrite's `console` channel; a build in progress is also polled. The
  // activation follows a build's last event (the function itself has no realtime event), hence the second look.
  const live = useRealtime(projectId, ["console"], debounced(() => { reload(); setTimeout(reload, 1500); }));
  const latest = list.data?.deployments[0];
  const activating = !!latest && latest.activate && latest.status === "ready" && latest.$id !== fn.deploymentId && Date.now() - new Date(latest.$updatedAt).getTime() < 30_000;
  const building = activating || list.data?.deployments.some((d) => !FINAL.has(d.status));
  useEffect(() => {
    if (!building) return;
    const t = setInterval(reload, 3000);
    return () => clearInterval(t);
  }, [building]);
  const [logs, setLogs] = useState<Models.Deployment | null>(null);
  const [deleting, setDeleting] = useState<Models.Deployment | null>(null);
  const act = useAction(async (what: () => Promise<unknown>) => { await what(); reload(); });
  return (
    <>
      <Upload projectId={projectId} fn={fn} onUploaded={reload} />
      <h2>Deployments <span class={`live ${live ? "live-live" : ""}`}>{live ? "● live" : ""}</span></h2>
      <ErrorNote error={list.error ?? act.error} />
      {list.data && !list.data.deployments.length && <Empty title="No deployments yet"><p>Upload code above; the build runs at once and its log appears here.</p></Empty>}
      {list.data && list.data.deployments.length > 0 && (
        <div class="table-wrap">
          <table aria-label="Deployments">
            <thead><tr><th>Deployment</th><th>Status</th><th>Size</th><th>Created</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data.deployments.map((d) => (
                <tr key={d.$id}>
                  <td><code>{d.$id}</code>{d.$id === fn.deploymentId && <> <span class="status status-available">active</span></>}</td>
                  <td><span class={`status status-${d.status === "ready" ? "available" : d.status === "failed" ? "failed" : "processing"}`}>{d.status}</span>{d.buildDuration ? <span class="muted small"> {d.buildDuration.toFixed(1)} s</span> : null}</td>
                  <td>{bytes(d.sourceSize)}</td>
                  <td>{when(d.$createdAt)}</td>
                  <td class="row-actions">
                    <button type="button" class="quiet" onClick={() => setLogs(d)} aria-label={`Build logs of ${d.$id}`}>Logs</button>
                    {d.status === "ready" && d.$id !== fn.deploymentId && <button type="button" class="quiet" disabled={act.busy} onClick={() => void act.run(() => functions.updateFunctionDeployment({ functionId: fn.$id, deploymentId: d.$id }))} aria-label={`Activate ${d.$id}`}>Activate</button>}
                    <button type="button" class="danger quiet" onClick={() => setDeleting(d)} aria-label={`Delete ${d.$id}`}>Delete</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title="Build logs" open={!!logs} onClose={() => setLogs(null)}>
        {logs && <BuildLogs projectId={projectId} functionId={fn.$id} deploymentId={logs.$id} />}
        <div class="actions"><button type="button" onClick={() => setLogs(null)}>Close</button></div>
      </Dialog>
      <Dialog title="Delete deployment" open={!!deleting} onClose={() => setDeleting(null)}>
        <p>Delete deployment <code>{deleting?.$id}</code>{deleting?.$id === fn.deploymentId ? " (the active one: the function will have no code to run)" : ""}?</p>
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger" disabled={act.busy} onClick={() => { const d = deleting!; setDeleting(null); void act.run(() => functions.deleteDeployment({ functionId: fn.$id, deploymentId: d.$id })); }}>Delete</button>
        </div>
      </Dialog>
    </>
  );
}

function BuildLogs({ projectId, functionId, deploymentId }: { projectId: string; functionId: string; deploymentId: string }) {
  const d = useLoad(() => inProject(projectId).functions.getDeployment({ functionId, deploymentId }), [deploymentId]);
  return (
    <>
      <ErrorNote error={d.error} />
      {d.data && <p class="muted small"><code>{deploymentId}</code> · {d.data.status} · entrypoint <code>{d.data.entrypoint}</code></p>}
      {d.data && <pre class="logs" tabIndex={0} aria-label="Build log">{d.data.buildLogs || "(no build output yet)"}</pre>}
    </>
  );
}

/** Deploy: a .tar.gz as is, or one .js file / a pasted snippet packed into one; a real progress bar while it uploads. */
function Upload({ projectId, fn, onUploaded }: { projectId: string; fn: Models.Function; onUploaded: () => void }) {
  const { functions } = inProject(projectId);
  const [source, setSource] = useState<Source>("archive");
  const [file, setFile] = useState<File | null>(null);
  const [code, setCode] = useState(SNIPPET);
  const [activate, setActivate] = useState(true);
  const [progress, setProgress] = useState<number | null>(null);
  const deploy = useAction(async () => {
    let archive: File;
    let entrypoint = fn.entrypoint || "index.js";
    if (source === "snippet") archive = await packOne(entrypoint, code);
    else if (!file) throw new Error("Choose a file to deploy.");
    else if (source === "file") {
      entrypoint = file.name;
      archive = await packOne(file.name, new Uint8Array(await file.arrayBuffer()));
    } else archive = file;
    setProgress(0);
    await functions.createDeployment({ functionId: fn.$id, code: archive, activate, entrypoint, onProgress: (p) => setProgress(Math.round(p.progress)) });
    setProgress(100);
    onUploaded();
  });
  const sources: [Source, string][] = [["archive", ".tar.gz archive"], ["file", "Single .js file"], ["snippet", "Paste code"]];
  return (
    <form class="deploy" aria-labelledby="deploy-h" onSubmit={(e) => { e.preventDefault(); void deploy.run(); }}>
      <h2 id="deploy-h">Deploy</h2>
      <div class="segmented" role="group" aria-label="Code source">
        {sources.map(([k, label]) => <button key={k} type="button" aria-pressed={source === k} onClick={() => { setSource(k); setFile(null); }}>{label}</button>)}
      </div>
      {source === "snippet" ? (
        <div class="field">
          <label for="deploy-code">Code of <code>{fn.entrypoint || "index.js"}</code></label>
          <textarea id="deploy-code" class="code" rows={9} spellcheck={false} value={code} onInput={(e) => setCode((e.target as HTMLTextAreaElement).value)} />
        </div>
      ) : (
        <div class="field">
          <label for="deploy-file">{source === "archive" ? "Archive (.tar.gz)" : "JavaScript file (.js / .mjs) — becomes the entrypoint"}</label>
          <input id="deploy-file" type="file" accept={source === "archive" ? ".tar.gz,.tgz,application/gzip" : ".js,.mjs,.cjs,text/javascript"} onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
        </div>
      )}
      <label class="checkline"><input type="checkbox" class="check" checked={activate} onChange={(e) => setActivate((e.target as HTMLInputElement).checked)} /> Activate when the build is ready</label>
      {progress !== null && (
        <div class="bar"><progress max={100} value={progress} aria-label="Upload progress" /> <span class="pct">{progress} %</span></div>
      )}
      <ErrorNote error={deploy.error} />
      <div class="actions start"><button type="submit" disabled={deploy.busy}>{deploy.busy ? "Deploying…" : "Deploy"}</button></div>
    </form>
  );
}
