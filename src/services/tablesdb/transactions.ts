import type { Hono } from "hono";
import { AppwriteError, error } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { params, p } from "../../core/params";
import type { Grouped } from "../../core/query/parse";
import { formatDate } from "../../core/time";
import { json, list, noContent } from "../../core/response";
import { prepareQueries } from "../../db/list";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { TABLES, type Flavor } from "./flavor";
import { failedGuard, guardStmt, loadTable, type TableMeta } from "./meta";
import {
  diffUpdateStatements, deleteStatements, insertStatements, listRows, matchRows, modelOfPrepared, prepareNew, readRawMany, rowAllows, rowEvent,
  rowModel, tableAllows, updateStatements, bulkId, type Model, type Raw,
} from "./rows";

/**
 * Transactions: operations are staged in tdb_transactions.operations (JSON) and applied at commit
 * as ONE D1 batch. Each staged operation remembers the `_updatedAt` of the row it touches; a row
 * changed outside the transaction since then → 409 transaction_conflict, and nothing is written.
 */
export const MAX_OPERATIONS = 100;
const ACTIONS = ["create", "update", "upsert", "delete", "increment", "decrement", "bulkCreate", "bulkUpdate", "bulkUpsert", "bulkDelete"] as const;

export interface StagedOp {
  action: (typeof ACTIONS)[number];
  databaseId: string;
  tableId: string;
  rowId?: string;
  data?: unknown;
  permissions?: string[] | null;
  /** `_updatedAt` of the row when staged (null: it did not exist). */
  seen?: number | null;
}

interface TxRow {
  seq: number;
  id: string;
  status: string;
  operations: StagedOp[];
  user_id: string;
  expires_at: number;
  created_at: number;
  updated_at: number;
}

function txModel(tx: TxRow) {
  return {
    $id: tx.id, $createdAt: formatDate(tx.created_at), $updatedAt: formatDate(tx.updated_at), status: tx.status,
    operations: tx.operations.length, expiresAt: formatDate(tx.expires_at),
  };
}

async function loadTx(c: Ctx, id: string): Promise<TxRow> {
  const r = await c.env.DB.prepare("SELECT * FROM tdb_transactions WHERE project_id = ?1 AND id = ?2").bind(c.var.project.id, id).first<Record<string, unknown>>();
  if (!r || (!c.var.caller.privileged && r.user_id !== (c.var.caller.user?.id ?? ""))) throw error("transaction_not_found", id);
  return { ...(r as unknown as TxRow), operations: JSON.parse(String(r.operations)) };
}

function assertPending(tx: TxRow): void {
  if (tx.status !== "pending") throw new AppwriteError("transaction_not_ready");
  if (tx.expires_at < Date.now()) throw new AppwriteError("transaction_expired");
}

async function appendOps(c: Ctx, tx: TxRow, ops: StagedOp[]): Promise<TxRow> {
  if (tx.operations.length + ops.length > MAX_OPERATIONS) {
    throw new AppwriteError("transaction_limit_exceeded", `Transaction already has ${tx.operations.length} operations, adding ${ops.length} would exceed the maximum of ${MAX_OPERATIONS}`);
  }
  const now = Date.now();
  const next = [...tx.operations, ...ops];
  const res = await c.env.DB.prepare("UPDATE tdb_transactions SET operations = ?1, updated_at = ?2 WHERE seq = ?3 AND status = 'pending' AND updated_at = ?4")
    .bind(JSON.stringify(next), now, tx.seq, tx.updated_at).run();
  if (!res.meta.changes) throw new AppwriteError("transaction_conflict");
  return { ...tx, operations: next, updated_at: now };
}

/** Remember the current `_updatedAt` of the rows an operation touches, for conflict detection at commit. */
async function withSeen(c: Ctx, t: TableMeta, op: StagedOp): Promise<StagedOp> {
  if (!op.rowId) return op;
  const raw = (await readRawMany(c, t, [op.rowId])).get(op.rowId);
  return { ...op, seen: raw ? Number(raw._updatedAt) : null };
}

