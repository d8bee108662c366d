import { AppwriteError, error } from "../../core/errors";
import type { Ctx } from "../../platform/context";
import type { Flavor } from "./flavor";

/**
 * Metadata of databases, tables, columns and indexes (platform tables tdb_*), loaded in one D1
 * round trip and cached per isolate. Every data statement batch carries a guard (`guardStmt`) that
 * aborts when the table or database changed since the cache was filled; callers then reload and
 * retry once (`withTable`), so a stale cache can never write through an old schema.
 */
export interface DatabaseMeta {
  seq: number;
  id: string;
  name: string;
  enabled: boolean;
  type: string;
  createdAt: number;
  updatedAt: number;
}

export interface ColumnMeta {
  seq: number;
  key: string;
  /** string | varchar | text | mediumtext | longtext | integer | bigint | double | boolean | datetime | relationship | point | linestring | polygon */
  type: string;
  /** "" | email | enum | ip | url */
  format: string;
  size: number;
  required: boolean;
  array: boolean;
  default: unknown;
  options: Record<string, unknown>;
  status: string;
  error: string;
  createdAt: number;
  updatedAt: number;
  /** Physical column name (`c<seq>`); relationship columns without a local value have none. */
  sql: string;
}

export interface IndexMeta {
  seq: number;
  key: string;
  type: string;
  columns: string[];
  orders: string[];
  lengths: number[];
  status: string;
  error: string;
  createdAt: number;
  updatedAt: number;
}

export interface TableMeta {
  seq: number;
  id: string;
  name: string;
  enabled: boolean;
  rowSecurity: boolean;
  permissions: string[];
  /** Physical row table, `ut<projectSeq>_<tableSeq>`. */
  physical: string;
  createdAt: number;
  updatedAt: number;
  db: DatabaseMeta;
  columns: ColumnMeta[];
  indexes: IndexMeta[];
}

export const permsTable = (t: { physical: string }) => `${t.physical}_perms`;
export const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

type Raw = Record<string, unknown>;

