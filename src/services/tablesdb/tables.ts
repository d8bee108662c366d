import type { Hono } from "hono";
import { AppwriteError, error } from "../../core/errors";
import { resolveId } from "../../core/ids";
import { params, p, type RawParams } from "../../core/params";
import { CONTAINER_ACTIONS, normalizePermissions } from "../../core/permissions";
import { json, list, noContent } from "../../core/response";
import { prepareQueries, runList } from "../../db/list";
import { isUniqueViolation } from "../../db/client";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { batch, eventStmt, listParams, searchLike } from "./common";
import { addColumnSql, createTableSql, dropTableSql, physicalName } from "./ddl";
import type { Flavor } from "./flavor";
import { columnEvent, inlineColumn, insertColumnStmt, MAX_COLUMNS, nextSeq, schemaRetry } from "./columns";
import { buildIndex, indexStatements, uniqueBuildFailed } from "./indexes";
import { databaseFrom, forgetTable, loadDatabase, loadTable, tableFrom, type ColumnMeta, type DatabaseMeta, type TableMeta } from "./meta";
import { tableModel } from "./models";
import { relationshipTableDropStatements } from "./relationships";
import { lookup } from "../../core/input";

const TABLE_FIELDS = (fl: Flavor) => lookup<{ sql: string; type: "string" | "integer" | "datetime" | "boolean" }>({
  $id: { sql: "id", type: "string" },
  name: { sql: "name", type: "string" },
  enabled: { sql: "enabled", type: "boolean" },
  [fl.security]: { sql: "row_security", type: "boolean" },
  $createdAt: { sql: "created_at", type: "datetime" },
  $updatedAt: { sql: "updated_at", type: "datetime" },
  $sequence: { sql: "seq", type: "integer" },
});

const tableEvent = (c: Ctx, fl: Flavor, t: TableMeta, action: string) =>
  eventStmt(c, { pattern: `databases.[databaseId].tables.[tableId].${action}`, params: { databaseId: t.db.id, tableId: t.id }, payload: tableModel(t, fl), roles: [] });