/** A row write with `transactionId`: stage it and answer with a mock, as Appwrite does. */
export async function stageOperation(c: Ctx, fl: Flavor, t: TableMeta, txId: string, op: Omit<StagedOp, "databaseId" | "tableId">): Promise<unknown> {
  const tx = await loadTx(c, txId);
  assertPending(tx);
  const staged = await withSeen(c, t, { ...op, databaseId: t.db.id, tableId: t.id });
  await appendOps(c, tx, [staged]);
  const mock = (extra: Record<string, unknown>): Model => ({ $id: op.rowId, [fl.tableKey]: t.id, $databaseId: t.db.id, ...extra });
  switch (op.action) {
    case "bulkCreate": case "bulkUpsert":
      return (op.data as { id: string; data: Record<string, unknown> }[]).map((r) => ({ $id: r.id, [fl.tableKey]: t.id, $databaseId: t.db.id, ...r.data }));
    case "bulkUpdate": case "bulkDelete":
      return [];
    case "create":
      return [mock(op.data as Record<string, unknown>)];
    case "increment": case "decrement": {
      const d = op.data as { column: string; value: number };
      return mock({ [d.column]: d.value });
    }
    case "delete":
      return null;
    default:
      return mock(op.data as Record<string, unknown>);
  }
}

/** Per-row state while replaying a transaction. */
interface State {
  t: TableMeta;
  /** Row as stored in D1 before the commit (null when new). */
  before: Raw | null;
  /** Row after the operations so far (null when deleted / absent). */
  after: Raw | null;
  /** The pending row for a new row: data merged so far. */
  seen: number | null | undefined;
  lastAction: string;
}

/**
 * Replay the staged operations against an in-memory overlay of the touched rows, then turn the
 * overlay into one batch: inserts for new rows, pinned UPDATEs for changed ones, DELETEs.
 */
