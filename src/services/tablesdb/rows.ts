import { AppwriteError, error } from "../../core/errors";
import { resolveId, uniqueId, isValidId, KEY_DESCRIPTION } from "../../core/ids";
import { assertGrantable, defaultPermissions, isAllowed, ITEM_ACTIONS, normalizePermissions, permissionPredicate, rolesFor, type Action } from "../../core/permissions";
import type { Grouped } from "../../core/query/parse";
import { Binder, compileFilters, type Field, type FieldType, type Resolver } from "../../core/query/sql";
import { formatDate, parseDate } from "../../core/time";
import { prepareQueries, runList } from "../../db/list";
import type { Ctx } from "../../platform/context";
import { eventStmtFromSql } from "./common";
import { bboxMeets, ftsName } from "./ddl";
import type { Flavor } from "./flavor";
import { changedGuard, failedGuard, guardStmt, loadTable, permsTable, q, type ColumnMeta, type TableMeta } from "./meta";
import { applyOperator, asOperator } from "./operators";
import { dataColumns, decodeValue, encodeValue, storedDefault, structureError, ValueError } from "./validation";
import { inputObject } from "../../core/input";
import { isSpatialType } from "../../core/geometry";

/** Rows: storage encoding, models, permission checks and the write paths shared by every row route. */
export type Raw = Record<string, unknown>;
export type Model = Record<string, unknown>;

/** APP_LIMIT_DATABASE_BATCH: rows per bulk create/upsert. */
export const BATCH_MAX = 100;
/** Rows one updateRows/deleteRows call may touch (one atomic D1 batch with one event per row). */
export const BULK_MATCH_MAX = 500;

/** A Map, so attribute names such as `constructor` or `__proto__` resolve to nothing. */
const SYSTEM = new Map<string, Field>([
  ["$id", { sql: "t._uid", type: "string" }],
  ["$sequence", { sql: "t._seq", type: "integer" }],
  ["$createdAt", { sql: "t._createdAt", type: "datetime" }],
  ["$updatedAt", { sql: "t._updatedAt", type: "datetime" }],
]);

export function fieldType(col: ColumnMeta): FieldType {
  switch (col.type) {
    case "integer": case "bigint": return "integer";
    case "double": return "float";
    case "boolean": return "boolean";
    case "datetime": return "datetime";
    default: return "string";
  }
}

/** A related table that `rel.field` queries read, with the caller's read condition on its rows (null: none readable). */
export interface RelatedRead {
  t: TableMeta;
  visible: ((alias: string) => string) | null;
}

/** A system field or queryable column of `t` under `alias` (no relationships through it). */
function columnField(t: TableMeta, key: string, alias: string): Field | undefined {
  const system = SYSTEM.get(key);
  if (system) return { sql: system.sql.replace(/^t\./, `${alias}.`), type: system.type };
  const col = t.columns.find((c) => c.key === key && c.sql && c.status === "available" && !c.options.hidden);
  if (!col) return undefined;
  const field: Field = { sql: `${alias}.${col.sql}`, type: fieldType(col), array: col.array };
  if (isSpatialType(col.type)) {
    const index = t.indexes.find((i) => i.type === "spatial" && i.columns[0] === key && i.status === "available");
    field.spatial = { type: col.type, meets: index && ((box, b) => bboxMeets(t, index.seq, alias, box.map((v) => b.bind(v)) as [string, string, string, string])) };
  }
  return field;
}

export function resolver(t: TableMeta, related?: Map<string, RelatedRead>): Resolver {
  const fts = t.indexes.filter((i) => i.type === "fulltext");
  return (key) => {
    const dot = key.indexOf(".");
    if (dot > 0 && related) {
      // `rel.field` on a *-to-one relationship stored here: the related row's value, and only when the
      // caller may read that row (the same rule as listing the related table); otherwise it is absent.
      const col = t.columns.find((c) => c.key === key.slice(0, dot) && c.type === "relationship" && c.sql && !c.options.hidden);
      const rel = col && related.get(String(col.options.relatedTable));
      if (!col || !rel) return undefined;
      const inner = `r${col.seq}`;
      const rf = columnField(rel.t, key.slice(dot + 1), inner);
      if (!rf) return undefined;
      if (!rel.visible) return { sql: "NULL", type: rf.type, array: rf.array };
      return { sql: `(SELECT ${rf.sql} FROM ${q(rel.t.physical)} ${inner} WHERE ${inner}._uid = t.${col.sql} AND ${rel.visible(inner)})`, type: rf.type, array: rf.array };
    }
    const f = columnField(t, key, "t");
    const col = f && t.columns.find((c) => c.key === key);
    if (!col) return f;
    const idx = fts.find((i) => i.columns.includes(key));
    const name = idx ? q(ftsName(t, idx.seq)) : "";
    return {
      ...f,
      search: idx ? (param: string) => `t._seq IN (SELECT rowid FROM ${name} WHERE ${name} MATCH '{${col.sql}} : (' || ${param} || ')')` : undefined,
    };
  };
}

