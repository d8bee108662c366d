import { recordEvent, type EventInput } from "../../events/outbox";
import type { Ctx } from "../../platform/context";
import { params, p } from "../../core/params";
import { AppwriteError } from "../../core/errors";
import { requireScope } from "../../platform/caller";
import type { Caller } from "../../platform/context";

/** recordEvent's insert as a plain D1 statement, so it can join a raw-SQL batch. */
/** Payloads go through JSON in the outbox: bigint (int64 column bounds) becomes a number there. */
const plain = (payload: Record<string, unknown>) => JSON.parse(JSON.stringify(payload, (_k, v) => (typeof v === "bigint" ? Number(v) : v))) as Record<string, unknown>;

export function eventStmt(c: Ctx, e: Omit<EventInput, "projectId" | "userId">): D1PreparedStatement {
  const query = recordEvent(c.var.db, { ...e, payload: plain(e.payload), projectId: c.var.project.id, userId: c.var.caller.user?.id });
  const { sql, params } = query.toSQL();
  return c.env.DB.prepare(sql).bind(...params);
}

/** Run statements as ONE atomic D1 batch. */
export async function batch(c: Ctx, stmts: D1PreparedStatement[]): Promise<D1Result<Record<string, unknown>>[]> {
  return c.env.DB.batch<Record<string, unknown>>(stmts);
}

export function scopeOf(c: Ctx, scope: string): Caller {
  return requireScope(c, scope);
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

export const invalid = (type: ConstructorParameters<typeof AppwriteError>[0], message?: string) => new AppwriteError(type, message);

/**
 * Like eventStmt, for a row whose `$sequence` is only known once its INSERT runs earlier in the same
 * batch: the payload parameter is wrapped in json_set(…, '$."$sequence"', <the row's _seq as text>).
 */
export function eventStmtWithSeq(c: Ctx, e: Omit<EventInput, "projectId" | "userId">, physical: string, uid: string): D1PreparedStatement {
  const payload = plain(e.payload);
  const query = recordEvent(c.var.db, { ...e, payload, projectId: c.var.project.id, userId: c.var.caller.user?.id });
  const { sql, params } = query.toSQL();
  const payloadText = JSON.stringify(payload);
  const at = params.findIndex((v) => v === payloadText);
  if (at < 0) return c.env.DB.prepare(sql).bind(...params);
  const pieces = sql.split("?");
  let out = pieces[0]!;
  for (let i = 1; i < pieces.length; i++) {
    out += i - 1 === at ? `json_set(?, '$."$sequence"', (SELECT CAST(_seq AS TEXT) FROM "${physical}" WHERE _uid = ?))` : "?";
    out += pieces[i];
  }
  const bound = [...params.slice(0, at + 1), uid, ...params.slice(at + 1)];
  return c.env.DB.prepare(out).bind(...bound);
}
