import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { flushUsage, recordExecution, recordRequest } from "../../src/services/usage/recorder";

/** The usage recorder inside workerd: requests only touch memory; a flush is one batch per project, lossless. */
const rows = async (projectId: string) =>
  (await env.DB.prepare("SELECT metric, period, value FROM usage_stats WHERE project_id = ? ORDER BY metric, period").bind(projectId).all<{ metric: string; period: string; value: number }>()).results;

describe("usage recorder (src/services/usage/recorder.ts)", () => {
  it("writes nothing per request, then hour, day and all-time rows in one flush", async () => {
    recordRequest(env, "unit-a", 100, 2000);
    recordRequest(env, "unit-a", 50, 0);
    recordRequest(env, "unit-b", 0, 10);
    expect(await rows("unit-a")).toEqual([]);
    await flushUsage(env);
    const a = await rows("unit-a");
    const value = (metric: string, period: string) => a.find((r) => r.metric === metric && r.period === period)?.value;
    for (const period of ["1h", "1d", "inf"]) {
      expect([value("network.requests", period), value("network.inbound", period), value("network.outbound", period)]).toEqual([2, 150, 2000]);
    }
    expect((await rows("unit-b")).filter((r) => r.period === "inf").map((r) => [r.metric, r.value])).toEqual([["network.outbound", 10], ["network.requests", 1]]);

    recordExecution(env, "unit-a", 7, 1.5, 512);
    recordRequest(env, "unit-a", 0, 0);
    await flushUsage(env);
    const again = await rows("unit-a");
    const inf = (metric: string) => again.find((r) => r.metric === metric && r.period === "inf")?.value;
    expect([inf("network.requests"), inf("executions"), inf("executions.compute"), inf("executions.mbSeconds"), inf("functions.7.executions")]).toEqual([3, 1, 1500, 768, 1]);
  });

  it("keeps the deltas of a failed write for the next flush, without counting them twice", async () => {
    const down = { ...env, DB: { prepare: (sql: string) => env.DB.prepare(sql), batch: () => Promise.reject(new Error("D1 unavailable")) } } as unknown as Env;
    recordRequest(env, "unit-c", 1, 1);
    await flushUsage(down);
    expect(await rows("unit-c")).toEqual([]);
    recordRequest(env, "unit-c", 1, 1);
    await flushUsage(env);
    await flushUsage(env); // nothing left: no second write
    const inf = (await rows("unit-c")).filter((r) => r.period === "inf").map((r) => [r.metric, r.value]);
    expect(inf).toEqual([["network.inbound", 2], ["network.outbound", 2], ["network.requests", 2]]);
  });

  it("records nothing when Appwrite's _APP_USAGE_STATS is disabled", async () => {
    recordRequest({ ...env, _APP_USAGE_STATS: "disabled" }, "unit-d", 1, 1);
    await flushUsage(env);
    expect(await rows("unit-d")).toEqual([]);
  });
});