/** The stored columns of a row (for SELECT and RETURNING), optionally qualified by an alias. */
const rowColumns = (t: TableMeta, alias = "") => {
  const a = alias ? `${alias}.` : "";
  return ["_seq", "_uid", "_createdAt", "_updatedAt", "_permissions", ...dataColumns(t).map((c) => c.sql)].map((x) => `${a}${x} AS ${x}`).join(", ");
};

export const selectList = (t: TableMeta) => rowColumns(t, "t");

/** `select` queries → the set of column keys to include (null = all). */
export function selection(fl: Flavor, t: TableMeta, select: string[] | null): Set<string> | null {
  if (!select || select.includes("*")) return null;
  const keys = new Set<string>();
  for (const s of select) {
    if (s.startsWith("$")) continue;
    const base = s.split(".")[0]!;
    if (!t.columns.some((c) => c.key === base)) throw new AppwriteError("general_query_invalid", `Invalid query: Attribute not found in schema: ${s}`);
    keys.add(base);
  }
  void fl;
  return keys;
}

export function rowModel(fl: Flavor, t: TableMeta, raw: Raw, select: Set<string> | null = null): Model {
  const out: Model = {
    $id: raw._uid, $sequence: String(raw._seq), [fl.tableKey]: t.id, $databaseId: t.db.id,
    $createdAt: formatDate(Number(raw._createdAt)), $updatedAt: formatDate(Number(raw._updatedAt)),
    $permissions: JSON.parse(String(raw._permissions ?? "[]")),
  };
  for (const col of dataColumns(t)) {
    if ((select && !select.has(col.key)) || col.options.hidden) continue;
    out[col.key] = decodeValue(col, raw[col.sql]);
  }
  return out;
}

// ---- permissions -------------------------------------------------------------------------------

export const tableAllows = (c: Ctx, t: TableMeta, action: Action) => c.var.caller.privileged || isAllowed(c.var.caller.roles, t.permissions, action);

/** §3.4: table permission, OR (rowSecurity AND row permission). */
export function rowAllows(c: Ctx, t: TableMeta, rowPermissions: string[], action: Action): boolean {
  return tableAllows(c, t, action) || (t.rowSecurity && isAllowed(c.var.caller.roles, rowPermissions, action));
}

/**
 * SQL condition "the caller may `action` the row `ref`": "1" when the table grants it, the row-security
 * predicate when rows may, "0" when nothing can. `bind` places the predicate's values.
 */
function permissionSql(c: Ctx, t: TableMeta, action: Action, ref: string, bind: (v: unknown) => string): string {
  if (tableAllows(c, t, action)) return "1";
  if (!t.rowSecurity) return "0";
  const pred = permissionPredicate(q(permsTable(t)), `${ref}._seq`, action, c.var.caller.roles);
  let i = 0;
  return pred.sql.replace(/\?/g, () => bind(pred.params[i++]));
}

/** Read filter for lists: nothing, the row-security predicate, or 401 when neither table nor rows may grant it. */
export function readFilter(c: Ctx, t: TableMeta, b: Binder): string {
  if (!tableAllows(c, t, "read") && !t.rowSecurity) throw new AppwriteError("user_unauthorized");
  return permissionSql(c, t, "read", "t", (v) => b.bind(v));
}

/** A SQLite string literal. Only for server-derived text (the caller's roles), never for request input. */
const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The caller's read condition on a related table's rows, for `rel.field` filters and orders. Their SQL
 * is compiled once and reused by several statements of a list (page, count, cursor), each with its own
 * bound parameters, so the roles are written as a literal; null when no row of the table is readable.
 */
function relatedReadable(c: Ctx, rt: TableMeta): ((alias: string) => string) | null {
  if (!rt.enabled && !c.var.caller.privileged) return null;
  if (!tableAllows(c, rt, "read") && !rt.rowSecurity) return null;
  return (alias) => permissionSql(c, rt, "read", alias, (v) => sqlText(String(v)));
}

// ---- events ------------------------------------------------------------------------------------

/** SQL: epoch ms → Appwrite's datetime text, exactly as formatDate writes it. */
const dateSql = (x: string) => `strftime('%Y-%m-%dT%H:%M:%f', ${x} / 1000.0, 'unixepoch') || '+00:00'`;

/** SQL: one stored column → its JSON value in the row model (decodeValue's rules). */
function valueSql(col: ColumnMeta, x: string): string {
  if (col.array) {
    if (col.type !== "datetime") return `json(COALESCE(${x}, 'null'))`;
    const item = `CASE WHEN typeof(j.value) IN ('integer', 'real') THEN ${dateSql("j.value")} ELSE j.value END`;
    return `json(CASE WHEN ${x} IS NULL THEN 'null' ELSE (SELECT json_group_array(${item}) FROM json_each(${x}) j) END)`;
  }
  if (isSpatialType(col.type)) return `json(COALESCE(${x}, 'null'))`;
  if (col.type === "boolean") return `json(CASE WHEN ${x} IS NULL THEN 'null' WHEN ${x} THEN 'true' ELSE 'false' END)`;
  if (col.type === "datetime") return `CASE WHEN typeof(${x}) IN ('integer', 'real') THEN ${dateSql(x)} ELSE ${x} END`;
  return x;
}

