// Usage recording's cost per request: (1) the recorder alone, called in a loop (the Map updates a request adds;
// no D1 write, no await), and (2) GET /v1/ping in a project with recording on (the bench server) and off (a second
// server with _APP_USAGE_STATS=disabled), in interleaved rounds so machine load falls on both alike.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { build } from "esbuild";
import { ROOT, applyMigrations, startServer } from "../lib/server.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = 4;

async function recorderLoop(ctx) {
  const out = await build({ entryPoints: [path.join(ROOT, "src/services/usage/recorder.ts")], bundle: true, format: "esm", platform: "neutral", write: false, logLevel: "silent" });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);
  const env = {};
  const projects = Array.from({ length: 50 }, (_, i) => `project${i}`);
  const time = (fn, n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    return Number(process.hrtime.bigint() - t0) / n;
  };
  let sink = 0;
  const N = 1_000_000;
  time((i) => mod.recordRequest(env, projects[i % 50], 120, 900), N); // warm up
  const baseline = time((i) => (sink += projects[i % 50].length), N);
  const recorded = time((i) => mod.recordRequest(env, projects[i % 50], 120, 900), N);
  ctx.row("recordRequest (3 counters, 50 projects), Node", { nsPerCall: recorded - baseline, baselineNs: baseline, sink: sink % 2 });
  return recorded - baseline;
}

async function ping(url, projectId) {
  const r = await autocannon({ url: `${url}/ping`, connections: 10, duration: SECONDS, headers: { "x-appwrite-project": projectId } });
  return { rps: r.requests.average, p50: r.latency.p50 };
}

export default async function (ctx) {
  const ns = await recorderLoop(ctx);

  const dir = mkdtempSync(path.join(tmpdir(), "edgewrite-bench-usage-"));
  await applyMigrations({ persistDir: dir });
  const off = await startServer({ persistDir: dir, vars: { ADMIN_KEY: ctx.adminKey, JWT_SECRET: "bench-jwt", _APP_USAGE_STATS: "disabled" } });
  try {
    const projectId = ctx.project.projectId;
    const headers = { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": ctx.adminKey };
    await fetch(`${off.url}/v1/projects`, { method: "POST", headers, body: JSON.stringify({ projectId, name: "Bench" }) });
    const on = [], without = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
      const pair = [() => ping(ctx.api, projectId).then((x) => on.push(x)), () => ping(`${off.url}/v1`, projectId).then((x) => without.push(x))];
      for (const run of r % 2 ? pair.reverse() : pair) await run();
    }
    const mean = (xs, k) => xs.reduce((a, x) => a + x[k], 0) / xs.length;
    const ratio = mean(on, "rps") / mean(without, "rps");
    ctx.row(`GET /v1/ping, recording on vs off (${ROUNDS} alternating rounds)`, { onRps: mean(on, "rps"), offRps: mean(without, "rps"), ratio, onP50: mean(on, "p50"), offP50: mean(without, "p50") });
    ctx.row("recorder share of a ping's p50 latency", { percent: (ns / 1e6 / mean(on, "p50")) * 100 });
  } finally {
    off.stop();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}
