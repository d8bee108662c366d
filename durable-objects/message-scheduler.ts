import { DurableObject } from "cloudflare:workers";
import { releaseScheduled } from "../src/services/messaging/send";

/**
 * One per scheduled message (`idFromName("<projectId>/<messageId>")`): an alarm at its `scheduledAt`. The alarm
 * releases the message (scheduled → processing, enqueued) only if it is still scheduled and due — an update that
 * moved it later re-arms this object, one made a draft or deleted cancels it, and a fire that finds it not yet
 * due (the alarm ran early) arms again — so a message is never sent before its time.
 */
interface Plan {
  projectId: string;
  messageId: string;
  at: number;
}

export class MessageScheduler extends DurableObject<Env> {
  async schedule(plan: Plan): Promise<void> {
    await this.ctx.storage.put("plan", plan);
    await this.ctx.storage.setAlarm(plan.at);
  }

  async cancel(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    const plan = await this.ctx.storage.get<Plan>("plan");
    if (!plan) return;
    if (plan.at > Date.now()) {
      await this.ctx.storage.setAlarm(plan.at);
      return;
    }
    await releaseScheduled(this.env, plan.projectId, plan.messageId);
    await this.ctx.storage.deleteAll();
  }
}
