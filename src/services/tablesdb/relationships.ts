import type { Hono } from "hono";
import { AppwriteError, error } from "../../core/errors";
import { isValidId, KEY_DESCRIPTION, uniqueId } from "../../core/ids";
import { params, p } from "../../core/params";
import { json } from "../../core/response";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { batch } from "./common";
import type { Flavor } from "./flavor";
import { forgetTable, guardStmt, loadTable, q, type ColumnMeta, type TableMeta } from "./meta";
import { columnModel } from "./models";
import { assertColumnKey, columnEvent, findColumn, MAX_COLUMNS, nextSeq, schemaRetry } from "./columns";
import {
  deleteStatements, insertStatements, prepareNew, readRaw, readRawMany, rowAllows, rowEvent, rowModel, rowUpdateStatements, selection, selectList,
  tableAllows, updateStatements, withConflictRetry, writeError, type Model, type Raw,
} from "./rows";
import { structureError } from "./validation";
import { inputObject } from "../../core/input";

/**
 * Relationship columns (utopia-php/database semantics, D1 storage).
 *
 * Every relationship has two sides in tdb_columns: the `parent` (the table it was created on) and the
 * `child` (on the related table, key = twoWayKey; `hidden` when the relationship is one-way, as Appwrite
 * does not list it). Storage, never named from user input:
 * - oneToOne: `c<seq>` on the parent holding the related row id (UNIQUE index); with twoWay also on the child;
 * - manyToOne: `c<seq>` on the parent; oneToMany: `c<seq>` on the child (both indexed);
 * - manyToMany: a junction table `<parentPhysical>_j<parentSeq>` (p, c) with indexes both ways.
 * Options: relatedTable, relationType, twoWay, twoWayKey, onDelete, side, stored, hidden, junction.
 */
export const relationshipShape = {};

export const MAX_DEPTH = 3;
type RelType = "oneToOne" | "oneToMany" | "manyToOne" | "manyToMany";
const TYPES: RelType[] = ["oneToOne", "oneToMany", "manyToOne", "manyToMany"];
const ON_DELETE = ["cascade", "restrict", "setNull"];

const opt = (col: ColumnMeta) => col.options as {
  relatedTable: string; relationType: RelType; twoWay: boolean; twoWayKey: string; onDelete: string; side: "parent" | "child";
  stored?: boolean; hidden?: boolean; junction?: string;
};

export const isRel = (col: ColumnMeta) => col.type === "relationship";
/** Relationship columns Appwrite knows (one-way child sides are internal). */
export const hasRelationships = (t: TableMeta) => t.columns.some((x) => isRel(x) && !x.options.hidden);
const visibleRels = (t: TableMeta) => t.columns.filter((x) => isRel(x) && !x.options.hidden);

/** This side holds many related rows. */
export function toMany(col: ColumnMeta): boolean {
  const o = opt(col);
  return o.relationType === "manyToMany" || (o.relationType === "oneToMany" && o.side === "parent") || (o.relationType === "manyToOne" && o.side === "child");
}

const storedSides = (type: RelType, twoWay: boolean) => ({
  parent: type === "oneToOne" || type === "manyToOne",
  child: (type === "oneToOne" && twoWay) || type === "oneToMany",
});

const relIndexName = (t: { physical: string }, seq: number) => `${t.physical}_rel${seq}`;
const junctionCols = (col: ColumnMeta) => (opt(col).side === "parent" ? { mine: "p", other: "c" } : { mine: "c", other: "p" });

async function relatedOf(c: Ctx, fl: Flavor, t: TableMeta, col: ColumnMeta): Promise<{ r: TableMeta; partner: ColumnMeta | undefined } | null> {
  try {
    const r = opt(col).relatedTable === t.id ? t : await loadTable(c, fl, t.db.id, opt(col).relatedTable, { allowDisabled: true });
    return { r, partner: r.columns.find((x) => isRel(x) && x.key === opt(col).twoWayKey && opt(x).twoWayKey === col.key) };
  } catch (e) {
    if (e instanceof AppwriteError) return null;
    throw e;
  }
}

// ---- column routes ----------------------------------------------------------------------------------

function adminTable(c: Ctx, fl: Flavor, id: string) {
  return loadTable(c, fl, c.req.param("databaseId")!, id, { fresh: true, allowDisabled: true });
}

const touch = (c: Ctx, t: TableMeta, now: number) => c.var.d1.prepare("UPDATE tdb_tables SET updated_at = ?1 WHERE seq = ?2").bind(Math.max(now, t.updatedAt + 1), t.seq);

