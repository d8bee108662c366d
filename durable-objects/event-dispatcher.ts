import { DurableObject } from "cloudflare:workers";
import { sweepHandoffs } from "../src/events/consumers";
import { CrashFault, dispatchPass, testHooksEnabled } from "../src/events/dispatcher";
import { setOccupancyReader } from "../src/services/realtime/occupancy";

/**
 * Serialises event dispatch for the deployment (see src/events/dispatcher.ts). `kick()` marks work
 * pending and returns when a loop that started after the mark has drained the outbox, so a request's
 * waitUntil covers its own event; concurrent kicks coalesce into one loop.
 *
 * The object's alarm is its own recovery: armed WATCHDOG_MS ahead whenever a loop starts, moved earlier
 * for a retry, and kept while any hand-off (webhook delivery) has no outcome. Alarms outlive the process,
 * so after a kill the object resumes the outbox and re-sends lost deliveries by itself — under
 * `wrangler dev` too, where no cron fires and queued messages live in memory.
 */
const MAX_PASSES_PER_LOOP = 50;
const WATCHDOG_MS = 60_000;

export class EventDispatcher extends DurableObject<Env> {
  private running: Promise<void> | null = null;
  private dirty = false;
  private retries = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Realtime shard occupancy (src/services/realtime/occupancy.ts): which shards of a project hold sockets.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS realtime_occupancy (project_id TEXT NOT NULL, shard INTEGER NOT NULL, occupied INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (project_id, shard))");
    setOccupancyReader((projectId) =>
      ctx.storage.sql.exec<{ shard: number }>("SELECT shard FROM realtime_occupancy WHERE project_id = ? AND occupied = 1", projectId).toArray().map((r) => r.shard),
    );
  }

  /** A realtime shard went from empty to occupied or back; `seq` orders one shard's reports. */
  async setOccupancy(projectId: string, shard: number, occupied: boolean, seq: number): Promise<void> {
    this.ctx.storage.sql.exec(
      `INSERT INTO realtime_occupancy (project_id, shard, occupied, seq) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (project_id, shard) DO UPDATE SET occupied = ?3, seq = ?4 WHERE seq < ?4`,
      projectId, shard, occupied ? 1 : 0, seq,
    );
  }

  async occupancy(projectId: string): Promise<number[]> {
    return this.ctx.storage.sql.exec<{ shard: number }>("SELECT shard FROM realtime_occupancy WHERE project_id = ? AND occupied = 1 ORDER BY shard", projectId).toArray().map((r) => r.shard);
  }

  async kick(): Promise<void> {
    this.dirty = true;
    if (!this.running) this.running = this.loop().finally(() => (this.running = null));
    return this.running;
  }

  private async loop(): Promise<void> {
    await this.arm(Date.now() + WATCHDOG_MS);
    while (this.dirty) {
      this.dirty = false;
      for (let i = 0; i < MAX_PASSES_PER_LOOP; i++) {
        let r;
        try {
          r = await dispatchPass(this.env, () => this.takeFault());
        } catch (e) {
          // A simulated crash schedules no retry: only the watchdog alarm or the cron recovers, as after a real crash.
          if (!(e instanceof CrashFault)) await this.retryLater();
          throw e;
        }
        if (r.failed.length) return this.retryLater();
        this.retries = 0;
        if (!r.more) break;
        if (i === MAX_PASSES_PER_LOOP - 1) this.dirty = true;
      }
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

  override async alarm(): Promise<void> {
    await this.kick().catch((e) => console.error("event dispatch retry failed", String((e as Error)?.message ?? e)));
    const { next } = await sweepHandoffs(this.env).catch((e) => {
      console.error("hand-off sweep failed", String((e as Error)?.message ?? e));
      return { next: Date.now() + WATCHDOG_MS };
    });
    if (this.running || this.retries) return; // their alarm stands
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

  /** Make the next `n` passes crash after reading the outbox (no retry is scheduled, as in a real crash). */
  async armFaults(n: number): Promise<void> {
    if (!testHooksEnabled(this.env)) throw new Error("test hooks are disabled");
    await this.ctx.storage.put("faults", n);
  }

  async status(): Promise<{ faultsPending: number; cursors: Record<string, number> }> {
    const { results } = await this.env.DB.prepare("SELECT consumer, seq FROM event_cursors").all<{ consumer: string; seq: number }>();
    return { faultsPending: (await this.ctx.storage.get<number>("faults")) ?? 0, cursors: Object.fromEntries(results.map((r) => [r.consumer, r.seq])) };
  }
}
