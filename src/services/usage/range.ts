import { lookup } from "../../core/input";

/** One point of a usage series (Appwrite's `Metric` model). */
export interface Metric {
  value: number;
  date: string;
}

export interface Window {
  period: "1h" | "1d";
  /** Bucket starts (epoch ms, UTC), oldest first; the last holds now. */
  buckets: number[];
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const STEP = lookup({ "1h": HOUR, "1d": DAY });

/** Appwrite's `usage` config: the `range` param of every service usage route. */
export const RANGES = ["24h", "30d", "90d"] as const;
export type Range = (typeof RANGES)[number];
const RANGE = lookup<{ period: "1h" | "1d"; limit: number }>({ "24h": { period: "1h", limit: 24 }, "30d": { period: "1d", limit: 30 }, "90d": { period: "1d", limit: 90 } });

/** Appwrite's series: `limit` buckets of `period` ending with the current one. */
export function windowOf(period: "1h" | "1d", limit: number, now = Date.now()): Window {
  const step = STEP[period]!;
  const last = now - (now % step);
  return { period, buckets: Array.from({ length: limit }, (_, i) => last - (limit - 1 - i) * step) };
}

export const rangeWindow = (range: Range, now = Date.now()): Window => {
  const r = RANGE[range]!;
  return windowOf(r.period, r.limit, now);
};

/** Appwrite's bucket label: `2026-12-02T09:00:00.000+00:00` (hours) or `2026-12-02T00:00:00.000+00:00` (days). */
const label = (ms: number): string => new Date(ms).toISOString().replace("Z", "+00:00");

/** The window's points, 0 where nothing was recorded. */
export function series(w: Window, values: ReadonlyMap<number, number> | undefined): Metric[] {
  return w.buckets.map((b) => ({ value: values?.get(b) ?? 0, date: label(b) }));
}

/** Bucket start of an epoch-ms column, as SQL (for stock series counted from `created_at`). */
export const bucketSql = (w: Window, column: string): string => `(${column} - (${column} % ${STEP[w.period]}))`;