async function replay(c: Ctx, ops: StagedOp[]): Promise<{ stmts: D1PreparedStatement[]; states: Map<string, State> }> {
  const tables = new Map<string, TableMeta>();
  const table = async (dbId: string, tId: string) => {
    const k = `${dbId}\u0000${tId}`;
    if (!tables.has(k)) tables.set(k, await loadTable(c, TABLES, dbId, tId));
    return tables.get(k)!;
  };
  const states = new Map<string, State>();
  const state = async (t: TableMeta, id: string, seen?: number | null): Promise<State> => {
    const k = `${t.seq}\u0000${id}`;
    let s = states.get(k);
    if (!s) {
      const raw = (await readRawMany(c, t, [id])).get(id) ?? null;
      if (seen !== undefined && (raw ? Number(raw._updatedAt) : null) !== seen) throw new AppwriteError("transaction_conflict");
      s = { t, before: raw, after: raw, seen, lastAction: "" };
      states.set(k, s);
    }
    return s;
  };
  const fl = TABLES;
  const put = (s: State, data: Record<string, unknown>, permissions: string[] | null | undefined, action: string) => {
    if (!s.after) throw error(fl.err.rowNotFound, "");
    if (!rowAllows(c, s.t, JSON.parse(String(s.after._permissions)), "update")) throw new AppwriteError("user_unauthorized");
    s.after = updateStatements(c, fl, s.t, { raw: s.after, data, permissions }).raw;
    s.lastAction = action;
  };
  const create = (s: State, id: string, data: Record<string, unknown>, permissions: string[] | null | undefined, action: string) => {
    if (s.after) throw error(fl.err.rowExists, id);
    if (!tableAllows(c, s.t, "create")) throw new AppwriteError("user_unauthorized");
    const [pr] = prepareNew(c, fl, s.t, [{ id, data, permissions }]);
    const m = modelOfPrepared(fl, s.t, pr!);
    const raw: Raw = { _seq: 0, _uid: id, _createdAt: pr!.createdAt, _updatedAt: pr!.updatedAt, _permissions: JSON.stringify(pr!.permissions) };
    s.t.columns.filter((x) => x.sql).forEach(() => undefined);
    let n = 0;
    for (const col of s.t.columns.filter((x) => x.sql && x.status === "available")) raw[col.sql] = pr!.stored[n++];
    void m;
    s.after = raw;
    s.lastAction = action;
  };

  for (const op of ops) {
    const t = await table(op.databaseId, op.tableId);
    switch (op.action) {
      case "create": create(await state(t, op.rowId!, op.seen), op.rowId!, op.data as Record<string, unknown>, op.permissions, "create"); break;
      case "update": put(await state(t, op.rowId!, op.seen), op.data as Record<string, unknown>, op.permissions, "update"); break;
      case "upsert": {
        const s = await state(t, op.rowId!, op.seen);
        if (s.after) put(s, op.data as Record<string, unknown>, op.permissions, "upsert");
        else create(s, op.rowId!, op.data as Record<string, unknown>, op.permissions, "upsert");
        break;
      }
      case "increment": case "decrement": {
        const d = op.data as { column: string; value: number; bound?: number };
        const s = await state(t, op.rowId!, op.seen);
        if (!s.after) throw error(fl.err.rowNotFound, op.rowId!);
        const cur = Number(rowModel(fl, t, s.after)[d.column] ?? 0);
        const next = op.action === "increment" ? cur + d.value : cur - d.value;
        if (d.bound !== undefined && d.bound !== null && (op.action === "increment" ? next > d.bound : next < d.bound)) throw new AppwriteError(fl.err.columnLimit);
        put(s, { [d.column]: next }, undefined, "update");
        break;
      }
      case "delete": {
        const s = await state(t, op.rowId!, op.seen);
        if (!s.after) throw error(fl.err.rowNotFound, op.rowId!);
        if (!rowAllows(c, t, JSON.parse(String(s.after._permissions)), "delete")) throw new AppwriteError("user_unauthorized");
        s.after = null;
        s.lastAction = "delete";
        break;
      }
      case "bulkCreate": case "bulkUpsert":
        for (const r of op.data as { id: string; data: Record<string, unknown>; permissions?: string[] | null }[]) {
          const s = await state(t, r.id);
          if (op.action === "bulkUpsert" && s.after) put(s, r.data, r.permissions, "upsert");
          else create(s, r.id, r.data, r.permissions, op.action === "bulkUpsert" ? "upsert" : "create");
        }
        break;
      case "bulkUpdate": case "bulkDelete": {
        const d = op.data as { data?: Record<string, unknown>; queries: string[] };
        const raws = await matchRows(c, fl, t, prepareQueries(d.queries), true);
        for (const raw of raws) {
          const s = await state(t, String(raw._uid));
          if (!s.after) continue;
          if (op.action === "bulkUpdate") put(s, d.data ?? {}, undefined, "update");
          else {
            s.after = null;
            s.lastAction = "delete";
          }
        }
        break;
      }
    }
  }

  const stmts: D1PreparedStatement[] = [...[...tables.values()].map((t) => guardStmt(c.env.DB, t))];
  for (const s of states.values()) {
    if (!s.before && s.after) {
      const pr = {
        id: String(s.after._uid), createdAt: Number(s.after._createdAt), updatedAt: Number(s.after._updatedAt), permissions: JSON.parse(String(s.after._permissions)),
        stored: s.t.columns.filter((x) => x.sql && x.status === "available").map((x) => s.after![x.sql] ?? null),
      };
      stmts.push(c.env.DB.prepare(`SELECT CASE WHEN x.n = 0 THEN 1 ELSE json_extract('{}', 'edgewrite-txconflict' || x.n) END FROM (SELECT COUNT(*) AS n FROM "${s.t.physical}" WHERE _uid = ?1) x`).bind(pr.id));
      stmts.push(...insertStatements(c, s.t, [pr]), rowEvent(c, s.t, modelOfPrepared(TABLES, s.t, pr), s.lastAction, true));
    } else if (s.before && !s.after) {
      stmts.push(...deleteStatements(c, s.t, [s.before], [rowModel(TABLES, s.t, s.before)]).map((x) => x));
    } else if (s.before && s.after && s.after !== s.before) {
      stmts.push(...diffUpdateStatements(c, TABLES, s.t, s.before, s.after, s.lastAction));
    }
  }
  return { stmts, states };
}

