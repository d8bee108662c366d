import { onCron } from "../../background";
import { dataDatabase } from "../../db/shards";

/**
 * The one recorder of flow metrics (requests, bandwidth, executions, realtime connections) — Appwrite's metric
 * names. Recording costs a few Map updates and, when the `USAGE_EVENTS` Analytics Engine binding exists, one
 * non-blocking `writeDataPoint`: no D1 write and no await on the request path. Deltas are summed per isolate and
 * flushed to the project's `usage_stats` (its data database) at most every USAGE_FLUSH_MS (default 60 s) per
 * isolate, as one batch of upserts per database, from `waitUntil` or the cron. What an isolate has not flushed
 * when it is evicted is lost from D1 (Analytics Engine still has it): D1 figures are a floor, never a double count.
 */
export const METRIC = {
  requests: "network.requests",
  inbound: "network.inbound",
  outbound: "network.outbound",
  executions: "executions",
  executionsCompute: "executions.compute",
  executionsMbSeconds: "executions.mbSeconds",
  realtimeConnections: "realtime.connections",
} as const;

/** Appwrite's per-function metrics (`{resourceType}.{resourceInternalId}.executions…`). */
export const functionMetric = (fnSeq: number, metric: string): string => `functions.${fnSeq}.${metric}`;

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Hourly rows are kept two days (the 24h range reads 24 of them); daily and all-time rows stay. */
const HOURLY_RETENTION = 2 * DAY;

/** `project \0 metric \0 hourStart` → delta since the last flush. */
const pending = new Map<string, number>();
let lastFlush = Date.now();
let flushing: Promise<void> | null = null;

function add(projectId: string, metric: string, value: number, at: number): void {
  if (!value) return;
  const key = `${projectId}\0${metric}\0${at - (at % HOUR)}`;
  pending.set(key, (pending.get(key) ?? 0) + value);
}

/** One API request of a project (not the console's): its count and its body sizes. */
export function recordRequest(env: Env, projectId: string, inbound: number, outbound: number): void {
  const at = Date.now();
  add(projectId, METRIC.requests, 1, at);
  add(projectId, METRIC.inbound, inbound, at);
  add(projectId, METRIC.outbound, outbound, at);
  env.USAGE_EVENTS?.writeDataPoint({ indexes: [projectId], blobs: ["request"], doubles: [1, inbound, outbound] });
}

/** A finished function execution: `durationSeconds` as the execution model's `duration`, `memoryMb` its spec's. */
export function recordExecution(env: Env, projectId: string, fnSeq: number, durationSeconds: number, memoryMb: number): void {
  const at = Date.now();
  const ms = Math.round(durationSeconds * 1000);
  const mbSeconds = Math.round(durationSeconds * memoryMb);
  for (const [metric, value] of [[METRIC.executions, 1], [METRIC.executionsCompute, ms], [METRIC.executionsMbSeconds, mbSeconds]] as const) {
    add(projectId, metric, value, at);
    add(projectId, functionMetric(fnSeq, metric), value, at);
  }
  env.USAGE_EVENTS?.writeDataPoint({ indexes: [projectId], blobs: ["execution", String(fnSeq)], doubles: [1, ms, mbSeconds] });
}

/** A realtime connection accepted for a project. */
export function recordRealtimeConnection(env: Env, projectId: string): void {
  add(projectId, METRIC.realtimeConnections, 1, Date.now());
  env.USAGE_EVENTS?.writeDataPoint({ indexes: [projectId], blobs: ["realtime.connection"], doubles: [1] });
}

const flushInterval = (env: Env): number => {
  const ms = Number(env.USAGE_FLUSH_MS);
  return Number.isFinite(ms) && ms >= 0 ? ms : 60_000;
};

/** Called after a request: schedules a flush when this isolate's interval has passed (never awaited). */
export function maybeFlush(env: Env, ctx: Pick<ExecutionContext, "waitUntil">): void {
  if (pending.size && !flushing && Date.now() - lastFlush >= flushInterval(env)) ctx.waitUntil(flushUsage(env));
}

/** Writes this isolate's deltas, one batch per project; a project whose write fails gets its deltas back. */
export function flushUsage(env: Env): Promise<void> {
  if (flushing || !pending.size) return flushing ?? Promise.resolve();
  const byProject = new Map<string, Map<string, number>>();
  for (const [key, value] of pending) {
    const projectId = key.slice(0, key.indexOf("\0"));
    (byProject.get(projectId) ?? byProject.set(projectId, new Map()).get(projectId)!).set(key, value);
  }
  pending.clear();
  lastFlush = Date.now();
  flushing = Promise.all(
    [...byProject].map(([projectId, deltas]) =>
      write(env, projectId, deltas).catch((err) => {
        for (const [k, v] of deltas) pending.set(k, (pending.get(k) ?? 0) + v);
        console.error("usage flush failed", projectId, err);
      }),
    ),
  )
    .then(() => undefined)
    .finally(() => {
      flushing = null;
    });
  return flushing;
}

const UPSERT = "INSERT INTO usage_stats (project_id, metric, period, time, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = value + excluded.value";
const PRUNE = "DELETE FROM usage_stats WHERE project_id = ? AND period = '1h' AND time < ?";

async function write(env: Env, projectId: string, deltas: Map<string, number>): Promise<void> {
  // Each (metric, period, bucket) once: an hour's delta is also added to its day and to all time.
  const slots = new Map<string, number>();
  for (const [key, value] of deltas) {
    const [, metric, hour] = key.split("\0") as [string, string, string];
    const at = Number(hour);
    for (const slot of [`${metric}\x001h\x00${at}`, `${metric}\x001d\x00${at - (at % DAY)}`, `${metric}\0inf\x000`]) {
      slots.set(slot, (slots.get(slot) ?? 0) + value);
    }
  }
  const d1 = await dataDatabase(env, projectId);
  const statements = [...slots].map(([slot, value]) => {
    const [metric, period, time] = slot.split("\0") as [string, string, string];
    return d1.prepare(UPSERT).bind(projectId, metric, period, Number(time), value);
  });
  statements.push(d1.prepare(PRUNE).bind(projectId, Date.now() - HOURLY_RETENTION));
  await d1.batch(statements);
}

// An isolate the cron wakes flushes what it holds, whatever its interval (queue consumers record executions too).
onCron((env) => flushUsage(env));
