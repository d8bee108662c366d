import { onCron } from "../../background";
import { writableDataDatabase } from "../../db/shards";
import { sql } from "drizzle-orm";
import { onProjectDelete } from "../../platform/projects";

/**
 * The one recorder of flow metrics (requests, bandwidth, executions, realtime connections) — Appwrite's metric
 * names. Recording costs a Map lookup and a few additions and, when the `USAGE_EVENTS` Analytics Engine binding
 * exists, one non-blocking `writeDataPoint`: no D1 write and no await on the request path. Deltas are summed per
 * isolate and flushed to the project's `usage_stats` (its data database) at most every USAGE_FLUSH_MS (default
 * 60 s) per isolate, as one batch of upserts per project, from `waitUntil` or the cron. What an isolate has not
 * flushed when it is evicted is lost from D1 (Analytics Engine still has it): D1 figures are a floor, never a
 * double count.
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

/** One project's deltas in one hour: the per-request three as fields (no key to build), the rest by name. */
class Tally {
  requests = 0;
  inbound = 0;
  outbound = 0;
  readonly other = new Map<string, number>();
}

/** hour start → project → deltas since the last flush; the current hour's map is kept at hand. */
const pending = new Map<number, Map<string, Tally>>();
let hourStart = -1;
let hourTallies = new Map<string, Tally>();
let lastFlush = Date.now();
let flushing: Promise<void> | null = null;

/** Appwrite's switch: `_APP_USAGE_STATS=disabled` records nothing (the usage routes then show stock figures only). */
const enabled = (env: Env): boolean => env._APP_USAGE_STATS !== "disabled";

function tally(projectId: string, at: number): Tally {
  const hour = at - (at % HOUR);
  if (hour !== hourStart) {
    hourStart = hour;
    hourTallies = pending.get(hour) ?? pending.set(hour, new Map()).get(hour)!;
  }
  let t = hourTallies.get(projectId);
  if (!t) hourTallies.set(projectId, (t = new Tally()));
  return t;
}

function add(t: Tally, metric: string, value: number): void {
  if (value) t.other.set(metric, (t.other.get(metric) ?? 0) + value);
}

/** One API request of a project (not the console's): its count and its body sizes. */
export function recordRequest(env: Env, projectId: string, inbound: number, outbound: number): void {
  if (!enabled(env)) return;
  const t = tally(projectId, Date.now());
  t.requests++;
  t.inbound += inbound;
  t.outbound += outbound;
  env.USAGE_EVENTS?.writeDataPoint({ indexes: [projectId], blobs: ["request"], doubles: [1, inbound, outbound] });
}

/** A finished execution: `durationSeconds` as the model's `duration`; `mbCpus` = its spec's memory × CPUs (Appwrite's MB-seconds). */
export function recordExecution(env: Env, projectId: string, fnSeq: number, durationSeconds: number, mbCpus: number): void {
  if (!enabled(env)) return;
  const t = tally(projectId, Date.now());
  const ms = Math.floor(durationSeconds * 1000); // Appwrite's (int) casts
  const mbSeconds = Math.floor(durationSeconds * mbCpus);
  for (const [metric, value] of [[METRIC.executions, 1], [METRIC.executionsCompute, ms], [METRIC.executionsMbSeconds, mbSeconds]] as const) {
    add(t, metric, value);
    add(t, functionMetric(fnSeq, metric), value);
  }
  env.USAGE_EVENTS?.writeDataPoint({ indexes: [projectId], blobs: ["execution", String(fnSeq)], doubles: [1, ms, mbSeconds] });
}

/** A realtime connection accepted for a project. */
export function recordRealtimeConnection(env: Env, projectId: string): void {
  if (!enabled(env)) return;
  add(tally(projectId, Date.now()), METRIC.realtimeConnections, 1);
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
  const byProject = new Map<string, [hour: number, t: Tally][]>();
  for (const [hour, tallies] of pending) {
    for (const [projectId, t] of tallies) (byProject.get(projectId) ?? byProject.set(projectId, []).get(projectId)!).push([hour, t]);
  }
  pending.clear();
  hourStart = -1;
  lastFlush = Date.now();
  flushing = Promise.all(
    [...byProject].map(([projectId, hours]) =>
      write(env, projectId, hours).catch((err) => {
        for (const [hour, t] of hours) merge(tally(projectId, hour), t);
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

function merge(into: Tally, from: Tally): void {
  into.requests += from.requests;
  into.inbound += from.inbound;
  into.outbound += from.outbound;
  for (const [metric, value] of from.other) add(into, metric, value);
}

const entries = (t: Tally): [string, number][] =>
  [[METRIC.requests, t.requests], [METRIC.inbound, t.inbound], [METRIC.outbound, t.outbound], ...t.other].filter(([, v]) => v !== 0) as [string, number][];

const UPSERT = "INSERT INTO usage_stats (project_id, metric, period, time, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = value + excluded.value";
const PRUNE = "DELETE FROM usage_stats WHERE project_id = ? AND period = '1h' AND time < ?";

async function write(env: Env, projectId: string, hours: [number, Tally][]): Promise<void> {
  // Each (metric, period, bucket) once: an hour's delta is also added to its day and to all time.
  const slots = new Map<string, number>();
  for (const [hour, t] of hours) {
    for (const [metric, value] of entries(t)) {
      for (const slot of [`${metric}\x001h\x00${hour}`, `${metric}\x001d\x00${hour - (hour % DAY)}`, `${metric}\0inf\x000`]) {
        slots.set(slot, (slots.get(slot) ?? 0) + value);
      }
    }
  }
  // A moving project's deltas wait in memory (a failed write gets them back) until the move ends.
  const d1 = await writableDataDatabase(env, projectId);
  const statements = [...slots].map(([slot, value]) => {
    const [metric, period, time] = slot.split("\0") as [string, string, string];
    return d1.prepare(UPSERT).bind(projectId, metric, period, Number(time), value);
  });
  statements.push(d1.prepare(PRUNE).bind(projectId, Date.now() - HOURLY_RETENTION));
  await d1.batch(statements);
}

// An isolate the cron wakes flushes what it holds, whatever its interval (queue consumers record executions too).
onCron((env) => flushUsage(env));

/** A deleted project's figures go with it (and with its unflushed tallies): a project later made with the same id starts at zero. */
onProjectDelete(async (_env, db, projectId) => {
  for (const tallies of pending.values()) tallies.delete(projectId);
  await db.run(sql`DELETE FROM usage_stats WHERE project_id = ${projectId}`);
});
