import { Binder } from "../../core/query/sql";
import { recordEventSql, type EventInput } from "../../events/outbox";
import type { Ctx } from "../../platform/context";
import { params, p } from "../../core/params";
import { AppwriteError } from "../../core/errors";

/** recordEvent's insert as a plain D1 statement, so it can join a raw-SQL batch. */
/** Payloads go through JSON in the outbox: bigint (int64 column bounds) becomes a number there. */
const plain = (payload: Record<string, unknown>) => JSON.parse(JSON.stringify(payload, (_k, v) => (typeof v === "bigint" ? Number(v) : v))) as Record<string, unknown>;

export function eventStmt(c: Ctx, e: Omit<EventInput, "projectId" | "userId">): D1PreparedStatement {
  const { sql, params } = recordEventSql(c.var.db, { ...e, payload: plain(e.payload), projectId: c.var.project.id, userId: c.var.caller.user?.id });
  return c.var.d1.prepare(sql).bind(...params);
}

/** Run statements as ONE atomic D1 batch. */
export async function batch(c: Ctx, stmts: D1PreparedStatement[]): Promise<D1Result<Record<string, unknown>>[]> {
  return c.var.d1.batch<Record<string, unknown>>(stmts);
}

/** Common list params: queries, search, total. */
export async function listParams(c: Ctx) {
  return params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
}

/** Search text → LIKE pattern over the given expressions (Appwrite searches the name/id fulltext). */
export function searchLike(search: string | undefined): string | null {
  const s = search?.trim();
  if (!s) return null;
  return `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/** `record[key]` for an own key only: a user-supplied name such as `constructor` finds nothing. */
export const invalid = (type: ConstructorParameters<typeof AppwriteError>[0], message?: string) => new AppwriteError(type, message);

/** Placeholders recordEvent serialises, so their parameters can be swapped for SQL. */
const SQL_PAYLOAD = { "edgewrite-sql": "payload" };
const SQL_ROLES = ["edgewrite-sql-roles"];

/**
 * recordEvent's insert with its payload and realtime roles computed by SQL expressions (from
 * `build`, which binds its values through the same Binder), so an event can read a row written
 * earlier in the same batch. With `where`, the event is only inserted when that condition holds.
 */
export function eventStmtFromSql(
  c: Ctx, e: Omit<EventInput, "projectId" | "userId" | "payload" | "roles">, build: (b: Binder) => { payload: string; roles: string; where?: string },
): D1PreparedStatement {
  const { sql, params } = recordEventSql(c.var.db, { ...e, payload: SQL_PAYLOAD, roles: SQL_ROLES, projectId: c.var.project.id, userId: c.var.caller.user?.id });
  const payloadAt = params.indexOf(JSON.stringify(SQL_PAYLOAD));
  const rolesAt = params.indexOf(JSON.stringify(SQL_ROLES));
  if (payloadAt < 0 || rolesAt < 0) throw new Error("outbox insert: payload or roles parameter not found");
  const b = new Binder();
  const placeholders = params.map((v, i) => (i === payloadAt || i === rolesAt ? "" : b.bind(v)));
  const exprs = build(b);
  placeholders[payloadAt] = exprs.payload;
  placeholders[rolesAt] = exprs.roles;
  const pieces = sql.split("?");
  if (pieces.length !== params.length + 1) throw new Error("outbox insert: unexpected SQL shape");
  let text = pieces.map((piece, i) => (i === 0 ? piece : placeholders[i - 1] + piece)).join("");
  if (exprs.where) {
    // `insert … values (…) returning …` (outbox.ts REALTIME_RETURNING) → `insert … SELECT … WHERE … returning …`
    const cut = text.lastIndexOf(") returning ");
    const values = /\) values \(([\s\S]*)$/.exec(cut < 0 ? text : text.slice(0, cut));
    if (!values || cut < 0) throw new Error("outbox insert: unexpected SQL shape");
    text = `${text.slice(0, values.index)}) SELECT ${values[1]} WHERE ${exprs.where}${text.slice(cut + 1)}`;
  }
  return c.var.d1.prepare(text).bind(...b.finish());
}