const insertCol = (c: Ctx, t: TableMeta, col: ColumnMeta) =>
  c.var.d1.prepare(
    "INSERT INTO tdb_columns (seq, project_id, table_seq, key, type, format, size, required, array, default_value, options, status, error, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'relationship', '', 0, 0, 0, NULL, ?5, 'available', '', ?6, ?6)",
  ).bind(col.seq, c.var.project.id, t.seq, col.key, JSON.stringify(col.options), col.createdAt);


export function registerRelationshipRoutes(r: Hono<AppEnv>, fl: Flavor, base: string): void {
  const relatedParam = fl.legacy ? "relatedCollectionId" : "relatedTableId";

  r.post(`${base}/relationship`, async (c) => {
    requireScope(c, ...fl.scope.columnsWrite);
    const a = await params(c, {
      [relatedParam]: p.uid(), type: p.enum(TYPES), twoWay: p.default(p.boolean(), false), key: p.optional(p.string({ max: 255 })),
      twoWayKey: p.optional(p.string({ max: 255 })), onDelete: p.default(p.enum(ON_DELETE as [string, ...string[]]), "restrict"),
    } as Record<string, ReturnType<typeof p.any>>);
    const tableId = c.req.param(fl.tableParam)!;
    const relatedId = String(a[relatedParam]);
    const type = a.type as RelType;
    const twoWay = !!a.twoWay;
    const key = (a.key as string | undefined | null) ?? relatedId;
    const twoWayKey = (a.twoWayKey as string | undefined | null) ?? tableId;
    for (const [name, v] of [["key", key], ["twoWayKey", twoWayKey]] as const) {
      assertColumnKey(name, v);
    }
    const created = await schemaRetry(async () => {
      const t = await adminTable(c, fl, tableId);
      let rt: TableMeta;
      try {
        rt = relatedId === t.id ? t : await adminTable(c, fl, relatedId);
      } catch (e) {
        if (e instanceof AppwriteError && e.type === fl.err.tableNotFound) throw new AppwriteError(fl.err.tableNotFound, `The related ${fl.word.table} was not found.`);
        throw e;
      }
      if (t.columns.some((x) => x.key.toLowerCase() === key.toLowerCase())) throw error(fl.err.columnExists, key);
      for (const x of t.columns.filter(isRel)) {
        if (opt(x).relatedTable === rt.id && opt(x).twoWayKey.toLowerCase() === twoWayKey.toLowerCase()) throw error(fl.err.columnExists, a.twoWayKey ? twoWayKey : key);
        if (type === "manyToMany" && opt(x).relationType === "manyToMany" && opt(x).relatedTable === rt.id) {
          throw new AppwriteError(fl.err.columnExists, `Creating more than one "manyToMany" relationship on the same ${fl.word.table} is currently not permitted.`);
        }
      }
      if (rt.columns.some((x) => x.key.toLowerCase() === twoWayKey.toLowerCase()) || (rt === t && key.toLowerCase() === twoWayKey.toLowerCase())) throw error(fl.err.columnExists, twoWayKey);
      const stored = storedSides(type, twoWay);
      if (stored.parent && t.columns.filter((x) => x.sql).length >= MAX_COLUMNS) throw error(fl.err.columnLimit, t.id);
      if (stored.child && rt.columns.filter((x) => x.sql).length >= MAX_COLUMNS) throw error(fl.err.columnLimit, rt.id);
      const now = Date.now();
      const seq = await nextSeq(c.var.d1, "tdb_columns");
      const junction = type === "manyToMany" ? `${t.physical}_j${seq}` : undefined;
      const mk = (s: number, k: string, options: Record<string, unknown>, isStored: boolean): ColumnMeta => ({
        seq: s, key: k, type: "relationship", format: "", size: 0, required: false, array: false, default: null, options, status: "available", error: "",
        createdAt: now, updatedAt: now, sql: isStored ? `c${s}` : "",
      });
      const parent = mk(seq, key, { relatedTable: rt.id, relationType: type, twoWay, twoWayKey, onDelete: a.onDelete, side: "parent", stored: stored.parent, ...(junction ? { junction } : {}) }, stored.parent);
      const child = mk(seq + 1, twoWayKey, {
        relatedTable: t.id, relationType: type, twoWay, twoWayKey: key, onDelete: a.onDelete, side: "child", stored: stored.child, ...(twoWay ? {} : { hidden: true }), ...(junction ? { junction } : {}),
      }, stored.child);
      const d1 = c.var.d1;
      const stmts: D1PreparedStatement[] = [guardStmt(d1, t)];
      if (rt !== t) stmts.push(guardStmt(d1, rt));
      stmts.push(insertCol(c, t, parent), insertCol(c, rt, child));
      for (const [tb, col] of [[t, parent], [rt, child]] as const) {
        if (!col.sql) continue;
        stmts.push(d1.prepare(`ALTER TABLE ${q(tb.physical)} ADD COLUMN ${col.sql} TEXT`));
        stmts.push(d1.prepare(`CREATE ${type === "oneToOne" ? "UNIQUE " : ""}INDEX ${q(relIndexName(tb, col.seq))} ON ${q(tb.physical)} (${col.sql})`));
      }
      if (junction) {
        stmts.push(d1.prepare(`CREATE TABLE ${q(junction)} (p TEXT NOT NULL, c TEXT NOT NULL, PRIMARY KEY (p, c)) WITHOUT ROWID`));
        stmts.push(d1.prepare(`CREATE INDEX ${q(`${junction}_c`)} ON ${q(junction)} (c, p)`));
      }
      stmts.push(touch(c, t, now));
      if (rt !== t) stmts.push(touch(c, rt, now));
      stmts.push(columnEvent(c, fl, t, parent, "create"));
      await batch(c, stmts);
      forgetTable(c.var.project.id, t.db.id, t.id);
      forgetTable(c.var.project.id, t.db.id, rt.id);
      return parent;
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, columnModel(created, fl, "processing"), 202);
  });

  r.patch(`${base}/:key/relationship`, async (c) => {
    requireScope(c, ...fl.scope.columnsWrite);
    const a = await params(c, { onDelete: p.optional(p.enum(ON_DELETE as [string, ...string[]])), newKey: p.optional(p.string({ max: 255 })) });
    const updated = await schemaRetry(async () => {
      const t = await adminTable(c, fl, c.req.param(fl.tableParam)!);
      const col = findColumn(fl, t, c.req.param("key")!);
      if (!isRel(col) || col.options.hidden) throw error(fl.err.columnNotFound, col.key);
      const rel = await relatedOf(c, fl, t, col);
      const newKey = a.newKey ?? col.key;
      if (newKey !== col.key) {
        assertColumnKey("newKey", newKey);
        if (t.columns.some((x) => x.key.toLowerCase() === newKey.toLowerCase() && x !== col)) throw error(fl.err.columnExists, newKey);
      }
      const now = Date.now();
      const next: ColumnMeta = { ...col, key: newKey, updatedAt: now, options: { ...col.options, ...(a.onDelete ? { onDelete: a.onDelete } : {}) } };
      const d1 = c.var.d1;
      const stmts: D1PreparedStatement[] = [guardStmt(d1, t), d1.prepare("UPDATE tdb_columns SET key = ?1, options = ?2, updated_at = ?3 WHERE seq = ?4").bind(newKey, JSON.stringify(next.options), now, col.seq)];
      if (rel?.partner) {
        const po = { ...rel.partner.options, twoWayKey: newKey, ...(a.onDelete ? { onDelete: a.onDelete } : {}) };
        if (rel.r !== t) stmts.push(guardStmt(d1, rel.r));
        stmts.push(d1.prepare("UPDATE tdb_columns SET options = ?1, updated_at = ?2 WHERE seq = ?3").bind(JSON.stringify(po), now, rel.partner.seq));
        if (rel.r !== t) stmts.push(touch(c, rel.r, now));
      }
      stmts.push(touch(c, t, now), columnEvent(c, fl, t, next, "update"));
      await batch(c, stmts);
      forgetTable(c.var.project.id, t.db.id, t.id);
      if (rel) forgetTable(c.var.project.id, t.db.id, rel.r.id);
      return next;
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, columnModel(updated, fl));
  });
}

/** Deleting either side removes both sides, their columns, indexes and the junction table. */
export async function relationshipColumnStatements(c: Ctx, fl: Flavor, t: TableMeta, col: ColumnMeta, _action: "delete"): Promise<D1PreparedStatement[]> {
  const d1 = c.var.d1;
  const out: D1PreparedStatement[] = [];
  const dropSide = (tb: TableMeta, x: ColumnMeta) => {
    if (x.sql) {
      out.push(d1.prepare(`DROP INDEX IF EXISTS ${q(relIndexName(tb, x.seq))}`));
      out.push(d1.prepare(`ALTER TABLE ${q(tb.physical)} DROP COLUMN ${x.sql}`));
    }
    out.push(d1.prepare("DELETE FROM tdb_columns WHERE seq = ?1").bind(x.seq));
  };
  dropSide(t, col);
  const rel = await relatedOf(c, fl, t, col);
  if (rel?.partner) {
    if (rel.r !== t) out.push(guardStmt(d1, rel.r));
    dropSide(rel.r, rel.partner);
    if (rel.r !== t) out.push(touch(c, rel.r, Date.now()));
    forgetTable(c.var.project.id, t.db.id, rel.r.id);
  }
  if (opt(col).junction) out.push(d1.prepare(`DROP TABLE IF EXISTS ${q(opt(col).junction!)}`));
  return out;
}

/** Dropping a table drops the other side of each of its relationships (and junction tables). */
export async function relationshipTableDropStatements(c: Ctx, fl: Flavor, t: TableMeta): Promise<D1PreparedStatement[]> {
  const d1 = c.var.d1;
  const out: D1PreparedStatement[] = [];
  for (const col of t.columns.filter(isRel)) {
    if (opt(col).junction) out.push(d1.prepare(`DROP TABLE IF EXISTS ${q(opt(col).junction!)}`));
    const rel = await relatedOf(c, fl, t, col);
    if (!rel?.partner || rel.r === t) continue;
    if (rel.partner.sql) {
      out.push(d1.prepare(`DROP INDEX IF EXISTS ${q(relIndexName(rel.r, rel.partner.seq))}`));
      out.push(d1.prepare(`ALTER TABLE ${q(rel.r.physical)} DROP COLUMN ${rel.partner.sql}`));
    }
    out.push(d1.prepare("DELETE FROM tdb_columns WHERE seq = ?1").bind(rel.partner.seq), touch(c, rel.r, Date.now()));
    forgetTable(c.var.project.id, t.db.id, rel.r.id);
  }
  return out;
}

// ---- links ------------------------------------------------------------------------------------------

/** Related ids of each row for one relationship side. */
async function linksOf(c: Ctx, t: TableMeta, col: ColumnMeta, partner: ColumnMeta | undefined, r: TableMeta, rows: { id: string; raw?: Raw; model?: Model }[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(rows.map((x) => [x.id, []]));
  if (!rows.length) return out;
  const ids = JSON.stringify(rows.map((x) => x.id));
  if (opt(col).junction) {
    const { mine, other } = junctionCols(col);
    const res = await c.var.d1.prepare(`SELECT ${mine} AS m, ${other} AS o FROM ${q(opt(col).junction!)} WHERE ${mine} IN (SELECT value FROM json_each(?1))`).bind(ids).all<Raw>();
    for (const x of res.results) out.get(String(x.m))?.push(String(x.o));
    return out;
  }
  if (col.sql) {
    const missing = rows.filter((x) => !x.raw);
    let fetched = new Map<string, Raw>();
    if (missing.length) fetched = await readRawMany(c, t, missing.map((x) => x.id));
    for (const x of rows) {
      const raw = x.raw ?? fetched.get(x.id);
      const v = raw?.[col.sql];
      if (typeof v === "string") out.get(x.id)!.push(v);
    }
    return out;
  }
  if (partner?.sql) {
    const res = await c.var.d1.prepare(`SELECT _uid AS o, ${partner.sql} AS m FROM ${q(r.physical)} WHERE ${partner.sql} IN (SELECT value FROM json_each(?1)) ORDER BY _seq`).bind(ids).all<Raw>();
    for (const x of res.results) out.get(String(x.m))?.push(String(x.o));
  }
  return out;
}

const rowTag = (t: TableMeta, id: string) => `${t.id}\u0000${id}`;

/** A row whose stored relationship columns change because of a write. */
interface LinkChange {
  t: TableMeta;
  id: string;
  /** The row as read (null for a row this write creates). */
  raw: Raw | null;
  sets: Map<ColumnMeta, string | null>;
}

/**
 * The link changes of one write (a row and its nested rows): which stored relationship columns of
 * which rows change, and the junction rows. Rows the write itself creates or updates (`written`)
 * only get their columns set; every other row is a partner the write reaches by ID, and needs the
 * caller's update permission, a new `$updatedAt` and its own update event, as in utopia-php/database.
 */
class LinkPlan {
  readonly changes = new Map<string, LinkChange>();
  readonly junction: D1PreparedStatement[] = [];

  set(t: TableMeta, id: string, raw: Raw | null, col: ColumnMeta, value: string | null): void {
    const k = rowTag(t, id);
    const ch = this.changes.get(k) ?? { t, id, raw, sets: new Map() };
    ch.sets.set(col, value);
    this.changes.set(k, ch);
  }

  /**
   * The statements, clears before sets (one-to-one columns are UNIQUE). Throws user_unauthorized when
   * a partner row may not be updated by the caller.
   */
  statements(c: Ctx, fl: Flavor, written: Set<string>): D1PreparedStatement[] {
    const clears: D1PreparedStatement[] = [];
    const sets: D1PreparedStatement[] = [];
    for (const [k, ch] of this.changes) {
      if (written.has(k)) {
        for (const [col, v] of ch.sets) (v === null ? clears : sets).push(c.var.d1.prepare(`UPDATE ${q(ch.t.physical)} SET ${col.sql} = ?1 WHERE _uid = ?2`).bind(v, ch.id));
        continue;
      }
      const raw = ch.raw!;
      if (!rowAllows(c, ch.t, JSON.parse(String(raw._permissions)), "update")) throw new AppwriteError("user_unauthorized");
      const pin = Number(raw._updatedAt);
      const stmts = rowUpdateStatements(c, fl, ch.t, ch.id, { values: ch.sets, pin, updatedAt: Math.max(Date.now(), pin + 1) });
      ([...ch.sets.values()].some((v) => v !== null) ? sets : clears).push(...stmts);
    }
    return [...clears, ...this.junction, ...sets];
  }
}

/** Rows of `t` whose column `col` holds `value`. */
async function rowsLinkedTo(c: Ctx, t: TableMeta, col: ColumnMeta, value: string): Promise<Raw[]> {
  return (await c.var.d1.prepare(`SELECT ${selectList(t)} FROM ${q(t.physical)} t WHERE t.${col.sql} = ?1`).bind(value).all<Raw>()).results;
}

/** Record what makes `others` the complete set of rows related to `mine` through `col`. */
async function planLinks(c: Ctx, plan: LinkPlan, t: TableMeta, col: ColumnMeta, partner: ColumnMeta | undefined, r: TableMeta, mine: string, others: string[], written: Set<string>): Promise<void> {
  const o = opt(col);
  if (o.junction) {
    const { mine: m, other } = junctionCols(col);
    plan.junction.push(
      c.var.d1.prepare(`DELETE FROM ${q(o.junction)} WHERE ${m} = ?1`).bind(mine),
      c.var.d1.prepare(`INSERT OR IGNORE INTO ${q(o.junction)} (${m}, ${other}) SELECT ?1, value FROM json_each(?2)`).bind(mine, JSON.stringify(others)),
    );
    return;
  }
  /** `id` of `table` gets `value` in `column` (when it exists, or is created by this write, and the value changes). */
  const link = (table: TableMeta, raw: Raw | undefined, id: string, column: ColumnMeta, value: string | null) => {
    if (raw ? raw[column.sql] !== value : written.has(rowTag(table, id))) plan.set(table, id, raw ?? null, column, value);
  };
  if (col.sql) {
    const target = others[0] ?? null;
    plan.set(t, mine, null, col, target);
    if (o.relationType !== "oneToOne") return;
    // One-to-one: whatever pointed at `target` or at `mine` lets go.
    if (target !== null) for (const x of await rowsLinkedTo(c, t, col, target)) if (x._uid !== mine) link(t, x, String(x._uid), col, null);
    if (!partner?.sql) return;
    for (const y of await rowsLinkedTo(c, r, partner, mine)) if (y._uid !== target) link(r, y, String(y._uid), partner, null);
    if (target !== null) link(r, (await readRawMany(c, r, [target])).get(target), target, partner, mine);
    return;
  }
  if (!partner?.sql) return;
  // To-many side of a relationship stored on the related rows: they point at `mine`, or no longer do.
  for (const y of await rowsLinkedTo(c, r, partner, mine)) if (!others.includes(String(y._uid))) link(r, y, String(y._uid), partner, null);
  const current = await readRawMany(c, r, others);
  for (const id of others) link(r, current.get(id), id, partner, mine);
}

// ---- reads --------------------------------------------------------------------------------------------

/** `select` strings → per relationship key, the nested select list (null = no loading). */
function selectTree(t: TableMeta, select: string[] | null): Map<string, string[]> {
  const tree = new Map<string, string[]>();
  if (!select) return tree;
  for (const s of select) {
    const dot = s.indexOf(".");
    const head = dot < 0 ? s : s.slice(0, dot);
    const col = t.columns.find((x) => x.key === head && isRel(x) && !x.options.hidden);
    if (!col) continue;
    const list = tree.get(head) ?? [];
    list.push(dot < 0 ? "*" : s.slice(dot + 1));
    tree.set(head, list);
  }
  return tree;
}

/**
 * `rel.*`, `rel.nested.*` … for every available relationship reachable from `t` within MAX_DEPTH, never
 * re-entering a table already on the path: what clients before 1.8 got without asking (Appwrite's V20 filter).
 */
export async function relationshipSelects(c: Ctx, fl: Flavor, t: TableMeta, prefix = "", depth = 1, path: string[] = []): Promise<string[]> {
  if (depth > MAX_DEPTH || path.includes(t.id)) return [];
  const onPath = [...path, t.id];
  const out: string[] = [];
  for (const col of visibleRels(t)) {
    if (col.status !== "available" || onPath.includes(opt(col).relatedTable)) continue;
    const key = prefix ? `${prefix}.${col.key}` : col.key;
    out.push(`${key}.*`);
    const rel = await relatedOf(c, fl, t, col);
    if (rel) out.push(...(await relationshipSelects(c, fl, rel.r, key, depth + 1, onPath)));
  }
  return [...new Set(out)];
}

/** `select(["rel.*"])` / `select(["rel.field"])` loading of related rows, up to depth 3. */
export async function expandRelationships(c: Ctx, fl: Flavor, t: TableMeta, rows: Model[], select: string[] | null, depth: number, exclude?: string): Promise<void> {
  if (!rows.length || !t.columns.some(isRel)) return;
  const tree = selectTree(t, select);
  for (const [key, sub] of tree) {
    if (key === exclude) continue;
    const col = t.columns.find((x) => x.key === key)!;
    const rel = await relatedOf(c, fl, t, col);
    if (!rel) continue;
    const links = await linksOf(c, t, col, rel.partner, rel.r, rows.map((m) => ({ id: String(m.$id), model: m })));
    const all = [...new Set([...links.values()].flat())];
    const raws = await readRawMany(c, rel.r, all);
    const subSelect = sub.includes("*") ? null : sub;
    const sel = selection(fl, rel.r, subSelect);
    const models = new Map<string, Model>();
    for (const id of all) {
      const raw = raws.get(id);
      if (!raw || !rowAllows(c, rel.r, JSON.parse(String(raw._permissions)), "read")) continue;
      const m = rowModel(fl, rel.r, raw, sel);
      if (rel.partner) delete m[rel.partner.key];
      models.set(id, m);
    }
    if (depth < MAX_DEPTH && models.size) await expandRelationships(c, fl, rel.r, [...models.values()], sub, depth + 1, rel.partner?.key);
    for (const m of rows) {
      const ids = links.get(String(m.$id)) ?? [];
      const found = ids.map((id) => models.get(id)).filter((x): x is Model => !!x);
      m[key] = toMany(col) ? found : (found[0] ?? null);
    }
  }
}

// ---- writes ---------------------------------------------------------------------------------------------

const relInvalid = (m: string) => new AppwriteError("relationship_value_invalid", m);

function checkRelValue(col: ColumnMeta, v: unknown): unknown[] {
  if (v === null || v === undefined) {
    if (toMany(col)) return [];
    return [];
  }
  const one = (x: unknown) => {
    if (typeof x === "string") {
      if (!isValidId(x)) throw relInvalid(KEY_DESCRIPTION);
      return x;
    }
    if (x && typeof x === "object" && !Array.isArray(x)) {
      const id = (x as Record<string, unknown>).$id;
      if (id !== undefined && id !== null && (typeof id !== "string" || (id !== "unique()" && !isValidId(id)))) {
        throw relInvalid(typeof id !== "string" ? "Relationship $id must be a string" : KEY_DESCRIPTION);
      }
      return x;
    }
    throw relInvalid("Relationship value must be an object, document ID string, or associative array");
  };
  if (toMany(col)) {
    if (!Array.isArray(v)) throw relInvalid(`Invalid relationship value. Must be either an array of documents or document IDs, ${typeof v} given.`);
    return v.map(one);
  }
  if (Array.isArray(v)) throw relInvalid("Invalid relationship value. Must be either a document ID or a document, array given.");
  return [one(v)];
}

interface Planned {
  stmts: D1PreparedStatement[];
  /** The stored permissions of the planned row (nested rows created without $permissions inherit them). */
  permissions: string[];
  /** The planned row existed (update) or not (create). */
  existed: boolean;
}

type Mode = "create" | "update" | "upsert";

/**
 * Plan one row of a relationship write and, recursively, its nested rows: their own statements
 * (`written` collects every row planned, for duplicate detection and for the link plan), and their
 * links into `links`. No events: the caller records the top row's.
 */
async function planRow(
  c: Ctx, fl: Flavor, t: TableMeta, id: string, data: Record<string, unknown>, permissions: string[] | null | undefined, mode: Mode,
  depth: number, written: Set<string>, links: LinkPlan,
): Promise<Planned> {
  const tag = rowTag(t, id);
  if (written.has(tag)) throw relInvalid(`The ${fl.word.row} '${id}' appears more than once in the relationship data.`);
  written.add(tag);
  const rest: Record<string, unknown> = inputObject();
  const rels: [ColumnMeta, unknown[]][] = [];
  for (const [k, v] of Object.entries(data)) {
    const col = t.columns.find((x) => x.key === k);
    if (col && isRel(col)) {
      if (col.options.hidden) throw structureError(fl, `Unknown attribute: "${k}"`);
      rels.push([col, checkRelValue(col, v)]);
    } else rest[k] = v;
  }
  const existing = mode === "create" ? null : await readRaw(c, t, id);
  if (mode === "update" && !existing) throw error(fl.err.rowNotFound, id);
  const main: D1PreparedStatement[] = [];
  let perms: string[];
  if (existing) {
    if (!rowAllows(c, t, JSON.parse(String(existing._permissions)), "update")) throw new AppwriteError("user_unauthorized");
    const u = updateStatements(c, fl, t, { raw: existing, data: rest, permissions }, mode === "upsert" ? "upsert" : "update");
    main.push(...u.stmts.slice(0, -1));
    perms = u.model.$permissions as string[];
  } else {
    if (!tableAllows(c, t, "create")) throw new AppwriteError("user_unauthorized");
    const [pr] = prepareNew(c, fl, t, [{ id, data: rest, permissions }]);
    main.push(...insertStatements(c, t, [pr!]));
    perms = pr!.permissions;
  }
  const nested: D1PreparedStatement[] = [];
  for (const [col, values] of rels) {
    const rel = await relatedOf(c, fl, t, col);
    if (!rel) continue;
    const others: string[] = [];
    for (const v of values) {
      if (typeof v === "string") {
        others.push(v);
        continue;
      }
      const { $id, $permissions, $createdAt, $updatedAt, $sequence, $tableId, $collectionId, $databaseId, ...fields } = v as Record<string, unknown>;
      void $sequence; void $tableId; void $collectionId; void $databaseId;
      const rid = !$id || $id === "unique()" ? uniqueId() : String($id);
      if (rel.partner) delete fields[rel.partner.key];
      const nestedData: Record<string, unknown> = { ...fields };
      if ($createdAt !== undefined) nestedData.$createdAt = $createdAt;
      if ($updatedAt !== undefined) nestedData.$updatedAt = $updatedAt;
      others.push(rid);
      if (depth > MAX_DEPTH) throw relInvalid(`Nested ${fl.word.row}s may be written at most ${MAX_DEPTH} levels deep; link deeper ${fl.word.row}s by ID.`);
      const given = $permissions === undefined || $permissions === null ? undefined : ($permissions as string[]);
      const current = await readRaw(c, rel.r, rid);
      const sub = await planRow(c, fl, rel.r, rid, nestedData, current ? given : (given ?? perms), current ? "update" : "create", depth + 1, written, links);
      nested.push(...sub.stmts);
    }
    if (!toMany(col) && others.length > 1) throw relInvalid("Invalid relationship value. Must be either a document ID or a document.");
    await planLinks(c, links, t, col, rel.partner, rel.r, id, others, written);
  }
  return { stmts: [...nested, ...main], permissions: perms, existed: !!existing };
}

/**
 * Nested create/update of related rows for a single-row write. Returns the written row (relationships
 * loaded one level) when it handled the write itself, or null when the plain row path applies.
 */
export async function writeRelationships(
  c: Ctx, fl: Flavor, t: TableMeta, row: { id: string; data: Record<string, unknown>; permissions?: string[] | null }, update: boolean | Mode = false,
): Promise<Model | null> {
  if (!t.columns.some(isRel)) return null;
  const mode: Mode = update === true ? "update" : update === false ? "create" : update;
  const touched = Object.keys(row.data).some((k) => t.columns.some((x) => x.key === k && isRel(x)));
  if (!touched && !hasRelationships(t)) return null;
  await withConflictRetry(fl, async () => {
    const written = new Set<string>();
    const links = new LinkPlan();
    const plan = await planRow(c, fl, t, row.id, row.data, row.permissions, mode, 1, written, links);
    const guards = new Set<TableMeta>([t]);
    for (const col of t.columns.filter(isRel)) {
      const rel = await relatedOf(c, fl, t, col);
      if (rel) guards.add(rel.r);
    }
    for (const ch of links.changes.values()) guards.add(ch.t);
    const action = mode === "upsert" ? "upsert" : plan.existed ? "update" : "create";
    try {
      await c.var.d1.batch([
        ...[...guards].map((x) => guardStmt(c.var.d1, x)), ...plan.stmts, ...links.statements(c, fl, written), rowEvent(c, fl, t, row.id, action),
      ]);
    } catch (e) {
      throw writeError(fl, e, row.id);
    }
  });
  return loadWritten(c, fl, t, row.id);
}

/** The row as the write response shows it: every relationship loaded one level deep. */
export async function loadWritten(c: Ctx, fl: Flavor, t: TableMeta, id: string): Promise<Model> {
  const raw = await readRaw(c, t, id);
  if (!raw) throw error(fl.err.rowNotFound, id);
  const m = rowModel(fl, t, raw);
  await expandRelationships(c, fl, t, [m], ["*", ...visibleRels(t).map((x) => `${x.key}.*`)], MAX_DEPTH);
  return m;
}

// ---- deletes ------------------------------------------------------------------------------------------

/** onDelete handling of related rows (restrict/cascade/setNull) for rows about to be deleted. */
export async function relationshipDeleteStatements(c: Ctx, fl: Flavor, t: TableMeta, raws: Record<string, unknown>[]): Promise<D1PreparedStatement[]> {
  if (!t.columns.some(isRel) || !raws.length) return [];
  const visited = new Set<string>(raws.map((r) => `${t.id}\u0000${String(r._uid)}`));
  return deletePlan(c, fl, t, raws, visited, 0);
}

async function deletePlan(c: Ctx, fl: Flavor, t: TableMeta, raws: Raw[], visited: Set<string>, depth: number): Promise<D1PreparedStatement[]> {
  const d1 = c.var.d1;
  const out: D1PreparedStatement[] = [];
  const ids = raws.map((r) => String(r._uid));
  for (const col of t.columns.filter(isRel)) {
    const o = opt(col);
    const rel = await relatedOf(c, fl, t, col);
    if (!rel) continue;
    const links = await linksOf(c, t, col, rel.partner, rel.r, raws.map((r) => ({ id: String(r._uid), raw: r })));
    const related = [...new Set([...links.values()].flat())];
    const restrictable = (o.side === "parent" && o.relationType !== "manyToOne") || (o.relationType === "oneToOne" && o.side === "child" && !o.twoWay) || (o.relationType === "manyToOne" && o.side === "child");
    if (o.onDelete === "restrict" && restrictable && related.length) {
      const existing = await readRawMany(c, rel.r, related);
      if (existing.size) throw new AppwriteError(fl.err.rowDeleteRestricted);
    }
    const cascades = o.onDelete === "cascade" && o.relationType !== "manyToMany" && (
      (o.relationType === "oneToOne" && (o.side === "parent" || o.twoWay)) || (o.relationType === "oneToMany" && o.side === "parent") || (o.relationType === "manyToOne" && o.side === "child"));
    if (cascades && related.length && depth < 8) {
      const existing = [...(await readRawMany(c, rel.r, related)).values()].filter((r) => !visited.has(`${rel.r.id}\u0000${String(r._uid)}`));
      for (const r of existing) visited.add(`${rel.r.id}\u0000${String(r._uid)}`);
      // A cascade deletes as the caller (utopia-php/database does too): rows it may not delete stop it.
      if (existing.some((r) => !rowAllows(c, rel.r, JSON.parse(String(r._permissions)), "delete"))) throw new AppwriteError("user_unauthorized");
      if (existing.length) {
        if (rel.r !== t) out.push(guardStmt(d1, rel.r));
        out.push(...(await deletePlan(c, fl, rel.r, existing, visited, depth + 1)));
        out.push(...deleteStatements(c, fl, rel.r, existing, false));
      }
    }
    // Whatever the policy, nothing may keep pointing at the deleted rows.
    const list = JSON.stringify(ids);
    if (o.junction) out.push(d1.prepare(`DELETE FROM ${q(o.junction)} WHERE ${junctionCols(col).mine} IN (SELECT value FROM json_each(?1))`).bind(list));
    else if (rel.partner?.sql) out.push(d1.prepare(`UPDATE ${q(rel.r.physical)} SET ${rel.partner.sql} = NULL WHERE ${rel.partner.sql} IN (SELECT value FROM json_each(?1))`).bind(list));
  }
  return out;
}
