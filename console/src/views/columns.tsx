import { IndexType, OrderBy, RelationMutate, RelationshipType, type Models, type TablesDB } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { Dialog, Empty, ErrorNote, Field, formValues, useAction } from "../ui";

export type Column = Models.ColumnString & { type: string; elements?: string[]; min?: number; max?: number; relatedTable?: string; relationType?: string; twoWay?: boolean; twoWayKey?: string; onDelete?: string; side?: string; format?: string };

const TYPES = ["string", "varchar", "text", "mediumtext", "longtext", "integer", "float", "boolean", "email", "url", "ip", "enum", "datetime", "relationship", "point", "line", "polygon"] as const;
type Kind = (typeof TYPES)[number];
/** string and varchar have a size; text, mediumtext and longtext are sized by their type. */
const TEXT_HINTS: Partial<Record<Kind, string>> = { text: "Up to 65,535 characters.", mediumtext: "Up to 16,777,215 characters.", longtext: "Up to 4,294,967,295 characters." };

/** What the column list shows as its type: the format of string-based types, the relation for relationships. */
export const typeOf = (c: Column) => (c.type === "relationship" ? `relationship (${c.relationType} → ${c.relatedTable})` : c.format ? c.format : c.type) + (c.array ? "[]" : "");

/** The table's columns with their status (`processing` until the server has added it), create and delete. */
export function Columns({ api, databaseId, tableId, columns, tables, onChange }: { api: TablesDB; databaseId: string; tableId: string; columns: Column[]; tables: Models.Table[]; onChange: () => void }) {
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<string | null>(null);
  const del = useAction(async (key: string) => {
    await api.deleteColumn({ databaseId, tableId, key });
    setDeleting(null);
    onChange();
  });
  return (
    <section aria-labelledby="cols-h">
      <div class="heading">
        <h2 id="cols-h">Columns</h2>
        <button type="button" onClick={() => setCreating(true)}>Create column</button>
      </div>
      <ErrorNote error={del.error} />
      {!columns.length ? (
        <Empty title="No columns yet"><p>Columns give rows their shape: a string, a number, an enum, a relationship to another table…</p><button type="button" onClick={() => setCreating(true)}>Create the first column</button></Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Columns</caption>
            <thead><tr><th scope="col">Key</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Default</th><th scope="col">Status</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {columns.map((c) => (
                <tr key={c.key}>
                  <td><code>{c.key}</code></td>
                  <td>{typeOf(c)}{(c.type === "string" || c.type === "varchar") && c.size ? ` (${c.size})` : ""}{c.elements ? `: ${c.elements.join(", ")}` : ""}{c.min !== undefined && c.min !== null ? ` ${c.min}…${c.max}` : ""}</td>
                  <td>{c.required ? "Yes" : "No"}</td>
                  <td>{c.default === null || c.default === undefined ? "—" : <code>{JSON.stringify(c.default)}</code>}</td>
                  <td><span class={`status status-${c.status}`}>{c.status}</span>{c.error ? ` ${c.error}` : ""}</td>
                  <td><button type="button" class="danger quiet" aria-label={`Delete column ${c.key}`} disabled={del.busy} onClick={() => setDeleting(c.key)}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title="Delete column" open={deleting !== null} onClose={() => setDeleting(null)}>
        <p>Delete column <code>{deleting}</code> and its value in every row? This cannot be undone.</p>
        <ErrorNote error={del.error} />
        <div class="actions">
          <button type="button" class="quiet" onClick={() => setDeleting(null)}>Cancel</button>
          <button type="button" class="danger" disabled={del.busy} onClick={() => deleting && del.run(deleting)}>Delete column</button>
        </div>
      </Dialog>
      <Dialog title="Create column" open={creating} onClose={() => setCreating(false)}>
        <CreateColumn api={api} databaseId={databaseId} tableId={tableId} tables={tables} onDone={() => { setCreating(false); onChange(); }} />
      </Dialog>
    </section>
  );
}

const num = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : Number(v));

function CreateColumn({ api, databaseId, tableId, tables, onDone }: { api: TablesDB; databaseId: string; tableId: string; tables: Models.Table[]; onDone: () => void }) {
  const [kind, setKind] = useState<Kind>("string");
  const { busy, error, run } = useAction(async (v: Record<string, string>) => {
    const base = { databaseId, tableId, key: v.key ?? "", required: v.required === "on" };
    const array = v.array === "on";
    const d = v.default === undefined || v.default === "" ? undefined : v.default;
    switch (kind) {
      case "string": await api.createStringColumn({ ...base, size: num(v.size) ?? 255, xdefault: d, array }); break;
      case "varchar": await api.createVarcharColumn({ ...base, size: num(v.size) ?? 255, xdefault: d, array }); break;
      case "text": await api.createTextColumn({ ...base, xdefault: d, array }); break;
      case "mediumtext": await api.createMediumtextColumn({ ...base, xdefault: d, array }); break;
      case "longtext": await api.createLongtextColumn({ ...base, xdefault: d, array }); break;
      case "integer": await api.createIntegerColumn({ ...base, min: num(v.min), max: num(v.max), xdefault: num(d), array }); break;
      case "float": await api.createFloatColumn({ ...base, min: num(v.min), max: num(v.max), xdefault: num(d), array }); break;
      case "boolean": await api.createBooleanColumn({ ...base, xdefault: d === undefined ? undefined : d === "true", array }); break;
      case "email": await api.createEmailColumn({ ...base, xdefault: d, array }); break;
      case "url": await api.createUrlColumn({ ...base, xdefault: d, array }); break;
      case "ip": await api.createIpColumn({ ...base, xdefault: d, array }); break;
      case "datetime": await api.createDatetimeColumn({ ...base, xdefault: d, array }); break;
      case "enum": await api.createEnumColumn({ ...base, elements: (v.elements ?? "").split(",").map((s) => s.trim()).filter(Boolean), xdefault: d, array }); break;
      case "point": await api.createPointColumn({ ...base, xdefault: d === undefined ? undefined : JSON.parse(d) }); break;
      case "line": await api.createLineColumn({ ...base, xdefault: d === undefined ? undefined : JSON.parse(d) }); break;
      case "polygon": await api.createPolygonColumn({ ...base, xdefault: d === undefined ? undefined : JSON.parse(d) }); break;
      case "relationship":
        await api.createRelationshipColumn({ databaseId, tableId, relatedTableId: v.relatedTableId ?? "", type: v.relationType as RelationshipType, twoWay: v.twoWay === "on", key: v.key || undefined, twoWayKey: v.twoWayKey || undefined, onDelete: v.onDelete as RelationMutate });
        break;
    }
    onDone();
  });
  const spatial = kind === "point" || kind === "line" || kind === "polygon";
  return (
    <form onSubmit={(e) => { e.preventDefault(); void run(formValues(e)); }}>
      <div class="field">
        <label for="f-col-type">Type</label>
        <select id="f-col-type" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as Kind)}>
          {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </div>
      <Field label="Key" name="key" required={kind !== "relationship"} maxLength={36} autoFocus hint={kind === "relationship" ? "Leave empty to use the related table's ID." : undefined} />
      {(kind === "string" || kind === "varchar") && <Field label="Size" name="size" type="number" defaultValue="255" hint={kind === "varchar" ? "Maximum length in characters, up to 16381 (stored in the row)." : "Maximum length in characters."} />}
      {TEXT_HINTS[kind] && <p class="muted small">{TEXT_HINTS[kind]}</p>}
      {(kind === "integer" || kind === "float") && (<div class="two"><Field label="Min" name="min" type="number" step="any" /><Field label="Max" name="max" type="number" step="any" /></div>)}
      {kind === "enum" && <Field label="Elements (comma separated)" name="elements" required />}
      {kind === "relationship" ? (
        <>
          <div class="field">
            <label for="f-related">Related table</label>
            <select id="f-related" name="relatedTableId" required>{tables.map((t) => <option key={t.$id} value={t.$id}>{t.name} ({t.$id})</option>)}</select>
          </div>
          <div class="field">
            <label for="f-reltype">Relation</label>
            <select id="f-reltype" name="relationType">{Object.values(RelationshipType).map((t) => <option key={t} value={t}>{t}</option>)}</select>
          </div>
          <label class="checkline"><input type="checkbox" name="twoWay" class="check" /> Two-way (the related table gets a column back)</label>
          <Field label="Two-way key" name="twoWayKey" maxLength={36} />
          <div class="field">
            <label for="f-ondelete">On delete</label>
            <select id="f-ondelete" name="onDelete">{Object.values(RelationMutate).map((t) => <option key={t} value={t}>{t}</option>)}</select>
          </div>
        </>
      ) : (
        <>
          {kind === "boolean" ? (
            <div class="field"><label for="f-default">Default</label><select id="f-default" name="default"><option value="">none</option><option value="true">true</option><option value="false">false</option></select></div>
          ) : (
            <Field label="Default" name="default" hint={spatial ? "JSON, e.g. [1, 2] for a point." : kind === "datetime" ? "ISO 8601, e.g. 2026-01-31T12:00:00Z." : "Only for optional columns."} />
          )}
          <label class="checkline"><input type="checkbox" name="required" class="check" /> Required</label>
          {!spatial && <label class="checkline"><input type="checkbox" name="array" class="check" /> Array (a list of values)</label>}
        </>
      )}
      <ErrorNote error={error} />
      <div class="actions">
        <button type="button" class="quiet" onClick={onDone}>Cancel</button>
        <button type="submit" disabled={busy}>Create column</button>
      </div>
    </form>
  );
}

/** Indexes: key, unique, fulltext (and spatial) over one or more columns, each with its order. */
export function Indexes({ api, databaseId, tableId, columns, indexes, onChange }: { api: TablesDB; databaseId: string; tableId: string; columns: Column[]; indexes: Models.ColumnIndex[]; onChange: () => void }) {
  const [creating, setCreating] = useState(false);
  const [picked, setPicked] = useState<{ column: string; order: string }[]>([]);
  const del = useAction(async (key: string) => {
    await api.deleteIndex({ databaseId, tableId, key });
    onChange();
  });
  const create = useAction(async (v: Record<string, string>) => {
    const type = v.type as IndexType;
    await api.createIndex({ databaseId, tableId, key: v.key ?? "", type, columns: picked.map((p) => p.column), orders: type === IndexType.Spatial ? undefined : picked.map((p) => p.order as OrderBy) });
    setCreating(false);
    onChange();
  });
  return (
    <section aria-labelledby="idx-h">
      <div class="heading">
        <h2 id="idx-h">Indexes</h2>
        <button type="button" onClick={() => { setPicked(columns[0] ? [{ column: columns[0].key, order: "asc" }] : []); setCreating(true); }}>Create index</button>
      </div>
      <ErrorNote error={del.error} />
      {!indexes.length ? <Empty title="No indexes"><p>An index makes filters and sorts on its columns fast; unique ones refuse duplicates; fulltext ones serve search.</p></Empty> : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Indexes</caption>
            <thead><tr><th scope="col">Key</th><th scope="col">Type</th><th scope="col">Columns</th><th scope="col">Status</th><th><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {indexes.map((i) => (
                <tr key={i.key}>
                  <td><code>{i.key}</code></td>
                  <td>{i.type}</td>
                  <td>{i.columns.map((c, n) => `${c}${i.orders?.[n] ? ` ${i.orders[n]}` : ""}`).join(", ")}</td>
                  <td><span class={`status status-${i.status}`}>{i.status}</span>{i.error ? ` ${i.error}` : ""}</td>
                  <td><button type="button" class="danger quiet" aria-label={`Delete index ${i.key}`} disabled={del.busy} onClick={() => del.run(i.key)}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog title="Create index" open={creating} onClose={() => setCreating(false)}>
        <form onSubmit={(e) => { e.preventDefault(); void create.run(formValues(e)); }}>
          <Field label="Index key" name="key" required maxLength={36} autoFocus />
          <div class="field">
            <label for="f-idx-type">Index type</label>
            <select id="f-idx-type" name="type">{Object.values(IndexType).map((t) => <option key={t} value={t}>{t}</option>)}</select>
          </div>
          <fieldset class="field">
            <legend>Columns</legend>
            {picked.map((p, n) => (
              <div class="bar" key={n}>
                <select aria-label={`Column ${n + 1}`} value={p.column} onChange={(e) => setPicked(picked.map((x, m) => (m === n ? { ...x, column: (e.target as HTMLSelectElement).value } : x)))}>
                  {columns.map((c) => <option key={c.key} value={c.key}>{c.key}</option>)}
                </select>
                <select aria-label={`Order ${n + 1}`} value={p.order} onChange={(e) => setPicked(picked.map((x, m) => (m === n ? { ...x, order: (e.target as HTMLSelectElement).value } : x)))}>
                  <option value="asc">asc</option><option value="desc">desc</option>
                </select>
                <button type="button" class="danger quiet" aria-label={`Remove column ${n + 1}`} onClick={() => setPicked(picked.filter((_, m) => m !== n))}>Remove</button>
              </div>
            ))}
            <button type="button" class="quiet" disabled={!columns.length} onClick={() => setPicked([...picked, { column: columns[0]?.key ?? "", order: "asc" }])}>Add column</button>
          </fieldset>
          <ErrorNote error={create.error} />
          <div class="actions">
            <button type="button" class="quiet" onClick={() => setCreating(false)}>Cancel</button>
            <button type="submit" disabled={create.busy || !picked.length}>Create index</button>
          </div>
        </form>
      </Dialog>
    </section>
  );
}
