import { AppwriteError, error } from "../../core/errors";
import { resolveId, uniqueId, isValidId, KEY_DESCRIPTION } from "../../core/ids";
import { assertGrantable, defaultPermissions, isAllowed, ITEM_ACTIONS, normalizePermissions, permissionPredicate, rolesFor, type Action } from "../../core/permissions";
import type { Grouped } from "../../core/query/parse";
import { Binder, compileFilters, type Field, type FieldType, type Resolver } from "../../core/query/sql";
import { formatDate, parseDate } from "../../core/time";
import { runList } from "../../db/list";
import type { Ctx } from "../../platform/context";
import { eventStmt, eventStmtWithSeq } from "./common";
import { ftsName } from "./ddl";
import type { Flavor } from "./flavor";
import { changedGuard, failedGuard, guardStmt, loadTable, permsTable, q, type ColumnMeta, type TableMeta } from "./meta";
import { applyOperator, asOperator } from "./operators";
import { dataColumns, decodeValue, encodeValue, structureError, ValueError } from "./validation";
import { inputObject, lookup } from "../../core/input";

/** Rows: storage encoding, models, permission checks and the write paths shared by every row route. */
export type Raw = Record<string, unknown>;
export type Model = Record<string, unknown>;

/** APP_LIMIT_DATABASE_BATCH: rows per bulk create/upsert. */
export const BATCH_MAX = 100;
/** Rows one updateRows/deleteRows call may touch (one atomic D1 batch with one event per row). */
export const BULK_MATCH_MAX = 500;

const SYSTEM = lookup<Field>({
  $id: { sql: "t._uid", type: "string" },
  $sequence: { sql: "t._seq", type: "integer" },
  $createdAt: { sql: "t._createdAt", type: "datetime" },
  $updatedAt: { sql: "t._updatedAt", type: "datetime" },
});

export function fieldType(col: ColumnMeta): FieldType {
  switch (col.type) {
    case "integer": case "bigint": return "integer";
    case "double": return "float";
    case "boolean": return "boolean";
    case "datetime": return "datetime";
    default: return "string";
  }
}

export function resolver(t: TableMeta, related?: Map<string, TableMeta>, alias = "t"): Resolver {
  const fts = t.indexes.filter((i) => i.type === "fulltext");
  return (key) => {
    if (alias !== "t") {
      const f = resolver(t)(key);
      return f && { sql: f.sql.replace(/^t\./, `${alias}.`), type: f.type, array: f.array };
    }
    if (SYSTEM[key]) return SYSTEM[key];
    const dot = key.indexOf(".");
    if (dot > 0 && related) {
      // `rel.field` on a *-to-one relationship stored here: the related row's value (correlated subquery).
      const col = t.columns.find((c) => c.key === key.slice(0, dot) && c.type === "relationship" && c.sql && !c.options.hidden);
      const rt = col && related.get(String(col.options.relatedTable));
      if (!col || !rt) return undefined;
      const inner = `r${related.size}_${col.seq}`;
      const f = resolver(rt, undefined, inner)(key.slice(dot + 1));
      if (!f) return undefined;
      return { sql: `(SELECT ${f.sql} FROM ${q(rt.physical)} ${inner} WHERE ${inner}._uid = t.${col.sql})`, type: f.type, array: f.array };
    }
    const col = t.columns.find((c) => c.key === key && c.sql && c.status === "available" && !c.options.hidden);
    if (!col) return undefined;
    const idx = fts.find((i) => i.columns.includes(key));
    const name = idx ? q(ftsName(t, idx.seq)) : "";
    return {
      sql: `t.${col.sql}`, type: fieldType(col), array: col.array,
      search: idx ? (param: string) => `t._seq IN (SELECT rowid FROM ${name} WHERE ${name} MATCH '{${col.sql}} : (' || ${param} || ')')` : undefined,
    };
  };
}

export const selectList = (t: TableMeta) =>
  ["t._seq AS _seq", "t._uid AS _uid", "t._createdAt AS _createdAt", "t._updatedAt AS _updatedAt", "t._permissions AS _permissions", ...dataColumns(t).map((c) => `t.${c.sql} AS ${c.sql}`)].join(", ");

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

