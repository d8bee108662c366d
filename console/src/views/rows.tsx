import { ID, Query, type Models } from "@appwrite.io/console";
import { useEffect, useRef, useState } from "preact/hooks";
import { inProject, realtimeIn } from "../sdk";
import { Dialog, Empty, ErrorNote, useAction, useLoad } from "../ui";
import type { Column } from "./columns";
import { ITEM_ACTIONS, PermissionEditor } from "./permissions";

const PAGE = 25;

/** Query methods a filter can use: the ones taking no value, one value, or two (between). */
const OPS = ["equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "between", "contains", "startsWith", "endsWith", "search", "isNull", "isNotNull"] as const;
type Op = (typeof OPS)[number];
type Filter = { column: string; op: Op; value: string; value2: string };

const NUMERIC = new Set(["integer", "double", "float"]);
/** Cell and filter text → the column's JSON value (numbers, booleans; everything else is text). */
function parseValue(c: Column | undefined, text: string): unknown {
  if (!c) return text;
  if (NUMERIC.has(c.type)) return text.trim() === "" ? null : Number(text);
  if (c.type === "boolean") return text === "true";
  if (text === "" && !c.required) return null;
  return text;
}

function toQuery(f: Filter, c: Column | undefined): string {
  const v = parseValue(c, f.value) as string;
  switch (f.op) {
    case "isNull": return Query.isNull(f.column);
    case "isNotNull": return Query.isNotNull(f.column);
    case "between": return Query.between(f.column, v as never, parseValue(c, f.value2) as never);
    case "equal": return Query.equal(f.column, v as never);
    case "notEqual": return Query.notEqual(f.column, v as never);
    case "lessThan": return Query.lessThan(f.column, v as never);
    case "lessThanEqual": return Query.lessThanEqual(f.column, v as never);
    case "greaterThan": return Query.greaterThan(f.column, v as never);
    case "greaterThanEqual": return Query.greaterThanEqual(f.column, v as never);
    case "contains": return Query.contains(f.column, v as never);
    case "startsWith": return Query.startsWith(f.column, f.value);
    case "endsWith": return Query.endsWith(f.column, f.value);
    case "search": return Query.search(f.column, f.value);
  }
}

/** A value as a cell shows it (objects and arrays as compact JSON). */
const show = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
/** Columns whose cells edit in place: scalars; arrays, relationships and shapes go through the JSON view. */
const inlineEditable = (c: Column) => !c.array && !["relationship", "point", "line", "polygon"].includes(c.type);

/** The data of a row without Appwrite's `$` fields (what createRow/updateRow take as `data`). */
const dataOf = (row: Models.Row) => Object.fromEntries(Object.entries(row).filter(([k]) => !k.startsWith("$")));

/**
 * The rows grid: pages of 25, sort by a column header, filters from Appwrite's Query methods (all must hold), inline
 * edits through updateRow, a JSON view per row, create, bulk delete, row permissions, live through realtime.
 */
export function Rows({ projectId, databaseId, tableId, columns, rowSecurity }: { projectId: string; databaseId: string; tableId: string; columns: Column[]; rowSecurity: boolean }) {
  const { tables } = inProject(projectId);
  const [offset, setOffset] = useState(0);
  const [sort, setSort] = useState<{ key: string; dir: "asc" | "desc" } | null>(null);
  const [filters, setFilters] = useState<Filter[]>([]);
  const [applied, setApplied] = useState<string[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<{ rowId: string; key: string } | null>(null);
  const [json, setJson] = useState<Models.Row | "new" | null>(null);
  const [perms, setPerms] = useState<Models.Row | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [live, setLive] = useState<"connecting" | "live" | "off">("connecting");
  const byKey = new Map(columns.map((c) => [c.key, c]));

  const list = useLoad(async () => {
    const queries = [Query.limit(PAGE), Query.offset(offset), ...applied, sort ? (sort.dir === "asc" ? Query.orderAsc(sort.key) : Query.orderDesc(sort.key)) : Query.orderAsc("$sequence")];
    return { offset, ...(await tables.listRows({ databaseId, tableId, queries })) };
  }, [projectId, databaseId, tableId, offset, sort?.key, sort?.dir, applied.join("\n")]);
  const reload = useRef(list.reload);
  reload.current = list.reload;

  // Another client's writes: the table's rows channel; a burst of events is one reload.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let sub: { close: () => Promise<void> } | null = null;
    let closed = false;
    const rt = realtimeIn(projectId);
    rt.subscribe(`databases.${databaseId}.tables.${tableId}.rows`, () => {
      clearTimeout(timer);
      timer = setTimeout(() => reload.current(), 150);
    }).then((s) => {
      if (closed) void s.close();
      else {
        sub = s;
        setLive("live");
      }
    }, () => setLive("off"));
    rt.onError?.(() => setLive("off"));
    return () => {
      closed = true;
      clearTimeout(timer);
      void sub?.close();
    };
  }, [projectId, databaseId, tableId]);

  const act = useAction(async (f: () => Promise<unknown>) => {
    await f();
    list.reload();
  });
  const rows = list.data?.rows ?? [];
  const total = list.data?.total ?? 0;
  const shown = list.data?.offset ?? 0;
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.$id));

  const clickSort = (key: string) => {
    setOffset(0);
    setSort(sort?.key !== key ? { key, dir: "asc" } : sort.dir === "asc" ? { key, dir: "desc" } : null);
  };
  const saveCell = (row: Models.Row, c: Column, text: string) =>
    act.run(async () => {
      await tables.updateRow({ databaseId, tableId, rowId: row.$id, data: { [c.key]: parseValue(c, text) } });
      setEditing(null);
    });

  return (
    <section aria-labelledby="rows-h">
      <div class="heading">
        <h2 id="rows-h">Rows <span class={`live live-${live}`} title="Realtime">{live === "live" ? "● live" : live === "off" ? "not live" : "…"}</span></h2>
        <div class="actions">
          <button type="button" class="danger" disabled={!selected.size} onClick={() => setConfirmDelete(true)}>Delete selected ({selected.size})</button>
          <button type="button" disabled={!columns.length} onClick={() => setJson("new")}>Create row</button>
        </div>
      </div>
      <Filters columns={columns} filters={filters} setFilters={setFilters} onApply={(fs) => { setOffset(0); setApplied(fs.map((f) => toQuery(f, byKey.get(f.column)))); }} />
      <ErrorNote error={list.error ?? act.error} />
      {!columns.length && <Empty title="No columns yet"><p>Rows need columns: create them in the Columns tab first.</p></Empty>}
      {columns.length > 0 && list.data && !rows.length && (applied.length ? <Empty title="No row matches these filters"><p>Change or clear the filters to see more rows.</p></Empty> : <Empty title="No rows yet"><p>Rows written through any Appwrite SDK appear here as they are written.</p><button type="button" onClick={() => setJson("new")}>Create the first row</button></Empty>)}
      {rows.length > 0 && (
        <div class="table-wrap grid" aria-busy={list.loading}>
          <table>
            <caption class="sr-only">Rows</caption>
            <thead>
              <tr>
                <th scope="col"><input type="checkbox" class="check" aria-label="Select all rows on this page" checked={allSelected} onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.$id)))} /></th>
                <th scope="col">$id</th>
                {columns.map((c) => (
                  <th scope="col" key={c.key} aria-sort={sort?.key === c.key ? (sort.dir === "asc" ? "ascending" : "descending") : undefined}>
                    <button type="button" class="sort" onClick={() => clickSort(c.key)}>{c.key}{sort?.key === c.key ? (sort.dir === "asc" ? " ▲" : " ▼") : ""}</button>
                  </th>
                ))}
                <th scope="col"><span class="sr-only">Row actions</span></th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.$id} class={selected.has(r.$id) ? "picked" : undefined}>
                  <td><input type="checkbox" class="check" aria-label={`Select row ${r.$id}`} checked={selected.has(r.$id)} onChange={() => { const s = new Set(selected); if (s.has(r.$id)) s.delete(r.$id); else s.add(r.$id); setSelected(s); }} /></td>
                  <td><code>{r.$id}</code></td>
                  {columns.map((c) => (
                    <td key={c.key} class="cell">
                      {editing?.rowId === r.$id && editing.key === c.key ? (
                        <CellEditor column={c} value={r[c.key]} busy={act.busy} onCancel={() => setEditing(null)} onSave={(text) => saveCell(r, c, text)} />
                      ) : inlineEditable(c) ? (
                        <button type="button" class="cell-btn" aria-label={`Edit ${c.key} of ${r.$id}`} onClick={() => setEditing({ rowId: r.$id, key: c.key })}>{show(r[c.key]) || <span class="muted">null</span>}</button>
                      ) : (
                        <span>{show(r[c.key]) || <span class="muted">null</span>}</span>
                      )}
                    </td>
                  ))}
                  <td class="row-actions">
                    <button type="button" class="quiet" aria-label={`JSON of ${r.$id}`} onClick={() => setJson(r)}>JSON</button>
                    <button type="button" class="quiet" aria-label={`Permissions of ${r.$id}`} onClick={() => setPerms(r)}>Permissions</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > PAGE && (
        <nav class="pager" aria-label="Pages">
          <button type="button" class="quiet" disabled={list.loading || shown === 0} onClick={() => setOffset(Math.max(0, shown - PAGE))}>Previous</button>
          <span>{shown + 1}–{Math.min(shown + PAGE, total)} of {total}</span>
          <button type="button" class="quiet" disabled={list.loading || shown + PAGE >= total} onClick={() => setOffset(shown + PAGE)}>Next</button>
        </nav>
      )}
      {total > 0 && total <= PAGE && <p class="muted small">{total} {total === 1 ? "row" : "rows"}</p>}
      <Dialog title={json === "new" ? "Create row" : "Row JSON"} open={json !== null} onClose={() => setJson(null)}>
        {json !== null && <RowJson key={json === "new" ? "new" : json.$id + json.$updatedAt} row={json === "new" ? null : json} columns={columns} onSave={async (rowId, data) => {
          if (await act.run(() => (json === "new" ? tables.createRow({ databaseId, tableId, rowId: rowId || ID.unique(), data }) : tables.updateRow({ databaseId, tableId, rowId: json.$id, data })))) setJson(null);
        }} onCancel={() => setJson(null)} error={act.error} busy={act.busy} />}
      </Dialog>
      <Dialog title="Row permissions" open={perms !== null} onClose={() => setPerms(null)}>
        {perms && (
          <>
            <p class="muted">Row <code>{perms.$id}</code>. {rowSecurity ? "These add to the table's permissions." : "Row security is off for this table: only the table's permissions count until it is turned on in Settings."}</p>
            <PermissionEditor id="row-perms" key={perms.$id} value={perms.$permissions} actions={ITEM_ACTIONS} busy={act.busy} onSave={async (permissions) => { if (await act.run(() => tables.updateRow({ databaseId, tableId, rowId: perms.$id, permissions }))) setPerms(null); }} />
            <ErrorNote error={act.error} />
            <div class="actions"><button type="button" class="quiet" onClick={() => setPerms(null)}>Cancel</button></div>
          </>
        )}
      </Dialog>
      <Dialog title="Delete rows" open={confirmDelete} onClose={() => setConfirmDelete(false)}>
        <p>Delete {selected.size} selected {selected.size === 1 ? "row" : "rows"}? This cannot be undone.</p>
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setConfirmDelete(false)}>Cancel</button>
          <button type="button" class="danger" disabled={act.busy} onClick={async () => {
            // One bulk call: the server deletes them in one batch (all or none).
            if (await act.run(() => tables.deleteRows({ databaseId, tableId, queries: [Query.equal("$id", [...selected]), Query.limit(selected.size)] }))) {
              setSelected(new Set());
              setConfirmDelete(false);
            }
          }}>Delete {selected.size} {selected.size === 1 ? "row" : "rows"}</button>
        </div>
      </Dialog>
    </section>
  );
}

