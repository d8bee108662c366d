import { AppwriteError } from "../../core/errors";
import { formatDate, parseDate } from "../../core/time";
import type { ColumnMeta } from "./meta";
import { parseJson } from "../../core/input";

/**
 * Update operators (wire doc §2 `Operator.*`): a string value of a column that decodes to
 * `{method, values}` with a known method. They are applied to the row's current API value.
 */
export const OPERATORS = new Set([
  "increment", "decrement", "multiply", "divide", "modulo", "power", "arrayAppend", "arrayPrepend", "arrayInsert", "arrayRemove",
  "arrayUnique", "arrayIntersect", "arrayDiff", "arrayFilter", "stringConcat", "stringReplace", "toggle", "dateAddDays", "dateSubDays", "dateSetNow",
]);

export interface Operator {
  method: string;
  values: unknown[];
}

export function asOperator(v: unknown): Operator | null {
  if (typeof v !== "string" || !v.startsWith("{") || !v.includes('"method"')) return null;
  try {
    const o = parseJson(v) as { method?: unknown; values?: unknown };
    if (o && typeof o.method === "string" && OPERATORS.has(o.method)) return { method: o.method, values: Array.isArray(o.values) ? o.values : [] };
  } catch {
    /* a plain string */
  }
  return null;
}

const bad = (msg: string) => new AppwriteError("general_argument_invalid", `Invalid operator: ${msg}`);
const num = (v: unknown, what: string): number => {
  if (typeof v !== "number" || !Number.isFinite(v)) throw bad(`${what} must be a number`);
  return v;
};
const NUMERIC = new Set(["integer", "bigint", "double"]);

function compare(a: unknown, cond: string, b: unknown): boolean {
  switch (cond) {
    case "equal": return a === b;
    case "notEqual": return a !== b;
    case "greaterThan": return (a as number) > (b as number);
    case "greaterThanEqual": return (a as number) >= (b as number);
    case "lessThan": return (a as number) < (b as number);
    case "lessThanEqual": return (a as number) <= (b as number);
    case "isNull": return a === null || a === undefined;
    case "isNotNull": return a !== null && a !== undefined;
    default: throw bad(`unknown arrayFilter condition "${cond}"`);
  }
}

/** Apply an operator to the current API value of `col`; returns the new API value (validated later). */
export function applyOperator(col: ColumnMeta, op: Operator, current: unknown): unknown {
  const v = op.values;
  const isNum = NUMERIC.has(col.type) && !col.array;
  const needNum = () => {
    if (!isNum) throw bad(`${op.method} needs a numeric column, "${col.key}" is ${col.type}${col.array ? "[]" : ""}`);
  };
  const needArray = () => {
    if (!col.array) throw bad(`${op.method} needs an array column, "${col.key}" is not an array`);
  };
  const intish = (n: number) => (col.type === "double" ? n : Math.trunc(n));
  const cur = (current ?? 0) as number;
  const arr = (Array.isArray(current) ? current : []) as unknown[];
  switch (op.method) {
    case "increment": {
      needNum();
      const by = v.length ? num(v[0], "value") : 1;
      const max = v[1] === undefined || v[1] === null ? null : num(v[1], "max");
      const out = cur + by;
      return max !== null && out > max ? max : out;
    }
    case "decrement": {
      needNum();
      const by = v.length ? num(v[0], "value") : 1;
      const min = v[1] === undefined || v[1] === null ? null : num(v[1], "min");
      const out = cur - by;
      return min !== null && out < min ? min : out;
    }
    case "multiply": {
      needNum();
      const max = v[1] === undefined || v[1] === null ? null : num(v[1], "max");
      const out = intish(cur * num(v[0], "factor"));
      return max !== null && out > max ? max : out;
    }
    case "divide": {
      needNum();
      const d = num(v[0], "divisor");
      if (d === 0) throw bad("division by zero");
      const min = v[1] === undefined || v[1] === null ? null : num(v[1], "min");
      const out = intish(cur / d);
      return min !== null && out < min ? min : out;
    }
    case "modulo": {
      needNum();
      const d = num(v[0], "divisor");
      if (d === 0) throw bad("modulo by zero");
      return cur % d;
    }
    case "power": {
      needNum();
      const max = v[1] === undefined || v[1] === null ? null : num(v[1], "max");
      const out = intish(cur ** num(v[0], "exponent"));
      return max !== null && out > max ? max : out;
    }
    case "arrayAppend": needArray(); return [...arr, ...v];
    case "arrayPrepend": needArray(); return [...v, ...arr];
    case "arrayInsert": {
      needArray();
      const at = num(v[0], "index");
      if (!Number.isInteger(at) || at < 0 || at > arr.length) throw bad(`index ${at} is out of bounds`);
      const out = [...arr];
      out.splice(at, 0, v[1]);
      return out;
    }
    case "arrayRemove": needArray(); return arr.filter((x) => !v.includes(x));
    case "arrayUnique": needArray(); return [...new Set(arr)];
    case "arrayIntersect": needArray(); return arr.filter((x) => v.includes(x));
    case "arrayDiff": needArray(); return arr.filter((x) => !v.includes(x));
    case "arrayFilter": needArray(); return arr.filter((x) => compare(x, String(v[0]), v[1]));
    case "stringConcat":
      if (typeof v[0] !== "string") throw bad("stringConcat needs a string");
      return `${(current as string | null) ?? ""}${v[0]}`;
    case "stringReplace":
      if (typeof v[0] !== "string" || typeof v[1] !== "string") throw bad("stringReplace needs two strings");
      return typeof current === "string" ? current.split(v[0]).join(v[1]) : current;
    case "toggle":
      if (col.type !== "boolean" || col.array) throw bad(`toggle needs a boolean column, "${col.key}" is ${col.type}`);
      return !current;
    case "dateAddDays":
    case "dateSubDays": {
      if (col.type !== "datetime" || col.array) throw bad(`${op.method} needs a datetime column`);
      const days = num(v[0], "days") * (op.method === "dateSubDays" ? -1 : 1);
      const base = parseDate(current) ?? Date.now();
      return formatDate(base + days * 86_400_000);
    }
    case "dateSetNow":
      if (col.type !== "datetime" || col.array) throw bad("dateSetNow needs a datetime column");
      return formatDate(Date.now());
  }
  throw bad(`unknown operator ${op.method}`);
}
