import { AppwriteError } from "../core/errors";
import { groupQueries, parseQueries, type Grouped } from "../core/query/parse";
import { Binder, compileFilters, compileOrders, cursorCondition, orderBy, TOTAL_CAP, type Field, type FilterPlan, type Resolver } from "../core/query/sql";

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

  const reverse = g.cursor?.direction === "before";
  /** The ordered statement selecting `columns` (and the plan's own), freshly bound. */
  const statement = (b: Binder, columns: string) => {
    const plan = compileFilters(g.filters, spec.resolve, b);
    const where = [spec.base(b), plan.where];
    if (g.cursor && cursorValues) where.push(cursorCondition(terms, cursorValues, g.cursor.direction, b));
    return { plan, sql: `SELECT ${[columns, ...plan.columns].join(", ")} FROM ${spec.from} WHERE ${where.join(" AND ")} ORDER BY ${orderBy(terms, g.random, reverse)}` };
  };
  const prelude = spec.prelude ?? [];
  const b = new Binder();
  const first = statement(b, spec.columns);
  if (first.plan.check) return scanList<T>(d1, spec, statement, g, withTotal, reverse);
  const statements = [...prelude, d1.prepare(`${first.sql} LIMIT ${b.bind(g.limit)} OFFSET ${b.bind(g.offset)}`).bind(...b.finish())];

  if (withTotal) {
    const cb = new Binder();
    const countWhere = `${spec.base(cb)} AND ${compileFilters(g.filters, spec.resolve, cb).where}`;
    statements.push(d1.prepare(`SELECT COUNT(*) AS total FROM (SELECT 1 FROM ${spec.from} WHERE ${countWhere} LIMIT ${TOTAL_CAP})`).bind(...cb.finish()));
  }
  const [page, count] = (await d1.batch<Record<string, unknown>>(statements)).slice(prelude.length);
  const rows = (page!.results ?? []) as T[];
  if (reverse) rows.reverse();
  return { rows, total: withTotal ? Number((count!.results?.[0] as { total?: number })?.total ?? 0) : 0 };
}

/** Candidate rows a list whose filters are decided in the Worker may read before giving up. */
export const SCAN_MAX = 50_000;
const SCAN_CHUNK = 5_000;

/**
 * A list with filters SQL cannot decide (spatial). Candidates are read in order, 5,000 per statement,
 * as their sequence plus what the check needs, and checked here; offset, limit and the capped total apply
 * to the rows that pass, so pages and totals are what an exact WHERE would give. The page's rows are then
 * read whole. It stops once the page is full and the total reached (or not wanted), and refuses a query
 * that would read more than SCAN_MAX candidates.
 */
async function scanList<T>(
  d1: D1Database, spec: ListSpec, statement: (b: Binder, columns: string) => { plan: FilterPlan; sql: string },
  g: Grouped, withTotal: boolean, reverse: boolean,
): Promise<ListResult<T>> {
  const want = Math.max(g.offset + g.limit, withTotal ? TOTAL_CAP : 0);
  // Random order differs per statement, so it is read in one go.
  const chunk = g.random ? SCAN_MAX + 1 : SCAN_CHUNK;
  const prelude = spec.prelude ?? [];
  const page: unknown[] = [];
  let matched = 0;
  for (let scanned = 0; matched < want; scanned += chunk) {
    if (scanned >= SCAN_MAX) {
      throw new AppwriteError("general_query_invalid", `Invalid query: spatial queries may examine at most ${SCAN_MAX} rows; add a spatial index or narrow the query with other filters.`);
    }
    const b = new Binder();
    const { plan, sql } = statement(b, `${spec.sequence} AS _s`);
    const stmt = d1.prepare(`${sql} LIMIT ${b.bind(chunk)} OFFSET ${b.bind(scanned)}`).bind(...b.finish());
    const candidates = (await d1.batch<Record<string, unknown>>(scanned ? [stmt] : [...prelude, stmt])).at(-1)!.results ?? [];
    for (const row of candidates) {
      if (!plan.check!(row)) continue;
      if (matched >= g.offset && matched < g.offset + g.limit) page.push(row._s);
      matched++;
    }
    if (candidates.length < chunk) break;
  }
  const total = withTotal ? Math.min(matched, TOTAL_CAP) : 0;
  if (!page.length) return { rows: [], total };
  const b = new Binder();
  const sql = `SELECT ${spec.columns}, ${spec.sequence} AS _s FROM ${spec.from} WHERE ${spec.base(b)} AND ${spec.sequence} IN (SELECT value FROM json_each(${b.list(page)}))`;
  const read = (await d1.batch<Record<string, unknown>>([...prelude, d1.prepare(sql).bind(...b.finish())])).at(-1)!.results ?? [];
  const bySeq = new Map(read.map((r) => [r._s, r]));
  const rows = page.flatMap((seq) => {
    const row = bySeq.get(seq);
    if (!row) return [];
    delete row._s;
    return [row as T];
  });
  if (reverse) rows.reverse();
  return { rows, total };
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