export function databaseFrom(r: Raw): DatabaseMeta {
  return {
    seq: Number(r.seq), id: String(r.id), name: String(r.name), enabled: !!r.enabled, type: String(r.type ?? "tablesdb"),
    createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
}

export function columnFrom(r: Raw): ColumnMeta {
  const type = String(r.type);
  const options = JSON.parse(String(r.options ?? "{}")) as Record<string, unknown>;
  return {
    seq: Number(r.seq), key: String(r.key), type, format: String(r.format ?? ""), size: Number(r.size ?? 0),
    required: !!r.required, array: !!r.array, default: r.default_value == null ? null : JSON.parse(String(r.default_value)),
    options, status: String(r.status), error: String(r.error ?? ""), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
    sql: type === "relationship" && !options.stored ? "" : `c${r.seq}`,
  };
}

export function indexFrom(r: Raw): IndexMeta {
  return {
    seq: Number(r.seq), key: String(r.key), type: String(r.type), columns: JSON.parse(String(r.columns)), orders: JSON.parse(String(r.orders)),
    lengths: JSON.parse(String(r.lengths)), status: String(r.status), error: String(r.error ?? ""), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
}

export function tableFrom(r: Raw, db: DatabaseMeta, columns: ColumnMeta[], indexes: IndexMeta[]): TableMeta {
  return {
    seq: Number(r.seq), id: String(r.id), name: String(r.name), enabled: !!r.enabled, rowSecurity: !!r.row_security,
    permissions: JSON.parse(String(r.permissions ?? "[]")), physical: String(r.physical), createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at), db, columns, indexes,
  };
}

const privileged = (c: Ctx) => c.var.caller.privileged;

/** A database by id; disabled databases look not-found to non-admins. */
export async function loadDatabase(c: Ctx, databaseId: string, opts: { allowDisabled?: boolean } = {}): Promise<DatabaseMeta> {
  const r = await c.var.d1.prepare("SELECT * FROM tdb_databases WHERE project_id = ?1 AND id = ?2").bind(c.var.project.id, databaseId).first<Raw>();
  if (!r) throw error("database_not_found", databaseId);
  const db = databaseFrom(r);
  if (!db.enabled && !privileged(c) && !opts.allowDisabled) throw error("database_not_found", databaseId);
  return db;
}

const cache = new Map<string, TableMeta>();
const cacheKey = (projectId: string, databaseId: string, tableId: string) => `${projectId}\u0000${databaseId}\u0000${tableId}`;

export function forgetTable(projectId: string, databaseId: string, tableId: string): void {
  cache.delete(cacheKey(projectId, databaseId, tableId));
}
/** Drop every cached table of a project (database delete, project delete). */
export function forgetProjectTables(projectId: string): void {
  for (const k of cache.keys()) if (k.startsWith(`${projectId}\u0000`)) cache.delete(k);
}

/** Read a table's full metadata from D1 (one batch). Null when the database or table does not exist. */
export async function fetchTable(d1: D1Database, projectId: string, databaseId: string, tableId: string): Promise<{ db: DatabaseMeta | null; table: TableMeta | null }> {
  const tsel = "SELECT t.seq FROM tdb_tables t JOIN tdb_databases d ON d.seq = t.database_seq WHERE d.project_id = ?1 AND d.id = ?2 AND t.id = ?3";
  const [dbs, tables, cols, idx] = await d1.batch<Raw>([
    d1.prepare("SELECT * FROM tdb_databases WHERE project_id = ?1 AND id = ?2").bind(projectId, databaseId),
    d1.prepare("SELECT t.* FROM tdb_tables t JOIN tdb_databases d ON d.seq = t.database_seq WHERE d.project_id = ?1 AND d.id = ?2 AND t.id = ?3").bind(projectId, databaseId, tableId),
    d1.prepare(`SELECT * FROM tdb_columns WHERE table_seq = (${tsel}) ORDER BY seq`).bind(projectId, databaseId, tableId),
    d1.prepare(`SELECT * FROM tdb_indexes WHERE table_seq = (${tsel}) ORDER BY seq`).bind(projectId, databaseId, tableId),
  ]);
  const dbRow = dbs!.results[0];
  if (!dbRow) return { db: null, table: null };
  const db = databaseFrom(dbRow);
  const tRow = tables!.results[0];
  if (!tRow) return { db, table: null };
  return { db, table: tableFrom(tRow, db, cols!.results.map(columnFrom), idx!.results.map(indexFrom)) };
}

/**
 * The table for a request, with Appwrite's not-found rules: a missing or (for non-admins) disabled
 * database → database_not_found; a missing or disabled table → table_not_found.
 */
export async function loadTable(c: Ctx, fl: Flavor, databaseId: string, tableId: string, opts: { fresh?: boolean; allowDisabled?: boolean } = {}): Promise<TableMeta> {
  const key = cacheKey(c.var.project.id, databaseId, tableId);
  let table = opts.fresh ? undefined : cache.get(key);
  if (!table) {
    const found = await fetchTable(c.var.d1, c.var.project.id, databaseId, tableId);
    if (!found.db) throw error("database_not_found", databaseId);
    if (!found.db.enabled && !privileged(c) && !opts.allowDisabled) throw error("database_not_found", databaseId);
    if (!found.table) throw error(fl.err.tableNotFound, tableId);
    table = found.table;
    cache.set(key, table);
    if (cache.size > 2000) cache.delete(cache.keys().next().value!);
  }
  if (!table.db.enabled && !privileged(c) && !opts.allowDisabled) throw error("database_not_found", databaseId);
  if (!table.enabled && !privileged(c) && !opts.allowDisabled) throw error(fl.err.tableNotFound, tableId);
  return table;
}

const STALE = "edgewrite-stale-schema";

/**
 * A statement that fails the whole batch when the table's or database's metadata changed since
 * `t` was loaded (json_extract with a bad path raises an error; the column reference keeps SQLite
 * from evaluating it up front).
 */
export function guardStmt(d1: D1Database, t: TableMeta): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT CASE WHEN x.ok THEN 1 ELSE json_extract('{}', '${STALE}' || x.ok) END FROM (SELECT ((SELECT updated_at FROM tdb_tables WHERE seq = ?1) IS ?2 AND (SELECT updated_at FROM tdb_databases WHERE seq = ?3) IS ?4) AS ok) x`,
    )
    .bind(t.seq, t.updatedAt, t.db.seq, t.db.updatedAt);
}

export function isStale(e: unknown): boolean {
  return String((e as Error)?.message ?? e).includes(STALE) || /no such (column|table)/i.test(String((e as Error)?.message ?? e));
}

/**
 * Run `fn` with the (possibly cached) table; if the schema moved underneath — a batch's guard failed, or the
 * request was refused as bad input (a column another isolate just added, …) while the table has changed — reload
 * and run once more. A refusal with the table unchanged stands (one metadata read, on the error path only).
 */
export async function withTable<T>(c: Ctx, fl: Flavor, databaseId: string, tableId: string, fn: (t: TableMeta) => Promise<T>): Promise<T> {
  const t = await loadTable(c, fl, databaseId, tableId);
  try {
    return await fn(t);
  } catch (e) {
    const refused = e instanceof AppwriteError && e.code === 400;
    if (!isStale(e) && !refused) throw e;
    forgetTable(c.var.project.id, databaseId, tableId);
    const fresh = await loadTable(c, fl, databaseId, tableId, { fresh: true });
    if (!isStale(e) && fresh.updatedAt === t.updatedAt && fresh.db.updatedAt === t.db.updatedAt) throw e;
    return fn(fresh);
  }
}

/** Conflict guard: fails the batch unless the previous statement changed exactly `n` rows. */
export function changedGuard(d1: D1Database, tag: string, n = 1): D1PreparedStatement {
  return d1.prepare(`SELECT CASE WHEN x.ok THEN 1 ELSE json_extract('{}', 'edgewrite-${tag}' || x.ok) END FROM (SELECT changes() = ?1 AS ok) x`).bind(n);
}

export function failedGuard(e: unknown, tag: string): boolean {
  return String((e as Error)?.message ?? e).includes(`edgewrite-${tag}`);
}

export const notFoundTable = (fl: Flavor, id: string): AppwriteError => error(fl.err.tableNotFound, id);
