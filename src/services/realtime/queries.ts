import { AppwriteError } from "../../core/errors";
import { lookup } from "../../core/input";
import { parseQuery, type Query } from "../../core/query/parse";

/**
 * Realtime subscription queries (Appwrite's Realtime::convertQueries + RuntimeQuery): a small subset of
 * the query language, evaluated in memory against the event payload.
 */
const ALLOWED = ["equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "isNull", "isNotNull", "and", "or", "select"];

function check(q: Query): void {
  if (!ALLOWED.includes(q.method)) throw new Error(`Query method '${q.method}' is not supported in Realtime queries. Allowed: ${ALLOWED.join(", ")}`);
  if (q.method === "select" && !(q.values.length === 1 && q.values[0] === "*")) throw new Error('Only select("*") is allowed in Realtime queries. select("*") means "listen to all events".');
  q.queries?.forEach(check);
}

/**
 * Parse and validate a subscription's query strings. No filters (an empty list, or any select("*"):
 * RuntimeQuery::compile) means every event. Throws a plain Error with Appwrite's message, which the
 * caller sends as is (URL mode, 1008) or after `Invalid query: ` (subscribe message, 1003).
 */
export function compileQueries(raw: readonly unknown[]): { strings: string[]; parsed: Query[] } {
  const parsed: Query[] = [];
  const strings: string[] = [];
  for (const r of raw) {
    if (typeof r !== "string") throw new Error("Query must be a string");
    let q: Query;
    try {
      q = parseQuery(r);
    } catch (e) {
      throw new Error(e instanceof AppwriteError ? e.message : String(e));
    }
    check(q);
    strings.push(r);
    parsed.push(q);
  }
  return { strings, parsed: parsed.some((q) => q.method === "select") ? [] : parsed };
}

/** PHP 8's numeric strings (Appwrite compares with PHP's operators): "5", " 1.5", "1e3"; not "", "0x10". */
const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
const asNumber = (v: unknown): number | null => (typeof v === "number" ? v : typeof v === "string" && NUMERIC.test(v) ? Number(v) : null);

/** PHP 8's `<=>` for the scalars a payload holds; null when the pair has no order here (arrays, objects, null). */
function cmp(a: unknown, b: unknown): number | null {
  if (a === null || b === null || typeof a === "object" || typeof b === "object") return null;
  if (typeof a === "boolean" || typeof b === "boolean") return Number(Boolean(a)) - Number(Boolean(b));
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== null && y !== null) return x - y;
  const [sa, sb] = [String(a), String(b)];
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

const ORDER = lookup<(c: number) => boolean>({
  lessThan: (c) => c < 0,
  lessThanEqual: (c) => c <= 0,
  greaterThan: (c) => c > 0,
  greaterThanEqual: (c) => c >= 0,
});

/**
 * Appwrite's RuntimeQuery::evaluateCondition: a leaf on an attribute the payload lacks is false (isNull
 * and notEqual included); equal/notEqual are strict (`===`: an array attribute never equals a scalar,
 * "5" is not 5); a comparison holds if it holds for any of the values.
 */
function one(q: Query, payload: Record<string, unknown>): boolean {
  if (q.method === "and") return q.queries!.every((c) => one(c, payload));
  if (q.method === "or") return q.queries!.some((c) => one(c, payload));
  if (q.method === "select") return true;
  if (!Object.hasOwn(payload, q.attribute)) return false;
  const value = payload[q.attribute];
  switch (q.method) {
    case "isNull":
      return value === null;
    case "isNotNull":
      return value !== null;
    case "equal":
      return q.values.some((w) => value === w);
    case "notEqual":
      return !q.values.some((w) => value === w);
    default: {
      const holds = ORDER[q.method];
      return !!holds && q.values.some((w) => {
        const c = cmp(value, w);
        return c !== null && holds(c);
      });
    }
  }
}

/** AND within one subscription; no filters means everything. */
export function matchesQueries(parsed: readonly Query[], payload: Record<string, unknown>): boolean {
  return parsed.every((q) => one(q, payload));
}
