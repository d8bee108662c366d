import type { Hono } from "hono";
import { hashSecret } from "../../core/crypto";
import { AppwriteError, error } from "../../core/errors";
import { isValidId, KEY_DESCRIPTION, uniqueId } from "../../core/ids";
import { params, p } from "../../core/params";
import type { Grouped } from "../../core/query/parse";
import { formatDate } from "../../core/time";
import { json, list, noContent } from "../../core/response";
import { prepareQueries } from "../../db/list";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import type { Flavor } from "./flavor";
import { failedGuard, guardStmt, loadTable, type TableMeta } from "./meta";
import { hasRelationships } from "./relationships";
import {
  bulkId, bumpedValue, deleteStatements, diffUpdateStatements, insertStatements, listRows, matchRows, prepareNew, rawOfPrepared, readRawMany,
  rowAllows, rowEvent, rowModel, tableAllows, updateStatements, BATCH_MAX, type Model, type Raw,
} from "./rows";
import { parseJson } from "../../core/input";

/**
 * Transactions: operations are staged in tdb_transactions.operations (JSON) and applied at commit
 * as ONE D1 batch. Each staged operation remembers the `_updatedAt` of the row it touches; a row
 * changed outside the transaction since then → 409 transaction_conflict, and nothing is written.
 *
 * A transaction belongs to its creator (`owner`): everyone else, other users and other API keys
 * included, gets transaction_not_found. Every operation is authorized as its stager when it is
 * staged (the same errors as the direct route) and again at commit, against the rows as they are then.
 */
export const MAX_OPERATIONS = 100;
const ACTIONS = ["create", "update", "upsert", "delete", "increment", "decrement", "bulkCreate", "bulkUpdate", "bulkUpsert", "bulkDelete"] as const;
type OpAction = (typeof ACTIONS)[number];
const isBulk = (a: OpAction) => a.startsWith("bulk");

export interface StagedOp {
  action: OpAction;
  databaseId: string;
  tableId: string;
  rowId?: string;
  data?: unknown;
  permissions?: string[] | null;
  /** `_updatedAt` of the row when staged (null: it did not exist). */
  seen?: number | null;
  /** Owner identity of the caller who staged it (see ownerOf). */
  by?: string;
}

interface TxRow {
  seq: number;
  id: string;
  status: string;
  operations: StagedOp[];
  owner: string;
  expires_at: number;
  created_at: number;
  updated_at: number;
}

/**
 * The identity a transaction is bound to: `user:<id>`, `key:<keyId>`, `admin` for the deployment
 * key; an execution's dynamic key (no key row) by the digest of that key. Guests have none: like
 * Appwrite's (which get no permissions on the transaction), their transactions reach nobody.
 */
function ownerOf(c: Ctx): string | null {
  const k = c.var.caller;
  switch (k.mode) {
    case "user": return `user:${k.user!.id}`;
    case "admin": return "admin";
    case "key": return k.key ? `key:${k.key.id}` : `key:dynamic:${hashSecret(c.req.header("x-appwrite-key") ?? "")}`;
    default: return null;
  }
}

function txModel(tx: TxRow) {
  return {
    $id: tx.id, $createdAt: formatDate(tx.created_at), $updatedAt: formatDate(tx.updated_at), status: tx.status,
    operations: tx.operations.length, expiresAt: formatDate(tx.expires_at),
  };
}

const txFrom = (r: Record<string, unknown>): TxRow => ({ ...(r as unknown as TxRow), operations: parseJson(String(r.operations)) as StagedOp[] });