/** Read filter for lists: nothing, the row-security predicate, or 401 when neither table nor rows may grant it. */
export function readFilter(c: Ctx, t: TableMeta, b: Binder): string {
  if (tableAllows(c, t, "read")) return "1";
  if (!t.rowSecurity) throw new AppwriteError("user_unauthorized");
  const pred = permissionPredicate(q(permsTable(t)), "t._seq", "read", c.var.caller.roles);
  let i = 0;
  return pred.sql.replace(/\?/g, () => b.bind(pred.params[i++]));
}

/** Realtime roles of a row event: the table's readers, plus the row's when rowSecurity is on. */
export function eventRoles(t: TableMeta, rowPermissions: string[]): string[] {
  const roles = new Set(rolesFor(t.permissions, "read"));
  if (t.rowSecurity) for (const r of rolesFor(rowPermissions, "read")) roles.add(r);
  return [...roles];
}

export function rowEvent(c: Ctx, t: TableMeta, model: Model, action: string, seqFromInsert = false): D1PreparedStatement {
  const e = {
    pattern: `databases.[databaseId].tables.[tableId].rows.[rowId].${action}`,
    params: { databaseId: t.db.id, tableId: t.id, rowId: String(model.$id) },
    payload: model, roles: eventRoles(t, model.$permissions as string[]),
  };
  return seqFromInsert ? eventStmtWithSeq(c, e, t.physical, String(model.$id)) : eventStmt(c, e);
}

// ---- reads -------------------------------------------------------------------------------------

export async function readRaw(c: Ctx, t: TableMeta, rowId: string): Promise<Raw | null> {
  const [, res] = await c.env.DB.batch<Raw>([guardStmt(c.env.DB, t), c.env.DB.prepare(`SELECT ${selectList(t)} FROM ${q(t.physical)} t WHERE t._uid = ?1`).bind(rowId)]);
  return res!.results[0] ?? null;
}

export async function readRawMany(c: Ctx, t: TableMeta, ids: string[]): Promise<Map<string, Raw>> {
  if (!ids.length) return new Map();
  const [, res] = await c.env.DB.batch<Raw>([
    guardStmt(c.env.DB, t),
    c.env.DB.prepare(`SELECT ${selectList(t)} FROM ${q(t.physical)} t WHERE t._uid IN (SELECT value FROM json_each(?1))`).bind(JSON.stringify(ids)),
  ]);
  return new Map(res!.results.map((r) => [String(r._uid), r]));
}

export async function getRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, select: string[] | null): Promise<Model> {
  const sel = selection(fl, t, select);
  const raw = await readRaw(c, t, rowId);
  if (!raw || !rowAllows(c, t, JSON.parse(String(raw._permissions)), "read")) throw error(fl.err.rowNotFound, rowId);
  return rowModel(fl, t, raw, sel);
}

/** Related tables of the *-to-one relationships a query names as `rel.field`. */
async function relatedForQueries(c: Ctx, fl: Flavor, t: TableMeta, g: Grouped): Promise<Map<string, TableMeta> | undefined> {
  const cols = t.columns.filter((x) => x.type === "relationship" && x.sql && !x.options.hidden);
  if (!cols.length) return undefined;
  const text = JSON.stringify([g.filters, g.orders]);
  const out = new Map<string, TableMeta>();
  for (const col of cols) {
    if (!text.includes(`"${col.key}.`)) continue;
    const id = String(col.options.relatedTable);
    if (!out.has(id)) out.set(id, await loadTable(c, fl, t.db.id, id, { allowDisabled: true }));
  }
  return out;
}

export async function listRows(c: Ctx, fl: Flavor, t: TableMeta, g: Grouped, withTotal: boolean, base?: (b: Binder) => string): Promise<{ rows: Model[]; raws: Raw[]; total: number }> {
  const sel = selection(fl, t, g.select);
  const res = await runList<Raw>(c.env.DB, {
    from: `${q(t.physical)} AS t`, columns: selectList(t), sequence: "t._seq", id: "t._uid",
    base: base ?? ((b) => readFilter(c, t, b)), resolve: resolver(t, await relatedForQueries(c, fl, t, g)), prelude: [guardStmt(c.env.DB, t)],
  }, g, withTotal);
  return { rows: res.rows.map((r) => rowModel(fl, t, r, sel)), raws: res.rows, total: res.total };
}

// ---- writes ------------------------------------------------------------------------------------

