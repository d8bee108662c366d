import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";

export type DB = ReturnType<typeof open>;

/**
 * One drizzle handle per request (cheap: it only wraps the binding). Without `schema`: Edgewrite uses no
 * relational queries (`db.query.*`), and building their config from the schema cost ~20× the handle itself,
 * on every request.
 */
export function open(d1: D1Database) {
  return drizzle(d1);
}

/** True when a D1 error is a SQLite UNIQUE/PRIMARY KEY violation (for `*_already_exists` errors). */
export function isUniqueViolation(e: unknown): boolean {
  const msg = String((e as { message?: string })?.message ?? e) + String((e as { cause?: { message?: string } })?.cause?.message ?? "");
  return /UNIQUE constraint failed|PRIMARY KEY/i.test(msg);
}

export type Statement = BatchItem<"sqlite">;

/** Run statements as one atomic D1 batch (drizzle types batches as non-empty tuples; lists are built dynamically). */
export async function batch(db: DB, statements: readonly Statement[]): Promise<void> {
  if (statements.length) await db.batch(statements as unknown as [Statement, ...Statement[]]);
}
