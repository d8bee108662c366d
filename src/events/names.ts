/**
 * Appwrite event names. A pattern such as `databases.[databaseId].tables.[tableId].rows.[rowId].create`
 * expands (Appwrite's Event::generateEvents) into the concrete name, every wildcard combination, the
 * action-less and parent forms, and — for databases — the collections/documents and `tablesdb.` mirrors.
 */
export type EventParams = Record<string, string>;

function parse(pattern: string) {
  const parts = pattern.split(".");
  const isParam = (s: string | undefined) => !!s && s.startsWith("[");
  const levels: string[][] = [[parts[0]!, parts[1]!]];
  let i = 2;
  while (i + 1 < parts.length && isParam(parts[i + 1])) {
    levels.push([parts[i]!, parts[i + 1]!]);
    i += 2;
  }
  const action = parts[i];
  const attribute = parts[i + 1];
  return { levels, action, attribute };
}

function combos(pattern: string, params: EventParams): string[] {
  const keys = Object.keys(params).filter((k) => pattern.includes(`[${k}]`));
  const out: string[] = [];
  for (let mask = 0; mask < 1 << keys.length; mask++) {
    let s = pattern;
    keys.forEach((k, bit) => (s = s.replace(`[${k}]`, mask & (1 << bit) ? "*" : params[k]!)));
    out.push(s);
  }
  return out;
}

function expand(pattern: string, params: EventParams): string[] {
  const { levels, action, attribute } = parse(pattern);
  const path = (n: number) => levels.slice(0, n).flat().join(".");
  const patterns: string[] = [];
  const full = path(levels.length);
  if (action) {
    patterns.push(`${full}.${action}`);
    if (attribute) patterns.push(`${full}.${action}.${attribute}`);
  }
  for (let n = levels.length; n >= 1; n--) patterns.push(path(n));
  const events = new Set<string>();
  for (const p of patterns) for (const e of combos(p, params)) events.add(e);
  return [...events];
}

const TABLES: [string, string][] = [["tables", "collections"], ["rows", "documents"], ["columns", "attributes"]];

/**
 * The names of a pattern are built once per pattern and set of parameter names, with markers where the values
 * go (ids never hold NUL), then filled in per event: every write records its event names, and expanding them
 * afresh each time was a tenth of a millisecond per row.
 */
const templates = new Map<string, string[][]>();
const MARK = "\u0000";

/** Every event name a mutation publishes; the first is the concrete event. */
export function generateEvents(pattern: string, params: EventParams): string[] {
  const keys = Object.keys(params);
  const memo = `${pattern}\u0001${keys.join("\u0001")}`;
  let parts = templates.get(memo);
  if (!parts) {
    const marked: EventParams = Object.create(null);
    keys.forEach((k, i) => (marked[k] = `${MARK}${i}${MARK}`));
    parts = expandAll(pattern, marked).map((name) => name.split(MARK));
    if (templates.size > 1000) templates.clear();
    templates.set(memo, parts);
  }
  const values = keys.map((k) => params[k]!);
  // Odd pieces are parameter indexes; two names may coincide once filled in, as they would have unfilled.
  return [...new Set(parts.map((pieces) => pieces.map((x, i) => (i % 2 ? values[Number(x)]! : x)).join("")))];
}

function expandAll(pattern: string, params: EventParams): string[] {
  if (!pattern.startsWith("databases.")) return expand(pattern, params);
  const toLegacy = TABLES.reduce((p, [t, c]) => p.replace(`.${t}.`, `.${c}.`).replace(new RegExp(`\\.${t}$`), `.${c}`), pattern);
  const out = new Set<string>([
    ...expand(pattern, params),
    ...expand(toLegacy, params),
    ...expand(pattern.replace(/^databases\./, "tablesdb."), params),
  ]);
  return [...out];
}

/** The concrete event (no wildcards): `databases.db1.tables.t1.rows.r1.create`. */
export function concreteEvent(pattern: string, params: EventParams): string {
  return pattern.replace(/\[(\w+)\]/g, (_, k: string) => params[k] ?? "*");
}

/** Does a subscription pattern (webhook/function `events`, with `*` wildcards) match one of the event names? */
export function eventMatches(subscribed: readonly string[], events: readonly string[]): boolean {
  const set = new Set(events);
  return subscribed.some((s) => set.has(s));
}