/** `transactionId` on listRows/getRow: the committed rows with this transaction's staged changes on top. */
export async function readThroughTransaction(c: Ctx, fl: Flavor, t: TableMeta, txId: string, g: Grouped, withTotal: boolean): Promise<{ rows: Model[]; total: number }> {
  const tx = await loadTx(c, txId);
  assertPending(tx);
  const { states } = await replay(c, tx.operations);
  const mine = [...states.values()].filter((s) => s.t.seq === t.seq);
  const byId = new Map(mine.map((s) => [String((s.after ?? s.before)!._uid), s]));
  const base = await listRows(c, fl, t, g, withTotal);
  const rows: Model[] = [];
  for (const r of base.rows) {
    const s = byId.get(String(r.$id));
    if (!s) rows.push(r);
    else if (s.after) rows.push(rowModel(fl, t, s.after));
  }
  const idFilter = g.filters.length === 1 && g.filters[0]!.method === "equal" && g.filters[0]!.attribute === "$id" ? (g.filters[0]!.values as string[]) : null;
  for (const s of mine) {
    if (s.before || !s.after) continue;
    if (g.filters.length && !(idFilter && idFilter.includes(String(s.after._uid)))) continue;
    rows.push(rowModel(fl, t, s.after));
  }
  const added = rows.length - base.rows.length;
  return { rows: rows.slice(0, g.limit), total: withTotal ? Math.max(0, base.total + added) : 0 };
}

