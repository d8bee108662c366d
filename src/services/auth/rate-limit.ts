/**
 * Abuse limits (Appwrite's `abuse-limit` / `abuse-key` labels): fixed windows counted in D1. Callers with
 * an API key or admin key are exempt, as in Appwrite. Over the limit → 429 general_rate_limit_exceeded;
 * X-RateLimit-Limit / -Remaining / -Reset are set on the response either way.
 * The client part of a key comes from `clientKey(c)` (src/platform/client.ts), never from a header here;
 * routes that guess at one account's secret also count against the account alone, so rotating client
 * addresses buys no extra guesses.
 * `_APP_OPTIONS_ABUSE=disabled` (a wrangler var, as Appwrite's env var) turns every abuse limit off, REST and
 * realtime alike: for local development only.
 */
import { AppwriteError } from "../../core/errors";
import type { Ctx } from "../../platform/context";

export interface Limit {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in seconds (Appwrite's default abuse-time is 3600). */
  seconds?: number;
  /** One or more abuse keys (each counted separately), e.g. `email:bob@x.io`, `ip:1.2.3.4`, `function:p1/f1`. */
  keys: string[];
}

/** False only when the deployment sets `_APP_OPTIONS_ABUSE=disabled`. */
export function abuseEnabled(env: Env): boolean {
  return String(env._APP_OPTIONS_ABUSE ?? "enabled") !== "disabled";
}

/** Count this request against each key; throws 429 if any is exhausted. */
export async function rateLimit(c: Ctx, route: string, l: Limit): Promise<void> {
  if (c.var.caller.privileged || !abuseEnabled(c.env)) return;
  const seconds = l.seconds ?? 3600;
  const now = Date.now();
  const windowStart = Math.floor(now / (seconds * 1000)) * seconds * 1000;
  const expire = windowStart + seconds * 1000;
  const d1 = c.var.d1;
  const stmts = l.keys.map((k) =>
    d1
      .prepare("INSERT INTO rate_limits (key, count, expire) VALUES (?1, 1, ?2) ON CONFLICT(key) DO UPDATE SET count = count + 1 RETURNING count")
      .bind(`${c.var.project.id}|${route}|${k}|${windowStart}`, expire),
  );
  // Sweep expired windows now and then, in the same round trip.
  if (Math.random() < 0.02) stmts.push(d1.prepare("DELETE FROM rate_limits WHERE expire < ?1").bind(now));
  const results = await d1.batch<{ count: number }>(stmts);
  const max = Math.max(...results.slice(0, l.keys.length).map((r) => Number(r.results?.[0]?.count ?? 0)));
  c.header("X-RateLimit-Limit", String(l.limit));
  c.header("X-RateLimit-Remaining", String(Math.max(0, l.limit - max)));
  c.header("X-RateLimit-Reset", String(Math.floor(expire / 1000)));
  if (max > l.limit) throw new AppwriteError("general_rate_limit_exceeded");
}
