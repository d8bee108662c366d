import { AppwriteError } from "../errors";
import { isForbiddenKey, parseJson } from "../input";

/** Query methods as the SDKs send them (wire doc §2). */
export const FILTERS = [
  "equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "isNull", "isNotNull",
  "between", "notBetween", "startsWith", "notStartsWith", "endsWith", "notEndsWith", "contains", "containsAny",
  "containsAll", "notContains", "search", "notSearch", "regex", "exists", "notExists",
] as const;
export const LOGICAL = ["and", "or", "elemMatch"] as const;
export const GEO = [
  "distanceEqual", "distanceNotEqual", "distanceGreaterThan", "distanceLessThan", "intersects", "notIntersects",
  "crosses", "notCrosses", "overlaps", "notOverlaps", "touches", "notTouches",
] as const;
export const VECTOR = ["vectorDot", "vectorCosine", "vectorEuclidean"] as const;
export const MODIFIERS = ["select", "orderAsc", "orderDesc", "orderRandom", "cursorAfter", "cursorBefore", "limit", "offset"] as const;

export type FilterMethod = (typeof FILTERS)[number];
export type Method = FilterMethod | (typeof LOGICAL)[number] | (typeof GEO)[number] | (typeof VECTOR)[number] | (typeof MODIFIERS)[number];

const METHODS = new Set<string>([...FILTERS, ...LOGICAL, ...GEO, ...VECTOR, ...MODIFIERS]);

export interface Query {
  method: Method;
  attribute: string;
  values: unknown[];
  /** Parsed children of and/or/elemMatch. */
  queries?: Query[];
}

export const LIMIT_QUERIES = 100;
export const LIMIT_QUERY_LENGTH = 4096;
export const DEFAULT_LIMIT = 25;
/** Appwrite sets no upper bound on `limit`; Edgewrite caps a page at 5,000 rows (README). */
export const MAX_LIMIT = 5000;

const invalid = (msg: string) => new AppwriteError("general_query_invalid", msg);
const typeName = (v: unknown) => (v === null ? "NULL" : Array.isArray(v) ? "array" : typeof v);

function parseObject(o: unknown, depth: number): Query {
  if (!o || typeof o !== "object" || Array.isArray(o)) throw invalid(`Invalid query. Must be an array, got ${typeName(o)}`);
  const { method = "", attribute = "", values = [] } = o as Record<string, unknown>;
  if (typeof method !== "string") throw invalid(`Invalid query method. Must be a string, got ${typeName(method)}`);
  if (!METHODS.has(method)) throw invalid(`Invalid query method: ${method}`);
  if (typeof attribute !== "string") throw invalid(`Invalid query attribute. Must be a string, got ${typeName(attribute)}`);
  if (attribute.split(".").some(isForbiddenKey)) throw invalid(`Invalid query: Attribute not found in schema: ${attribute}`);
  if (!Array.isArray(values)) throw invalid(`Invalid query values. Must be an array, got ${typeName(values)}`);
  const q: Query = { method: method as Method, attribute, values };
  if ((LOGICAL as readonly string[]).includes(method)) {
    if (depth > 3) throw invalid("Invalid query: Maximum nesting depth of 3 exceeded");
    if (values.length === 0) throw invalid(`Invalid query: ${method} queries require at least one query`);
    q.queries = values.map((v) => parseObject(v, depth + 1));
  }
  return q;
}

/** Parse one query string (`{"method":"equal","attribute":"a","values":[1]}`). */
export function parseQuery(text: string): Query {
  if (typeof text !== "string") throw invalid(`Invalid query. Must be a string, got ${typeName(text)}`);
  if (text.length > LIMIT_QUERY_LENGTH) throw invalid(`Invalid query: Query length must not exceed ${LIMIT_QUERY_LENGTH} characters`);
  let o: unknown;
  try {
    o = parseJson(text);
  } catch (e) {
    if (e instanceof AppwriteError) throw invalid(`Invalid query: ${e.message.replace(/^Invalid param: /, "")}`);
    throw invalid("Invalid query: Syntax error");
  }
  return parseObject(o, 0);
}

export function parseQueries(list: readonly unknown[] | undefined): Query[] {
  if (!list) return [];
  if (list.length > LIMIT_QUERIES) throw invalid(`Invalid queries: a maximum of ${LIMIT_QUERIES} queries is allowed`);
  return list.map((t) => parseQuery(t as string));
}

export interface Grouped {
  filters: Query[];
  select: string[] | null;
  orders: { attribute: string; direction: "ASC" | "DESC" }[];
  random: boolean;
  limit: number;
  offset: number;
  cursor: { direction: "after" | "before"; id: string } | null;
}

/** PHP_INT_MAX, Appwrite's largest offset (as a double it is 2^63, so the check is `< 2^63`). */
const INT64_MAX = 9223372036854775807;
const INT64_MAX_TEXT = "9,223,372,036,854,775,807";

/**
 * utopia-php/database's Limit/Offset validators: a number, then an integer in range. Their messages,
 * under the "Invalid query: " of the Queries validator. (The Offset validator says "Invalid limit"
 * for a non-number: Appwrite's text, kept.)
 */
function rangeValue(n: unknown, what: "limit" | "offset", min: number, max: number): number {
  if (typeof n !== "number" || !Number.isFinite(n)) throw invalid("Invalid query: Invalid limit: Value must be a valid number");
  const top = max === INT64_MAX ? INT64_MAX_TEXT : max.toLocaleString("en-US");
  if (!Number.isInteger(n) || n < min || (max === INT64_MAX ? n >= 2 ** 63 : n > max)) throw invalid(`Invalid query: Invalid ${what}: Value must be a valid range between ${min} and ${top}`);
  return n;
}

/** Appwrite's groupByType: only the first limit, offset and cursor count. */
export function groupQueries(queries: readonly Query[], defaultLimit = DEFAULT_LIMIT): Grouped {
  const g: Grouped = { filters: [], select: null, orders: [], random: false, limit: defaultLimit, offset: 0, cursor: null };
  let seenLimit = false;
  let seenOffset = false;
  for (const q of queries) {
    switch (q.method) {
      case "select":
        if (!q.values.every((v) => typeof v === "string")) throw invalid("Invalid query: Select queries requires an array of strings");
        g.select = [...(g.select ?? []), ...(q.values as string[])];
        break;
      case "orderAsc":
      case "orderDesc":
        g.orders.push({ attribute: q.attribute || "$sequence", direction: q.method === "orderAsc" ? "ASC" : "DESC" });
        break;
      case "orderRandom":
        g.random = true;
        break;
      case "limit": {
        if (seenLimit) break;
        seenLimit = true;
        g.limit = rangeValue(q.values[0], "limit", 1, MAX_LIMIT);
        break;
      }
      case "offset": {
        if (seenOffset) break;
        seenOffset = true;
        // Any offset past 2^53 rows is past the end of every table: cap it so SQLite gets an integer.
        g.offset = Math.min(rangeValue(q.values[0], "offset", 0, INT64_MAX), Number.MAX_SAFE_INTEGER);
        break;
      }
      case "cursorAfter":
      case "cursorBefore": {
        if (g.cursor) break;
        const id = q.values[0];
        if (typeof id !== "string" || id === "") throw invalid("Invalid cursor: Cursor must be a valid row ID");
        g.cursor = { direction: q.method === "cursorAfter" ? "after" : "before", id };
        break;
      }
      default:
        g.filters.push(q);
    }
  }
  return g;
}