export function registerTransactions(r: Hono<AppEnv>): void {
  r.get("/transactions", async (c) => {
    requireScope(c, TABLES.scope.rowsRead);
    const a = await params(c, { queries: p.optional(p.strings()) });
    const g = prepareQueries(a.queries);
    const rows = await c.env.DB.prepare("SELECT * FROM tdb_transactions WHERE project_id = ?1 AND (?2 OR user_id = ?3) ORDER BY seq LIMIT ?4 OFFSET ?5")
      .bind(c.var.project.id, c.var.caller.privileged ? 1 : 0, c.var.caller.user?.id ?? "", g.limit, g.offset).all<Record<string, unknown>>();
    const txs = rows.results.map((x) => txModel({ ...(x as unknown as TxRow), operations: JSON.parse(String(x.operations)) }));
    return json(c, list("transactions", txs, txs.length));
  });

  r.post("/transactions", async (c) => {
    requireScope(c, TABLES.scope.rowsWrite);
    const a = await params(c, { ttl: p.default(p.integer({ min: 60, max: 3600 }), 300) });
    const now = Date.now();
    const tx: TxRow = { seq: 0, id: uniqueId(), status: "pending", operations: [], user_id: c.var.caller.user?.id ?? "", expires_at: now + a.ttl * 1000, created_at: now, updated_at: now };
    await c.env.DB.prepare("INSERT INTO tdb_transactions (project_id, id, status, operations, user_id, expires_at, created_at, updated_at) VALUES (?1, ?2, 'pending', '[]', ?3, ?4, ?5, ?5)")
      .bind(c.var.project.id, tx.id, tx.user_id, tx.expires_at, now).run();
    return json(c, txModel(tx), 201);
  });

  r.get("/transactions/:transactionId", async (c) => {
    requireScope(c, TABLES.scope.rowsRead);
    return json(c, txModel(await loadTx(c, c.req.param("transactionId"))));
  });

  r.post("/transactions/:transactionId/operations", async (c) => {
    requireScope(c, TABLES.scope.rowsWrite);
    const a = await params(c, { operations: p.array(p.object(), { max: MAX_OPERATIONS }) });
    const tx = await loadTx(c, c.req.param("transactionId"));
    assertPending(tx);
    const ops: StagedOp[] = [];
    for (const o of a.operations) {
      const action = String(o.action ?? "") as StagedOp["action"];
      if (!ACTIONS.includes(action)) throw new AppwriteError("general_argument_invalid", `Invalid \`operations\` param: action must be one of (${ACTIONS.join(", ")})`);
      const databaseId = String(o.databaseId ?? "");
      const tableId = String(o.tableId ?? o.collectionId ?? "");
      const t = await loadTable(c, TABLES, databaseId, tableId);
      const single = !action.startsWith("bulk");
      const rowId = o.rowId ?? o.documentId;
      if (single && typeof rowId !== "string") throw new AppwriteError("general_argument_invalid", "Invalid `operations` param: rowId is required for single-row actions");
      let data = o.data as unknown;
      if (typeof data === "string") data = JSON.parse(data);
      if (action !== "delete" && action !== "bulkDelete" && (data === undefined || data === null)) throw new AppwriteError("general_argument_invalid", "Invalid `operations` param: data is required");
      const { $permissions, ...rest } = (data && typeof data === "object" && !Array.isArray(data) ? data : {}) as Record<string, unknown>;
      let op: StagedOp;
      if (action === "bulkCreate" || action === "bulkUpsert") {
        const list = (Array.isArray(data) ? data : []) as Record<string, unknown>[];
        op = { action, databaseId, tableId, data: list.map(({ $id, $permissions: perms, ...d }) => ({ id: bulkId($id), data: d, permissions: (perms as string[]) ?? null })) };
      } else if (action === "bulkUpdate" || action === "bulkDelete") {
        const d = (data ?? {}) as { data?: Record<string, unknown>; queries?: string[] };
        op = { action, databaseId, tableId, data: { data: d.data ?? (action === "bulkUpdate" ? rest : undefined), queries: d.queries ?? [] } };
      } else if (action === "increment" || action === "decrement") {
        const d = rest as { column?: string; attribute?: string; value?: number; max?: number; min?: number };
        op = { action, databaseId, tableId, rowId: rowId as string, data: { column: d.column ?? d.attribute, value: d.value ?? 1, bound: action === "increment" ? d.max : d.min } };
      } else {
        op = { action, databaseId, tableId, rowId: rowId === "unique()" ? uniqueId() : (rowId as string), data: rest, permissions: ($permissions as string[] | undefined) ?? (o.permissions as string[] | undefined) ?? null };
      }
      ops.push(await withSeen(c, t, op));
    }
    return json(c, txModel(await appendOps(c, tx, ops)), 201);
  });

  r.patch("/transactions/:transactionId", async (c) => {
    requireScope(c, TABLES.scope.rowsWrite);
    const a = await params(c, { commit: p.default(p.boolean(), false), rollback: p.default(p.boolean(), false) });
    if (a.commit && a.rollback) throw new AppwriteError("general_argument_invalid", "Cannot commit and rollback at the same time.");
    const tx = await loadTx(c, c.req.param("transactionId"));
    if (tx.status !== "pending") throw new AppwriteError("transaction_invalid", `Transaction is ${tx.status}.`);
    if (!a.commit && !a.rollback) return json(c, txModel(tx));
    const now = Date.now();
    if (a.rollback) {
      await c.env.DB.prepare("UPDATE tdb_transactions SET status = 'rolled_back', updated_at = ?1 WHERE seq = ?2").bind(now, tx.seq).run();
      return json(c, txModel({ ...tx, status: "rolled_back", updated_at: now }));
    }
    if (tx.expires_at < now) throw new AppwriteError("transaction_expired");
    const { stmts } = await replay(c, tx.operations);
    stmts.push(c.env.DB.prepare("UPDATE tdb_transactions SET status = 'committed', updated_at = ?1 WHERE seq = ?2 AND status = 'pending' AND updated_at = ?3").bind(now, tx.seq, tx.updated_at));
    stmts.push(c.env.DB.prepare("SELECT CASE WHEN x.ok THEN 1 ELSE json_extract('{}', 'edgewrite-txconflict' || x.ok) END FROM (SELECT changes() = 1 AS ok) x"));
    try {
      await c.env.DB.batch(stmts);
    } catch (e) {
      if (failedGuard(e, "txconflict") || failedGuard(e, "conflict") || /stale-schema/.test(String((e as Error).message))) throw new AppwriteError("transaction_conflict");
      const m = String((e as Error)?.message ?? e);
      if (/UNIQUE constraint failed: [^\s,]*\._uid/.test(m)) throw new AppwriteError("transaction_conflict");
      if (/UNIQUE constraint failed/.test(m)) throw new AppwriteError("row_unique_constraint_violation");
      throw e;
    }
    scheduleDispatch(c.env, c.executionCtx);
    return json(c, txModel({ ...tx, status: "committed", updated_at: now }));
  });

  r.delete("/transactions/:transactionId", async (c) => {
    requireScope(c, TABLES.scope.rowsWrite);
    const tx = await loadTx(c, c.req.param("transactionId"));
    await c.env.DB.prepare("DELETE FROM tdb_transactions WHERE seq = ?1").bind(tx.seq).run();
    return noContent(c);
  });
}
