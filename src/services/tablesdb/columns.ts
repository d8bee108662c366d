import type { Hono } from "hono";
import { AppwriteError, error } from "../../core/errors";
import { isValidId, KEY_DESCRIPTION } from "../../core/ids";
import { params, p, validate, type RawParams } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import { prepareQueries } from "../../db/list";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { batch, eventStmt } from "./common";
import { addColumnSql, createIndexSql, dropColumnSql, dropIndexSql } from "./ddl";
import type { Flavor } from "./flavor";
import { forgetTable, guardStmt, isStale, loadTable, q, type ColumnMeta, type IndexMeta, type TableMeta } from "./meta";
import { columnModel } from "./models";
import { checkDefault, FORMAT_SIZES, TEXT_SIZES } from "./validation";
import { relationshipColumnStatements, relationshipShape, registerRelationshipRoutes } from "./relationships";
import { isForbiddenKey, lookup } from "../../core/input";
import { isSpatialType } from "../../core/geometry";
import { nullInSpatialIndex } from "./indexes";

/** Column kinds as they appear in the route (`…/columns/<kind>`) and inline `columns[].type`. */
export const KINDS = ["string", "varchar", "text", "mediumtext", "longtext", "integer", "bigint", "float", "double", "boolean", "datetime", "email", "ip", "url", "enum", "relationship", "point", "line", "linestring", "polygon"] as const;
export type Kind = (typeof KINDS)[number];

/** D1 allows 100 columns per table; 5 are system columns. */
export const MAX_COLUMNS = 95;

const nullable = (s: unknown) => p.optional(s as never) as ReturnType<typeof p.any>;

/** Param shape of a column create (`update` = the PATCH variant). */
function shapeFor(kind: Kind, update: boolean): Record<string, ReturnType<typeof p.any>> {
  const s: Record<string, ReturnType<typeof p.any>> = {};
  if (!update) s.key = p.string({ max: 255 }) as never;
  s.required = p.boolean() as never;
  const spatial = isSpatialType(typeOfKind(kind));
  if (!update && !spatial) s.array = p.default(p.boolean(), false) as never;
  else if (update) s.newKey = p.optional(p.string({ max: 255 })) as never;
  // A spatial default is checked with the column (checkDefault), where its type is known.
  if (spatial) s.default = nullable(p.any());
  switch (kind) {
    case "string":
      s.size = (update ? p.optional(p.integer({ min: 1, max: 1073741824 })) : p.integer({ min: 1, max: 1073741824 })) as never;
      s.default = nullable(p.string({ max: 1073741824 }));
      s.encrypt = p.default(p.boolean(), false) as never;
      break;
    case "varchar":
      s.size = (update ? p.optional(p.integer({ min: 1, max: 16381 })) : p.integer({ min: 1, max: 16381 })) as never;
      s.default = nullable(p.string({ max: 16381 }));
      s.encrypt = p.default(p.boolean(), false) as never;
      break;
    case "text": case "mediumtext": case "longtext":
      s.default = nullable(p.string({ max: 4294967295 }));
      s.encrypt = p.default(p.boolean(), false) as never;
      break;
    case "integer": case "bigint":
      s.min = nullable(p.integer());
      s.max = nullable(p.integer());
      s.default = nullable(p.integer());
      break;
    case "float": case "double":
      s.min = nullable(p.number());
      s.max = nullable(p.number());
      s.default = nullable(p.number());
      break;
    case "boolean":
      s.default = nullable(p.boolean());
      break;
    case "datetime": case "email": case "ip": case "url":
      s.default = nullable(p.string({ max: 2048 }));
      break;
    case "enum":
      s.elements = p.array(p.string({ min: 1, max: 255 }), { max: 100 }) as never;
      s.default = nullable(p.string({ max: 255 }));
      break;
  }
  return s;
}

const FORMATS = ["email", "ip", "url", "enum"];
/** The stored type of a route's column kind (`float` is a double, formats are strings, `line` a linestring). */
const typeOfKind = (kind: Kind): string =>
  kind === "float" ? "double" : FORMATS.includes(kind) ? "string" : kind === "line" ? "linestring" : kind;

/** A column key: Appwrite's Key, minus the names the wire layer refuses in row data (`constructor`, `prototype`). */
export function assertColumnKey(param: string, key: unknown): asserts key is string {
  if (!isValidId(key)) throw new AppwriteError("general_argument_invalid", `Invalid \`${param}\` param: ${KEY_DESCRIPTION}`);
  if (isForbiddenKey(key)) throw new AppwriteError("general_argument_invalid", `Invalid \`${param}\` param: "${key}" is reserved and cannot name a ${param === "key" ? "column" : "relationship"}.`);
}