export interface NewRow {
  id: string;
  data: Record<string, unknown>;
  permissions?: string[] | null;
}

/** Split `$`-keys from data; privileged callers may set $createdAt/$updatedAt. */
function userData(c: Ctx, fl: Flavor, data: Record<string, unknown>): { values: Record<string, unknown>; createdAt?: number; updatedAt?: number } {
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
    let v = values[col.key];
    if (typeof v === "string" && asOperator(v)) v = applyOperator(col, asOperator(v)!, col.default ?? null);
    if (v === undefined || v === null) {
      if (col.required) throw structureError(fl, `Missing required attribute "${col.key}"`);
      if (v === undefined && col.default !== null && col.default !== undefined) return col.type === "boolean" ? (col.default ? 1 : 0) : col.default;
      return null;
    }
    return encodeOrThrow(fl, col, v);
  });
}

/** Apply a partial update (operators included) to a row's current model; returns the changed stored values. */
export function encodeChanges(fl: Flavor, t: TableMeta, current: Model, values: Record<string, unknown>): Map<ColumnMeta, unknown> {
  unknownKey(fl, t, values);
  const out = new Map<ColumnMeta, unknown>();
  for (const [k, raw] of Object.entries(values)) {
    const col = t.columns.find((c) => c.key === k)!;
    const op = asOperator(raw);
    const v = op ? applyOperator(col, op, current[k]) : raw;
    if ((v === null || v === undefined) && col.required) throw structureError(fl, `Missing required attribute "${col.key}"`);
    out.set(col, v === undefined ? null : encodeOrThrow(fl, col, v));
  }
  return out;
}