/** Arguments per json_object/json_set call, well under SQLite's limit on function arguments. */
const JSON_ARGS = 100;

/** SQL for the row model of the row aliased `x` (rowModel's shape), so an event can carry the row as a batch wrote it. */
function modelSql(fl: Flavor, t: TableMeta, b: Binder, x: string): string {
  const pairs: [string, string][] = [
    ["$id", `${x}._uid`], ["$sequence", `CAST(${x}._seq AS TEXT)`], [fl.tableKey, b.bind(t.id)], ["$databaseId", b.bind(t.db.id)],
    ["$createdAt", dateSql(`${x}._createdAt`)], ["$updatedAt", dateSql(`${x}._updatedAt`)], ["$permissions", `json(${x}._permissions)`],
  ].map(([k, v]) => [`'${k}'`, v!]);
  for (const col of dataColumns(t)) if (!col.options.hidden) pairs.push([b.bind(col.key), valueSql(col, `${x}.${col.sql}`)]);
  const chunks: [string, string][][] = [];
  for (let i = 0; i < pairs.length; i += JSON_ARGS / 2) chunks.push(pairs.slice(i, i + JSON_ARGS / 2));
  let out = `json_object(${chunks[0]!.flat().join(", ")})`;
  for (const chunk of chunks.slice(1)) {
    out = `json_set(${out}, ${chunk.map(([k, v]) => `'$."' || ${k} || '"', ${v}`).join(", ")})`;
  }
  return out;
}

/**
 * The event of a row, built by SQL from the row as it stands at this point of the batch: after an
 * INSERT or UPDATE it carries what was written (concurrent writers included); before a DELETE, what
 * is deleted (a row already gone records nothing, and the DELETE's guard fails the batch). Realtime
 * roles are the table's readers plus, with rowSecurity, the row's.
 */
export function rowEvent(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, action: string): D1PreparedStatement {
  const tableRoles = JSON.stringify(rolesFor(t.permissions, "read"));
  return eventStmtFromSql(c, {
    pattern: `databases.[databaseId].tables.[tableId].rows.[rowId].${action}`,
    params: { databaseId: t.db.id, tableId: t.id, rowId },
  }, (b) => {
    const id = b.bind(rowId);
    const row = `FROM ${q(t.physical)} x WHERE x._uid = ${id}`;
    const roles = t.rowSecurity
      ? `(SELECT json_group_array(role) FROM (SELECT value AS role FROM json_each(${b.bind(tableRoles)}) UNION SELECT p.role FROM ${q(permsTable(t))} p JOIN ${q(t.physical)} x ON p.item = x._seq WHERE x._uid = ${id} AND p.action = 'read'))`
      : b.bind(tableRoles);
    return { payload: `(SELECT ${modelSql(fl, t, b, "x")} ${row})`, roles, where: `EXISTS (SELECT 1 ${row})` };
  });
}

// ---- reads -------------------------------------------------------------------------------------

export async function readRaw(c: Ctx, t: TableMeta, rowId: string): Promise<Raw | null> {
  const [, res] = await c.var.d1.batch<Raw>([guardStmt(c.var.d1, t), c.var.d1.prepare(`SELECT ${selectList(t)} FROM ${q(t.physical)} t WHERE t._uid = ?1`).bind(rowId)]);
  return res!.results[0] ?? null;
}

export async function readRawMany(c: Ctx, t: TableMeta, ids: string[]): Promise<Map<string, Raw>> {
  if (!ids.length) return new Map();
  const [, res] = await c.var.d1.batch<Raw>([
    guardStmt(c.var.d1, t),
    c.var.d1.prepare(`SELECT ${selectList(t)} FROM ${q(t.physical)} t WHERE t._uid IN (SELECT value FROM json_each(?1))`).bind(JSON.stringify(ids)),
  ]);
  return new Map(res!.results.map((r) => [String(r._uid), r]));
}

export async function getRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, select: string[] | null): Promise<Model> {
  const sel = selection(fl, t, select);
  const raw = await readRaw(c, t, rowId);
  if (!raw || !rowAllows(c, t, JSON.parse(String(raw._permissions)), "read")) throw error(fl.err.rowNotFound, rowId);
  return rowModel(fl, t, raw, sel);
}

/** Related tables of the *-to-one relationships a query names as `rel.field`, with the caller's read condition. */
async function relatedForQueries(c: Ctx, fl: Flavor, t: TableMeta, g: Grouped): Promise<Map<string, RelatedRead> | undefined> {
  const cols = t.columns.filter((x) => x.type === "relationship" && x.sql && !x.options.hidden);
  if (!cols.length) return undefined;
  const text = JSON.stringify([g.filters, g.orders]);
  const out = new Map<string, RelatedRead>();
  for (const col of cols) {
    if (!text.includes(`"${col.key}.`)) continue;
    const id = String(col.options.relatedTable);
    if (out.has(id)) continue;
    const rt = await loadTable(c, fl, t.db.id, id, { allowDisabled: true });
    out.set(id, { t: rt, visible: relatedReadable(c, rt) });
  }
  return out;
}

