import { DurableObject } from "cloudflare:workers";
import { sweepHandoffs } from "../src/events/consumers";
import { CrashFault, dispatchPass, readCursors, sweeperStub, testHooksEnabled } from "../src/events/dispatcher";
import { dataDatabase } from "../src/db/shards";
import { setOccupancyReader } from "../src/services/realtime/occupancy";

/**
 * One object per project (`project:<id>`) serialises that project's event dispatch (src/events/dispatcher.ts).
 * `kick()` marks work pending and returns when a loop that started after the mark has drained the
 * project's outbox, so a request's waitUntil covers its own event; concurrent kicks coalesce into one loop.
 * Projects never share a loop, a retry backoff or a watchdog, so one project's failing consumer never
 * delays another project's events.
 *
 * The object's alarm is its own recovery: armed WATCHDOG_MS ahead whenever a loop starts, moved earlier
 * for a retry. Alarms outlive the process, so after a kill the object resumes its outbox by itself — under
 * `wrangler dev` too, where no cron fires. The object remembers its project for that.
 *
 * One more object of the class, `events` (sweeperStub), owns the hand-off sweep (webhook deliveries and
 * event executions with no outcome are deployment-wide rows): project loops that handed something on
 * ask it to watch; its alarm stays armed while any hand-off has no outcome.
 */
const MAX_PASSES_PER_LOOP = 50;
const WATCHDOG_MS = 60_000;

export class EventDispatcher extends DurableObject<Env> {
  private running: Promise<void> | null = null;
  private dirty = false;
  private retries = 0;
  private projectId: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Realtime shard occupancy (src/services/realtime/occupancy.ts): which of this project's shards hold sockets.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS realtime_occupancy (project_id TEXT NOT NULL, shard INTEGER NOT NULL, occupied INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (project_id, shard))");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS dispatcher_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    const row = ctx.storage.sql.exec<{ v: string }>("SELECT v FROM dispatcher_meta WHERE k = 'project'").toArray()[0];
    if (row) this.bind(row.v);
  }

  /** Learn (and persist) which project this object dispatches; its alarm needs it after a restart. */
  private bind(projectId: string): void {
    if (this.projectId === projectId) return;
    if (this.projectId !== null) throw new Error(`dispatcher of ${this.projectId} asked to dispatch ${projectId}`);
    this.projectId = projectId;
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO dispatcher_meta (k, v) VALUES ('project', ?)", projectId);
    setOccupancyReader(projectId, () =>
      this.ctx.storage.sql
        .exec<{ shard: number; occupied: number }>("SELECT shard, occupied FROM realtime_occupancy WHERE project_id = ?", projectId)
        .toArray()
        .map((r) => ({ shard: r.shard, occupied: r.occupied === 1 })),
    );
  }

  /** A realtime shard went from empty to occupied or back; `seq` orders one shard's reports. */
  async setOccupancy(projectId: string, shard: number, occupied: boolean, seq: number): Promise<void> {
    this.bind(projectId);
    this.ctx.storage.sql.exec(
      `INSERT INTO realtime_occupancy (project_id, shard, occupied, seq) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (project_id, shard) DO UPDATE SET occupied = ?3, seq = ?4 WHERE seq < ?4`,
      projectId, shard, occupied ? 1 : 0, seq,
    );
  }

  async occupancy(projectId: string): Promise<number[]> {
    return this.ctx.storage.sql.exec<{ shard: number }>("SELECT shard FROM realtime_occupancy WHERE project_id = ? AND occupied = 1 ORDER BY shard", projectId).toArray().map((r) => r.shard);
  }

  async kick(projectId: string): Promise<void> {
    this.bind(projectId);
    this.dirty = true;
    if (!this.running) this.running = this.loop(projectId).finally(() => (this.running = null));
    return this.running;
  }

  private async loop(projectId: string): Promise<void> {
    await this.arm(Date.now() + WATCHDOG_MS);
    let handedOff = false;
    try {
      while (this.dirty) {
        this.dirty = false;
        for (let i = 0; i < MAX_PASSES_PER_LOOP; i++) {
          let r;
          try {
            r = await dispatchPass(this.env, projectId, () => this.takeFault());
          } catch (e) {
            // A simulated crash schedules no retry: only the watchdog alarm or the cron recovers, as after a real crash.
            if (!(e instanceof CrashFault)) await this.retryLater();
            throw e;
          }
          handedOff ||= r.handedOff;
          if (r.failed.length) return await this.retryLater();
          this.retries = 0;
          if (!r.more) break;
          if (i === MAX_PASSES_PER_LOOP - 1) this.dirty = true;
        }
      }
    } finally {
      // Whatever was handed on may lose its message: the sweeper re-sends it from its D1 record.
      if (handedOff) await sweeperStub(this.env).watch().catch((e) => console.error("hand-off sweeper unreachable", String((e as Error)?.message ?? e)));
    }
  }

  /** Back off and retry (1 s, 2 s, 4 s … 5 min); the cron sweep is the second net. */
  private async retryLater(): Promise<void> {
    this.retries++;
    await this.arm(Date.now() + Math.min(2 ** (this.retries - 1), 300) * 1000);
  }

  /** Make sure the alarm fires no later than `at`. */
  private async arm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** (The sweeper object.) Make sure a hand-off sweep runs within WATCHDOG_MS. */
  async watch(): Promise<void> {
    await this.arm(Date.now() + WATCHDOG_MS);
  }

  override async alarm(): Promise<void> {
    if (this.projectId === null) return this.sweep(); // the sweeper (or an object that never dispatched)
    await this.kick(this.projectId).catch((e) => console.error("event dispatch retry failed", String((e as Error)?.message ?? e)));
    if (!this.running && !this.retries) await this.ctx.storage.deleteAlarm(); // else their alarm stands
  }

  /** Re-send hand-offs with no outcome; stay armed until none is pending. */
  private async sweep(): Promise<void> {
    const { next } = await sweepHandoffs(this.env).catch((e) => {
      console.error("hand-off sweep failed", String((e as Error)?.message ?? e));
      return { next: Date.now() + WATCHDOG_MS };
    });
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 1000));
  }

  // ---- test hooks (EDGEWRITE_TEST_HOOKS=1 only) -------------------------------------------------

  private async takeFault(): Promise<boolean> {
    if (!testHooksEnabled(this.env)) return false;
    const n = (await this.ctx.storage.get<number>("faults")) ?? 0;
    if (n <= 0) return false;
    await this.ctx.storage.put("faults", n - 1);
    return true;
  }

  /** Make the project's next `n` passes crash after reading the outbox (no retry is scheduled, as in a real crash). */
  async armFaults(projectId: string, n: number): Promise<void> {
    if (!testHooksEnabled(this.env)) throw new Error("test hooks are disabled");
    this.bind(projectId);
    await this.ctx.storage.put("faults", n);
  }

  /** `empty`: shards that reported they hold no socket (the realtime consumer skips them). */
  async status(projectId: string): Promise<{ faultsPending: number; cursors: Record<string, number>; empty: number[] }> {
    const cursors = await readCursors(await dataDatabase(this.env, projectId), projectId);
    const empty = this.ctx.storage.sql.exec<{ shard: number }>("SELECT shard FROM realtime_occupancy WHERE project_id = ? AND occupied = 0 ORDER BY shard", projectId).toArray().map((r) => r.shard);
    return { faultsPending: (await this.ctx.storage.get<number>("faults")) ?? 0, cursors: Object.fromEntries([...cursors].map(([name, c]) => [name, c.seq])), empty };
  }
}
