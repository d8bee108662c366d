import type { ColumnMeta, IndexMeta, TableMeta } from "./meta";
import { permsTable, q } from "./meta";

/**
 * DDL for the physical storage of one table. Names are derived from sequences only:
 * rows `ut<p>_<t>`, permissions `ut<p>_<t>_perms`, column `c<columnSeq>`, index `ui<p>_<t>_<indexSeq>`,
 * fulltext `uf<p>_<t>_<indexSeq>` (FTS5, external content, kept in sync by triggers).
 */
export const physicalName = (projectSeq: number, tableSeq: number) => `ut${projectSeq}_${tableSeq}`;
export const indexName = (t: TableMeta, seq: number) => `${t.physical.replace(/^ut/, "ui")}_${seq}`;
export const ftsName = (t: { physical: string }, seq: number) => `${t.physical.replace(/^ut/, "uf")}_${seq}`;
/** Bounding boxes of a spatial index `ug<p>_<t>_<indexSeq>` (item = row `_seq`), kept in sync by triggers. */
export const bboxName = (t: { physical: string }, seq: number) => `${t.physical.replace(/^ut/, "ug")}_${seq}`;

/**
 * SQL: the bounding box (minx, miny, maxx, maxy) of stored JSON geometries read through `json_tree` as `j`:
 * every number in one is a coordinate, x at array index 0 and y at 1, whatever the nesting.
 */
const BOX = ["min(CASE WHEN j.key = 0 THEN j.value END)", "min(CASE WHEN j.key = 1 THEN j.value END)", "max(CASE WHEN j.key = 0 THEN j.value END)", "max(CASE WHEN j.key = 1 THEN j.value END)"].join(", ");
const NUMBERS = "j.type IN ('integer', 'real')";

/**
 * A spatial index: D1 documents no R*Tree module, so a table of boxes with B-tree indexes, filled from
 * the rows and kept in sync by triggers (a NULL value has no box). Queries use it as a prefilter
 * (`bboxMeets`); the exact test runs in the Worker.
 */
function spatialIndexSql(t: TableMeta, seq: number, col: string): string[] {
  const g = bboxName(t, seq);
  const into = `INSERT INTO ${q(g)} (item, minx, miny, maxx, maxy)`;
  const insertNew = `${into} SELECT new._seq, ${BOX} FROM json_tree(new.${col}) j WHERE ${NUMBERS} HAVING count(*) > 0`;
  return [
    `CREATE TABLE ${q(g)} (item INTEGER PRIMARY KEY, minx REAL NOT NULL, miny REAL NOT NULL, maxx REAL NOT NULL, maxy REAL NOT NULL)`,
    `CREATE INDEX ${q(`${g}_x`)} ON ${q(g)} (minx, maxx)`,
    `CREATE INDEX ${q(`${g}_y`)} ON ${q(g)} (miny, maxy)`,
    `CREATE TRIGGER ${q(`${g}_ai`)} AFTER INSERT ON ${q(t.physical)} BEGIN ${insertNew}; END`,
    `CREATE TRIGGER ${q(`${g}_ad`)} AFTER DELETE ON ${q(t.physical)} BEGIN DELETE FROM ${q(g)} WHERE item = old._seq; END`,
    `CREATE TRIGGER ${q(`${g}_au`)} AFTER UPDATE OF ${col} ON ${q(t.physical)} BEGIN DELETE FROM ${q(g)} WHERE item = old._seq; ${insertNew}; END`,
    `${into} SELECT r._seq, ${BOX} FROM ${q(t.physical)} r, json_tree(r.${col}) j WHERE ${NUMBERS} GROUP BY r._seq`,
  ];
}

/** SQL true when the row `ref`'s box in spatial index `seq` meets the bound box. */
export const bboxMeets = (t: { physical: string }, seq: number, ref: string, box: [string, string, string, string]) =>
  `${ref}._seq IN (SELECT item FROM ${q(bboxName(t, seq))} WHERE minx <= ${box[2]} AND maxx >= ${box[0]} AND miny <= ${box[3]} AND maxy >= ${box[1]})`;

/** SQLite affinity for a column's stored value (arrays and relationship lists are JSON text). */
export function sqlType(col: Pick<ColumnMeta, "type" | "array">): string {
  if (col.array) return "TEXT";
  switch (col.type) {
    case "integer": case "bigint": case "boolean": case "datetime":
      return "INTEGER";
    case "double":
      return "REAL";
    default:
      return "TEXT";
  }
}

