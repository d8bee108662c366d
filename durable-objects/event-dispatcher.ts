import { DurableObject } from "cloudflare:workers";
import { CrashFault, dispatchPass, testHooksEnabled } from "../src/events/dispatcher";

/**
 * Serialises event dispatch for the deployment (see src/events/dispatcher.ts). `kick()` marks work
 * pending and returns when a loop that started after the mark has drained the outbox, so a request's
 * waitUntil covers its own event; concurrent kicks coalesce into one loop.
 */
const MAX_PASSES_PER_LOOP = 50;

export class EventDispatcher extends DurableObject<Env> {
  private running: Promise<void> | null = null;
  private dirty = false;
  private retries = 0;

  async kick(): Promise<void> {
    this.dirty = true;
    if (!this.running) this.running = this.loop().finally(() => (this.running = null));
    return this.running;
  }

  private async loop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      for (let i = 0; i < MAX_PASSES_PER_LOOP; i++) {
        let r;
        try {
          r = await dispatchPass(this.env, () => this.takeFault());
        } catch (e) {
          // A simulated crash schedules nothing (only the cron sweep recovers, as after a real crash).
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
    const delay = Math.min(2 ** (this.retries - 1), 300) * 1000;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > Date.now() + delay) await this.ctx.storage.setAlarm(Date.now() + delay);
  }

  override async alarm(): Promise<void> {
    await this.kick().catch((e) => console.error("event dispatch retry failed", String((e as Error)?.message ?? e)));
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
