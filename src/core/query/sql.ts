import { AppwriteError } from "../errors";
import { parseDate } from "../time";
import { GEO, type Grouped, type Query } from "./parse";
import { spatialLeaf, type SpatialField } from "./spatial";

/**
 * Compile parsed queries to parameterised SQLite for D1. Services describe their attributes with a
 * resolver; the compiler checks methods against types and never interpolates a value into SQL.
 */
export type FieldType = "string" | "integer" | "float" | "boolean" | "datetime";

export interface Field {
  /** SQL expression for the column (already quoted). */
  sql: string;
  type: FieldType;
  /** Stored as a JSON array text. */
  array?: boolean;
  /** For `search`: SQL that is true when the item matches the FTS term bound at `param`. */
  search?: (param: string) => string;
  /** A spatial column: queries on it are decided in the Worker (see ./spatial.ts). */
  spatial?: SpatialField;
}

export type Resolver = (attribute: string) => Field | undefined;

const D1_MAX_PARAMS = 100;
/** Bound parameters kept free for the caller's own clauses (project id, permissions, cursor, limit). */
const RESERVED = 12;

/**
 * Numbered parameters (`?1`, `?2` …). Past the budget, values go into one JSON array bound once and
 * are read with json_extract, so no query can exceed D1's 100-parameter limit.
 */
export class Binder {
  readonly params: unknown[] = [];
  private overflow: unknown[] = [];
  private overflowIndex = 0;
  constructor(private budget = D1_MAX_PARAMS - RESERVED) {}
  bind(value: unknown): string {
    if (this.params.length < this.budget - 1) {
      this.params.push(value);
      return `?${this.params.length}`;
    }
    if (!this.overflowIndex) {
      this.params.push(null);
      this.overflowIndex = this.params.length;
    }
    this.overflow.push(value);
    return `json_extract(?${this.overflowIndex}, '$[${this.overflow.length - 1}]')`;
  }
  /** Bind a whole list as one JSON array, to be read with json_each. */
  list(values: readonly unknown[]): string {
    return this.bind(JSON.stringify(values));
  }
  finish(): unknown[] {
    if (this.overflowIndex) this.params[this.overflowIndex - 1] = JSON.stringify(this.overflow);
    return this.params;
  }
}

const invalid = (msg: string) => new AppwriteError("general_query_invalid", msg);

/** Encode a query value to its stored representation, checking it fits the attribute's type. */
function encode(q: Query, f: Field, v: unknown): unknown {
  const bad = () => invalid(`Invalid query: Query value is invalid for attribute "${q.attribute}"`);
  switch (f.type) {
    case "string":
      if (typeof v !== "string") throw bad();
      return v;
    case "integer":
      if (typeof v === "bigint") return v;
      if (typeof v !== "number" || !Number.isInteger(v)) throw bad();
      return v;
    case "float":
      if (typeof v !== "number" || !Number.isFinite(v)) throw bad();
      return v;
    case "boolean":
      if (typeof v !== "boolean") throw bad();
      return v ? 1 : 0;
    case "datetime": {
      const ms = parseDate(v);
      if (ms === null) throw bad();
      return ms;
    }
  }
}

/**
 * Join conditions as a balanced tree: SQLite limits expression depth to 100, and a flat chain of
 * 100 ANDs is 100 deep, while a balanced one is log2(n).
 */
