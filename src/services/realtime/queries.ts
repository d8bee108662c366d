import { AppwriteError } from "../../core/errors";
import { parseQuery, type Query } from "../../core/query/parse";

/**
 * Realtime subscription queries (Appwrite's Realtime::convertQueries + RuntimeQuery): a small subset of
 * the query language, evaluated in memory against the event payload.
 */
const ALLOWED = new Set(["equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "isNull", "isNotNull", "and", "or", "select"]);

export const SELECT_ALL = JSON.stringify({ method: "select", values: ["*"] });

function check(q: Query): void {
  if (!ALLOWED.has(q.method)) throw new Error(`Query method "${q.method}" is not supported in realtime subscriptions. Supported: ${[...ALLOWED].join(", ")}`);
  if (q.method === "select" && !(q.values.length === 1 && q.values[0] === "*")) throw new Error('Only select(["*"]) is supported in realtime subscriptions');
  q.queries?.forEach(check);
}

/**
 * Parse and validate a subscription's query strings; an empty list means select(["*"]).
 * Throws a plain Error whose message the caller wraps (`Invalid query: …` → 1003, or 1008 in URL mode).
 */
export function compileQueries(raw: readonly unknown[]): { strings: string[]; parsed: Query[] } {
  if (raw.length === 0) return { strings: [SELECT_ALL], parsed: [] };
  const parsed: Query[] = [];
  const strings: string[] = [];
  for (const r of raw) {
    if (typeof r !== "string") throw new Error("Query must be a string");
    let q: Query;
    try {
      q = parseQuery(r);
    } catch (e) {
      throw new Error(e instanceof AppwriteError ? e.message.replace(/^Invalid query:\s*/, "") : String(e));
    }
    check(q);
    strings.push(r);
    if (q.method !== "select") parsed.push(q);
  }
  return { strings, parsed };
}

type Scalar = string | number | boolean | null;

function cmp(a: unknown, b: unknown): number | null {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (typeof a === "number" && typeof b === "string" && b.trim() !== "" && !Number.isNaN(Number(b))) return a - Number(b);
  if (typeof a === "string" && typeof b === "number" && a.trim() !== "" && !Number.isNaN(Number(a))) return Number(a) - b;
  return null;
}

function eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const c = cmp(a, b);
  return c === 0;
}

function one(q: Query, payload: Record<string, unknown>): boolean {
  const value = payload[q.attribute];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  switch (q.method) {
    case "and":
      return q.queries!.every((c) => one(c, payload));
    case "or":
      return q.queries!.some((c) => one(c, payload));
    case "select":
      return true;
    case "isNull":
      return value === null || value === undefined;
    case "isNotNull":
      return value !== null && value !== undefined;
    case "equal":
      return value !== undefined && list.some((v) => q.values.some((w) => eq(v, w)));
    case "notEqual":
      return !list.some((v) => q.values.some((w) => eq(v, w)));
    case "lessThan":
    case "lessThanEqual":
    case "greaterThan":
    case "greaterThanEqual": {
      const c = cmp(value as Scalar, q.values[0]);
      if (c === null) return false;
      return q.method === "lessThan" ? c < 0 : q.method === "lessThanEqual" ? c <= 0 : q.method === "greaterThan" ? c > 0 : c >= 0;
    }
    default:
      return false;
  }
}

/** AND within one subscription; no filters means everything. */
export function matchesQueries(parsed: readonly Query[], payload: Record<string, unknown>): boolean {
  return parsed.every((q) => one(q, payload));
}
