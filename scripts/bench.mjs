// `npm run bench`: Edgewrite beside a bare "floor" worker on the same runtime, same machine, one run.
// Each service adds a module in scripts/bench/<service>.mjs (default export: async (ctx) => void).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureInstalled } from "./lib/setup.mjs";

ensureInstalled();
const { ROOT, applyMigrations, startServer } = await import("./lib/server.mjs");
const autocannon = (await import("autocannon")).default;

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const only = process.argv.slice(2);

const state = mkdtempSync(path.join(tmpdir(), "edgewrite-bench-"));
const adminKey = "bench-admin-key";
const apiDir = path.join(state, "api");
const floorDir = path.join(state, "floor");
await applyMigrations({ persistDir: apiDir });
const api = await startServer({ persistDir: apiDir, vars: { ADMIN_KEY: adminKey, JWT_SECRET: "bench-jwt" } });
const floor = await startServer({ persistDir: floorDir, config: "bench/floor/wrangler.toml" });

const endpoint = `${api.url}/v1`;
async function consoleCall(method, p, body) {
  const r = await fetch(`${endpoint}${p}`, { method, headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey }, body: body && JSON.stringify(body) });
  return r.json();
}
const scopes = ["users.read", "users.write", "teams.read", "teams.write", "databases.read", "databases.write", "tables.read", "tables.write", "columns.read", "columns.write", "indexes.read", "indexes.write", "rows.read", "rows.write", "buckets.read", "buckets.write", "files.read", "files.write", "functions.read", "functions.write", "executions.read", "executions.write", "health.read", "sessions.write", "sites.read", "sites.write", "log.read"];

const rows = [];
const fmt = (n, d = 1) => (typeof n === "number" ? n.toFixed(d) : String(n));

/** Run autocannon against one base URL and return req/s and latency percentiles. */
async function measure(base, opts) {
  const { path: p = "/", connections = 10, duration = DURATION, origin: _origin, ...rest } = opts;
  const r = await autocannon({ url: base + p, connections, duration, ...rest });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

/** Mean req/s and latencies over rounds; errors summed. */
const mean = (ms) => {
  const avg = (k) => ms.reduce((s, m) => s + m[k], 0) / ms.length;
  return { rps: avg("rps"), p50: avg("p50"), p99: avg("p99"), errors: ms.reduce((s, m) => s + m.errors, 0) };
};

const ctx = {
  api: endpoint,
  apiOrigin: api.url,
  floor: floor.url,
  adminKey,
  root: ROOT,
  project: null,
  /**
   * API vs floor under the same load, in ROUNDS interleaved rounds (API, floor, API, floor …) so machine load
   * from elsewhere hits both sides alike; prints mean req/s, p50, p99 and the API/floor throughput ratio
   * (with the spread of the per-round ratios).
   */
  async load(label, apiOpts, floorOpts) {
    const rounds = floorOpts ? ROUNDS : 1;
    const as = [], fs = [];
    for (let i = 0; i < rounds; i++) {
      as.push(await measure(apiOpts.origin ?? endpoint, apiOpts)); // `origin`: a request off /v1 (a site host)
      if (floorOpts) fs.push(await measure(floor.url, floorOpts));
    }
    const a = mean(as);
    const f = floorOpts ? mean(fs) : null;
    const per = fs.map((x, i) => as[i].rps / x.rps);
    const row = { label, api: a, floor: f, ratio: f ? a.rps / f.rps : null };
    rows.push(row);
    const spread = per.length > 1 ? ` [rounds ${per.map((r) => fmt(r * 100, 0)).join("/")}%]` : "";
    console.log(`  ${label}: ${fmt(a.rps)} req/s (p50 ${a.p50} ms, p99 ${a.p99} ms${a.errors ? `, ${a.errors} errors` : ""})` + (f ? ` | floor ${fmt(f.rps)} req/s (p50 ${f.p50}, p99 ${f.p99}) | ratio ${fmt(row.ratio * 100, 0)}%${spread}` : ""));
    return row;
  },
  /** A custom row (throughput in MB/s, socket counts, latencies …). */
  row(label, fields) {
    rows.push({ label, ...fields });
    console.log(`  ${label}: ${Object.entries(fields).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(", ")}`);
  },
};

try {
  const projectId = "bench";
  await consoleCall("POST", "/projects", { projectId, name: "Bench" });
  const key = await consoleCall("POST", `/projects/${projectId}/keys`, { name: "bench", scopes });
  ctx.project = { projectId, key: key.secret };

  console.log(`Edgewrite bench — local workerd (wrangler dev), ${DURATION} s per run, ${ROUNDS} interleaved rounds, 10 connections. Local simulator figures, not production.`);
  console.log("\n[platform]");
  await ctx.load("GET /v1/ping", { path: "/ping", headers: { "x-appwrite-project": projectId } }, { path: "/ping" });

  const dir = path.join(ROOT, "scripts/bench");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".mjs")).sort()) {
    const name = file.replace(/\.mjs$/, "");
    if (only.length && !only.includes(name)) continue;
    console.log(`\n[${name}]`);
    try {
      await (await import(path.join(dir, file))).default(ctx);
    } catch (e) {
      console.log(`  ${name} bench failed: ${e?.stack ?? e}`);
    }
  }
} finally {
  api.stop();
  floor.stop();
  await new Promise((r) => setTimeout(r, 300));
  rmSync(state, { recursive: true, force: true });
}