export function registerTables(r: Hono<AppEnv>, fl: Flavor): void {
  const base = `/:databaseId/${fl.tables}`;

  r.get(base, async (c) => {
    requireScope(c, ...fl.scope.tablesRead);
    const d = await loadDatabase(c, c.req.param("databaseId")!, { allowDisabled: true });
    const a = await listParams(c);
    const g = prepareQueries(a.queries);
    const like = searchLike(a.search);
    const fields = TABLE_FIELDS(fl);
    const { rows, total } = await runList<Record<string, unknown>>(c.var.d1, {
      from: "tdb_tables", columns: "*", sequence: "seq", id: "id",
      base: (b) => `database_seq = ${b.bind(d.seq)}` + (like ? ` AND (name LIKE ${b.bind(like)} ESCAPE '\\' OR id LIKE ${b.bind(like)} ESCAPE '\\')` : ""),
      resolve: (k) => fields[k],
    }, g, a.total);
    // Columns and indexes of the listed tables, in one more round trip.
    const seqs = rows.map((x) => Number(x.seq));
    const [cols, idx] = seqs.length
      ? await c.var.d1.batch<Record<string, unknown>>([
          c.var.d1.prepare("SELECT * FROM tdb_columns WHERE table_seq IN (SELECT value FROM json_each(?1)) ORDER BY seq").bind(JSON.stringify(seqs)),
          c.var.d1.prepare("SELECT * FROM tdb_indexes WHERE table_seq IN (SELECT value FROM json_each(?1)) ORDER BY seq").bind(JSON.stringify(seqs)),
        ])
      : [{ results: [] }, { results: [] }];
    const { columnFrom, indexFrom } = await import("./meta");
    const out = rows.map((x) => {
      const seq = Number(x.seq);
      return tableModel(tableFrom(x, d, cols!.results.filter((r) => Number(r.table_seq) === seq).map(columnFrom), idx!.results.filter((r) => Number(r.table_seq) === seq).map(indexFrom)), fl);
    });
    return json(c, list(fl.tables, out, total));
  });

  r.post(base, async (c) => {
    requireScope(c, ...fl.scope.tablesWrite);
    const d = await loadDatabase(c, c.req.param("databaseId")!, { allowDisabled: true });
    const a = await params(c, {
      [fl.tableParam]: p.customId(), name: p.string({ max: 128 }), permissions: p.optional(p.strings()), [fl.security]: p.default(p.boolean(), false),
      enabled: p.default(p.boolean(), true), columns: p.default(p.array(p.object()), []), indexes: p.default(p.array(p.object()), []),
    } as Record<string, ReturnType<typeof p.any>>);
    const id = resolveId(fl.tableParam, a[fl.tableParam] as string);
    const permissions = normalizePermissions((a.permissions as string[] | undefined) ?? [], CONTAINER_ACTIONS);
    const t = await schemaRetry(async () => {
      const now = Date.now();
      const seq = await nextSeq(c.var.d1, "tdb_tables");
      const t: TableMeta = {
        seq, id, name: a.name as string, enabled: a.enabled as boolean, rowSecurity: a[fl.security] as boolean, permissions,
        physical: physicalName(c.var.project.seq, seq), createdAt: now, updatedAt: now, db: d, columns: [], indexes: [],
      };
      const stmts: D1PreparedStatement[] = [
        c.var.d1.prepare("INSERT INTO tdb_tables (seq, project_id, database_seq, id, name, enabled, row_security, permissions, physical, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)")
          .bind(seq, c.var.project.id, d.seq, id, t.name, t.enabled ? 1 : 0, t.rowSecurity ? 1 : 0, JSON.stringify(permissions), t.physical, now),
        ...createTableSql(t.physical).map((s) => c.var.d1.prepare(s)),
      ];
      const colDefs = a.columns as RawParams[];
      if (colDefs.length > MAX_COLUMNS) throw error(fl.err.columnLimit, id);
      let colSeq = colDefs.length ? await nextSeq(c.var.d1, "tdb_columns") : 0;
      for (const raw of colDefs) {
        const col: ColumnMeta = inlineColumn(fl, raw, colSeq++, now);
        if (t.columns.some((x) => x.key === col.key)) throw error(fl.err.columnExists, col.key);
        t.columns.push(col);
        stmts.push(insertColumnStmt(c, t, col), c.var.d1.prepare(addColumnSql(t, col)));
      }
      const idxDefs = a.indexes as RawParams[];
      let idxSeq = idxDefs.length ? await nextSeq(c.var.d1, "tdb_indexes") : 0;
      for (const raw of idxDefs) {
        const cols = (raw.attributes ?? raw.columns ?? []) as string[];
        if (!Array.isArray(cols)) throw new AppwriteError("general_argument_invalid", "Invalid `indexes` param: attributes must be an array");
        const i = buildIndex(fl, t, { key: String(raw.key ?? ""), type: String(raw.type ?? ""), columns: cols.map(String), orders: (raw.orders as string[]) ?? [], lengths: (raw.lengths as number[]) ?? [] }, idxSeq++, now);
        t.indexes.push(i);
        stmts.push(...indexStatements(c, t, i));
      }
      stmts.push(tableEvent(c, fl, t, "create"));
      for (const col of t.columns) stmts.push(columnEvent(c, fl, t, col, "create"));
      try {
        await batch(c, stmts);
      } catch (e) {
        if (isUniqueViolation(e) && /tdb_tables\.(database_seq|id)/.test(String((e as Error).message))) throw error(fl.err.tableExists, id);
        if (uniqueBuildFailed(e)) throw new AppwriteError(fl.err.indexInvalid);
        throw e;
      }
      return t;
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, tableModel(t, fl), 201);
  });

  r.get(`${base}/:${fl.tableParam}`, async (c) => {
    requireScope(c, ...fl.scope.tablesRead);
    const t = await loadTable(c, fl, c.req.param("databaseId")!, c.req.param(fl.tableParam)!, { fresh: true, allowDisabled: true });
    return json(c, tableModel(t, fl));
  });

  r.put(`${base}/:${fl.tableParam}`, async (c) => {
    requireScope(c, ...fl.scope.tablesWrite);
    const t = await loadTable(c, fl, c.req.param("databaseId")!, c.req.param(fl.tableParam)!, { fresh: true, allowDisabled: true });
    const a = await params(c, {
      name: p.optional(p.string({ max: 128 })), permissions: p.optional(p.strings()), [fl.security]: p.optional(p.boolean()), enabled: p.optional(p.boolean()),
      purge: p.optional(p.boolean()),
    } as Record<string, ReturnType<typeof p.any>>);
    const next: TableMeta = {
      ...t,
      name: (a.name as string | undefined) ?? t.name,
      permissions: a.permissions !== undefined ? normalizePermissions(a.permissions as string[], CONTAINER_ACTIONS) : t.permissions,
      rowSecurity: (a[fl.security] as boolean | undefined) ?? t.rowSecurity,
      enabled: (a.enabled as boolean | undefined) ?? t.enabled,
      updatedAt: Math.max(Date.now(), t.updatedAt + 1),
    };
    await batch(c, [
      c.var.d1.prepare("UPDATE tdb_tables SET name = ?1, permissions = ?2, row_security = ?3, enabled = ?4, updated_at = ?5 WHERE seq = ?6")
        .bind(next.name, JSON.stringify(next.permissions), next.rowSecurity ? 1 : 0, next.enabled ? 1 : 0, next.updatedAt, t.seq),
      tableEvent(c, fl, next, "update"),
    ]);
    forgetTable(c.var.project.id, t.db.id, t.id);
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, tableModel(next, fl));
  });

  r.delete(`${base}/:${fl.tableParam}`, async (c) => {
    requireScope(c, ...fl.scope.tablesWrite);
    const t = await loadTable(c, fl, c.req.param("databaseId")!, c.req.param(fl.tableParam)!, { fresh: true, allowDisabled: true });
    await batch(c, [
      ...(await relationshipTableDropStatements(c, fl, t)),
      ...dropTableSql(t).map((s) => c.var.d1.prepare(s)),
      c.var.d1.prepare("DELETE FROM tdb_columns WHERE table_seq = ?1").bind(t.seq),
      c.var.d1.prepare("DELETE FROM tdb_indexes WHERE table_seq = ?1").bind(t.seq),
      c.var.d1.prepare("DELETE FROM tdb_tables WHERE seq = ?1").bind(t.seq),
      tableEvent(c, fl, t, "delete"),
    ]);
    forgetTable(c.var.project.id, t.db.id, t.id);
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return noContent(c);
  });
}

export type { DatabaseMeta };
void databaseFrom;
