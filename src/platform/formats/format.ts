import type { RawParams } from "../../core/params";
import type { Ctx } from "../context";

/** A response model as a route returns it (`document`, `user`, …), before JSON encoding. */
export type Model = Record<string, unknown>;

/**
 * One of Appwrite's response formats, as the difference to the next newer one (Appwrite's
 * `Request/Filters/V*` and `Response/Filters/V*`). Clients that announce an older version get it.
 */
export interface Format {
  /** Applies to `X-Appwrite-Response-Format` versions lower than this. */
  before: string;
  /** This format's params → the next one's, by the route's SDK method (`databases.listDocuments`). */
  request?: Readonly<Record<string, ((params: RawParams, c: Ctx) => void | Promise<void>) | undefined>>;
  /** The next format's model → this one's, by model name; changes the copy it is given. */
  response?: Readonly<Record<string, ((model: Model) => void) | undefined>>;
}

/** Move a field that is set (not null) to a new name. */
export function rename(m: Model, from: string, to: string): void {
  if (m[from] === undefined || m[from] === null) return;
  m[to] = m[from];
  delete m[from];
}

export function drop(m: Model, ...keys: string[]): void {
  for (const k of keys) delete m[k];
}
