import { DurableObject } from "cloudflare:workers";
import { nextRun } from "../src/services/functions/cron";
import type { ExecutionMessage } from "../src/services/functions/execute";
import { runQueuedExecution, runSchedule } from "../src/services/functions/background";
import type { Exports } from "../src/services/functions/runtime";

/**
 * One per function (`idFromName("<projectId>/<functionId>")`): the function's cron schedule and its
 * executions waiting for `scheduledAt`, on a single alarm set to whichever comes first.
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

  private async arm(): Promise<void> {
    const cfg = await this.ctx.storage.get<Config>("config");
    const pending = (await this.ctx.storage.get<Pending[]>("pending")) ?? [];
    const times = pending.map((p) => p.at);
    if (cfg?.next) times.push(cfg.next);
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
    await this.arm();
  }
}