/** Row permissions to store: explicit ones normalised and checked as grantable, else the creator's defaults. */
export function rowPermissions(c: Ctx, given: string[] | null | undefined): string[] {
  if (given === null || given === undefined) return c.var.caller.privileged ? [] : defaultPermissions(c.var.caller.user?.id);
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

export function modelOfPrepared(fl: Flavor, t: TableMeta, p: Prepared, seq: number | string = 0): Model {
  const raw: Raw = { _seq: seq, _uid: p.id, _createdAt: p.createdAt, _updatedAt: p.updatedAt, _permissions: JSON.stringify(p.permissions) };
  dataColumns(t).forEach((col, n) => (raw[col.sql] = p.stored[n]));
  return rowModel(fl, t, raw);
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
  const out = [c.env.DB.prepare(`INSERT INTO ${q(t.physical)} (${names.join(", ")}) SELECT ${extract} FROM json_each(?1) RETURNING _uid, _seq`).bind(JSON.stringify(payload))];
  if (triples.length) {
    out.push(c.env.DB.prepare(
      `INSERT OR IGNORE INTO ${q(permsTable(t))} (item, action, role) SELECT t._seq, json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]') FROM json_each(?1) j JOIN ${q(t.physical)} t ON t._uid = json_extract(j.value, '$[0]')`,
    ).bind(JSON.stringify(triples)));
  }
  return out;
}

/** Statements replacing one row's permission entries. */
export function replacePermsStatements(c: Ctx, t: TableMeta, seq: number, permissions: string[]): D1PreparedStatement[] {
  const pairs = permissions.map((perm) => {
    const m = /^(\w+)\("(.*)"\)$/.exec(perm)!;
    return [m[1], m[2]];
  });
  const out = [c.env.DB.prepare(`DELETE FROM ${q(permsTable(t))} WHERE item = ?1`).bind(seq)];
  if (pairs.length) {
    out.push(c.env.DB.prepare(`INSERT OR IGNORE INTO ${q(permsTable(t))} (item, action, role) SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2)`).bind(seq, JSON.stringify(pairs)));
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
  const stmts = [guardStmt(c.env.DB, t), ...insertStatements(c, t, prepared), ...models.map((m) => rowEvent(c, t, m, action, true))];
  let res: D1Result<Raw>[];
  try {
    res = await c.env.DB.batch<Raw>(stmts);
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

export interface Change {
  raw: Raw;
  data: Record<string, unknown>;
  permissions?: string[] | null;
}

/**
 * Build the UPDATE for one existing row: partial data with operators, optional new permissions.
 * The WHERE pins `_updatedAt` to the value read, and a guard fails the batch if the row moved.
 */
export function updateStatements(c: Ctx, fl: Flavor, t: TableMeta, ch: Change, action = "update"): { stmts: D1PreparedStatement[]; model: Model; raw: Raw } {
  const current = rowModel(fl, t, ch.raw);
  const { values, createdAt, updatedAt } = userData(c, fl, ch.data);
  const changes = encodeChanges(fl, t, current, values);
  const oldUpdated = Number(ch.raw._updatedAt);
  const now = updatedAt ?? Math.max(Date.now(), oldUpdated + 1);
  const oldPerms = JSON.parse(String(ch.raw._permissions)) as string[];
  const perms = ch.permissions === undefined || ch.permissions === null ? oldPerms : rowPermissions(c, ch.permissions);
  const b = new Binder();
  const sets = [`_updatedAt = ${b.bind(now)}`, `_permissions = ${b.bind(JSON.stringify(perms))}`];
  if (createdAt !== undefined) sets.push(`_createdAt = ${b.bind(createdAt)}`);
  for (const [col, v] of changes) sets.push(`${col.sql} = ${b.bind(v)}`);
  const seq = Number(ch.raw._seq);
  const where = `_seq = ${b.bind(seq)} AND _updatedAt = ${b.bind(oldUpdated)}`;
  const stmts = [c.env.DB.prepare(`UPDATE ${q(t.physical)} SET ${sets.join(", ")} WHERE ${where}`).bind(...b.finish()), changedGuard(c.env.DB, "conflict")];
  if (JSON.stringify(perms) !== JSON.stringify(oldPerms)) stmts.push(...replacePermsStatements(c, t, seq, perms));
  const raw: Raw = { ...ch.raw, _updatedAt: now, _permissions: JSON.stringify(perms) };
  if (createdAt !== undefined) raw._createdAt = createdAt;
  for (const [col, v] of changes) raw[col.sql] = v;
  const model = rowModel(fl, t, raw);
  stmts.push(rowEvent(c, t, model, action));
  return { stmts, model, raw };
}

/** UPDATE of an existing row from its old to its new stored state (transactions' commit), pinned to the old `_updatedAt`. */
export function diffUpdateStatements(c: Ctx, fl: Flavor, t: TableMeta, oldRaw: Raw, newRaw: Raw, action = "update"): D1PreparedStatement[] {
  const b = new Binder();
  const sets = ["_updatedAt", "_createdAt", "_permissions", ...dataColumns(t).map((x) => x.sql)].map((k) => `${k} = ${b.bind(newRaw[k] ?? null)}`);
  const seq = Number(oldRaw._seq);
  const stmts = [
    c.env.DB.prepare(`UPDATE ${q(t.physical)} SET ${sets.join(", ")} WHERE _seq = ${b.bind(seq)} AND _updatedAt = ${b.bind(Number(oldRaw._updatedAt))}`).bind(...b.finish()),
    changedGuard(c.env.DB, "txconflict"),
  ];
  if (newRaw._permissions !== oldRaw._permissions) stmts.push(...replacePermsStatements(c, t, seq, JSON.parse(String(newRaw._permissions))));
  stmts.push(rowEvent(c, t, rowModel(fl, t, newRaw), action));
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

export async function updateRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, data: Record<string, unknown>, permissions: string[] | null | undefined): Promise<Model> {
  return withConflictRetry(fl, async () => {
    const raw = await readRaw(c, t, rowId);
    if (!raw) throw error(fl.err.rowNotFound, rowId);
    if (!rowAllows(c, t, JSON.parse(String(raw._permissions)), "update")) throw new AppwriteError("user_unauthorized");
    const { stmts, model } = updateStatements(c, fl, t, { raw, data, permissions });
    try {
      await c.env.DB.batch([guardStmt(c.env.DB, t), ...stmts]);
    } catch (e) {
      throw writeError(fl, e, rowId);
    }
    return model;
  });
}

/** Create or update one row (PUT …/rows/{rowId}). */
export async function upsertRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, data: Record<string, unknown>, permissions: string[] | null | undefined): Promise<Model> {
  return withConflictRetry(fl, async () => {
    const raw = await readRaw(c, t, rowId);
    if (!raw) {
      try {
        return (await createRows(c, fl, t, [{ id: rowId, data, permissions }], "upsert"))[0]!;
      } catch (e) {
        // Lost a race with a concurrent create: go round again and update it.
        if (e instanceof AppwriteError && e.type === fl.err.rowExists) throw new Error("edgewrite-conflict");
        throw e;
      }
    }
    if (!rowAllows(c, t, JSON.parse(String(raw._permissions)), "update")) throw new AppwriteError("user_unauthorized");
    const { stmts, model } = updateStatements(c, fl, t, { raw, data, permissions }, "upsert");
    try {
      await c.env.DB.batch([guardStmt(c.env.DB, t), ...stmts]);
    } catch (e) {
      throw writeError(fl, e, rowId);
    }
    return model;
  });
}

export function deleteStatements(c: Ctx, t: TableMeta, raws: Raw[], models: Model[]): D1PreparedStatement[] {
  const seqs = JSON.stringify(raws.map((r) => Number(r._seq)));
  return [
    c.env.DB.prepare(`DELETE FROM ${q(t.physical)} WHERE _seq IN (SELECT value FROM json_each(?1))`).bind(seqs),
    changedGuard(c.env.DB, "conflict", raws.length),
    c.env.DB.prepare(`DELETE FROM ${q(permsTable(t))} WHERE item IN (SELECT value FROM json_each(?1))`).bind(seqs),
    ...models.map((m) => rowEvent(c, t, m, "delete")),
  ];
}

export async function deleteRow(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, extra: (raw: Raw) => Promise<D1PreparedStatement[]> = async () => []): Promise<Model> {
  return withConflictRetry(fl, async () => {
    const raw = await readRaw(c, t, rowId);
    if (!raw) throw error(fl.err.rowNotFound, rowId);
    if (!rowAllows(c, t, JSON.parse(String(raw._permissions)), "delete")) throw new AppwriteError("user_unauthorized");
    const model = rowModel(fl, t, raw);
    await c.env.DB.batch([guardStmt(c.env.DB, t), ...(await extra(raw)), ...deleteStatements(c, t, [raw], [model])]);
    return model;
  });
}

/** Increment/decrement routes: bounded arithmetic on one numeric column. */
export async function bumpColumn(c: Ctx, fl: Flavor, t: TableMeta, rowId: string, key: string, delta: number, bound: number | undefined, kind: "increment" | "decrement"): Promise<Model> {
  const col = t.columns.find((x) => x.key === key);
  if (!col || !col.sql) throw error(fl.err.columnNotFound, key);
  if (!["integer", "bigint", "double"].includes(col.type) || col.array) throw new AppwriteError(fl.err.columnTypeInvalid, `${fl.word.Column} "${key}" is not a number`);
  return withConflictRetry(fl, async () => {
    const raw = await readRaw(c, t, rowId);
    if (!raw) throw error(fl.err.rowNotFound, rowId);
    if (!rowAllows(c, t, JSON.parse(String(raw._permissions)), "update")) throw new AppwriteError("user_unauthorized");
    const cur = Number(raw[col.sql] ?? 0);
    const next = kind === "increment" ? cur + delta : cur - delta;
    if (bound !== undefined && (kind === "increment" ? next > bound : next < bound)) {
      throw new AppwriteError(fl.err.columnLimit, `${fl.word.Column} "${key}" has reached the ${kind === "increment" ? "maximum" : "minimum"} value of ${bound}`);
    }
    const { stmts, model } = updateStatements(c, fl, t, { raw, data: { [key]: next } });
    await c.env.DB.batch([guardStmt(c.env.DB, t), ...stmts]);
    return model;
  });
}

/** Rows matched by bulk update/delete queries (API key callers: no read filter). */
export async function matchRows(c: Ctx, fl: Flavor, t: TableMeta, g: Grouped, explicitLimit: boolean): Promise<Raw[]> {
  const limit = explicitLimit ? g.limit : BULK_MATCH_MAX + 1;
  const { raws } = await listRows(c, fl, t, { ...g, select: null, limit }, false, () => "1");
  if (!explicitLimit && raws.length > BULK_MATCH_MAX) {
    throw new AppwriteError("general_bad_request", `Bulk operations touch at most ${BULK_MATCH_MAX} ${fl.rows} per request; narrow the queries or add a limit.`);
  }
  if (raws.length > BULK_MATCH_MAX) throw new AppwriteError("general_bad_request", `Bulk operations touch at most ${BULK_MATCH_MAX} ${fl.rows} per request.`);
  return raws;
}

export { compileFilters };