export async function listRows(c: Ctx, fl: Flavor, t: TableMeta, g: Grouped, withTotal: boolean): Promise<{ rows: Model[]; raws: Raw[]; total: number }> {
  const sel = selection(fl, t, g.select);
  const res = await runList<Raw>(c.var.d1, {
    from: `${q(t.physical)} AS t`, columns: selectList(t), sequence: "t._seq", id: "t._uid",
    base: (b) => readFilter(c, t, b), resolve: resolver(t, await relatedForQueries(c, fl, t, g)), prelude: [guardStmt(c.var.d1, t)],
  }, g, withTotal);
  return { rows: res.rows.map((r) => rowModel(fl, t, r, sel)), raws: res.rows, total: res.total };
}

// ---- writes ------------------------------------------------------------------------------------

export interface NewRow {
  id: string;
  data: Record<string, unknown>;
  permissions?: string[] | null;
}

/** Split `$`-keys from data (into a null-prototype object); privileged callers may set $createdAt/$updatedAt. */
function userData(c: Ctx, fl: Flavor, data: Record<string, unknown>): { values: Record<string, unknown>; createdAt?: number; updatedAt?: number } {
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new AppwriteError("general_argument_invalid", "Invalid `data` param: Value must be a valid JSON object");
  const values: Record<string, unknown> = inputObject();
  let createdAt: number | undefined;
  let updatedAt: number | undefined;
  for (const [k, v] of Object.entries(data)) {
    if (!k.startsWith("$")) {
      values[k] = v;
      continue;
    }
    if ((k === "$createdAt" || k === "$updatedAt") && c.var.caller.privileged && v !== null && v !== undefined) {
      const ms = parseDate(v);
      if (ms === null) throw structureError(fl, `Attribute "${k}" has invalid type. Value must be valid date`);
      if (k === "$createdAt") createdAt = ms;
      else updatedAt = ms;
    }
  }
  return { values, createdAt, updatedAt };
}

function unknownKey(fl: Flavor, t: TableMeta, values: Record<string, unknown>): void {
  for (const k of Object.keys(values)) {
    const col = t.columns.find((c) => c.key === k);
    if (!col || !col.sql || col.options.hidden) throw structureError(fl, `Unknown attribute: "${k}"`);
    if (col.status !== "available") throw error(fl.err.columnNotAvailable, k);
  }
}

function encodeOrThrow(fl: Flavor, col: ColumnMeta, v: unknown): unknown {
  try {
    return encodeValue(col, v);
  } catch (e) {
    if (e instanceof ValueError) throw structureError(fl, e.detail);
    throw e;
  }
}

/** Encode a full new row (defaults applied, required enforced): stored values in dataColumns order. */
export function encodeNew(fl: Flavor, t: TableMeta, values: Record<string, unknown>): unknown[] {
  unknownKey(fl, t, values);
  return dataColumns(t).map((col) => {
    let v = Object.hasOwn(values, col.key) ? values[col.key] : undefined;
    if (typeof v === "string" && asOperator(v)) v = applyOperator(col, asOperator(v)!, col.default ?? null);
    if (v === undefined || v === null) {
      if (col.required) throw structureError(fl, `Missing required attribute "${col.key}"`);
      if (v === undefined && col.default !== null && col.default !== undefined) return storedDefault(col);
      return null;
    }
    return encodeOrThrow(fl, col, v);
  });
}

/** Does this partial update read the row's current values (operators)? */
const readsCurrent = (values: Record<string, unknown>) => Object.values(values).some((v) => asOperator(v) !== null);

/** Apply a partial update (operators need `current`, the row's model) ; returns the changed stored values. */
export function encodeChanges(fl: Flavor, t: TableMeta, current: Model | null, values: Record<string, unknown>): Map<ColumnMeta, unknown> {
  unknownKey(fl, t, values);
  const out = new Map<ColumnMeta, unknown>();
  for (const [k, raw] of Object.entries(values)) {
    const col = t.columns.find((c) => c.key === k)!;
    const op = asOperator(raw);
    const v = op ? applyOperator(col, op, current && Object.hasOwn(current, k) ? current[k] : null) : raw;
    if ((v === null || v === undefined) && col.required) throw structureError(fl, `Missing required attribute "${col.key}"`);
    out.set(col, v === undefined ? null : encodeOrThrow(fl, col, v));
  }
  return out;
}

/** Row permissions to store: explicit ones normalised and checked as grantable, else the creator's defaults. */
export function rowPermissions(c: Ctx, given: string[] | null | undefined): string[] {
  if (given === null || given === undefined) return c.var.caller.privileged ? [] : defaultPermissions(c.var.caller.user?.id);
  if (!Array.isArray(given) || !given.every((x) => typeof x === "string")) throw new AppwriteError("general_argument_invalid", "Invalid `permissions` param: Value must be an array of strings");
  const perms = normalizePermissions(given, ITEM_ACTIONS);
  assertGrantable(c.var.caller.roles, c.var.caller.privileged, perms);
  return perms;
}