/** A new column's metadata from validated params (defaults checked against the type). */
export function columnFromParams(fl: Flavor, kind: Kind, a: Record<string, unknown>, seq: number, now: number): ColumnMeta {
  const key = String(a.key);
  assertColumnKey("key", key);
  const type = typeOfKind(kind);
  const format = FORMATS.includes(kind) ? kind : "";
  const options: Record<string, unknown> = {};
  if (a.encrypt) options.encrypt = true;
  let size = 0;
  if (kind === "string" || kind === "varchar") size = Number(a.size);
  else if (TEXT_SIZES[kind]) size = TEXT_SIZES[kind]!;
  else if (format) size = FORMAT_SIZES[format]!;
  if (type === "integer" || type === "bigint" || type === "double") {
    if (a.min !== undefined && a.min !== null) options.min = a.min;
    if (a.max !== undefined && a.max !== null) options.max = a.max;
    if (options.min !== undefined && options.max !== undefined && (options.min as number) > (options.max as number)) {
      throw new AppwriteError(fl.err.columnValueInvalid, "Minimum value must be lesser than maximum value");
    }
  }
  if (kind === "enum") {
    const elements = (a.elements as string[]) ?? [];
    if (!elements.length) throw new AppwriteError(fl.err.columnValueInvalid, "Enum elements must not be empty");
    options.elements = elements;
    size = Math.max(255, ...elements.map((e) => e.length));
  }
  const col: ColumnMeta = {
    seq, key, type, format, size, required: !!a.required, array: !!a.array, default: null, options, status: "available", error: "",
    createdAt: now, updatedAt: now, sql: `c${seq}`,
  };
  const def = a.default;
  if (def !== undefined && def !== null) {
    if (col.required) throw new AppwriteError(fl.err.columnDefaultUnsupported, `Cannot set default value for required ${fl.word.column}`);
    if (col.array) throw new AppwriteError(fl.err.columnDefaultUnsupported, `Cannot set default value for array ${fl.word.column}s`);
    col.default = checkDefault(fl, col, def);
  }
  return col;
}

/** Parse one inline column definition of createTable (`{key, type, size?, required?, default?, array?, …}`). */
export function inlineColumn(fl: Flavor, raw: RawParams, seq: number, now: number): ColumnMeta {
  const kind = String(raw.type ?? "") as Kind;
  if (!KINDS.includes(kind) || kind === "relationship") throw new AppwriteError(fl.err.columnTypeInvalid, `The ${fl.word.column} '${String(raw.key)}' type is invalid.`);
  const a = validate({ required: false, ...raw, type: undefined }, shapeFor(kind, false));
  return columnFromParams(fl, kind, a, seq, now);
}

/** The next seq, past the table's AUTOINCREMENT counter too: each data database allocates from its own range (src/db/shards.ts). */
export const nextSeq = async (d1: D1Database, table: "tdb_columns" | "tdb_indexes" | "tdb_tables") =>
  Number((await d1.prepare(`SELECT MAX(COALESCE(MAX(seq), 0), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0)) + 1 AS n FROM ${table}`).bind(table).first<{ n: number }>())!.n);

export function insertColumnStmt(c: Ctx, t: { seq: number }, col: ColumnMeta): D1PreparedStatement {
  return c.var.d1.prepare(
    "INSERT INTO tdb_columns (seq, project_id, table_seq, key, type, format, size, required, array, default_value, options, status, error, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
  ).bind(col.seq, c.var.project.id, t.seq, col.key, col.type, col.format, col.size, col.required ? 1 : 0, col.array ? 1 : 0,
    col.default === null ? null : JSON.stringify(col.default), JSON.stringify(col.options), col.status, col.error, col.createdAt);
}

export const touchTableStmt = (c: Ctx, t: TableMeta, now: number) =>
  c.var.d1.prepare("UPDATE tdb_tables SET updated_at = ?1 WHERE seq = ?2").bind(Math.max(now, t.updatedAt + 1), t.seq);

export const columnEvent = (c: Ctx, fl: Flavor, t: TableMeta, col: ColumnMeta, action: string) =>
  eventStmt(c, {
    pattern: `databases.[databaseId].tables.[tableId].columns.[columnId].${action}`,
    params: { databaseId: t.db.id, tableId: t.id, columnId: col.key },
    payload: columnModel(col, fl),
    roles: [],
  });

export const isSeqClash = (e: unknown) => /UNIQUE constraint failed: tdb_(columns|indexes|tables)\.seq/.test(String((e as Error)?.message ?? e));

/** Schema mutations retry when another writer took the same sequence or changed the table meanwhile. */
export async function schemaRetry<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt < 3 && (isSeqClash(e) || isStale(e))) continue;
      throw e;
    }
  }
}

const adminTable = (c: Ctx, fl: Flavor, fresh = true) =>
  loadTable(c, fl, c.req.param("databaseId")!, c.req.param(fl.tableParam)!, { fresh, allowDisabled: true });

