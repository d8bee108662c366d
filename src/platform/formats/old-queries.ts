import { AppwriteError } from "../../core/errors";

/**
 * Appwrite 1.4's query strings (`equal("title", ["a", "b"])`, `orderDesc("$createdAt")`, `limit(25)`), which
 * SDKs for 1.0–1.4 send, turned into the JSON queries of 1.5+ (`{"method":"equal","attribute":"title",
 * "values":["a","b"]}`), following Appwrite's 1.4 parser: strings in either quote, `\` escapes, arrays
 * one level deep, bare true/false/null/numbers; spaces outside strings are dropped. As in Appwrite, an
 * empty attribute and empty values are left out of the JSON.
 */
export function convertOldQuery(text: string): string {
  let parsed: { method: string; attribute?: unknown; values?: unknown[] };
  try {
    parsed = parse(text);
  } catch (e) {
    throw new AppwriteError("general_query_invalid", e instanceof Error ? e.message : "Invalid query");
  }
  const out: Record<string, unknown> = { method: parsed.method };
  if (parsed.attribute !== undefined && parsed.attribute !== "") out.attribute = parsed.attribute;
  if (parsed.values?.length) out.values = parsed.values;
  return JSON.stringify(out);
}

const QUOTES = new Set(["'", '"']);
const SPECIAL = new Set([",", "[", "]", "'", '"']);

function parse(filter: string): { method: string; attribute?: unknown; values?: unknown[] } {
  if (typeof filter !== "string") throw new Error("Invalid query");
  const open = filter.indexOf("(");
  if (open < 0) throw new Error("Invalid query");
  const method = filter.slice(0, open);
  if (method.includes(".")) throw new Error("Invalid query method");

  const params: (string | string[])[] = [];
  let current = "";
  let array: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  const append = (ch: string) => {
    // Spaces and commas outside strings carry no meaning.
    if (quote !== null || (ch !== " " && ch !== ",")) current += ch;
  };
  // The last character is the closing parenthesis.
  for (let i = open + 1; i < filter.length - 1; i++) {
    const ch = filter[i]!;
    if (ch === "\\") {
      const next = filter[i + 1] ?? "";
      if (!SPECIAL.has(next)) append(ch);
      append(next);
      i++;
      continue;
    }
    if (QUOTES.has(ch)) {
      if (quote === null) quote = ch;
      else if (quote === ch) quote = null;
      current += ch;
      continue;
    }
    if (quote === null) {
      if (ch === "[") {
        depth++;
        continue;
      }
      if (ch === "]") {
        depth--;
        if (current.length) array.push(current);
        params.push(array);
        array = [];
        current = "";
        continue;
      }
      if (ch === ",") {
        if (depth > 0) {
          array.push(current);
          current = "";
        } else if (!array.length) {
          if (current.length) params.push(current);
          current = "";
        }
        continue;
      }
    }
    append(ch);
  }
  if (current.length) params.push(current);

  const values = params.map((v) => (Array.isArray(v) ? v.map(value) : value(v)));
  const [first, second, third] = values;
  switch (method) {
    case "equal": case "notEqual": case "lessThan": case "lessThanEqual": case "greaterThan": case "greaterThanEqual":
    case "contains": case "search": case "isNull": case "isNotNull": case "startsWith": case "endsWith":
      return { method, attribute: first ?? "", values: values.length < 2 ? [] : Array.isArray(second) ? second : [second] };
    case "between":
      return { method, attribute: first, values: [second ?? null, third ?? null] };
    case "select":
      return { method, values: Array.isArray(first) ? first : [] };
    case "orderAsc": case "orderDesc":
      return { method, attribute: first ?? "" };
    case "limit": case "offset": case "cursorAfter": case "cursorBefore":
      return { method, values: values.length ? [first] : [] };
    default:
      return { method };
  }
}

/** A bare value: true/false/null, a number, a quoted string (quotes removed), else the text as is. */
function value(raw: string): unknown {
  const v = raw.trim();
  if (v === "true") return true;
  if (v === "false") return false;
  if (v === "null") return null;
  if (v !== "" && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v)) return Number(v);
  if (QUOTES.has(v[0] ?? "")) return v.slice(1, -1);
  return v;
}
