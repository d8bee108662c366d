import type { Hono } from "hono";
import { AppwriteError, error } from "../../core/errors";
import { isValidId, KEY_DESCRIPTION } from "../../core/ids";
import { params, p } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import { prepareQueries } from "../../db/list";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { batch, eventStmt } from "./common";
import { nextSeq, physicalOf, schemaRetry, touchTableStmt } from "./columns";
import { createIndexSql, dropIndexSql } from "./ddl";
import type { Flavor } from "./flavor";
import { forgetTable, guardStmt, loadTable, type IndexMeta, type TableMeta } from "./meta";
import { indexModel } from "./models";
import { isSpatialType } from "../../core/geometry";

export const MAX_INDEXES = 64;
const TEXTUAL = new Set(["string", "varchar", "text", "mediumtext", "longtext"]);

/** Validate an index definition against the table (Appwrite's index validator, in short). */
export function buildIndex(fl: Flavor, t: TableMeta, a: { key: string; type: string; columns: string[]; orders?: string[]; lengths?: number[] }, seq: number, now: number): IndexMeta {
  if (!isValidId(a.key)) throw new AppwriteError("general_argument_invalid", `Invalid \`key\` param: ${KEY_DESCRIPTION}`);
  if (!["key", "unique", "fulltext", "spatial"].includes(a.type)) {
    throw new AppwriteError("general_argument_invalid", "Invalid `type` param: Value must be one of (key, fulltext, unique, spatial)");
  }
  if (t.indexes.some((i) => i.key === a.key)) throw error(fl.err.indexExists, a.key);
  if (t.indexes.length >= MAX_INDEXES) throw error(fl.err.indexLimit, t.id);
  if (!a.columns.length) throw new AppwriteError(fl.err.indexInvalid, `No ${fl.word.column}s provided for index`);
  if (new Set(a.columns).size !== a.columns.length) throw new AppwriteError(fl.err.indexInvalid, `Duplicate ${fl.word.column}s provided`);
  const orders = (a.orders ?? []).map((o) => String(o).toUpperCase());
  if (orders.some((o) => o !== "ASC" && o !== "DESC")) throw new AppwriteError("general_argument_invalid", "Invalid `orders` param: Value must be one of (ASC, DESC)");
  for (const key of a.columns) {
    const sys = ["$id", "$createdAt", "$updatedAt", "$sequence"].includes(key);
    const col = t.columns.find((x) => x.key === key);
    if (!sys && (!col || !col.sql)) throw error(fl.err.columnUnknown, key);
    if (col && col.status !== "available") throw error(fl.err.columnNotAvailable, key);
    if (a.type === "fulltext" && (sys || !col || !TEXTUAL.has(col.type) || col.array)) {
      throw new AppwriteError(fl.err.indexInvalid, `${fl.word.Column} "${key}" cannot be part of a fulltext index: fulltext indexes need string ${fl.word.column}s`);
    }
  }
  checkSpatial(fl, t, a.type, a.columns, orders);
  return {
    // FTS5 has no order, but Appwrite keeps a fulltext index's orders as sent (the CLI sends and compares them)
    seq, key: a.key, type: a.type, columns: a.columns,
    orders: a.type === "fulltext" ? orders : a.type === "spatial" ? [] : a.columns.map((_, n) => orders[n] ?? "ASC"),
    lengths: a.lengths ?? [], status: "available", error: "", createdAt: now, updatedAt: now,
  };
}

export const nullInSpatialIndex = (key: string) =>
  `Spatial indexes do not allow null values. Mark the attribute "${key}" as required or create the index on a column with no null values.`;

/** utopia's spatial index rules (as on MariaDB: no null values, no orders) and its messages. */
function checkSpatial(fl: Flavor, t: TableMeta, type: string, columns: string[], orders: string[]): void {
  const invalid = (m: string) => new AppwriteError(fl.err.indexInvalid, m);
  const cols = columns.map((k) => ({ key: k, col: t.columns.find((x) => x.key === k) }));
  if (type !== "spatial") {
    const spatial = cols.find((x) => x.col && isSpatialType(x.col.type));
    if (spatial) throw invalid(`Cannot create ${type} index on spatial attribute "${spatial.key}". Spatial attributes require spatial indexes.`);
    return;
  }
  if (columns.length !== 1) throw invalid("Spatial index must have exactly one attribute");
  const { key, col } = cols[0]!;
  if (!col || !isSpatialType(col.type)) {
    throw invalid(`Spatial index can only be created on spatial attributes (point, linestring, polygon). Attribute "${key}" is of type "${col?.type ?? "string"}"`);
  }
  if (!col.required) throw invalid(nullInSpatialIndex(key));
  if (orders.length) throw invalid("Spatial indexes with explicit orders are not supported. Remove the orders to create this index.");
}