/** Map SQLite constraint failures to Appwrite's errors. */
export function writeError(fl: Flavor, e: unknown, id = ""): unknown {
  const m = String((e as Error)?.message ?? e);
  if (/UNIQUE constraint failed: [^\s,]*\._uid/.test(m)) return error(fl.err.rowExists, id);
  if (/UNIQUE constraint failed/.test(m)) return new AppwriteError(fl.err.rowUnique);
  return e;
}

export interface Prepared {
  id: string;
  stored: unknown[];
  permissions: string[];
  createdAt: number;
  updatedAt: number;
}

/** Validate new rows into their stored form (no I/O). */
export function prepareNew(c: Ctx, fl: Flavor, t: TableMeta, rows: NewRow[]): Prepared[] {
  const now = Date.now();
  return rows.map((r) => {
    const { values, createdAt, updatedAt } = userData(c, fl, r.data);
    return { id: r.id, stored: encodeNew(fl, t, values), permissions: rowPermissions(c, r.permissions), createdAt: createdAt ?? now, updatedAt: updatedAt ?? createdAt ?? now };
  });
}

/** The stored form of a prepared row (as readRaw returns it). */
export function rawOfPrepared(t: TableMeta, p: Prepared, seq: number | string = 0): Raw {
  const raw: Raw = { _seq: seq, _uid: p.id, _createdAt: p.createdAt, _updatedAt: p.updatedAt, _permissions: JSON.stringify(p.permissions) };
  dataColumns(t).forEach((col, n) => (raw[col.sql] = p.stored[n]));
  return raw;
}

export function modelOfPrepared(fl: Flavor, t: TableMeta, p: Prepared, seq: number | string = 0): Model {
  return rowModel(fl, t, rawOfPrepared(t, p, seq));
}

/** INSERT statements for prepared rows (one statement for the rows, one for their permissions). */
export function insertStatements(c: Ctx, t: TableMeta, rows: Prepared[]): D1PreparedStatement[] {
  const cols = dataColumns(t);
  const names = ["_uid", "_createdAt", "_updatedAt", "_permissions", ...cols.map((x) => x.sql)];
  const extract = names.map((_, n) => `json_extract(value, '$[${n}]')`).join(", ");
  const payload = rows.map((r) => [r.id, r.createdAt, r.updatedAt, JSON.stringify(r.permissions), ...r.stored]);
  const triples = rows.flatMap((r) => r.permissions.map((perm) => {
    const m = /^(\w+)\("(.*)"\)$/.exec(perm)!;
    return [r.id, m[1], m[2]];
  }));
  const out = [c.var.d1.prepare(`INSERT INTO ${q(t.physical)} (${names.join(", ")}) SELECT ${extract} FROM json_each(?1) RETURNING _uid, _seq`).bind(JSON.stringify(payload))];
  if (triples.length) {
    out.push(c.var.d1.prepare(
      `INSERT OR IGNORE INTO ${q(permsTable(t))} (item, action, role) SELECT t._seq, json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]') FROM json_each(?1) j JOIN ${q(t.physical)} t ON t._uid = json_extract(j.value, '$[0]')`,
    ).bind(JSON.stringify(triples)));
  }
  return out;
}

/** Statements replacing one row's permission entries. */
export function replacePermsStatements(c: Ctx, t: TableMeta, rowId: string, permissions: string[]): D1PreparedStatement[] {
  const pairs = permissions.map((perm) => {
    const m = /^(\w+)\("(.*)"\)$/.exec(perm)!;
    return [m[1], m[2]];
  });
  const item = `(SELECT _seq FROM ${q(t.physical)} WHERE _uid = ?1)`;
  const out = [c.var.d1.prepare(`DELETE FROM ${q(permsTable(t))} WHERE item = ${item}`).bind(rowId)];
  if (pairs.length) {
    out.push(c.var.d1.prepare(`INSERT OR IGNORE INTO ${q(permsTable(t))} (item, action, role) SELECT ${item}, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2)`).bind(rowId, JSON.stringify(pairs)));
  }
  return out;
}

/** Create rows in one atomic batch with their events; returns the created models (with $sequence). */
export async function createRows(c: Ctx, fl: Flavor, t: TableMeta, rows: NewRow[], action = "create"): Promise<Model[]> {
  if (!tableAllows(c, t, "create")) throw new AppwriteError("user_unauthorized");
  const prepared = prepareNew(c, fl, t, rows);
  const seen = new Set<string>();
  for (const p of prepared) {
    if (seen.has(p.id)) throw error(fl.err.rowExists, p.id);
    seen.add(p.id);
  }
  const models = prepared.map((p) => modelOfPrepared(fl, t, p));
  const stmts = [guardStmt(c.var.d1, t), ...insertStatements(c, t, prepared), ...prepared.map((p) => rowEvent(c, fl, t, p.id, action))];
  let res: D1Result<Raw>[];
  try {
    res = await c.var.d1.batch<Raw>(stmts);
  } catch (e) {
    throw writeError(fl, e, prepared.length === 1 ? prepared[0]!.id : "");
  }
  const seqs = new Map(res[1]!.results.map((r) => [String(r._uid), String(r._seq)]));
  for (const m of models) m.$sequence = seqs.get(String(m.$id)) ?? "0";
  return models;
}

