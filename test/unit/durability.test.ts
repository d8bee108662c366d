import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { open } from "../../src/db/client";
import { files } from "../../src/db/schema";
import { sweepOrphanObjects } from "../../src/services/storage/cleanup";
import { deliverAuthMessage } from "../../src/services/messaging/auth-delivery";

/** The R2 orphan sweep: objects whose D1 record never landed (a crash between the R2 write and the D1 batch). */
describe("R2 orphan sweep", () => {
  it("removes old objects with no record, keeps recorded, fresh and unknown ones, and walks the bucket in bounded steps", async () => {
    const now = Date.now();
    const run = (sql: string, ...args: unknown[]) => env.DB.prepare(sql).bind(...args).run();
    await open(env.DB).insert(files).values({ projectId: "u", bucketSeq: 1, bucketId: "b", id: "kept", name: "k", sizeOriginal: 1, chunksTotal: 1, objectKey: "storage/u/1/kept.aa", createdAt: now, updatedAt: now });
    await run("INSERT INTO function_deployments (project_id, id, function_id, created_at, updated_at) VALUES ('u', 'dep1', 'fn1', ?1, ?1)", now);
    await run("INSERT INTO function_executions (project_id, id, function_id, trigger, status, created_at, updated_at) VALUES ('u', 'ex1', 'fn1', 'event', 'waiting', ?1, ?1), ('u', 'ex2', 'fn1', 'event', 'completed', ?1, ?1)", now);
    const kept = ["storage/u/1/kept.aa", "functions/u/fn1/dep1/source.tar.gz", "functions/u/_bodies/ex1", "elsewhere/not-ours"];
    const orphans = [
      "storage/u/1/kept.bb", // the file's id has a record, but for another object
      "storage/u/1/lost.cc",
      "functions/u/fn1/dep2/chunks/1",
      "functions/u/_bodies/ex2", // its execution already finished
    ];
    for (const key of [...kept, ...orphans]) await env.BUCKET.put(key, "x");

    // Within the grace period nothing goes: the upload that wrote it may still be writing its record.
    for (let step = { checked: 0, removed: 0, wrapped: false }; !step.wrapped; ) {
      step = await sweepOrphanObjects(env, { limit: 3 });
      expect(step.removed).toBe(0);
    }
    expect((await env.BUCKET.list()).objects).toHaveLength(kept.length + orphans.length);

    // Past it, bounded steps of 3 keys cover the whole bucket.
    let removed = 0;
    for (let step = { checked: 0, removed: 0, wrapped: false }; !step.wrapped; ) {
      step = await sweepOrphanObjects(env, { graceMs: 0, limit: 3 });
      expect(step.checked).toBeLessThanOrEqual(3);
      removed += step.removed;
    }
    expect(removed).toBe(orphans.length);
    expect((await env.BUCKET.list()).objects.map((o) => o.key).sort()).toEqual([...kept].sort());
  });
});

/** Auth message delivery from the queue (src/services/messaging/auth-delivery.ts): claimed once, secrets erased. */
describe("auth message delivery", () => {
  it("claims a pending row once: a redelivered or concurrent job sends nothing again; the code is erased either way", async () => {
    const now = Date.now();
    const run = (sql: string, ...args: unknown[]) => env.DB.prepare(sql).bind(...args).run();
    // A provider type no adapter knows: the send fails at once (no network), not retryable.
    await run("INSERT INTO messaging_providers (project_id, id, name, provider, type, enabled, credentials, secrets, options, created_at, updated_at) VALUES ('am', 'p1', 'P', 'nosuch', 'sms', 1, '{}', '', '{}', ?1, ?1)", now);
    const stage = (id: string, updatedAt: number) =>
      run("INSERT INTO message_outbox (project_id, id, channel, recipient, subject, content, created_at, transport, status, provider_id, updated_at) VALUES ('am', ?1, 'sms', '+15550001234', '', '123456', ?2, 'sms', 'pending', 'p1', ?3)", id, now, updatedAt);
    const row = (id: string) => env.DB.prepare("SELECT status, content, attempts, error, provider_id FROM message_outbox WHERE project_id = 'am' AND id = ?").bind(id).first();

    await stage("m1", 0);
    await Promise.all([deliverAuthMessage(env, "am", "m1"), deliverAuthMessage(env, "am", "m1")]);
    expect(await row("m1")).toEqual({ status: "failed", content: "", attempts: 1, error: "Unknown provider nosuch", provider_id: "p1" });
    await deliverAuthMessage(env, "am", "m1"); // redelivered later
    expect((await row("m1"))!.attempts).toBe(1);

    // A row another consumer claimed a moment ago is left to it.
    await stage("m2", now);
    await deliverAuthMessage(env, "am", "m2");
    expect(await row("m2")).toMatchObject({ status: "pending", content: "123456", attempts: 0 });
  });
});
