import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { queueHandlers } from "../../src/background";
import { open } from "../../src/db/client";
import { outbox } from "../../src/db/schema";
import "../../src/services/webhooks/delivery";
import { webhookAttempts, webhookDeliveries, webhooks } from "../../src/services/webhooks/schema";
import { seal } from "../../src/services/webhooks/secrets";

describe("webhook delivery to a literal private address", () => {
  it("is refused without a request (a webhook saved before create/update refused it): the attempt log says why", async () => {
    const db = open(env.DB);
    const now = Date.now();
    await db.insert(webhooks).values({ projectId: "unit-wh", id: "legacy", name: "legacy", url: "http://[::ffff:a9fe:a9fe]/latest/meta-data/", events: ["users.*"], secretEnc: await seal(env, "k"), createdAt: now, updatedAt: now });
    const [event] = await db.insert(outbox).values({ projectId: "unit-wh", event: "users.u1.create", events: ["users.u1.create", "users.*"], channels: [], roles: [], payload: { $id: "u1" }, createdAt: now }).returning();
    await db.insert(webhookDeliveries).values({ projectId: "unit-wh", webhookId: "legacy", eventSeq: event!.seq, dueAt: now, createdAt: now });
    const outcome: string[] = [];
    const message = { id: "m1", timestamp: new Date(), attempts: 1, body: { p: "unit-wh", w: "legacy", s: event!.seq }, ack: () => outcome.push("ack"), retry: () => outcome.push("retry") };
    await queueHandlers["edgewrite-webhooks"]!({ queue: "edgewrite-webhooks", messages: [message], ackAll() {}, retryAll() {} } as unknown as MessageBatch<unknown>, env, {} as ExecutionContext);

    const attempts = await db.select().from(webhookAttempts).where(and(eq(webhookAttempts.projectId, "unit-wh"), eq(webhookAttempts.webhookId, "legacy")));
    expect(attempts.map((a) => [a.success, a.statusCode, a.error])).toEqual([[false, 0, "Private and link-local addresses are not allowed"]]);
    expect(outcome).toEqual(["retry"]);
  });
});