export function createTableSql(physical: string): string[] {
  return [
    `CREATE TABLE ${q(physical)} (_seq INTEGER PRIMARY KEY AUTOINCREMENT, _uid TEXT NOT NULL UNIQUE, _createdAt INTEGER NOT NULL, _updatedAt INTEGER NOT NULL, _permissions TEXT NOT NULL DEFAULT '[]')`,
    `CREATE TABLE ${q(`${physical}_perms`)} (item INTEGER NOT NULL, action TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (item, action, role)) WITHOUT ROWID`,
    `CREATE INDEX ${q(`${physical}_perms_role`)} ON ${q(`${physical}_perms`)} (role, action, item)`,
    `CREATE INDEX ${q(`${physical}_created`)} ON ${q(physical)} (_createdAt)`,
    `CREATE INDEX ${q(`${physical}_updated`)} ON ${q(physical)} (_updatedAt)`,
  ];
}

export function dropTableSql(t: { physical: string; indexes: IndexMeta[] }): string[] {
  return [
    ...t.indexes.filter((i) => i.type === "fulltext").map((i) => `DROP TABLE IF EXISTS ${q(ftsName(t, i.seq))}`),
    ...t.indexes.filter((i) => i.type === "spatial").map((i) => `DROP TABLE IF EXISTS ${q(bboxName(t, i.seq))}`),
    `DROP TABLE IF EXISTS ${q(t.physical)}`,
    `DROP TABLE IF EXISTS ${q(permsTable(t))}`,
  ];
}

export const addColumnSql = (t: TableMeta, col: Pick<ColumnMeta, "sql" | "type" | "array">) =>
  `ALTER TABLE ${q(t.physical)} ADD COLUMN ${col.sql} ${sqlType(col)}`;
export const dropColumnSql = (t: TableMeta, sqlName: string) => `ALTER TABLE ${q(t.physical)} DROP COLUMN ${sqlName}`;

/** CREATE [UNIQUE] INDEX / FTS5 table + sync triggers + rebuild, for an index over physical columns. */
export function createIndexSql(t: TableMeta, i: Pick<IndexMeta, "seq" | "type" | "orders">, cols: string[]): string[] {
  if (i.type === "fulltext") {
    const fts = ftsName(t, i.seq);
    const list = cols.join(", ");
    const news = cols.map((c) => `new.${c}`).join(", ");
    const olds = cols.map((c) => `old.${c}`).join(", ");
    return [
      `CREATE VIRTUAL TABLE ${q(fts)} USING fts5(${list}, content=${q(t.physical)}, content_rowid='_seq')`,
      `CREATE TRIGGER ${q(`${fts}_ai`)} AFTER INSERT ON ${q(t.physical)} BEGIN INSERT INTO ${q(fts)}(rowid, ${list}) VALUES (new._seq, ${news}); END`,
      `CREATE TRIGGER ${q(`${fts}_ad`)} AFTER DELETE ON ${q(t.physical)} BEGIN INSERT INTO ${q(fts)}(${q(fts)}, rowid, ${list}) VALUES ('delete', old._seq, ${olds}); END`,
      `CREATE TRIGGER ${q(`${fts}_au`)} AFTER UPDATE ON ${q(t.physical)} BEGIN INSERT INTO ${q(fts)}(${q(fts)}, rowid, ${list}) VALUES ('delete', old._seq, ${olds}); INSERT INTO ${q(fts)}(rowid, ${list}) VALUES (new._seq, ${news}); END`,
      `INSERT INTO ${q(fts)}(${q(fts)}) VALUES ('rebuild')`,
    ];
  }
  if (i.type === "spatial") return spatialIndexSql(t, i.seq, cols[0]!);
  const terms = cols.map((c, n) => `${c} ${String(i.orders[n] ?? "ASC").toUpperCase() === "DESC" ? "DESC" : "ASC"}`);
  return [`CREATE ${i.type === "unique" ? "UNIQUE " : ""}INDEX ${q(indexName(t, i.seq))} ON ${q(t.physical)} (${terms.join(", ")})`];
}

export function dropIndexSql(t: TableMeta, i: Pick<IndexMeta, "seq" | "type">): string[] {
  if (i.type === "fulltext") {
    const fts = ftsName(t, i.seq);
    return [`DROP TRIGGER IF EXISTS ${q(`${fts}_ai`)}`, `DROP TRIGGER IF EXISTS ${q(`${fts}_ad`)}`, `DROP TRIGGER IF EXISTS ${q(`${fts}_au`)}`, `DROP TABLE IF EXISTS ${q(fts)}`];
  }
  if (i.type === "spatial") {
    const g = bboxName(t, i.seq);
    return [`DROP TRIGGER IF EXISTS ${q(`${g}_ai`)}`, `DROP TRIGGER IF EXISTS ${q(`${g}_ad`)}`, `DROP TRIGGER IF EXISTS ${q(`${g}_au`)}`, `DROP TABLE IF EXISTS ${q(g)}`];
  }
  return [`DROP INDEX IF EXISTS ${q(indexName(t, i.seq))}`];
}
