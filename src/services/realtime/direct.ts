import { formatDate } from "../../core/time";
import { dispatcherStub } from "../../events/dispatcher";
import { setDirectPath } from "../../events/outbox";
import { shardCount, shardName, type RealtimeEvent } from "./protocol";

/**
 * Realtime in one hop. The outbox insert returns its row's realtime frame (outbox.ts REALTIME_RETURNING);
 * the project's data database handed to requests (`withDirectRealtime`) keeps what committed batches
 * returned, and `scheduleDispatch` — which every mutation calls after its batch — sends those frames
 * straight to the project's occupied shards, in the request's waitUntil. The outbox's realtime consumer
 * delivers the same events later; shards keep which seqs they delivered and drop the second copy
 * (durable-objects/realtime.ts). The outbox remains the guarantee: whatever this path loses (a failed
 * send, a shard the occupancy cache did not know yet, a batch run outside `withDirectRealtime`) arrives
 * that way.
 *
 * Authorization is the shard's, per socket, as for the outbox path. What the direct path cannot do is
 * refresh roles: an event written while a role-changing event of its project awaits its refresh comes
 * back `rt_fenced` and is left to the outbox, which applies the refresh first (migrations/0019).
 */
interface Committed {
  at: number;
  projectId: string;
  /** Parsed into a frame only when the project has occupied shards (most writes have no subscriber). */
  row: Row;
}

/** Frames of committed batches not sent yet (whichever request calls scheduleDispatch next sends them). */
const committed: Committed[] = [];
/** Older frames are left to the outbox (a batch whose code never called scheduleDispatch). */
const MAX_AGE_MS = 2_000;
const MAX_PENDING = 2_000;

interface Row {
  rt_seq: number;
  rt_project: string;
  rt_events: string;
  rt_channels: string;
  rt_roles: string;
  rt_payload: string;
  rt_at: number;
  rt_fenced: number;
}

function collect(results: readonly D1Result[]): void {
  for (const r of results) {
    const rows = r?.results as Row[] | undefined;
    if (!rows?.length || !(rows[0] && "rt_seq" in rows[0])) continue;
    for (const row of rows) {
      if (row.rt_fenced || row.rt_project === "console" || row.rt_channels === "[]") continue; // the console project has no realtime here
      if (committed.length < MAX_PENDING) committed.push({ at: Date.now(), projectId: row.rt_project, row });
    }
  }
}

function frameOf(row: Row): RealtimeEvent | null {
  try {
    const channels = JSON.parse(row.rt_channels) as string[];
    if (!channels.length) return null;
    return {
      seq: row.rt_seq,
      events: JSON.parse(row.rt_events) as string[],
      channels,
      roles: JSON.parse(row.rt_roles) as string[],
      timestamp: formatDate(row.rt_at),
      payload: JSON.parse(row.rt_payload) as Record<string, unknown>,
    };
  } catch (e) {
    console.error("realtime direct path: unreadable outbox row (the outbox delivers it)", row.rt_seq, String(e));
    return null;
  }
}

/** The data database as requests see it: batches that commit outbox rows leave their frames for `flush`. */
export function withDirectRealtime(d1: D1Database): D1Database {
  const batch = async <T>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> => {
    const results = await d1.batch<T>(statements);
    collect(results);
    return results;
  };
  return new Proxy(d1, {
    get(target, key) {
      if (key === "batch") return batch;
      const v = (target as unknown as Record<PropertyKey, unknown>)[key];
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

// ---- which shards hold sockets ----------------------------------------------------------------

/**
 * Occupied shards per project, cached in the isolate (the dispatcher object keeps the record,
 * occupancy.ts). A stale answer only means an event takes the outbox path; the upgrade route adds
 * the shard it just connected a socket to (`noteOccupied`), so this isolate knows it at once.
 */
const OCCUPANCY_TTL_MS = 1_000;
const MAX_PROJECTS = 10_000;
const occupancy = new Map<string, { shards: Set<number>; at: number; loading: Promise<void> | null }>();

function load(env: Env, projectId: string) {
  let entry = occupancy.get(projectId);
  if (!entry) {
    if (occupancy.size >= MAX_PROJECTS) occupancy.clear();
    occupancy.set(projectId, (entry = { shards: new Set(), at: 0, loading: null }));
  }
  const e = entry;
  e.loading ??= dispatcherStub(env, projectId)
    .occupancy(projectId)
    .then((list) => {
      e.shards = new Set(list);
      e.at = Date.now();
    })
    .finally(() => (e.loading = null));
  return e;
}

async function occupiedShards(env: Env, projectId: string): Promise<{ shards: number[]; refreshing: Promise<void> | null }> {
  let e = occupancy.get(projectId);
  if (!e || e.at === 0) {
    e = load(env, projectId);
    await e.loading;
  }
  // Stale: use what is known and refresh alongside.
  const refreshing = Date.now() - e.at > OCCUPANCY_TTL_MS ? load(env, projectId).loading : null;
  const n = shardCount(env);
  return { shards: [...e.shards].filter((i) => i < n), refreshing };
}

export function noteOccupied(projectId: string, shard: number): void {
  occupancy.get(projectId)?.shards.add(shard);
}

// ---- sending ----------------------------------------------------------------------------------

async function send(env: Env, projectId: string, rows: Row[]): Promise<void> {
  const { shards, refreshing } = await occupiedShards(env, projectId);
  const events = shards.length ? rows.map(frameOf).filter((e): e is RealtimeEvent => e !== null) : [];
  if (!events.length) return void (await refreshing);
  await Promise.all([
    refreshing,
    ...shards.map((i) => env.REALTIME.get(env.REALTIME.idFromName(shardName(projectId, i))).publish(events, "direct", { projectId, shard: i })),
  ]);
}

function flush(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): void {
  if (!committed.length) return;
  const now = Date.now();
  const byProject = new Map<string, Row[]>();
  for (const c of committed.splice(0)) {
    if (now - c.at > MAX_AGE_MS) continue;
    let list = byProject.get(c.projectId);
    if (!list) byProject.set(c.projectId, (list = []));
    list.push(c.row);
  }
  for (const [projectId, events] of byProject) {
    ctx.waitUntil(send(env, projectId, events).catch((e) => console.error("realtime direct send failed (the outbox delivers)", String((e as Error)?.message ?? e))));
  }
}

setDirectPath(flush);