/** The caller's own transaction, else transaction_not_found (whoever else owns it). */
async function loadTx(c: Ctx, id: string): Promise<TxRow> {
  const owner = ownerOf(c);
  const r = owner === null ? null : await c.var.d1.prepare("SELECT * FROM tdb_transactions WHERE project_id = ?1 AND id = ?2 AND owner = ?3").bind(c.var.project.id, id, owner).first<Record<string, unknown>>();
  if (!r) throw error("transaction_not_found", id);
  return txFrom(r);
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
  const res = await c.var.d1.prepare("UPDATE tdb_transactions SET operations = ?1, updated_at = ?2 WHERE seq = ?3 AND status = 'pending' AND updated_at = ?4")
    .bind(JSON.stringify(next), now, tx.seq, tx.updated_at).run();
  if (!res.meta.changes) throw new AppwriteError("transaction_conflict");
  return { ...tx, operations: next, updated_at: now };
}

/** Row ids an operation names (single-row ops, and the rows of bulk creates/upserts). */
const namedRows = (op: StagedOp): string[] =>
  op.rowId ? [op.rowId] : op.action === "bulkCreate" || op.action === "bulkUpsert" ? (op.data as { id: string }[]).map((r) => r.id) : [];

/** The stored rows the operations name, read with one query per table. */
async function rowsNamed(c: Ctx, fl: Flavor, ops: StagedOp[]): Promise<{ table: (op: StagedOp) => Promise<TableMeta>; rows: Map<string, Raw | null> }> {
  const tables = new Map<string, TableMeta>();
  const table = async (op: StagedOp) => {
    const k = `${op.databaseId}\u0000${op.tableId}`;
    if (!tables.has(k)) tables.set(k, await loadTable(c, fl, op.databaseId, op.tableId));
    return tables.get(k)!;
  };
  const wanted = new Map<TableMeta, Set<string>>();
  for (const op of ops) {
    const t = await table(op);
    const ids = wanted.get(t) ?? new Set<string>();
    for (const id of namedRows(op)) ids.add(id);
    wanted.set(t, ids);
  }
  const rows = new Map<string, Raw | null>();
  for (const [t, ids] of wanted) {
    const found = await readRawMany(c, t, [...ids]);
    for (const id of ids) rows.set(rowKey(t, id), found.get(id) ?? null);
  }
  return { table, rows };
}

const rowKey = (t: TableMeta, id: string) => `${t.seq}\u0000${id}`;

/**
 * Stage operations as the caller: each is replayed on top of the transaction's earlier ones exactly
 * as the commit will run it (permissions, bulk = API keys only, data validation), so a staged write
 * fails now with the error the direct route gives, and nothing unauthorized is ever stored.
 */
async function stage(c: Ctx, fl: Flavor, tx: TxRow, ops: StagedOp[]): Promise<TxRow> {
  assertPending(tx);
  const by = ownerOf(c)!;
  // Remember the `_updatedAt` of the row each operation touches, for conflict detection at commit.
  const { table, rows } = await rowsNamed(c, fl, ops);
  const staged: StagedOp[] = [];
  for (const op of ops) {
    const raw = op.rowId ? rows.get(rowKey(await table(op), op.rowId)) : undefined;
    staged.push({ ...op, by, ...(op.rowId ? { seen: raw ? Number(raw._updatedAt) : null } : {}) });
  }
  await replay(c, fl, [...tx.operations, ...staged], false);
  return appendOps(c, tx, staged);
}

/** A row write with `transactionId`: stage it and answer with a mock, as Appwrite does. */
export async function stageOperation(c: Ctx, fl: Flavor, t: TableMeta, txId: string, op: Omit<StagedOp, "databaseId" | "tableId">): Promise<unknown> {
  await stage(c, fl, await loadTx(c, txId), [{ ...op, databaseId: t.db.id, tableId: t.id }]);
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
  lastAction: string;
}

const permsOf = (raw: Raw) => JSON.parse(String(raw._permissions)) as string[];

/**
 * Replay staged operations against an in-memory overlay of the touched rows, authorizing each as the
 * caller (who must be the one who staged it), then turn the overlay into one batch: inserts for new
 * rows, pinned UPDATEs for changed ones, DELETEs. `conflicts`: fail when a row moved since staging.
 */