/** Parse a row id for bulk rows (`$id`, default unique()). */
export function bulkId(v: unknown): string {
  if (v === undefined || v === null || v === "unique()") return uniqueId();
  if (!isValidId(v)) throw new AppwriteError("general_bad_request", KEY_DESCRIPTION);
  return v;
}

export { resolveId };

/** Increment/decrement of one numeric column, computed by SQL from the stored value. */
export interface Bump {
  col: ColumnMeta;
  /** Signed: negative for decrement. */
  delta: number;
  /** The request's `max` (increment) or `min` (decrement). */
  bound?: number;
  kind: "increment" | "decrement";
}

/** One row's UPDATE: stored values to set, optional new permissions and timestamps. */
export interface RowUpdate {
  values: Map<ColumnMeta, unknown>;
  permissions?: string[];
  createdAt?: number;
  /** `_updatedAt` to store; default: now, and always later than the stored one. */
  updatedAt?: number;
  /** Read-modify-write: apply only while the row is still at this `_updatedAt`. */
  pin?: number;
  bump?: Bump;
}

const INT64_MIN = -9223372036854775808;
const INT64_MAX = 9223372036854775807;

/** The range a numeric column accepts (its min/max, else the type's). */
function columnRange(col: ColumnMeta): [number, number] {
  const float = col.type === "double";
  return [(col.options.min as number | undefined) ?? (float ? -Number.MAX_VALUE : INT64_MIN), (col.options.max as number | undefined) ?? (float ? Number.MAX_VALUE : INT64_MAX)];
}

/**
 * One row's UPDATE for a batch. Only the given columns are set, so concurrent writers of other
 * columns are kept; `_updatedAt` always moves forward; the caller's update permission and a bump's
 * bounds are part of the WHERE, so nothing can change between the check and the write. Then a guard
 * that fails the batch (`edgewrite-conflict`) when no row matched, the permission rows and the event
 * built from the row as written. The UPDATE returns the written row.
 */
export function rowUpdateStatements(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, u: RowUpdate, action = "update"): D1PreparedStatement[] {
  const b = new Binder();
  const sets = [`_updatedAt = ${u.updatedAt !== undefined ? b.bind(u.updatedAt) : `max(${b.bind(Date.now())}, _updatedAt + 1)`}`];
  if (u.permissions) sets.push(`_permissions = ${b.bind(JSON.stringify(u.permissions))}`);
  if (u.createdAt !== undefined) sets.push(`_createdAt = ${b.bind(u.createdAt)}`);
  for (const [col, v] of u.values) sets.push(`${col.sql} = ${b.bind(v)}`);
  const where = [`_uid = ${b.bind(rowId)}`, permissionSql(c, t, "update", q(t.physical), (v) => b.bind(v))];
  if (u.pin !== undefined) where.push(`_updatedAt = ${b.bind(u.pin)}`);
  if (u.bump) {
    const { col, delta, bound, kind } = u.bump;
    const next = `(COALESCE(${col.sql}, 0) + ${b.bind(delta)})`;
    const [min, max] = columnRange(col);
    sets.push(`${col.sql} = ${next}`);
    where.push(`${next} BETWEEN ${b.bind(min)} AND ${b.bind(max)}`);
    if (bound !== undefined) where.push(`${next} ${kind === "increment" ? "<=" : ">="} ${b.bind(bound)}`);
  }
  const stmts = [
    c.var.d1.prepare(`UPDATE ${q(t.physical)} SET ${sets.join(", ")} WHERE ${where.join(" AND ")} RETURNING ${rowColumns(t)}`).bind(...b.finish()),
    changedGuard(c.var.d1, "conflict"),
  ];
  if (u.permissions) stmts.push(...replacePermsStatements(c, t, rowId, u.permissions));
  stmts.push(rowEvent(c, fl, t, rowId, action));
  return stmts;
}

export interface Change {
  raw: Raw;
  data: Record<string, unknown>;
  permissions?: string[] | null;
}

/**
 * The UPDATE of one row already read (bulk writes, relationships, transactions): partial data with
 * operators, optional new permissions, pinned to the `_updatedAt` read. Returns the row as it will be.
 */
export function updateStatements(c: Ctx, fl: Flavor, t: TableMeta, ch: Change, action = "update"): { stmts: D1PreparedStatement[]; model: Model; raw: Raw } {
  const { values, createdAt, updatedAt } = userData(c, fl, ch.data);
  const changes = encodeChanges(fl, t, rowModel(fl, t, ch.raw), values);
  const oldUpdated = Number(ch.raw._updatedAt);
  const now = updatedAt ?? Math.max(Date.now(), oldUpdated + 1);
  const perms = ch.permissions === undefined || ch.permissions === null ? undefined : rowPermissions(c, ch.permissions);
  const rowId = String(ch.raw._uid);
  const stmts = rowUpdateStatements(c, fl, t, rowId, { values: changes, permissions: perms, createdAt, updatedAt: now, pin: oldUpdated }, action);
  const raw: Raw = { ...ch.raw, _updatedAt: now };
  if (perms) raw._permissions = JSON.stringify(perms);
  if (createdAt !== undefined) raw._createdAt = createdAt;
  for (const [col, v] of changes) raw[col.sql] = v;
  return { stmts, model: rowModel(fl, t, raw), raw };
}

