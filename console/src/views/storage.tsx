import { Compression, ID, Query, type Models } from "@appwrite.io/console";
import { useEffect, useRef, useState } from "preact/hooks";
import { bytes } from "../chart";
import { bytesOf, inProject, realtimeIn } from "../sdk";
import { href, navigate } from "../router";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";
import { CONTAINER_ACTIONS, ITEM_ACTIONS, PermissionEditor } from "./permissions";

/** Storage › buckets, one bucket's files, or its settings. */
export default function StorageSection({ projectId, rest }: { projectId: string; rest: string[] }) {
  const [bucketId, tab] = rest;
  if (bucketId) return <Bucket projectId={projectId} bucketId={bucketId} tab={tab ?? "files"} />;
  return <Buckets projectId={projectId} />;
}

const base = (projectId: string) => `/project/${encodeURIComponent(projectId)}/storage`;

function Buckets({ projectId }: { projectId: string }) {
  const { storage } = inProject(projectId);
  const list = useLoad(() => storage.listBuckets({ queries: [Query.limit(100)] }), [projectId]);
  const [creating, setCreating] = useState(false);
  const create = useAction(async (v: Record<string, string>) => {
    const b = await storage.createBucket({ bucketId: v.bucketId?.trim() || ID.unique(), name: v.name ?? "", fileSecurity: v.fileSecurity === "on" });
    setCreating(false);
    navigate(`${base(projectId)}/${encodeURIComponent(b.$id)}`);
  });
  return (
    <section aria-labelledby="buckets-h">
      <div class="heading">
        <h1 id="buckets-h">Storage</h1>
        <button type="button" onClick={() => setCreating(true)}>Create bucket</button>
      </div>
      <ErrorNote error={list.error} />
      {list.data && !list.data.buckets.length && (
        <Empty title="No buckets yet">
          <p>A bucket holds files, with its own size limit, allowed extensions, compression, encryption and permissions.</p>
          <button type="button" onClick={() => setCreating(true)}>Create the first bucket</button>
        </Empty>
      )}
      {list.data && list.data.buckets.length > 0 && (
        <ul class="cards" aria-label="Buckets">
          {list.data.buckets.map((b) => (
            <li class="card" key={b.$id}>
              <a class="card-link" href={href(`${base(projectId)}/${encodeURIComponent(b.$id)}`)}><strong>{b.name}</strong><code class="muted small">{b.$id}</code></a>
              <span class="muted small">Up to {bytes(b.maximumFileSize)} a file{b.encryption ? " · encrypted" : ""}{b.compression !== "none" ? ` · ${b.compression}` : ""}</span>
            </li>
          ))}
        </ul>
      )}
      <Dialog title="Create bucket" open={creating} onClose={() => setCreating(false)}>
        <form onSubmit={(e) => { e.preventDefault(); void create.run(formValues(e)); }}>
          <Field label="Name" name="name" required maxLength={128} autoFocus />
          <Field label="Bucket ID" name="bucketId" maxLength={36} hint="Leave empty for a generated one." />
          <label class="checkline"><input type="checkbox" name="fileSecurity" class="check" /> File security (each file's own permissions also grant access)</label>
          <ErrorNote error={create.error} />
          <div class="actions">
            <button type="button" class="quiet" onClick={() => setCreating(false)}>Cancel</button>
            <button type="submit" disabled={create.busy}>Create</button>
          </div>
        </form>
      </Dialog>
    </section>
  );
}

function Bucket({ projectId, bucketId, tab }: { projectId: string; bucketId: string; tab: string }) {
  const { storage } = inProject(projectId);
  const bucket = useLoad(() => storage.getBucket({ bucketId }), [projectId, bucketId]);
  const here = `${base(projectId)}/${encodeURIComponent(bucketId)}`;
  return (
    <section aria-labelledby="bucket-h">
      <p><a href={href(base(projectId))}>← All buckets</a></p>
      <div class="heading"><h1 id="bucket-h">{bucket.data?.name ?? bucketId}</h1><code class="muted">{bucketId}</code></div>
      <ErrorNote error={bucket.error} />
      <nav aria-label="Bucket" class="tabs">
        <a href={href(here)} aria-current={tab === "files" ? "page" : undefined}>Files</a>
        <a href={href(`${here}/settings`)} aria-current={tab === "settings" ? "page" : undefined}>Settings</a>
      </nav>
      {bucket.data && (tab === "settings" ? <BucketSettings projectId={projectId} bucket={bucket.data} onSaved={bucket.reload} /> : <Files projectId={projectId} bucket={bucket.data} />)}
    </section>
  );
}

function BucketSettings({ projectId, bucket, onSaved }: { projectId: string; bucket: Models.Bucket; onSaved: () => void }) {
  const { storage } = inProject(projectId);
  const [deleting, setDeleting] = useState(false);
  const save = useAction(async (p: Partial<{ name: string; enabled: boolean; maximumFileSize: number; allowedFileExtensions: string[]; compression: Compression; encryption: boolean; antivirus: boolean; fileSecurity: boolean; permissions: string[] }>) => {
    await storage.updateBucket({
      bucketId: bucket.$id, name: bucket.name, permissions: bucket.$permissions, fileSecurity: bucket.fileSecurity, enabled: bucket.enabled, maximumFileSize: bucket.maximumFileSize,
      allowedFileExtensions: bucket.allowedFileExtensions, compression: bucket.compression as Compression, encryption: bucket.encryption, antivirus: bucket.antivirus, transformations: bucket.transformations, ...p,
    });
    onSaved();
  });
  const del = useAction(async () => {
    await storage.deleteBucket({ bucketId: bucket.$id });
    navigate(base(projectId));
  });
  return (
    <div class="detail">
      <form class="inline-form" key={bucket.$updatedAt} onSubmit={(e) => {
        e.preventDefault();
        const v = formValues(e);
        void save.run({
          name: v.name, enabled: v.enabled === "on", maximumFileSize: Math.round(Number(v.maxMiB) * 1024 * 1024),
          allowedFileExtensions: (v.extensions ?? "").split(",").map((s) => s.trim().replace(/^\./, "")).filter(Boolean),
          compression: v.compression as Compression, encryption: v.encryption === "on", antivirus: v.antivirus === "on", fileSecurity: v.fileSecurity === "on",
        });
      }}>
        <Field label="Name" name="name" required defaultValue={bucket.name} />
        <Field label="Maximum file size (MiB)" name="maxMiB" type="number" step="any" defaultValue={String(+(bucket.maximumFileSize / 1048576).toFixed(3))} />
        <Field label="Allowed extensions (comma separated)" name="extensions" defaultValue={bucket.allowedFileExtensions.join(", ")} hint="Empty allows every extension." />
        <div class="field">
          <label for="f-compression">Compression</label>
          <select id="f-compression" name="compression" defaultValue={bucket.compression}>{Object.values(Compression).map((c) => <option key={c} value={c}>{c}</option>)}</select>
        </div>
        <label class="checkline"><input type="checkbox" class="check" name="enabled" defaultChecked={bucket.enabled} /> Enabled</label>
        <label class="checkline"><input type="checkbox" class="check" name="encryption" defaultChecked={bucket.encryption} /> Encryption (files up to 20 MB)</label>
        <label class="checkline"><input type="checkbox" class="check" name="antivirus" defaultChecked={bucket.antivirus} /> Antivirus (no scanner runs on Workers: accepted, reported off)</label>
        <label class="checkline"><input type="checkbox" class="check" name="fileSecurity" defaultChecked={bucket.fileSecurity} /> File security (each file's own permissions also grant access)</label>
        <ErrorNote error={save.error} />
        {save.done && <p class="muted small" role="status">Saved.</p>}
        <button type="submit" disabled={save.busy}>Save settings</button>
      </form>
      <h2>Permissions</h2>
      <PermissionEditor key={bucket.$updatedAt} id="bucket-perms" value={bucket.$permissions} actions={CONTAINER_ACTIONS} busy={save.busy} onSave={(permissions) => save.run({ permissions })} />
      <h2>Delete bucket</h2>
      <p class="muted">Deletes the bucket and every file in it.</p>
      <button type="button" class="danger" onClick={() => setDeleting(true)}>Delete bucket</button>
      <Dialog title="Delete bucket" open={deleting} onClose={() => setDeleting(false)}>
        <p>Delete <strong>{bucket.name}</strong> and all its files? This cannot be undone.</p>
        <ErrorNote error={del.error} />
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setDeleting(false)}>Cancel</button>
          <button type="button" class="danger" disabled={del.busy} onClick={() => del.run()}>Delete bucket</button>
        </div>
      </Dialog>
    </div>
  );
}

type Upload = { name: string; progress: number; error?: unknown };

function Files({ projectId, bucket }: { projectId: string; bucket: Models.Bucket }) {
  const { storage } = inProject(projectId);
  const bucketId = bucket.$id;
  const [offset, setOffset] = useState(0);
  const list = useLoad(async () => ({ offset, ...(await storage.listFiles({ bucketId, queries: [Query.limit(24), Query.offset(offset), Query.orderDesc("$createdAt")] })) }), [projectId, bucketId, offset]);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [over, setOver] = useState(false);
  const [open, setOpen] = useState<Models.File | null>(null);
  const [deleting, setDeleting] = useState<Models.File | null>(null);
  const reload = useRef(list.reload);
  reload.current = list.reload;
  const del = useAction(async (f: Models.File) => {
    await storage.deleteFile({ bucketId, fileId: f.$id });
    setDeleting(null);
    setOpen(null);
    list.reload();
  });

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sub: { close: () => Promise<void> } | null = null;
    let closed = false;
    realtimeIn(projectId).subscribe(`buckets.${bucketId}.files`, () => {
      clearTimeout(timer);
      timer = setTimeout(() => reload.current(), 150);
    }).then((s) => (closed ? void s.close() : (sub = s)), () => {});
    return () => {
      closed = true;
      clearTimeout(timer);
      void sub?.close();
    };
  }, [projectId, bucketId]);

  // Files go one after another; the SDK sends anything over 5 MiB in 5 MiB chunks and reports each one.
  const upload = async (files: File[]) => {
    const start = uploads.length;
    setUploads((u) => [...u, ...files.map((f) => ({ name: f.name, progress: 0 }))]);
    for (const [n, file] of files.entries()) {
      const at = start + n;
      const set = (p: Partial<Upload>) => setUploads((u) => u.map((x, m) => (m === at ? { ...x, ...p } : x)));
      try {
        await storage.createFile({ bucketId, fileId: ID.unique(), file, onProgress: (p) => set({ progress: Math.round(p.progress) }) });
        set({ progress: 100 });
      } catch (e) {
        set({ error: e });
      }
    }
    list.reload();
  };

  const files = list.data?.files ?? [];
  const total = list.data?.total ?? 0;
  const shown = list.data?.offset ?? 0;
  return (
    <div>
      <div
        class={`dropzone${over ? " over" : ""}`}
        onDragOver={(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => { e.preventDefault(); setOver(false); const fs = [...(e.dataTransfer?.files ?? [])]; if (fs.length) void upload(fs); }}
      >
        <p>Drop files here, or</p>
        <label class="button-like" for="file-input">Choose files</label>
        <input id="file-input" class="sr-only" type="file" multiple aria-label="Upload files" onChange={(e) => { const input = e.target as HTMLInputElement; const fs = [...(input.files ?? [])]; input.value = ""; if (fs.length) void upload(fs); }} />
        <p class="muted small">Up to {bytes(bucket.maximumFileSize)} a file{bucket.allowedFileExtensions.length ? `; ${bucket.allowedFileExtensions.join(", ")} only` : ""}.</p>
      </div>
      {uploads.length > 0 && (
        <ul class="list uploads" aria-label="Uploads">
          {uploads.map((u, n) => (
            <li key={n}>
              <span>{u.name}</span>
              {u.error ? <span class="error" role="alert">{(u.error as Error).message}</span> : <><progress max={100} value={u.progress} aria-label={`Upload of ${u.name}`} /> <span class="pct">{u.progress} %</span></>}
            </li>
          ))}
        </ul>
      )}
      <ErrorNote error={list.error} />
      {list.data && !files.length && <Empty title="No files in this bucket"><p>Drop a file above, or upload one with <code>storage.createFile</code> from any Appwrite SDK.</p></Empty>}
      {files.length > 0 && (
        <ul class="files" aria-label="Files" aria-busy={list.loading}>
          {files.map((f) => (
            <li key={f.$id} class="file">
              <button type="button" class="file-open" aria-label={`Open ${f.name}`} onClick={() => setOpen(f)}>
                <Thumb projectId={projectId} file={f} />
                <span class="file-name">{f.name}</span>
                <span class="muted small">{bytes(f.sizeOriginal)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {total > 24 && (
        <nav class="pager" aria-label="Pages">
          <button type="button" class="quiet" disabled={list.loading || shown === 0} onClick={() => setOffset(Math.max(0, shown - 24))}>Previous</button>
          <span>{shown + 1}–{Math.min(shown + 24, total)} of {total}</span>
          <button type="button" class="quiet" disabled={list.loading || shown + 24 >= total} onClick={() => setOffset(shown + 24)}>Next</button>
        </nav>
      )}
      <Dialog title="File" open={open !== null} onClose={() => setOpen(null)}>
        {open && <FileDetail projectId={projectId} bucket={bucket} file={open} onDelete={() => setDeleting(open)} onSaved={list.reload} onClose={() => setOpen(null)} />}
      </Dialog>
      <Dialog title="Delete file" open={deleting !== null} onClose={() => setDeleting(null)}>
        <p>Delete <strong>{deleting?.name}</strong>? This cannot be undone.</p>
        <ErrorNote error={del.error} />
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger" disabled={del.busy} onClick={() => deleting && del.run(deleting)}>Delete file</button>
        </div>
      </Dialog>
    </div>
  );
}

const IMAGE = /^image\/(png|jpe?g|gif|webp|avif|heic)$/;

/** An image's preview (getFilePreview) as a data: URL the SDK fetched; other files show their type. */
function Thumb({ projectId, file, size = 160 }: { projectId: string; file: Models.File; size?: number }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    if (!IMAGE.test(file.mimeType)) return;
    let live = true;
    // One side only: the preview keeps the image's aspect ratio (the grid crops it square with CSS).
    const url = inProject(projectId).storage.getFilePreview({ bucketId: file.bucketId, fileId: file.$id, width: size });
    bytesOf(projectId, url).then((buf) => {
      const reader = new FileReader();
      reader.onload = () => live && setSrc(reader.result as string);
      reader.readAsDataURL(new Blob([buf]));
    }, () => {});
    return () => {
      live = false;
    };
  }, [file.$id, file.$updatedAt]);
  if (!IMAGE.test(file.mimeType)) return <span class="thumb thumb-type" aria-hidden="true">{(file.name.split(".").pop() ?? "file").slice(0, 5)}</span>;
  return src ? <img class="thumb" src={src} alt={`Preview of ${file.name}`} /> : <span class="thumb" aria-busy="true" />;
}

function FileDetail({ projectId, bucket, file, onDelete, onSaved, onClose }: { projectId: string; bucket: Models.Bucket; file: Models.File; onDelete: () => void; onSaved: () => void; onClose: () => void }) {
  const { storage, tokens } = inProject(projectId);
  const list = useLoad(() => tokens.list({ bucketId: bucket.$id, fileId: file.$id }), [file.$id]);
  const act = useAction(async (f: () => Promise<unknown>) => {
    await f();
    list.reload();
  });
  const [copied, setCopied] = useState<string | null>(null);
  const tokenUrl = (t: Models.ResourceToken) => storage.getFileView({ bucketId: bucket.$id, fileId: file.$id, token: t.secret });
  const download = async () => {
    const buf = await bytesOf(projectId, storage.getFileDownload({ bucketId: bucket.$id, fileId: file.$id }));
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([buf], { type: file.mimeType }));
    a.download = file.name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  return (
    <div class="file-detail">
      <Thumb projectId={projectId} file={file} size={400} />
      <dl class="facts">
        <dt>Name</dt><dd>{file.name}</dd>
        <dt>ID</dt><dd><code>{file.$id}</code></dd>
        <dt>Type</dt><dd>{file.mimeType}</dd>
        <dt>Size</dt><dd>{bytes(file.sizeOriginal)}</dd>
        <dt>Uploaded</dt><dd>{when(file.$createdAt)}</dd>
      </dl>
      <div class="actions">
        <button type="button" class="quiet" onClick={onClose}>Close</button>
        <button type="button" class="quiet" onClick={() => act.run(download)}>Download</button>
        <button type="button" class="danger" onClick={onDelete}>Delete file</button>
      </div>
      {bucket.fileSecurity && (
        <>
          <h3>File permissions</h3>
          <PermissionEditor id="file-perms" value={file.$permissions} actions={ITEM_ACTIONS} busy={act.busy} onSave={(permissions) => act.run(async () => { await storage.updateFile({ bucketId: bucket.$id, fileId: file.$id, permissions }); onSaved(); })} />
        </>
      )}
      <h3>File tokens</h3>
      <p class="muted small">A token's URL opens the file for anyone holding it, without a session, until it expires.</p>
      <ErrorNote error={list.error ?? act.error} />
      {list.data && !list.data.tokens.length && <p class="muted">No tokens for this file.</p>}
      {list.data && list.data.tokens.length > 0 && (
        <ul class="list" aria-label="File tokens">
          {list.data.tokens.map((t) => (
            <li key={t.$id}>
              <input class="token-url" readOnly aria-label={`URL of token ${t.$id}`} value={tokenUrl(t)} />
              <span class="muted small">{t.expire ? `expires ${when(t.expire)}` : "never expires"}</span>
              <button type="button" class="quiet" onClick={() => navigator.clipboard?.writeText(tokenUrl(t)).then(() => setCopied(t.$id), () => setCopied(null))}>{copied === t.$id ? "Copied" : "Copy URL"}</button>
              <button type="button" class="danger quiet" aria-label={`Delete token ${t.$id}`} onClick={() => act.run(() => tokens.delete({ tokenId: t.$id }))}>Delete</button>
            </li>
          ))}
        </ul>
      )}
      <form class="bar" onSubmit={(e) => { e.preventDefault(); const v = formValues(e).expire; void act.run(() => tokens.createFileToken({ bucketId: bucket.$id, fileId: file.$id, expire: v ? new Date(v).toISOString() : undefined })); }}>
        <label for="f-token-expire">Expires</label>
        <input id="f-token-expire" name="expire" type="datetime-local" />
        <button type="submit" disabled={act.busy}>Create token</button>
      </form>
    </div>
  );
}