export function joinBalanced(parts: readonly string[], op: "AND" | "OR"): string {
  if (parts.length === 1) return parts[0]!;
  const mid = parts.length >> 1;
  return `(${joinBalanced(parts.slice(0, mid), op)} ${op} ${joinBalanced(parts.slice(mid), op)})`;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

function compileOne(q: Query, resolve: Resolver, b: Binder): string {
  switch (q.method) {
    case "and":
    case "or": {
      return joinBalanced(q.queries!.map((c) => compileOne(c, resolve, b)), q.method === "and" ? "AND" : "OR");
    }
    case "exists":
    case "notExists": {
      if (!q.values.length) throw invalid(`Invalid query: ${q.method} queries require at least one attribute`);
      const parts = q.values.map((a) => {
        const f = typeof a === "string" ? resolve(a) : undefined;
        if (!f) throw invalid(`Invalid query: Attribute not found in schema: ${String(a)}`);
        return `${f.sql} IS ${q.method === "exists" ? "NOT " : ""}NULL`;
      });
      return joinBalanced(parts, "AND");
    }
    case "elemMatch":
    case "regex":
      throw invalid(`Invalid query: ${q.method} queries are not supported by this server`);
  }
  if ((q.method as string).startsWith("vector")) throw invalid(`Invalid query: vector queries (${q.method}) are not supported yet`);

  const f = resolve(q.attribute);
  if (!f) throw invalid(`Invalid query: Attribute not found in schema: ${q.attribute}`);
  if ((GEO as readonly string[]).includes(q.method)) throw invalid(`Invalid query: Spatial query "${q.method}" cannot be applied on non-spatial attribute: ${q.attribute}`);
  const col = f.sql;
  const needValues = (n?: number) => {
    if (n !== undefined ? q.values.length !== n : q.values.length === 0) {
      throw invalid(`Invalid query: ${q.method} queries require ${n ?? "at least one"} value${n === 1 ? "" : "s"}`);
    }
  };
  const one = () => (needValues(1), b.bind(encode(q, f, q.values[0])));
  const inList = (values: unknown[]) =>
    values.length === 1 ? `= ${b.bind(encode(q, f, values[0]))}` : `IN (SELECT value FROM json_each(${b.list(values.map((v) => encode(q, f, v)))}))`;
  const arrayHas = (values: unknown[]) => `EXISTS (SELECT 1 FROM json_each(${col}) WHERE value ${inList(values)})`;

  switch (q.method) {
    case "equal":
      needValues();
      return f.array ? arrayHas(q.values) : `${col} ${inList(q.values)}`;
    case "notEqual":
      needValues();
      if (f.array) return `NOT ${arrayHas(q.values)}`;
      return `${col} NOT ${inList(q.values).replace(/^= (.*)$/, "IN ($1)")}`;
    case "lessThan":
      return `${col} < ${one()}`;
    case "lessThanEqual":
      return `${col} <= ${one()}`;
    case "greaterThan":
      return `${col} > ${one()}`;
    case "greaterThanEqual":
      return `${col} >= ${one()}`;
    case "isNull":
      return `${col} IS NULL`;
    case "isNotNull":
      return `${col} IS NOT NULL`;
    case "between":
    case "notBetween":
      needValues(2);
      return `${col} ${q.method === "notBetween" ? "NOT " : ""}BETWEEN ${b.bind(encode(q, f, q.values[0]))} AND ${b.bind(encode(q, f, q.values[1]))}`;
    case "startsWith":
    case "notStartsWith":
    case "endsWith":
    case "notEndsWith": {
      needValues(1);
      if (f.type !== "string") throw invalid(`Invalid query: Cannot query ${q.method} on attribute "${q.attribute}" because it is not a string`);
      const v = likeEscape(String(encode(q, f, q.values[0])));
      const pattern = q.method.toLowerCase().includes("starts") ? `${v}%` : `%${v}`;
      return `${col} ${q.method.startsWith("not") ? "NOT " : ""}LIKE ${b.bind(pattern)} ESCAPE '\\'`;
    }
    case "contains":
    case "containsAny":
    case "notContains": {
      needValues();
      const negate = q.method === "notContains" ? "NOT " : "";
      if (f.array) return `${negate}${arrayHas(q.values)}`;
      if (f.type !== "string") throw invalid(`Invalid query: Cannot query contains on attribute "${q.attribute}" because it is not an array or string`);
      const likes = q.values.map((v) => `${col} LIKE ${b.bind(`%${likeEscape(String(encode(q, f, v)))}%`)} ESCAPE '\\'`);
      return `${negate}${joinBalanced(likes, "OR")}`;
    }
    case "containsAll": {
      needValues();
      if (!f.array) throw invalid(`Invalid query: Cannot query containsAll on attribute "${q.attribute}" because it is not an array`);
      return joinBalanced(q.values.map((v) => arrayHas([v])), "AND");
    }
    case "search":
    case "notSearch": {
      needValues(1);
      if (!f.search) throw invalid(`Invalid query: Searching by attribute "${q.attribute}" requires a fulltext index.`);
      if (typeof q.values[0] !== "string") throw invalid(`Invalid query: Query value is invalid for attribute "${q.attribute}"`);
      return `${q.method === "notSearch" ? "NOT " : ""}(${f.search(b.bind(ftsTerm(q.values[0])))})`;
    }
    default:
      throw invalid(`Invalid query method: ${q.method}`);
  }
}

/** Turn user text into a safe FTS5 query: each word a quoted prefix term, OR-ed like MariaDB natural mode. */
export function ftsTerm(text: string): string {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  return words.length ? words.map((w) => `"${w}"*`).join(" OR ") : '""';
}

export type Row = Record<string, unknown>;

/**
 * Compiled filters. `where` is exact unless `check` is set: then a query SQL cannot decide (spatial)
 * made `where` a superset (a bounding-box prefilter or nothing), and `check` decides each row the
 * statement returns, reading the extra `columns` (named `_g<n>`/`_f<n>`) selected next to the row's own.
 */
export interface FilterPlan {
  where: string;
  columns: string[];
  check: ((row: Row) => boolean) | null;
}

interface Node {
  sql: string;
  check?: (row: Row) => boolean;
}

const LOCAL = new Set(["isNull", "isNotNull", "exists", "notExists"]);

function planOne(q: Query, resolve: Resolver, b: Binder, columns: string[], top: boolean): Node {
  if (q.method === "and" || q.method === "or") return planGroup(q.queries!, q.method === "and" ? "AND" : "OR", resolve, b, columns, top);
  const f = LOCAL.has(q.method) ? undefined : resolve(q.attribute);
  if (!f?.spatial) return { sql: compileOne(q, resolve, b) };
  const leaf = spatialLeaf(q, f.spatial, b);
  const name = `_g${columns.length}`;
  columns.push(`${f.sql} AS ${name}`);
  return { sql: leaf.prefilter, check: (row) => leaf.test(row[name]) };
}

/** In a group that needs checking, SQL-decided members are selected as flags (except where the WHERE already enforces them). */
function planGroup(qs: readonly Query[], op: "AND" | "OR", resolve: Resolver, b: Binder, columns: string[], top: boolean): Node {
  const kids = qs.map((q) => planOne(q, resolve, b, columns, top && op === "AND"));
  const sql = joinBalanced(kids.map((k) => k.sql), op);
  if (!kids.some((k) => k.check)) return { sql };
  const tests = kids.flatMap((k) => {
    if (k.check) return [k.check];
    if (top && op === "AND") return [];
    const name = `_f${columns.length}`;
    columns.push(`CASE WHEN ${k.sql} THEN 1 ELSE 0 END AS ${name}`);
    return [(row: Row) => row[name] === 1];
  });
  return { sql, check: op === "AND" ? (row) => tests.every((t) => t(row)) : (row) => tests.some((t) => t(row)) };
}

/** The filters as SQL ("1" when there are none) plus, for spatial queries, the per-row check. */
export function compileFilters(filters: readonly Query[], resolve: Resolver, b: Binder): FilterPlan {
  if (!filters.length) return { where: "1", columns: [], check: null };
  const columns: string[] = [];
  const root = planGroup(filters, "AND", resolve, b, columns, true);
  return { where: root.sql, columns, check: root.check ?? null };
}

export interface OrderTerm {
  sql: string;
  direction: "ASC" | "DESC";
  attribute: string;
}

/** ORDER BY terms; `tieBreaker` (the sequence column) keeps pages stable and cursors exact. */
export function compileOrders(g: Grouped, resolve: Resolver, tieBreaker: string): OrderTerm[] {
  const terms: OrderTerm[] = g.orders.map((o) => {
    const f = resolve(o.attribute);
    if (!f) throw invalid(`Invalid query: Attribute not found in schema: ${o.attribute}`);
    if (f.array) throw invalid(`Invalid query: Cannot order by array attribute: ${o.attribute}`);
    return { sql: f.sql, direction: o.direction, attribute: o.attribute };
  });
  if (!terms.some((t) => t.sql === tieBreaker)) terms.push({ sql: tieBreaker, direction: terms.at(-1)?.direction ?? "ASC", attribute: "$sequence" });
  return terms;
}

/**
 * Keyset condition for cursorAfter/cursorBefore given the cursor row's values for each order term:
 * (a > x) OR (a = x AND b > y) … A NULL in an ordered column makes the cursor ambiguous (Appwrite's
 * `database_query_order_null`).
 */
export function cursorCondition(terms: readonly OrderTerm[], values: readonly unknown[], direction: "after" | "before", b: Binder): string {
  const ors: string[] = [];
  for (let i = 0; i < terms.length; i++) {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) ands.push(`${terms[j]!.sql} = ${b.bind(values[j])}`);
    const t = terms[i]!;
    if (values[i] === null || values[i] === undefined) {
      throw new AppwriteError("database_query_order_null", `Order attribute '${t.attribute}' is empty`);
    }
    const asc = (t.direction === "ASC") === (direction === "after");
    ands.push(`${t.sql} ${asc ? ">" : "<"} ${b.bind(values[i])}`);
    ors.push(joinBalanced(ands, "AND"));
  }
  return joinBalanced(ors, "OR");
}

export function orderBy(terms: readonly OrderTerm[], random: boolean, reverse = false): string {
  if (random) return "random()";
  return terms.map((t) => `${t.sql} ${(t.direction === "ASC") !== reverse ? "ASC" : "DESC"}`).join(", ");
}

/** APP_LIMIT_COUNT: totals are counted up to 5,000. */
export const TOTAL_CAP = 5000;
