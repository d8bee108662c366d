import type { Context } from "hono";

/** JSON response; bigint values (bigint columns) are written as bare integers like json-bigint expects. */
export function json(c: Context, body: unknown, status: 200 | 201 | 202 | 206 = 200): Response {
  // Clients on an older response format get models in their shape (src/platform/formats).
  const formats = c.get("formats" as never) as { body(b: unknown): unknown } | undefined;
  const text = stringify(formats ? formats.body(body) : body);
  c.set("responseBytes" as never, text.length as never); // outbound bytes for usage (src/services/usage/meter.ts)
  return c.body(text, status, { "content-type": "application/json" });
}

/**
 * Plain JSON.stringify first (a replacer runs for every value, several times slower on lists); only a body holding
 * a bigint — which plain stringify refuses — takes the bare-integer path.
 */
function stringify(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? `__big__${v}` : v)).replace(/"__big__(-?\d+)"/g, "$1");
  }
}

/** Appwrite answers every delete with 204 and no body. */
export function noContent(c: Context): Response {
  return c.body(null, 204);
}

/** `{total, <plural>: [...]}`, Appwrite's list envelope. */
export function list<K extends string, T>(key: K, items: T[], total: number): { total: number } & Record<K, T[]> {
  return { total, [key]: items } as { total: number } & Record<K, T[]>;
}
