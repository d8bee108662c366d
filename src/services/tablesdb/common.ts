import { recordEvent, type EventInput } from "../../events/outbox";
import type { Ctx } from "../../platform/context";
import { params, p } from "../../core/params";
import { AppwriteError } from "../../core/errors";
import { requireScope } from "../../platform/caller";
import type { Caller } from "../../platform/context";

/** recordEvent's insert as a plain D1 statement, so it can join a raw-SQL batch. */
export function eventStmt(c: Ctx, e: Omit<EventInput, "projectId" | "userId">): D1PreparedStatement {
  const query = recordEvent(c.var.db, { ...e, projectId: c.var.project.id, userId: c.var.caller.user?.id });
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