export function indexStatements(c: Ctx, t: TableMeta, i: IndexMeta): D1PreparedStatement[] {
  return [
    c.var.d1.prepare("INSERT INTO tdb_indexes (seq, project_id, table_seq, key, type, columns, orders, lengths, status, error, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '', ?10, ?10)")
      .bind(i.seq, c.var.project.id, t.seq, i.key, i.type, JSON.stringify(i.columns), JSON.stringify(i.orders), JSON.stringify(i.lengths), i.status, i.createdAt),
    ...createIndexSql(t, i, i.columns.map((k) => physicalOf(t, k))).map((s) => c.var.d1.prepare(s)),
  ];
}

const indexEvent = (c: Ctx, fl: Flavor, t: TableMeta, i: IndexMeta, action: string) =>
  eventStmt(c, { pattern: `databases.[databaseId].tables.[tableId].indexes.[indexId].${action}`, params: { databaseId: t.db.id, tableId: t.id, indexId: i.key }, payload: indexModel(i, fl), roles: [] });

export const uniqueBuildFailed = (e: unknown) => /UNIQUE constraint failed/.test(String((e as Error)?.message ?? e)) && !/tdb_/.test(String((e as Error)?.message ?? e));

export function registerIndexes(r: Hono<AppEnv>, fl: Flavor): void {
  const base = `/:databaseId/${fl.tables}/:${fl.tableParam}/indexes`;
  const adminTable = (c: Ctx) => loadTable(c, fl, c.req.param("databaseId")!, c.req.param(fl.tableParam)!, { fresh: true, allowDisabled: true });

  r.get(base, async (c) => {
    requireScope(c, ...fl.scope.indexesRead);
    const t = await adminTable(c);
    const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
    const g = prepareQueries(a.queries);
    let idx = t.indexes;
    for (const f of g.filters) {
      if (!["key", "type", "status", "error"].includes(f.attribute)) throw new AppwriteError("general_query_invalid", `Invalid query: Attribute not found in schema: ${f.attribute}`);
      const get = (i: IndexMeta) => (i as unknown as Record<string, unknown>)[f.attribute];
      if (f.method === "equal") idx = idx.filter((i) => f.values.includes(get(i)));
      else if (f.method === "notEqual") idx = idx.filter((i) => !f.values.includes(get(i)));
    }
    return json(c, list("indexes", idx.slice(g.offset, g.offset + g.limit).map((i) => indexModel(i, fl)), a.total ? idx.length : 0));
  });

  r.get(`${base}/:key`, async (c) => {
    requireScope(c, ...fl.scope.indexesRead);
    const t = await adminTable(c);
    const i = t.indexes.find((x) => x.key === c.req.param("key"));
    if (!i) throw error(fl.err.indexNotFound, c.req.param("key"));
    return json(c, indexModel(i, fl));
  });

  r.post(base, async (c) => {
    requireScope(c, ...fl.scope.indexesWrite);
    const a = await params(c, {
      key: p.string({ max: 255 }), type: p.string({ max: 32 }), [fl.indexColumns]: p.array(p.string({ max: 255 })),
      orders: p.optional(p.array(p.string({ max: 4 }))), lengths: p.optional(p.array(p.integer({ min: 0 }))),
    });
    const created = await schemaRetry(async () => {
      const t = await adminTable(c);
      const now = Date.now();
      const i = buildIndex(fl, t, { key: a.key, type: a.type, columns: a[fl.indexColumns] as string[], orders: a.orders, lengths: a.lengths }, await nextSeq(c.var.d1, "tdb_indexes"), now);
      try {
        await batch(c, [guardStmt(c.var.d1, t), ...indexStatements(c, t, i), touchTableStmt(c, t, now), indexEvent(c, fl, t, i, "create")]);
      } catch (e) {
        if (uniqueBuildFailed(e)) throw new AppwriteError(fl.err.indexInvalid, "Unique index cannot be created: existing values are not unique.");
        throw e;
      }
      forgetTable(c.var.project.id, t.db.id, t.id);
      return i;
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, indexModel(created, fl, "processing"), 202);
  });

  r.delete(`${base}/:key`, async (c) => {
    requireScope(c, ...fl.scope.indexesWrite);
    await schemaRetry(async () => {
      const t = await adminTable(c);
      const i = t.indexes.find((x) => x.key === c.req.param("key"));
      if (!i) throw error(fl.err.indexNotFound, c.req.param("key"));
      const now = Date.now();
      await batch(c, [
        guardStmt(c.var.d1, t), ...dropIndexSql(t, i).map((s) => c.var.d1.prepare(s)),
        c.var.d1.prepare("DELETE FROM tdb_indexes WHERE seq = ?1").bind(i.seq), touchTableStmt(c, t, now), indexEvent(c, fl, t, i, "delete"),
      ]);
      forgetTable(c.var.project.id, t.db.id, t.id);
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return noContent(c);
  });
}
