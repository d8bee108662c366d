import { AppwriteError } from "../core/errors";
import { groupQueries, parseQueries, type Grouped } from "../core/query/parse";
import { Binder, compileFilters, compileOrders, cursorCondition, orderBy, TOTAL_CAP, type Field, type Resolver } from "../core/query/sql";

export interface ListSpec {
  /** FROM clause, e.g. `users` or `"t_12_5" AS t`. */
  from: string;
  /** Column list to select. */
  columns: string;
  /** Scope + permission predicate, bound through the given binder (called once per statement). */
  base: (b: Binder) => string;
  resolve: Resolver;
  /** Sequence column used as the stable tie-breaker. */
  sequence: string;
  /** Column holding the public `$id`, for cursors. */
  id: string;
  /** Optional statements run first in the page batch (e.g. a schema-version guard); their results are ignored. */
  prelude?: D1PreparedStatement[];
}

export interface ListResult<T> {
  rows: T[];
  total: number;
}

/** Parse `queries` strings and group them, with the shared limits and errors. */
export function prepareQueries(queries: readonly string[] | undefined): Grouped {
  return groupQueries(parseQueries(queries));
}

/**
 * One list request: the cursor row (if any) first, then the page and the capped total in a single
 * D1 batch. `total=false` skips the count, as Appwrite does.
 */
export async function runList<T>(d1: D1Database, spec: ListSpec, g: Grouped, withTotal: boolean): Promise<ListResult<T>> {
  // A resolver that looked a client's attribute name up in a plain object could hand back an inherited
  // member (`toString`); only real fields reach the SQL compiler.
  const resolveField = spec.resolve;
  spec = { ...spec, resolve: (a) => { const f = resolveField(a); return f && typeof f.sql === "string" ? f : undefined; } };
  const terms = compileOrders(g, spec.resolve, spec.sequence);
  let cursorValues: unknown[] | null = null;
  if (g.cursor) {
    const b = new Binder();
    const where = spec.base(b);
    const sql = `SELECT ${terms.map((t, i) => `${t.sql} AS c${i}`).join(", ")} FROM ${spec.from} WHERE ${where} AND ${spec.id} = ${b.bind(g.cursor.id)} LIMIT 1`;
    const row = await d1.prepare(sql).bind(...b.finish()).first<Record<string, unknown>>();
    if (!row) throw new AppwriteError("general_cursor_not_found", `Cursor not found: the row '${g.cursor.id}' does not exist.`);
    cursorValues = terms.map((_, i) => row[`c${i}`]);
  }

  const b = new Binder();
  const where = [spec.base(b), compileFilters(g.filters, spec.resolve, b)];
  const reverse = g.cursor?.direction === "before";
  if (g.cursor && cursorValues) where.push(cursorCondition(terms, cursorValues, g.cursor.direction, b));
  const select = `SELECT ${spec.columns} FROM ${spec.from} WHERE ${where.join(" AND ")} ORDER BY ${orderBy(terms, g.random, reverse)} LIMIT ${b.bind(g.limit)} OFFSET ${b.bind(g.offset)}`;
  const prelude = spec.prelude ?? [];
  const statements = [...prelude, d1.prepare(select).bind(...b.finish())];

  if (withTotal) {
    const cb = new Binder();
    const countWhere = `${spec.base(cb)} AND ${compileFilters(g.filters, spec.resolve, cb)}`;
    statements.push(d1.prepare(`SELECT COUNT(*) AS total FROM (SELECT 1 FROM ${spec.from} WHERE ${countWhere} LIMIT ${TOTAL_CAP})`).bind(...cb.finish()));
  }
  const [page, count] = (await d1.batch<Record<string, unknown>>(statements)).slice(prelude.length);
  const rows = (page!.results ?? []) as T[];
  if (reverse) rows.reverse();
  return { rows, total: withTotal ? Number((count!.results?.[0] as { total?: number })?.total ?? 0) : 0 };
}

/** The attributes every list resolves (`$id`, `$createdAt`, `$updatedAt`, `$sequence`), for tables using the platform's column names. */
export function systemFields(alias = ""): Record<string, Field> {
  return {
    $id: { sql: `${alias}id`, type: "string" },
    $createdAt: { sql: `${alias}created_at`, type: "datetime" },
    $updatedAt: { sql: `${alias}updated_at`, type: "datetime" },
    $sequence: { sql: `${alias}seq`, type: "integer" },
  };
}