function CellEditor({ column, value, busy, onSave, onCancel }: { column: Column; value: unknown; busy: boolean; onSave: (text: string) => void; onCancel: () => void }) {
  const [text, setText] = useState(show(value));
  const label = `New ${column.key}`;
  return (
    <form class="cell-edit" onSubmit={(e) => { e.preventDefault(); onSave(text); }} onKeyDown={(e) => e.key === "Escape" && (e.preventDefault(), onCancel())}>
      {column.type === "boolean" ? (
        <select aria-label={label} value={text} autoFocus onChange={(e) => setText((e.target as HTMLSelectElement).value)}><option value="true">true</option><option value="false">false</option></select>
      ) : column.elements ? (
        <select aria-label={label} value={text} autoFocus onChange={(e) => setText((e.target as HTMLSelectElement).value)}>{column.required ? null : <option value="">null</option>}{column.elements.map((el) => <option key={el} value={el}>{el}</option>)}</select>
      ) : (
        <input aria-label={label} value={text} autoFocus type={(NUMERIC.has(column.type) ? "number" : "text") as "text"} step="any" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      )}
      <button type="submit" disabled={busy}>Save</button>
      <button type="button" class="quiet" onClick={onCancel}>Cancel</button>
    </form>
  );
}

function RowJson({ row, columns, onSave, onCancel, error, busy }: { row: Models.Row | null; columns: Column[]; onSave: (rowId: string, data: Record<string, unknown>) => void; onCancel: () => void; error: unknown; busy: boolean }) {
  const start = row ? dataOf(row) : Object.fromEntries(columns.filter((c) => c.type !== "relationship").map((c) => [c.key, c.default ?? (c.array ? [] : null)]));
  const [text, setText] = useState(JSON.stringify(start, null, 2));
  const [rowId, setRowId] = useState("");
  const [bad, setBad] = useState<string | null>(null);
  return (
    <form onSubmit={(e) => {
      e.preventDefault();
      try {
        const data = JSON.parse(text);
        if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error("A row is a JSON object of column keys.");
        setBad(null);
        onSave(rowId.trim(), data);
      } catch (err) {
        setBad(err instanceof Error ? err.message : String(err));
      }
    }}>
      {row ? <p class="muted small"><code>{row.$id}</code> · created {new Date(row.$createdAt).toLocaleString()} · updated {new Date(row.$updatedAt).toLocaleString()}</p> : (
        <div class="field"><label for="f-rowid">Row ID</label><input id="f-rowid" value={rowId} maxLength={36} placeholder="Leave empty for a generated one" onInput={(e) => setRowId((e.target as HTMLInputElement).value)} /></div>
      )}
      <div class="field">
        <label for="f-rowjson">Data (JSON)</label>
        <textarea id="f-rowjson" rows={12} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      </div>
      {bad && <p class="error" role="alert">{bad}</p>}
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" class="quiet" onClick={onCancel}>Cancel</button>
        <button type="submit" disabled={busy}>{row ? "Save row" : "Create row"}</button>
      </div>
    </form>
  );
}

