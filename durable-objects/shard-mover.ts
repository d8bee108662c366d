import { DurableObject } from "cloudflare:workers";
import { advanceMove } from "../src/services/shards/move";

/**
 * One object per move (`idFromName(<moveId>)`) drives it (src/services/shards/move.ts): each alarm runs a bounded
 * step and sets the next alarm, so a long copy never holds one invocation and a restart resumes from `shard_moves`.
 */
export class ShardMover extends DurableObject<Env> {
  async start(moveId: string): Promise<void> {
    await this.ctx.storage.put("move", moveId);
    await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const id = await this.ctx.storage.get<string>("move");
    if (!id) return;
    const next = await advanceMove(this.env, id).catch((e) => {
      console.error("shard move step failed", String((e as Error)?.message ?? e));
      return Date.now() + 5_000;
    });
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }
}