async function replay(c: Ctx, fl: Flavor, ops: StagedOp[], conflicts: boolean): Promise<{ stmts: D1PreparedStatement[]; states: Map<string, State> }> {
  const caller = ownerOf(c);
  const { table, rows } = await rowsNamed(c, fl, ops);
  const tables = new Set<TableMeta>();
  const states = new Map<string, State>();
  /** A row's state, from the rows read up front, or `known` (a bulk match), or a read. */
  const state = async (t: TableMeta, id: string, seen?: number | null, known?: Raw): Promise<State> => {
    const k = rowKey(t, id);
    let s = states.get(k);
    if (!s) {
      const raw = rows.has(k) ? rows.get(k)! : (known ?? (await readRawMany(c, t, [id])).get(id) ?? null);
      if (conflicts && seen !== undefined && (raw ? Number(raw._updatedAt) : null) !== seen) throw new AppwriteError("transaction_conflict");
      s = { t, before: raw, after: raw, lastAction: "" };
      states.set(k, s);
    }
    return s;
  };
  const put = (s: State, id: string, data: Record<string, unknown>, permissions: string[] | null | undefined, action: string) => {
    if (!s.after) throw error(fl.err.rowNotFound, id);
    if (!rowAllows(c, s.t, permsOf(s.after), "update")) throw new AppwriteError("user_unauthorized");
    s.after = updateStatements(c, fl, s.t, { raw: s.after, data, permissions }).raw;
    s.lastAction = action;
  };
  const create = (s: State, id: string, data: Record<string, unknown>, permissions: string[] | null | undefined, action: string) => {
    if (s.after) throw error(fl.err.rowExists, id);
    if (!tableAllows(c, s.t, "create")) throw new AppwriteError("user_unauthorized");
    s.after = rawOfPrepared(s.t, prepareNew(c, fl, s.t, [{ id, data, permissions }])[0]!);
    s.lastAction = action;
  };

  for (const op of ops) {
    // Never run an operation as someone other than the caller who staged it.
    if (!op.by || op.by !== caller) throw new AppwriteError("user_unauthorized");
    const t = await table(op);
    tables.add(t);
    if (isBulk(op.action)) {
      if (!c.var.caller.privileged) throw new AppwriteError("user_unauthorized");
      if (hasRelationships(t)) throw new AppwriteError("general_bad_request", `Bulk operations are not supported for ${fl.tables} with relationship ${fl.columns}`);
    }
    switch (op.action) {
      case "create": create(await state(t, op.rowId!, op.seen), op.rowId!, op.data as Record<string, unknown>, op.permissions, "create"); break;
      case "update": put(await state(t, op.rowId!, op.seen), op.rowId!, op.data as Record<string, unknown>, op.permissions, "update"); break;
      case "upsert": {
        const s = await state(t, op.rowId!, op.seen);
        if (s.after) put(s, op.rowId!, op.data as Record<string, unknown>, op.permissions, "upsert");
        else create(s, op.rowId!, op.data as Record<string, unknown>, op.permissions, "upsert");
        break;
      }
      case "increment": case "decrement": {
        const d = op.data as { column: string; value: number; bound?: number };
        const s = await state(t, op.rowId!, op.seen);
        if (!s.after) throw error(fl.err.rowNotFound, op.rowId!);
        if (!rowAllows(c, t, permsOf(s.after), "update")) throw new AppwriteError("user_unauthorized");
        put(s, op.rowId!, { [d.column]: bumpedValue(fl, t, s.after, d.column, d.value, d.bound ?? undefined, op.action) }, undefined, "update");
        break;
      }
      case "delete": {
        const s = await state(t, op.rowId!, op.seen);
        if (!s.after) throw error(fl.err.rowNotFound, op.rowId!);
        if (!rowAllows(c, t, permsOf(s.after), "delete")) throw new AppwriteError("user_unauthorized");
        s.after = null;
        s.lastAction = "delete";
        break;
      }
      case "bulkCreate": case "bulkUpsert":
        for (const r of op.data as { id: string; data: Record<string, unknown>; permissions?: string[] | null }[]) {
          const s = await state(t, r.id);
          if (op.action === "bulkUpsert" && s.after) put(s, r.id, r.data, r.permissions, "upsert");
          else create(s, r.id, r.data, r.permissions, op.action === "bulkUpsert" ? "upsert" : "create");
        }
        break;
      case "bulkUpdate": case "bulkDelete": {
        const d = op.data as { data?: Record<string, unknown>; queries: string[] };
        for (const raw of await matchRows(c, fl, t, d.queries, op.action === "bulkUpdate" ? "update" : "delete")) {
          const s = await state(t, String(raw._uid), undefined, raw);
          if (!s.after) continue;
          if (op.action === "bulkUpdate") put(s, String(raw._uid), d.data ?? {}, undefined, "update");
          else {
            s.after = null;
            s.lastAction = "delete";
          }
        }
        break;
      }
    }
  }

  const stmts: D1PreparedStatement[] = [...tables].map((t) => guardStmt(c.var.d1, t));
  for (const s of states.values()) {
    if (!s.before && s.after) {
      const id = String(s.after._uid);
      const pr = {
        id, createdAt: Number(s.after._createdAt), updatedAt: Number(s.after._updatedAt), permissions: permsOf(s.after),
        stored: s.t.columns.filter((x) => x.sql && x.status === "available").map((x) => s.after![x.sql] ?? null),
      };
      stmts.push(c.var.d1.prepare(`SELECT CASE WHEN x.n = 0 THEN 1 ELSE json_extract('{}', 'edgewrite-txconflict' || x.n) END FROM (SELECT COUNT(*) AS n FROM "${s.t.physical}" WHERE _uid = ?1) x`).bind(id));
      stmts.push(...insertStatements(c, s.t, [pr]), rowEvent(c, fl, s.t, id, s.lastAction));
    } else if (s.before && !s.after) {
      stmts.push(...deleteStatements(c, fl, s.t, [s.before]));
    } else if (s.before && s.after && s.after !== s.before) {
      stmts.push(...diffUpdateStatements(c, fl, s.t, s.before, s.after, s.lastAction));
    }
  }
  return { stmts, states };
}