function Filters({ columns, filters, setFilters, onApply }: { columns: Column[]; filters: Filter[]; setFilters: (f: Filter[]) => void; onApply: (f: Filter[]) => void }) {
  const keys = ["$id", "$createdAt", "$updatedAt", ...columns.filter((c) => c.type !== "relationship").map((c) => c.key)];
  const set = (n: number, patch: Partial<Filter>) => setFilters(filters.map((f, m) => (m === n ? { ...f, ...patch } : f)));
  return (
    <form class="filters" aria-label="Filters" onSubmit={(e) => { e.preventDefault(); onApply(filters); }}>
      {filters.map((f, n) => (
        <div class="bar" key={n}>
          <select aria-label={`Filter ${n + 1} column`} value={f.column} onChange={(e) => set(n, { column: (e.target as HTMLSelectElement).value })}>{keys.map((k) => <option key={k} value={k}>{k}</option>)}</select>
          <select aria-label={`Filter ${n + 1} operator`} value={f.op} onChange={(e) => set(n, { op: (e.target as HTMLSelectElement).value as Op })}>{OPS.map((o) => <option key={o} value={o}>{o}</option>)}</select>
          {f.op !== "isNull" && f.op !== "isNotNull" && <input aria-label={`Filter ${n + 1} value`} value={f.value} onInput={(e) => set(n, { value: (e.target as HTMLInputElement).value })} />}
          {f.op === "between" && <input aria-label={`Filter ${n + 1} upper value`} value={f.value2} onInput={(e) => set(n, { value2: (e.target as HTMLInputElement).value })} />}
          <button type="button" class="danger quiet" aria-label={`Remove filter ${n + 1}`} onClick={() => { const next = filters.filter((_, m) => m !== n); setFilters(next); onApply(next); }}>Remove</button>
        </div>
      ))}
      <div class="bar">
        <button type="button" class="quiet" onClick={() => setFilters([...filters, { column: keys[3] ?? "$id", op: "equal", value: "", value2: "" }])}>Add filter</button>
        {filters.length > 0 && <button type="submit">Apply filters</button>}
      </div>
    </form>
  );
}