export function findColumn(fl: Flavor, t: TableMeta, key: string): ColumnMeta {
  const col = t.columns.find((x) => x.key === key && !x.options.hidden);
  if (!col) throw error(fl.err.columnNotFound, key);
  return col;
}

export function registerColumns(r: Hono<AppEnv>, fl: Flavor): void {
  const base = `/:databaseId/${fl.tables}/:${fl.tableParam}/${fl.columns}`;

  r.get(base, async (c) => {
    requireScope(c, ...fl.scope.columnsRead);
    const t = await adminTable(c, fl);
    const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
    const g = prepareQueries(a.queries);
    let cols = t.columns.filter((x) => !x.options.hidden);
    for (const f of g.filters) {
      const vals = f.values;
      const get = (x: ColumnMeta): unknown => (f.attribute === "key" ? x.key : f.attribute === "type" ? x.type : f.attribute === "size" ? x.size : f.attribute === "required" ? x.required : f.attribute === "array" ? x.array : f.attribute === "status" ? x.status : f.attribute === "error" ? x.error : undefined);
      if (!["key", "type", "size", "required", "array", "status", "error"].includes(f.attribute)) throw new AppwriteError("general_query_invalid", `Invalid query: Attribute not found in schema: ${f.attribute}`);
      if (f.method === "equal") cols = cols.filter((x) => vals.includes(get(x)));
      else if (f.method === "notEqual") cols = cols.filter((x) => !vals.includes(get(x)));
    }
    const total = cols.length;
    const page = cols.slice(g.offset, g.offset + g.limit);
    return json(c, list(fl.columns, page.map((x) => columnModel(x, fl)), a.total ? total : 0));
  });

  r.get(`${base}/:key`, async (c) => {
    requireScope(c, ...fl.scope.columnsRead);
    const t = await adminTable(c, fl);
    return json(c, columnModel(findColumn(fl, t, c.req.param("key")), fl));
  });

  for (const kind of KINDS) {
    if (kind === "double" || kind === "linestring") continue;
    if (kind === "relationship") continue;
    r.post(`${base}/${kind}`, async (c) => {
      requireScope(c, ...fl.scope.columnsWrite);
      const a = await params(c, shapeFor(kind, false));
      const created = await schemaRetry(async () => {
        const t = await adminTable(c, fl);
        const now = Date.now();
        const col = columnFromParams(fl, kind, a, await nextSeq(c.var.d1, "tdb_columns"), now);
        if (t.columns.some((x) => x.key === col.key)) throw error(fl.err.columnExists, col.key);
        if (t.columns.filter((x) => x.sql).length >= MAX_COLUMNS) throw error(fl.err.columnLimit, t.id);
        // Appwrite (MariaDB) cannot give existing rows a value for a required spatial column.
        if (isSpatialType(col.type) && col.required && (await c.var.d1.prepare(`SELECT 1 FROM ${q(t.physical)} LIMIT 1`).first())) {
          throw new AppwriteError(fl.err.rowInvalid, "Failed to add required spatial column: existing rows present. Make the column optional.");
        }
        await batch(c, [guardStmt(c.var.d1, t), insertColumnStmt(c, t, col), c.var.d1.prepare(addColumnSql(t, col)), touchTableStmt(c, t, now), columnEvent(c, fl, t, col, "create")]);
        forgetTable(c.var.project.id, t.db.id, t.id);
        return col;
      });
      scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
      return json(c, columnModel(created, fl, "processing"), 202);
    });

    r.patch(`${base}/${kind}/:key`, async (c) => {
      requireScope(c, ...fl.scope.columnsWrite);
      const a = await params(c, shapeFor(kind, true));
      const updated = await schemaRetry(async () => {
        const t = await adminTable(c, fl);
        const old = findColumn(fl, t, c.req.param("key"));
        const expectedFormat = FORMATS.includes(kind) ? kind : "";
        if (old.type !== typeOfKind(kind) || old.format !== expectedFormat) throw error(fl.err.columnTypeInvalid, old.key);
        if (old.status !== "available") throw error(fl.err.columnNotAvailable, old.key);
        const now = Date.now();
        const merged = columnFromParams(fl, kind, {
          key: a.newKey ?? old.key, required: a.required, array: old.array, size: a.size ?? old.size, encrypt: old.options.encrypt,
          min: a.min !== undefined ? a.min : old.options.min, max: a.max !== undefined ? a.max : old.options.max,
          elements: a.elements ?? old.options.elements, default: a.default === undefined ? null : a.default,
        }, old.seq, now);
        const col: ColumnMeta = { ...merged, createdAt: old.createdAt, sql: old.sql };
        if (col.key !== old.key && t.columns.some((x) => x.key === col.key)) throw error(fl.err.columnExists, col.key);
        if (isSpatialType(col.type) && !col.required && t.indexes.some((i) => i.type === "spatial" && i.columns.includes(old.key))) {
          throw new AppwriteError(fl.err.indexInvalid, nullInSpatialIndex(old.key));
        }
        const stmts: D1PreparedStatement[] = [guardStmt(c.var.d1, t)];
        if ((old.type === "string" || old.type === "varchar") && col.size < old.size) {
          const tooLong = old.array
            ? `SELECT 1 FROM ${q(t.physical)} t, json_each(t.${old.sql}) j WHERE length(j.value) > ?1 LIMIT 1`
            : `SELECT 1 FROM ${q(t.physical)} WHERE length(${old.sql}) > ?1 LIMIT 1`;
          if (await c.var.d1.prepare(tooLong).bind(col.size).first()) throw new AppwriteError(fl.err.columnInvalidResize);
        }
        stmts.push(
          c.var.d1.prepare("UPDATE tdb_columns SET key = ?1, size = ?2, required = ?3, default_value = ?4, options = ?5, updated_at = ?6 WHERE seq = ?7")
            .bind(col.key, col.size, col.required ? 1 : 0, col.default === null ? null : JSON.stringify(col.default), JSON.stringify(col.options), now, old.seq),
        );
        if (col.key !== old.key) {
          for (const i of t.indexes.filter((x) => x.columns.includes(old.key))) {
            stmts.push(c.var.d1.prepare("UPDATE tdb_indexes SET columns = ?1 WHERE seq = ?2").bind(JSON.stringify(i.columns.map((k) => (k === old.key ? col.key : k))), i.seq));
          }
        }
        stmts.push(touchTableStmt(c, t, now), columnEvent(c, fl, t, col, "update"));
        await batch(c, stmts);
        forgetTable(c.var.project.id, t.db.id, t.id);
        return col;
      });
      scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
      return json(c, columnModel(updated, fl));
    });
  }

  registerRelationshipRoutes(r, fl, base);

  r.delete(`${base}/:key`, async (c) => {
    requireScope(c, ...fl.scope.columnsWrite);
    await schemaRetry(async () => {
      const t = await adminTable(c, fl);
      const col = findColumn(fl, t, c.req.param("key"));
      const now = Date.now();
      const stmts: D1PreparedStatement[] = [guardStmt(c.var.d1, t)];
      if (col.type === "relationship") {
        stmts.push(...(await relationshipColumnStatements(c, fl, t, col, "delete")));
      } else {
        stmts.push(...rebuildIndexesWithout(c, t, col.key));
        stmts.push(c.var.d1.prepare(dropColumnSql(t, col.sql)));
        stmts.push(c.var.d1.prepare("DELETE FROM tdb_columns WHERE seq = ?1").bind(col.seq));
      }
      stmts.push(touchTableStmt(c, t, now), columnEvent(c, fl, t, col, "delete"));
      await batch(c, stmts);
      forgetTable(c.var.project.id, t.db.id, t.id);
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return noContent(c);
  });
  void relationshipShape;
}

/** Removing a column removes it from its indexes (utopia's behaviour): an index left empty goes, others are rebuilt. */
export function rebuildIndexesWithout(c: Ctx, t: TableMeta, key: string): D1PreparedStatement[] {
  const out: D1PreparedStatement[] = [];
  for (const i of t.indexes.filter((x) => x.columns.includes(key))) {
    for (const s of dropIndexSql(t, i)) out.push(c.var.d1.prepare(s));
    const keep = i.columns.map((k, n) => ({ k, o: i.orders[n] ?? "ASC" })).filter((x) => x.k !== key);
    if (!keep.length) {
      out.push(c.var.d1.prepare("DELETE FROM tdb_indexes WHERE seq = ?1").bind(i.seq));
      continue;
    }
    const next: IndexMeta = { ...i, columns: keep.map((x) => x.k), orders: keep.map((x) => x.o) };
    const sqlCols = next.columns.map((k) => physicalOf(t, k));
    for (const s of createIndexSql(t, next, sqlCols)) out.push(c.var.d1.prepare(s));
    out.push(c.var.d1.prepare("UPDATE tdb_indexes SET columns = ?1, orders = ?2 WHERE seq = ?3").bind(JSON.stringify(next.columns), JSON.stringify(next.orders), i.seq));
  }
  return out;
}

const SYSTEM_SQL = lookup<string>({ $id: "_uid", $createdAt: "_createdAt", $updatedAt: "_updatedAt", $sequence: "_seq" });
export function physicalOf(t: TableMeta, key: string): string {
  const system = SYSTEM_SQL[key];
  if (system) return system;
  const col = t.columns.find((x) => x.key === key);
  return col?.sql ?? "";
}