/** `transactionId` on listRows/getRow: the committed rows with this transaction's staged changes on top. */
export async function readThroughTransaction(c: Ctx, fl: Flavor, t: TableMeta, txId: string, g: Grouped, withTotal: boolean): Promise<{ rows: Model[]; total: number }> {
  const tx = await loadTx(c, txId);
  assertPending(tx);
  const { states } = await replay(c, fl, tx.operations, false);
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

const invalidOp = (m: string) => new AppwriteError("general_argument_invalid", `Invalid \`operations\` param: ${m}`);
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const optionalNumber = (v: unknown, key: string, action: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw invalidOp(`Key '${key}' must be a numeric value for ${action}`);
  return v;
};
const permissionsOf = (v: unknown): string[] | null => {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw invalidOp("Key '$permissions' must be an array of strings");
  return v;
};

/** One entry of `POST /transactions/{id}/operations` → a staged operation (Appwrite's Operation validator). */
function parseOperation(fl: Flavor, o: Record<string, unknown>): StagedOp {
  const action = o.action as OpAction;
  if (typeof action !== "string" || !ACTIONS.includes(action)) throw invalidOp(`Key 'action' must be one of: ${ACTIONS.join(", ")}`);
  const databaseId = o.databaseId;
  const tableId = o[fl.tableParam] ?? o.tableId ?? o.collectionId;
  if (typeof databaseId !== "string" || !databaseId.trim()) throw invalidOp("Key 'databaseId' must be a non-empty string");
  if (typeof tableId !== "string" || !tableId.trim()) throw invalidOp(`Key '${fl.tableParam}' must be a non-empty string`);
  let data = o.data;
  if (typeof data === "string") {
    try {
      data = parseJson(data);
    } catch (e) {
      if (e instanceof AppwriteError) throw e;
      throw invalidOp("Key 'data' must be an array");
    }
  }
  if (data === undefined || data === null) {
    if (action !== "delete") throw invalidOp("Missing required key: data");
    data = {};
  }
  if (typeof data !== "object") throw invalidOp("Key 'data' must be an array");
  const base = { action, databaseId, tableId };

  if (action === "bulkCreate" || action === "bulkUpsert") {
    if (!Array.isArray(data) || !data.every(isObject)) throw invalidOp(`Key 'data' must be an array of ${fl.rows} for ${action}`);
    if (data.length > BATCH_MAX) throw invalidOp(`Key 'data' may hold at most ${BATCH_MAX} ${fl.rows}`);
    return { ...base, data: data.map(({ $id, $permissions, ...d }) => ({ id: bulkId($id), data: d, permissions: permissionsOf($permissions) })) };
  }
  if (!isObject(data)) throw invalidOp("Key 'data' must be an object");
  if (action === "bulkUpdate" || action === "bulkDelete") {
    const queries = data.queries ?? [];
    if (!Array.isArray(queries) || !queries.every((x) => typeof x === "string")) throw invalidOp(`Key 'queries' must be an array for ${action}`);
    prepareQueries(queries);
    if (action === "bulkDelete") return { ...base, data: { queries } };
    if (!isObject(data.data)) throw invalidOp(`Key 'data.data' must be an array for ${action}`);
    return { ...base, data: { data: data.data, queries } };
  }

  const rowId = o[fl.rowParam] ?? o.rowId ?? o.documentId;
  if (typeof rowId !== "string" || !rowId.trim()) throw invalidOp(`Key '${fl.rowParam}' is required for action '${action}'`);
  const id = rowId === "unique()" ? uniqueId() : rowId;
  if (!isValidId(id)) throw invalidOp(KEY_DESCRIPTION);
  if (action === "increment" || action === "decrement") {
    const column = data[fl.columnParam] ?? data.column ?? data.attribute;
    if (typeof column !== "string" || !column) throw invalidOp(`Key '${fl.columnParam}' is required in data for ${action}`);
    const value = optionalNumber(data.value, "value", action) ?? 1;
    const bound = optionalNumber(action === "increment" ? data.max : data.min, action === "increment" ? "max" : "min", action);
    return { ...base, rowId: id, data: { column, value, bound } };
  }
  if (action === "delete") return { ...base, rowId: id };
  const { $permissions, ...rest } = data;
  return { ...base, rowId: id, data: rest, permissions: permissionsOf($permissions) ?? permissionsOf(o.permissions) };
}

export function registerTransactions(r: Hono<AppEnv>, fl: Flavor): void {
  r.get("/transactions", async (c) => {
    requireScope(c, ...fl.scope.transactionsRead);
    const a = await params(c, { queries: p.optional(p.strings()) });
    const g = prepareQueries(a.queries);
    const owner = ownerOf(c);
    const rows = owner === null ? [] : (await c.var.d1.prepare("SELECT * FROM tdb_transactions WHERE project_id = ?1 AND owner = ?2 ORDER BY seq LIMIT ?3 OFFSET ?4")
      .bind(c.var.project.id, owner, g.limit, g.offset).all<Record<string, unknown>>()).results;
    const txs = rows.map((x) => txModel(txFrom(x)));
    return json(c, list("transactions", txs, txs.length));
  });

  r.post("/transactions", async (c) => {
    requireScope(c, ...fl.scope.transactionsWrite);
    const a = await params(c, { ttl: p.default(p.integer({ min: 60, max: 3600 }), 300) });
    const now = Date.now();
    // A guest's transaction is bound to an identity no caller has: it exists, and nobody can use it.
    const owner = ownerOf(c) ?? `guest:${uniqueId()}`;
    const tx: TxRow = { seq: 0, id: uniqueId(), status: "pending", operations: [], owner, expires_at: now + a.ttl * 1000, created_at: now, updated_at: now };
    await c.var.d1.prepare("INSERT INTO tdb_transactions (project_id, id, status, operations, user_id, owner, expires_at, created_at, updated_at) VALUES (?1, ?2, 'pending', '[]', ?3, ?4, ?5, ?6, ?6)")
      .bind(c.var.project.id, tx.id, c.var.caller.user?.id ?? "", owner, tx.expires_at, now).run();
    return json(c, txModel(tx), 201);
  });

  r.get("/transactions/:transactionId", async (c) => {
    requireScope(c, ...fl.scope.transactionsRead);
    return json(c, txModel(await loadTx(c, c.req.param("transactionId"))));
  });

  r.post("/transactions/:transactionId/operations", async (c) => {
    requireScope(c, ...fl.scope.transactionsWrite);
    const a = await params(c, { operations: p.array(p.object(), { max: MAX_OPERATIONS }) });
    const tx = await loadTx(c, c.req.param("transactionId"));
    if (!a.operations.length) throw new AppwriteError("general_bad_request", "Operations array cannot be empty");
    const ops = a.operations.map((o) => parseOperation(fl, o));
    return json(c, txModel(await stage(c, fl, tx, ops)), 201);
  });

  r.patch("/transactions/:transactionId", async (c) => {
    requireScope(c, ...fl.scope.transactionsWrite);
    const a = await params(c, { commit: p.default(p.boolean(), false), rollback: p.default(p.boolean(), false) });
    // Appwrite's checks, before the transaction is looked up
    if (!a.commit && !a.rollback) throw new AppwriteError("general_bad_request", "Either commit or rollback must be true");
    if (a.commit && a.rollback) throw new AppwriteError("general_bad_request", "Cannot commit and rollback at the same time");
    const tx = await loadTx(c, c.req.param("transactionId"));
    if (tx.status !== "pending") throw new AppwriteError("transaction_invalid", `Transaction is ${tx.status}.`);
    const now = Date.now();
    if (a.rollback) {
      await c.var.d1.prepare("UPDATE tdb_transactions SET status = 'rolled_back', updated_at = ?1 WHERE seq = ?2").bind(now, tx.seq).run();
      return json(c, txModel({ ...tx, status: "rolled_back", updated_at: now }));
    }
    if (tx.expires_at < now) throw new AppwriteError("transaction_expired");
    const { stmts } = await replay(c, fl, tx.operations, true);
    stmts.push(c.var.d1.prepare("UPDATE tdb_transactions SET status = 'committed', updated_at = ?1 WHERE seq = ?2 AND status = 'pending' AND updated_at = ?3").bind(now, tx.seq, tx.updated_at));
    stmts.push(c.var.d1.prepare("SELECT CASE WHEN x.ok THEN 1 ELSE json_extract('{}', 'edgewrite-txconflict' || x.ok) END FROM (SELECT changes() = 1 AS ok) x"));
    try {
      await c.var.d1.batch(stmts);
    } catch (e) {
      if (failedGuard(e, "txconflict") || failedGuard(e, "conflict") || /stale-schema/.test(String((e as Error).message))) throw new AppwriteError("transaction_conflict");
      const m = String((e as Error)?.message ?? e);
      if (/UNIQUE constraint failed: [^\s,]*\._uid/.test(m)) throw new AppwriteError("transaction_conflict");
      if (/UNIQUE constraint failed/.test(m)) throw new AppwriteError(fl.err.rowUnique);
      throw e;
    }
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, txModel({ ...tx, status: "committed", updated_at: now }));
  });

  r.delete("/transactions/:transactionId", async (c) => {
    requireScope(c, ...fl.scope.transactionsWrite);
    const tx = await loadTx(c, c.req.param("transactionId"));
    await c.var.d1.prepare("DELETE FROM tdb_transactions WHERE seq = ?1").bind(tx.seq).run();
    return noContent(c);
  });
}
