import { PlatformType, type Models } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { projects } from "../sdk";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";

/** Every platform type the console SDK can create, grouped as Appwrite's console offers them. */
const GROUPS: [string, [PlatformType, string][]][] = [
  ["Web", [[PlatformType.Web, "Web app"], [PlatformType.Flutterweb, "Flutter (web)"]]],
  ["Flutter", [[PlatformType.Flutterios, "Flutter (iOS)"], [PlatformType.Flutterandroid, "Flutter (Android)"], [PlatformType.Fluttermacos, "Flutter (macOS)"], [PlatformType.Flutterwindows, "Flutter (Windows)"], [PlatformType.Flutterlinux, "Flutter (Linux)"]]],
  ["Apple", [[PlatformType.Appleios, "iOS"], [PlatformType.Applemacos, "macOS"], [PlatformType.Applewatchos, "watchOS"], [PlatformType.Appletvos, "tvOS"]]],
  ["Android", [[PlatformType.Android, "Android"]]],
  ["React Native", [[PlatformType.Reactnativeios, "React Native (iOS)"], [PlatformType.Reactnativeandroid, "React Native (Android)"]]],
  ["Other", [[PlatformType.Unity, "Unity"]]],
];
const isWeb = (t: string) => t === "web" || t === "flutter-web" || t === "unity";
/** The identifier a native platform is known by: Appwrite 1.9 names it per type. */
const keyLabel = (t: string) => (t.includes("android") ? "Package name" : t.includes("windows") ? "Package identifier name" : t.includes("linux") ? "Package name" : "Bundle ID");

type P = Models.Platform & { bundleIdentifier?: string; applicationId?: string; packageIdentifierName?: string; packageName?: string; hostname?: string; key?: string };
const identifier = (p: P) => p.hostname || p.bundleIdentifier || p.applicationId || p.packageIdentifierName || p.packageName || p.key || "";

export function Platforms({ projectId }: { projectId: string }) {
  const list = useLoad(() => projects.listPlatforms({ projectId }), [projectId]);
  const [creating, setCreating] = useState(false);
  const [type, setType] = useState<string>(PlatformType.Web);
  const [editing, setEditing] = useState<P | null>(null);
  const [deleting, setDeleting] = useState<P | null>(null);
  const create = useAction(async (v: Record<string, string>) => {
    const web = isWeb(type);
    await projects.createPlatform({ projectId, type: type as PlatformType, name: v.name ?? "", hostname: web ? v.hostname : undefined, key: web ? undefined : v.key });
    setCreating(false);
    list.reload();
  });
  const save = useAction(async (v: Record<string, string>) => {
    const p = editing!;
    await projects.updatePlatform({ projectId, platformId: p.$id, name: v.name ?? "", ...(p.type === "web" ? { hostname: v.hostname } : { key: v.key }) });
    setEditing(null);
    list.reload();
  });
  const del = useAction(async (platformId: string) => { await projects.deletePlatform({ projectId, platformId }); setDeleting(null); list.reload(); });
  return (
    <>
      <div class="heading">
        <h2>Platforms</h2>
        <button type="button" onClick={() => setCreating(true)}>Add platform</button>
      </div>
      <p class="muted small">A browser may call the API only from a registered web hostname; native apps identify themselves by their bundle ID or package name.</p>
      <ErrorNote error={list.error} />
      {list.data && !list.data.platforms.length && <Empty title="No platforms yet"><p>Add the web app's hostname (e.g. <code>app.example.com</code>, <code>localhost</code>) or a mobile app's identifier.</p><button type="button" onClick={() => setCreating(true)}>Add the first platform</button></Empty>}
      {list.data && list.data.platforms.length > 0 && (
        <ul class="list" aria-label="Platforms">
          {(list.data.platforms as P[]).map((p) => (
            <li key={p.$id}>
              <span><strong>{p.name}</strong> <span class="status">{p.type}</span> <code class="small">{identifier(p)}</code> <span class="muted small">updated {when(p.$updatedAt)}</span></span>
              <span class="row-actions">
                <button type="button" class="quiet" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>Edit</button>
                <button type="button" class="danger quiet" onClick={() => setDeleting(p)} aria-label={`Delete ${p.name}`}>Delete</button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <Dialog title="Add platform" open={creating} onClose={() => setCreating(false)}>
        <form onSubmit={(e) => { e.preventDefault(); void create.run(formValues(e)); }}>
          <div class="field">
            <label for="pl-type">Type</label>
            <select id="pl-type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
              {GROUPS.map(([g, types]) => <optgroup key={g} label={g}>{types.map(([t, label]) => <option key={t} value={t}>{label}</option>)}</optgroup>)}
            </select>
          </div>
          <Field label="Name" name="name" required maxLength={128} autoFocus />
          {isWeb(type)
            ? <Field label="Hostname" name="hostname" required maxLength={256} hint="No scheme, port or path; *.example.com allows subdomains." />
            : <Field label={keyLabel(type)} name="key" required maxLength={256} hint="e.g. com.example.app" />}
          <ErrorNote error={create.error} />
          <div class="actions">
            <button type="button" class="quiet" onClick={() => setCreating(false)}>Cancel</button>
            <button type="submit" disabled={create.busy}>Add</button>
          </div>
        </form>
      </Dialog>
      <Dialog title="Edit platform" open={!!editing} onClose={() => setEditing(null)}>
        {editing && (
          <form onSubmit={(e) => { e.preventDefault(); void save.run(formValues(e)); }}>
            <p class="muted small">Type <span class="status">{editing.type}</span></p>
            <Field label="Name" name="name" required maxLength={128} defaultValue={editing.name} autoFocus />
            {editing.type === "web"
              ? <Field label="Hostname" name="hostname" required maxLength={256} defaultValue={editing.hostname ?? ""} />
              : <Field label={keyLabel(editing.type)} name="key" required maxLength={256} defaultValue={identifier(editing)} />}
            <ErrorNote error={save.error} />
            <div class="actions">
              <button type="button" class="quiet" onClick={() => setEditing(null)}>Cancel</button>
              <button type="submit" disabled={save.busy}>Save</button>
            </div>
          </form>
        )}
      </Dialog>
      <Dialog title="Delete platform" open={!!deleting} onClose={() => setDeleting(null)}>
        <p>Delete <strong>{deleting?.name}</strong>? Apps on it can no longer call the API.</p>
        <ErrorNote error={del.error} />
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger" disabled={del.busy} onClick={() => void del.run(deleting!.$id)}>Delete</button>
        </div>
      </Dialog>
    </>
  );
}