/** UPDATE of an existing row from its old to its new stored state (transactions' commit), pinned to the old `_updatedAt`. */
export function diffUpdateStatements(c: Ctx, fl: Flavor, t: TableMeta, oldRaw: Raw, newRaw: Raw, action = "update"): D1PreparedStatement[] {
  const b = new Binder();
  const sets = ["_updatedAt", "_createdAt", "_permissions", ...dataColumns(t).map((x) => x.sql)].map((k) => `${k} = ${b.bind(newRaw[k] ?? null)}`);
  const rowId = String(oldRaw._uid);
  const stmts = [
    c.var.d1.prepare(`UPDATE ${q(t.physical)} SET ${sets.join(", ")} WHERE _seq = ${b.bind(Number(oldRaw._seq))} AND _updatedAt = ${b.bind(Number(oldRaw._updatedAt))}`).bind(...b.finish()),
    changedGuard(c.var.d1, "txconflict"),
  ];
  if (newRaw._permissions !== oldRaw._permissions) stmts.push(...replacePermsStatements(c, t, rowId, JSON.parse(String(newRaw._permissions))));
  stmts.push(rowEvent(c, fl, t, rowId, action));
  return stmts;
}

/** Retry a read-modify-write a few times when a concurrent writer changed the row. */
export async function withConflictRetry<T>(fl: Flavor, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (failedGuard(e, "conflict")) {
        if (attempt < 4) continue;
        throw new AppwriteError(fl.err.rowConflict);
      }
      throw e;
    }
  }
}

/** The row for a write by the caller: 404 when it does not exist, 401 without `action` permission. */
async function writableRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, action: Action): Promise<Raw> {
  const raw = await readRaw(c, t, rowId);
  if (!raw) throw error(fl.err.rowNotFound, rowId);
  if (!rowAllows(c, t, JSON.parse(String(raw._permissions)), action)) throw new AppwriteError("user_unauthorized");
  return raw;
}

/** A bump that matched no row, re-checked against the row as it is now: its bound or the column's range. */
function checkBump(fl: Flavor, bump: Bump, raw: Raw): void {
  const next = Number(raw[bump.col.sql] ?? 0) + bump.delta;
  if (bump.bound !== undefined && (bump.kind === "increment" ? next > bump.bound : next < bump.bound)) {
    throw new AppwriteError(fl.err.columnLimit, `${fl.word.Column} "${bump.col.key}" has reached the ${bump.kind === "increment" ? "maximum" : "minimum"} value of ${bump.bound}`);
  }
  encodeOrThrow(fl, bump.col, next);
}

/**
 * A single-row update as one atomic statement (see rowUpdateStatements). `plan` builds it (reading the
 * row only when operators need its values); a miss is explained by the row as it is now (404, 401, a
 * bump's bounds) or, when a concurrent writer won a read-modify-write, planned again.
 */
async function writeRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, plan: () => Promise<RowUpdate>, action = "update"): Promise<Model> {
  for (let attempt = 0; ; attempt++) {
    let u: RowUpdate;
    try {
      u = await plan();
    } catch (e) {
      // Existence and permission come first, as they do for Appwrite: bad data for a row the caller
      // may not touch is still a 404/401.
      if (e instanceof AppwriteError && e.code === 400) await writableRow(c, fl, t, rowId, "update");
      throw e;
    }
    try {
      const res = await c.var.d1.batch<Raw>([guardStmt(c.var.d1, t), ...rowUpdateStatements(c, fl, t, rowId, u, action)]);
      return rowModel(fl, t, res[1]!.results[0]!);
    } catch (e) {
      if (!failedGuard(e, "conflict")) throw writeError(fl, e, rowId);
      const raw = await writableRow(c, fl, t, rowId, "update");
      if (u.bump) checkBump(fl, u.bump, raw);
      if (attempt >= 4) throw new AppwriteError(fl.err.rowConflict);
    }
  }
}

export async function updateRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, data: Record<string, unknown>, permissions: string[] | null | undefined, action = "update"): Promise<Model> {
  return writeRow(c, fl, t, rowId, async () => {
    const { values, createdAt, updatedAt } = userData(c, fl, data);
    const perms = permissions === undefined || permissions === null ? undefined : rowPermissions(c, permissions);
    const raw = readsCurrent(values) ? await writableRow(c, fl, t, rowId, "update") : null;
    const changes = encodeChanges(fl, t, raw && rowModel(fl, t, raw), values);
    return { values: changes, permissions: perms, createdAt, updatedAt, pin: raw ? Number(raw._updatedAt) : undefined };
  }, action);
}

