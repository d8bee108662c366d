import { DurableObject } from "cloudflare:workers";
import { nextRun } from "../src/services/functions/cron";
import type { ExecutionMessage } from "../src/services/functions/execute";
import { runQueuedExecution, runSchedule } from "../src/services/functions/background";
import type { Exports } from "../src/services/functions/runtime";
import { sweepExecutions } from "../src/services/functions/sweeper";

/** Sweeper instance (idFromName("_sweeper")): how often its alarm sweeps stuck executions. */
const SWEEP_EVERY_MS = 60_000;

/**
 * One per function (`idFromName("<projectId>/<functionId>")`): the function's cron schedule and its
 * executions waiting for `scheduledAt`, on a single alarm set to whichever comes first. One more
 * instance (`idFromName("_sweeper")`, src/services/functions/schedules.ts) runs the stuck-execution
 * sweeper every minute while executions are in flight.
 */
interface Config {
  projectId: string;
  functionId: string;
  schedule: string;
  /** Epoch ms of the next cron run. */
  next: number | null;
}
interface Pending {
  at: number;
  msg: ExecutionMessage;
}

export class FunctionScheduler extends DurableObject<Env> {
  async configure(cfg: { projectId: string; functionId: string; schedule: string }): Promise<void> {
    const old = await this.ctx.storage.get<Config>("config");
    const next = !cfg.schedule ? null : old && old.schedule === cfg.schedule && old.next && old.next > Date.now() ? old.next : nextRun(cfg.schedule, Date.now());
    await this.ctx.storage.put("config", { ...cfg, next } satisfies Config);
    await this.arm();
  }

  async add(at: number, msg: ExecutionMessage): Promise<void> {
    const pending = (await this.ctx.storage.get<Pending[]>("pending")) ?? [];
    pending.push({ at, msg });
    await this.ctx.storage.put("pending", pending);
    await this.arm();
  }

  async remove(executionId: string): Promise<void> {
    const pending = (await this.ctx.storage.get<Pending[]>("pending")) ?? [];
    await this.ctx.storage.put("pending", pending.filter((p) => p.msg.executionId !== executionId));
    await this.arm();
  }

  /** Sweeper instance: sweep within a minute, and every minute while executions are in flight. */
  async watch(): Promise<void> {
    if (await this.ctx.storage.get<number>("sweepAt")) return;
    await this.ctx.storage.put("sweepAt", Date.now() + SWEEP_EVERY_MS);
    await this.arm();
  }

  private async arm(): Promise<void> {
    const cfg = await this.ctx.storage.get<Config>("config");
    const pending = (await this.ctx.storage.get<Pending[]>("pending")) ?? [];
    const sweepAt = await this.ctx.storage.get<number>("sweepAt");
    const times = pending.map((p) => p.at);
    if (cfg?.next) times.push(cfg.next);
    if (sweepAt) times.push(sweepAt);
    if (!times.length) {
      await this.ctx.storage.deleteAlarm();
      if (!cfg?.schedule && !pending.length) await this.ctx.storage.deleteAll();
      return;
    }
    await this.ctx.storage.setAlarm(Math.min(...times));
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const pending = (await this.ctx.storage.get<Pending[]>("pending")) ?? [];
    const due = pending.filter((p) => p.at <= now);
    const exports = this.ctx.exports as unknown as Exports;
    if (due.length) {
      await this.ctx.storage.put("pending", pending.filter((p) => p.at > now));
      // Run due `scheduledAt` executions here; each run takes only a `scheduled` row, once.
      await Promise.allSettled(due.map((p) => runQueuedExecution(this.env, exports, this.ctx, p.msg)));
    }
    const cfg = await this.ctx.storage.get<Config>("config");
    if (cfg?.schedule && cfg.next && cfg.next <= now) {
      const live = await runSchedule(this.env, exports, this.ctx, cfg.projectId, cfg.functionId).catch((e) => {
        console.error("scheduled execution failed to start", (e as Error)?.message);
        return true;
      });
      await this.ctx.storage.put("config", { ...cfg, schedule: live ? cfg.schedule : "", next: live ? nextRun(cfg.schedule, now) : null } satisfies Config);
    }
    const sweepAt = await this.ctx.storage.get<number>("sweepAt");
    if (sweepAt && sweepAt <= now) {
      const r = await sweepExecutions(this.env, this.ctx).catch((e) => {
        console.error("execution sweep failed", (e as Error)?.message);
        return { open: 1 };
      });
      if (r.open > 0) await this.ctx.storage.put("sweepAt", now + SWEEP_EVERY_MS);
      else await this.ctx.storage.delete("sweepAt");
    }
    await this.arm();
  }
}
