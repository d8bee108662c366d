import { Query } from "@appwrite.io/console";
import { inProject } from "../sdk";
import { href } from "../router";
import { ErrorNote, useAction, useLoad } from "../ui";
import { Columns, Indexes, type Column } from "./columns";
import { CONTAINER_ACTIONS, PermissionEditor } from "./permissions";
import { Rows } from "./rows";

/** One table: rows, columns, indexes and settings (permissions, row security) as tabs. */
export function TablePage({ projectId, databaseId, tableId, tab }: { projectId: string; databaseId: string; tableId: string; tab: string }) {
  const { tables } = inProject(projectId);
  const table = useLoad(() => tables.getTable({ databaseId, tableId }), [projectId, databaseId, tableId]);
  const siblings = useLoad(() => tables.listTables({ databaseId, queries: [Query.limit(100)] }), [projectId, databaseId]);
  const indexes = useLoad(() => tables.listIndexes({ databaseId, tableId }), [projectId, databaseId, tableId]);
  const save = useAction(async (p: { permissions?: string[]; rowSecurity?: boolean }) => {
    const t = table.data!;
    await tables.updateTable({ databaseId, tableId, name: t.name, permissions: p.permissions ?? t.$permissions, rowSecurity: p.rowSecurity ?? t.rowSecurity, enabled: t.enabled });
    table.reload();
  });
  const base = `/project/${encodeURIComponent(projectId)}/databases/${encodeURIComponent(databaseId)}`;
  const here = `${base}/table/${encodeURIComponent(tableId)}`;
  const t = table.data;
  const columns = (t?.columns ?? []) as unknown as Column[];
  const tabs = [["rows", "Rows"], ["columns", "Columns"], ["indexes", "Indexes"], ["settings", "Settings"]] as const;
  return (
    <section aria-labelledby="table-h">
      <p><a href={href(base)}>← Tables</a></p>
      <div class="heading"><h1 id="table-h">{t?.name ?? tableId}</h1><code class="muted">{tableId}</code></div>
      <ErrorNote error={table.error} />
      <nav aria-label="Table" class="tabs">
        {tabs.map(([k, label]) => <a key={k} href={href(k === "rows" ? here : `${here}/${k}`)} aria-current={tab === k ? "page" : undefined}>{label}</a>)}
      </nav>
      {t && tab === "rows" && <Rows projectId={projectId} databaseId={databaseId} tableId={tableId} columns={columns.filter((c) => c.status === "available")} rowSecurity={t.rowSecurity} />}
      {t && tab === "columns" && <Columns api={tables} databaseId={databaseId} tableId={tableId} columns={columns} tables={siblings.data?.tables ?? []} onChange={() => { table.reload(); setTimeout(table.reload, 1500); }} />}
      {t && tab === "indexes" && <Indexes api={tables} databaseId={databaseId} tableId={tableId} columns={columns} indexes={indexes.data?.indexes ?? []} onChange={() => { indexes.reload(); setTimeout(indexes.reload, 1500); }} />}
      {t && tab === "settings" && (
        <div class="detail">
          <h2>Permissions</h2>
          <p class="muted">Who may create rows and read, update, delete every row of this table{t.rowSecurity ? " (each row's own permissions add to these)" : ""}.</p>
          <ErrorNote error={save.error} />
          {save.done && <p class="muted small" role="status">Saved.</p>}
          <PermissionEditor key={t.$updatedAt} id="table-perms" value={t.$permissions} actions={CONTAINER_ACTIONS} busy={save.busy} onSave={(permissions) => save.run({ permissions })} />
          <h2>Row security</h2>
          <label class="checkline"><input type="checkbox" class="check" checked={t.rowSecurity} disabled={save.busy} onChange={(e) => save.run({ rowSecurity: (e.target as HTMLInputElement).checked })} /> Row security: a row's own permissions also grant access to it</label>
        </div>
      )}
    </section>
  );
}