/** Create or update one row (PUT …/rows/{rowId}). */
export async function upsertRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, data: Record<string, unknown>, permissions: string[] | null | undefined): Promise<Model> {
  for (let attempt = 0; ; attempt++) {
    const raw = await readRaw(c, t, rowId);
    if (raw) return updateRow(c, fl, t, rowId, data, permissions, "upsert");
    try {
      return (await createRows(c, fl, t, [{ id: rowId, data, permissions }], "upsert"))[0]!;
    } catch (e) {
      // Lost a race with a concurrent create: go round again and update it.
      if (!(e instanceof AppwriteError && e.type === fl.err.rowExists) || attempt >= 4) throw e;
    }
  }
}

/**
 * DELETE of rows already read: their events first (the rows as they are deleted), then the rows
 * (only those the caller may still delete: a count guard fails the batch otherwise) and their permissions.
 */
export function deleteStatements(c: Ctx, fl: Flavor, t: TableMeta, raws: Raw[], withEvents = true): D1PreparedStatement[] {
  const seqs = JSON.stringify(raws.map((r) => Number(r._seq)));
  const b = new Binder();
  const where = `_seq IN (SELECT value FROM json_each(${b.bind(seqs)})) AND ${permissionSql(c, t, "delete", q(t.physical), (v) => b.bind(v))}`;
  return [
    ...(withEvents ? raws.map((r) => rowEvent(c, fl, t, String(r._uid), "delete")) : []),
    c.var.d1.prepare(`DELETE FROM ${q(t.physical)} WHERE ${where}`).bind(...b.finish()),
    changedGuard(c.var.d1, "conflict", raws.length),
    c.var.d1.prepare(`DELETE FROM ${q(permsTable(t))} WHERE item IN (SELECT value FROM json_each(?1))`).bind(seqs),
  ];
}

export async function deleteRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, extra: (raw: Raw) => Promise<D1PreparedStatement[]> = async () => []): Promise<Model> {
  return withConflictRetry(fl, async () => {
    const raw = await writableRow(c, fl, t, rowId, "delete");
    await c.var.d1.batch([guardStmt(c.var.d1, t), ...(await extra(raw)), ...deleteStatements(c, fl, t, [raw])]);
    return rowModel(fl, t, raw);
  });
}

/** The numeric column an increment/decrement names. */
function bumpColumnOf(fl: Flavor, t: TableMeta, key: string): ColumnMeta {
  const col = t.columns.find((x) => x.key === key && !x.options.hidden);
  if (!col || !col.sql) throw error(fl.err.columnNotFound, key);
  if (!["integer", "bigint", "double"].includes(col.type) || col.array) throw new AppwriteError(fl.err.columnTypeInvalid, `${fl.word.Column} "${key}" is not a number`);
  if (col.status !== "available") throw error(fl.err.columnNotAvailable, key);
  return col;
}

/** The next value of an increment/decrement computed from the current one (transactions' overlay). */
export function bumpedValue(fl: Flavor, t: TableMeta, current: Raw, key: string, value: number, bound: number | undefined, kind: "increment" | "decrement"): number {
  const bump: Bump = { col: bumpColumnOf(fl, t, key), delta: kind === "increment" ? value : -value, bound, kind };
  checkBump(fl, bump, current);
  return Number(current[bump.col.sql] ?? 0) + bump.delta;
}

/** Increment/decrement routes: one atomic UPDATE (`c = c + ?` with the bounds in its WHERE), no read first. */
export async function bumpColumn(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, key: string, value: number, bound: number | undefined, kind: "increment" | "decrement"): Promise<Model> {
  const col = bumpColumnOf(fl, t, key);
  const delta = kind === "increment" ? value : -value;
  return writeRow(c, fl, t, rowId, async () => {
    if (col.type !== "double" && !Number.isInteger(delta)) throw structureError(fl, `Attribute "${key}" has invalid type. Value must be a valid integer`);
    return { values: new Map(), bump: { col, delta, bound, kind } };
  });
}

/** Does a `queries` list set its own limit (bulk writes otherwise take every match, up to BULK_MATCH_MAX)? */
const hasLimit = (queries: readonly string[]) => queries.some((s) => /"method"\s*:\s*"limit"/.test(s));

/**
 * Rows matched by bulk update/delete queries, as the caller may see them (read filter), and each
 * one the caller may `action` (bulk writes are for API keys, who pass both).
 */
export async function matchRows(c: Ctx, fl: Flavor, t: TableMeta, queries: readonly string[], action: Action): Promise<Raw[]> {
  const g = prepareQueries(queries);
  const explicitLimit = hasLimit(queries);
  const limit = explicitLimit ? g.limit : BULK_MATCH_MAX + 1;
  const { raws } = await listRows(c, fl, t, { ...g, select: null, limit }, false);
  if (!explicitLimit && raws.length > BULK_MATCH_MAX) {
    throw new AppwriteError("general_bad_request", `Bulk operations touch at most ${BULK_MATCH_MAX} ${fl.rows} per request; narrow the queries or add a limit.`);
  }
  if (raws.length > BULK_MATCH_MAX) throw new AppwriteError("general_bad_request", `Bulk operations touch at most ${BULK_MATCH_MAX} ${fl.rows} per request.`);
  if (raws.some((r) => !rowAllows(c, t, JSON.parse(String(r._permissions)), action))) throw new AppwriteError("user_unauthorized");
  return raws;
}

export { compileFilters };
