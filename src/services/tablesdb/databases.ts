import type { Hono } from "hono";
import { error } from "../../core/errors";
import { resolveId } from "../../core/ids";
import { params, p } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import { prepareQueries, runList } from "../../db/list";
import { isUniqueViolation } from "../../db/client";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { onProjectDelete } from "../../platform/projects";
import { batch, eventStmt, listParams, searchLike } from "./common";
import { dropTableSql } from "./ddl";
import { databaseFrom, forgetProjectTables, indexFrom, loadDatabase, type DatabaseMeta } from "./meta";
import { databaseModel } from "./models";
import type { Flavor } from "./flavor";
import { lookup } from "../../core/input";

const DB_FIELDS = lookup<{ sql: string; type: "string" | "integer" | "datetime" | "boolean" }>({
  $id: { sql: "id", type: "string" },
  name: { sql: "name", type: "string" },
  enabled: { sql: "enabled", type: "boolean" },
  $createdAt: { sql: "created_at", type: "datetime" },
  $updatedAt: { sql: "updated_at", type: "datetime" },
  $sequence: { sql: "seq", type: "integer" },
});

/** Statements dropping every physical table of the given tables plus their metadata. */
export async function dropTablesStatements(d1: D1Database, where: string, bind: unknown[]): Promise<D1PreparedStatement[]> {
  const [tables, idx] = await d1.batch<Record<string, unknown>>([
    d1.prepare(`SELECT seq, physical FROM tdb_tables WHERE ${where}`).bind(...bind),
    d1.prepare(`SELECT * FROM tdb_indexes WHERE type = 'fulltext' AND table_seq IN (SELECT seq FROM tdb_tables WHERE ${where})`).bind(...bind),
  ]);
  const out: D1PreparedStatement[] = [];
  const indexes = idx!.results.map((r) => ({ ...indexFrom(r), tableSeq: Number(r.table_seq) }));
  for (const t of tables!.results) {
    const seq = Number(t.seq);
    for (const s of dropTableSql({ physical: String(t.physical), indexes: indexes.filter((i) => i.tableSeq === seq) })) out.push(d1.prepare(s));
  }
  out.push(d1.prepare(`DELETE FROM tdb_columns WHERE table_seq IN (SELECT seq FROM tdb_tables WHERE ${where})`).bind(...bind));
  out.push(d1.prepare(`DELETE FROM tdb_indexes WHERE table_seq IN (SELECT seq FROM tdb_tables WHERE ${where})`).bind(...bind));
  out.push(d1.prepare(`DELETE FROM tdb_tables WHERE ${where}`).bind(...bind));
  return out;
}

onProjectDelete(async (_env, _db, projectId, d1) => {
  const stmts = await dropTablesStatements(d1, "project_id = ?1", [projectId]);
  stmts.push(d1.prepare("DELETE FROM tdb_databases WHERE project_id = ?1").bind(projectId));
  stmts.push(d1.prepare("DELETE FROM tdb_transactions WHERE project_id = ?1").bind(projectId));
  await d1.batch(stmts);
  forgetProjectTables(projectId);
});

const dbEvent = (c: Ctx, d: DatabaseMeta, action: string) =>
  eventStmt(c, { pattern: `databases.[databaseId].${action}`, params: { databaseId: d.id }, payload: databaseModel(d), roles: [] });

export function registerDatabases(r: Hono<AppEnv>, fl: Flavor): void {
  const type = fl.legacy ? "legacy" : "tablesdb";

  r.get("/", async (c) => {
    requireScope(c, "databases.read");
    const a = await listParams(c);
    const g = prepareQueries(a.queries);
    const like = searchLike(a.search);
    const { rows, total } = await runList<Record<string, unknown>>(c.var.d1, {
      from: "tdb_databases", columns: "*", sequence: "seq", id: "id",
      base: (b) => `project_id = ${b.bind(c.var.project.id)}` + (like ? ` AND (name LIKE ${b.bind(like)} ESCAPE '\\' OR id LIKE ${b.bind(like)} ESCAPE '\\')` : ""),
      resolve: (k) => DB_FIELDS[k],
    }, g, a.total);
    return json(c, list("databases", rows.map((x) => databaseModel(databaseFrom(x))), total));
  });

  r.post("/", async (c) => {
    requireScope(c, "databases.write");
    const a = await params(c, { databaseId: p.customId(), name: p.string({ max: 128 }), enabled: p.default(p.boolean(), true) });
    const id = resolveId("databaseId", a.databaseId);
    const now = Date.now();
    const d: DatabaseMeta = { seq: 0, id, name: a.name, enabled: a.enabled, type, createdAt: now, updatedAt: now };
    try {
      const res = await batch(c, [
        c.var.d1.prepare("INSERT INTO tdb_databases (project_id, id, name, enabled, type, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING seq")
          .bind(c.var.project.id, id, a.name, a.enabled ? 1 : 0, type, now),
        dbEvent(c, d, "create"),
      ]);
      d.seq = Number(res[0]!.results[0]!.seq);
    } catch (e) {
      if (isUniqueViolation(e)) throw error("database_already_exists", id);
      throw e;
    }
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, databaseModel(d), 201);
  });

  r.get("/:databaseId", async (c) => {
    requireScope(c, "databases.read");
    return json(c, databaseModel(await loadDatabase(c, c.req.param("databaseId")!, { allowDisabled: true })));
  });

  r.put("/:databaseId", async (c) => {
    requireScope(c, "databases.write");
    const d = await loadDatabase(c, c.req.param("databaseId")!, { allowDisabled: true });
    const a = await params(c, { name: p.optional(p.string({ max: 128 })), enabled: p.optional(p.boolean()) });
    const next: DatabaseMeta = { ...d, name: a.name ?? d.name, enabled: a.enabled ?? d.enabled, updatedAt: Math.max(Date.now(), d.updatedAt + 1) };
    await batch(c, [
      c.var.d1.prepare("UPDATE tdb_databases SET name = ?1, enabled = ?2, updated_at = ?3 WHERE seq = ?4").bind(next.name, next.enabled ? 1 : 0, next.updatedAt, d.seq),
      dbEvent(c, next, "update"),
    ]);
    forgetProjectTables(c.var.project.id);
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, databaseModel(next));
  });

  r.delete("/:databaseId", async (c) => {
    requireScope(c, "databases.write");
    const d = await loadDatabase(c, c.req.param("databaseId")!, { allowDisabled: true });
    const stmts = await dropTablesStatements(c.var.d1, "database_seq = ?1", [d.seq]);
    stmts.push(c.var.d1.prepare("DELETE FROM tdb_databases WHERE seq = ?1").bind(d.seq));
    stmts.push(dbEvent(c, d, "delete"));
    await batch(c, stmts);
    forgetProjectTables(c.var.project.id);
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return noContent(c);
  });
}
