import { ID, Query } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { inProject } from "../sdk";
import { href, navigate } from "../router";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction, useLoad, when } from "../ui";
import { CONTAINER_ACTIONS, PermissionEditor } from "./permissions";
import { TablePage } from "./table";

/** Databases › … : the path after /databases picks the database list, one database's tables, or one table. */
export default function DatabasesSection({ projectId, rest }: { projectId: string; rest: string[] }) {
  const [databaseId, part, tableId, tab] = rest;
  if (databaseId && part === "table" && tableId) return <TablePage projectId={projectId} databaseId={databaseId} tableId={tableId} tab={tab ?? "rows"} />;
  if (databaseId) return <Tables projectId={projectId} databaseId={databaseId} />;
  return <DatabaseList projectId={projectId} />;
}

const dbBase = (projectId: string) => `/project/${encodeURIComponent(projectId)}/databases`;

function DatabaseList({ projectId }: { projectId: string }) {
  const { tables } = inProject(projectId);
  const list = useLoad(() => tables.list({ queries: [Query.limit(100)] }), [projectId]);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const del = useAction(async (databaseId: string) => {
    await tables.delete({ databaseId });
    setDeleting(null);
    list.reload();
  });
  const create = useAction(async (v: Record<string, string>) => {
    const db = await tables.create({ databaseId: v.databaseId?.trim() || ID.unique(), name: v.name ?? "" });
    setCreating(false);
    navigate(`${dbBase(projectId)}/${encodeURIComponent(db.$id)}`);
  });
  return (
    <section aria-labelledby="db-h">
      <div class="heading">
        <h1 id="db-h">Databases</h1>
        <button type="button" onClick={() => setCreating(true)}>Create database</button>
      </div>
      <ErrorNote error={list.error ?? del.error} />
      {list.data && !list.data.databases.length && (
        <Empty title="No databases yet">
          <p>A database holds tables; its rows are read and written through TablesDB in any Appwrite SDK.</p>
          <button type="button" onClick={() => setCreating(true)}>Create the first database</button>
        </Empty>
      )}
      {list.data && list.data.databases.length > 0 && (
        <ul class="cards" aria-label="Databases">
          {list.data.databases.map((d) => (
            <li class="card" key={d.$id}>
              <a class="card-link" href={href(`${dbBase(projectId)}/${encodeURIComponent(d.$id)}`)}><strong>{d.name}</strong><code class="muted small">{d.$id}</code></a>
              <span class="muted small">Created {when(d.$createdAt)}</span>
              <button type="button" class="danger quiet" aria-label={`Delete database ${d.name}`} onClick={() => setDeleting(d.$id)}>Delete</button>
            </li>
          ))}
        </ul>
      )}
      <Dialog title="Create database" open={creating} onClose={() => setCreating(false)}>
        <form onSubmit={(e) => { e.preventDefault(); void create.run(formValues(e)); }}>
          <Field label="Name" name="name" required maxLength={128} autoFocus />
          <Field label="Database ID" name="databaseId" maxLength={36} hint="Leave empty for a generated one." />
          <ErrorNote error={create.error} />
          <div class="actions">
            <button type="button" class="quiet" onClick={() => setCreating(false)}>Cancel</button>
            <button type="submit" disabled={create.busy}>Create</button>
          </div>
        </form>
      </Dialog>
      <Dialog title="Delete database" open={deleting !== null} onClose={() => setDeleting(null)}>
        <p>Delete database <code>{deleting}</code> with all its tables and rows? This cannot be undone.</p>
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger" disabled={del.busy} onClick={() => deleting && del.run(deleting)}>Delete database</button>
        </div>
      </Dialog>
    </section>
  );
}

function Tables({ projectId, databaseId }: { projectId: string; databaseId: string }) {
  const { tables } = inProject(projectId);
  const db = useLoad(() => tables.get({ databaseId }), [projectId, databaseId]);
  const list = useLoad(() => tables.listTables({ databaseId, queries: [Query.limit(100)] }), [projectId, databaseId]);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [perms, setPerms] = useState<string[]>([]);
  const base = `${dbBase(projectId)}/${encodeURIComponent(databaseId)}`;
  const del = useAction(async (tableId: string) => {
    await tables.deleteTable({ databaseId, tableId });
    setDeleting(null);
    list.reload();
  });
  const create = useAction(async (v: Record<string, string>) => {
    const t = await tables.createTable({ databaseId, tableId: v.tableId?.trim() || ID.unique(), name: v.name ?? "", permissions: perms, rowSecurity: v.rowSecurity === "on" });
    setCreating(false);
    navigate(`${base}/table/${encodeURIComponent(t.$id)}/columns`);
  });
  return (
    <section aria-labelledby="tables-h">
      <p><a href={href(dbBase(projectId))}>← All databases</a></p>
      <div class="heading">
        <h1 id="tables-h">{db.data?.name ?? databaseId}</h1>
        <button type="button" onClick={() => { setPerms([]); setCreating(true); }}>Create table</button>
      </div>
      <ErrorNote error={db.error ?? list.error ?? del.error} />
      {list.data && !list.data.tables.length && (
        <Empty title="No tables in this database">
          <p>Create a table, then give it columns; rows follow the columns' types.</p>
          <button type="button" onClick={() => { setPerms([]); setCreating(true); }}>Create the first table</button>
        </Empty>
      )}
      {list.data && list.data.tables.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Tables</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">ID</th><th scope="col">Columns</th><th scope="col">Row security</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.data.tables.map((t) => (
                <tr key={t.$id}>
                  <td><a href={href(`${base}/table/${encodeURIComponent(t.$id)}`)}>{t.name}</a></td>
                  <td><code>{t.$id}</code></td>
                  <td>{t.columns.length}</td>
                  <td>{t.rowSecurity ? "On" : "Off"}</td>
                  <td><button type="button" class="danger quiet" aria-label={`Delete table ${t.name}`} onClick={() => setDeleting(t.$id)}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title="Create table" open={creating} onClose={() => setCreating(false)}>
        <form onSubmit={(e) => { e.preventDefault(); void create.run(formValues(e)); }}>
          <Field label="Name" name="name" required maxLength={128} autoFocus />
          <Field label="Table ID" name="tableId" maxLength={36} hint="Leave empty for a generated one." />
          <label class="checkline"><input type="checkbox" name="rowSecurity" class="check" /> Row security (each row's own permissions also grant access)</label>
          <h3>Permissions</h3>
          <PermissionEditor id="new-table" value={[]} actions={CONTAINER_ACTIONS} onChange={setPerms} />
          {perms.length > 0 && <p class="muted small">Will be created with: {perms.join(", ")}</p>}
          <ErrorNote error={create.error} />
          <div class="actions">
            <button type="button" class="quiet" onClick={() => setCreating(false)}>Cancel</button>
            <button type="submit" disabled={create.busy}>Create</button>
          </div>
        </form>
      </Dialog>
      <Dialog title="Delete table" open={deleting !== null} onClose={() => setDeleting(null)}>
        <p>Delete table <code>{deleting}</code> and all its rows? This cannot be undone.</p>
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger" disabled={del.busy} onClick={() => deleting && del.run(deleting)}>Delete table</button>
        </div>
      </Dialog>
    </section>
  );
}
