// Functions: sync-execution latency of a hello-world function, warm and cold, beside plain API requests
// (the floor of issue 7: GET /v1/functions/{id}, which reads D1 twice, and GET /v1/ping, which reads nothing).
// - warm: the function is cached in the isolate and its Dynamic Worker is loaded; samples back to back,
//   so the write-behind of earlier executions (row + event + dispatcher pass) runs during later ones.
// - cold, new worker: a variable changes before each sample, so the execution reloads the function from D1
//   and starts a new Dynamic Worker (the deployment's code is already known to the isolate).
// - cold, new deployment: a new deployment is built and activated before each sample; its first execution
//   reads D1, reads the build from R2 and starts a new Dynamic Worker (the real cold start after a deploy).
// Sequential single-connection samples give p50/p99. Autocannon adds throughput under 10 connections
// (BENCH_FUNCTIONS_LOAD=0 skips it). BENCH_FUNCTIONS_WARM (default 200), BENCH_FUNCTIONS_COLD (default 20)
// and BENCH_FUNCTIONS_DEPLOYS (default 8) set the sample counts.
import { Client, Functions, ID } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { createTarGzip } from "nanotar";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";

const WARM = Number(process.env.BENCH_FUNCTIONS_WARM ?? 200);
const COLD = Number(process.env.BENCH_FUNCTIONS_COLD ?? 20);
const DEPLOYS = Number(process.env.BENCH_FUNCTIONS_DEPLOYS ?? 8);
const LOAD = process.env.BENCH_FUNCTIONS_LOAD !== "0";
const DEPS_BUILDS = Number(process.env.BENCH_FUNCTIONS_DEPS_BUILDS ?? 3);

/** A real package from this checkout's node_modules as archive entries (no types or source maps). */
function vendored(root, name) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (!/\.(d\.[cm]?ts|map|md)$/.test(e.name)) out.push({ name: path.join("node_modules", name, path.relative(path.join(root, "node_modules", name), full)), data: readFileSync(full) });
    }
  };
  walk(path.join(root, "node_modules", name));
  return out;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function sample(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

export default async function (ctx) {
  const { projectId, key } = ctx.project;
  const functions = new Functions(new Client().setEndpoint(ctx.api).setProject(projectId).setKey(key));
  const headers = { "x-appwrite-project": projectId, "x-appwrite-key": key, "content-type": "application/json" };
  const fn = await functions.create({ functionId: ID.unique(), name: "bench-hello", runtime: "node-22", execute: ["any"] });
  const code = Buffer.from(await createTarGzip([{ name: "index.js", data: 'export default async ({ res }) => res.text("Hello, World!");' }]));

  /** Upload, build and activate a deployment; resolves once the function runs it. */
  const deploy = async () => {
    const d = await functions.createDeployment({ functionId: fn.$id, code: InputFile.fromBuffer(code, "code.tar.gz"), activate: true, entrypoint: "index.js" });
    for (let i = 0; i < 240; i++) {
      const f = await functions.get({ functionId: fn.$id });
      if (f.deploymentId === d.$id) return d.$id;
      if (f.latestDeploymentStatus === "failed") throw new Error("bench function build failed");
      await sleep(250);
    }
    throw new Error("bench deployment was not activated in time");
  };
  await deploy();

  const exec = async () => {
    const r = await fetch(`${ctx.api}/functions/${fn.$id}/executions`, { method: "POST", headers, body: '{"async":false}' });
    const body = await r.json();
    if (r.status !== 201 || body.responseBody !== "Hello, World!") throw new Error(`execution failed: ${r.status} ${JSON.stringify(body).slice(0, 200)}`);
  };
  const get = (path) => async () => {
    const r = await fetch(`${ctx.api}${path}`, { headers });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`plain request failed: ${r.status}`);
  };
  const plain = get(`/functions/${fn.$id}`);
  const ping = get("/ping");

  const load0 = loadavg()[0];
  await exec(); // load the worker once
  await sample(20, exec);
  await sample(20, plain);
  await sample(20, ping);
  const plainMs = await sample(WARM, plain);
  const pingMs = await sample(WARM, ping);
  const warmMs = await sample(WARM, exec);
  await sleep(300);

  const coldWorkerMs = [];
  for (let i = 0; i < COLD; i++) {
    await functions.createVariable({ functionId: fn.$id, variableId: ID.unique(), key: `COLD_${i}`, value: String(i), secret: false });
    await sleep(100);
    coldWorkerMs.push(...(await sample(1, exec)));
  }
  const coldDeployMs = [];
  for (let i = 0; i < DEPLOYS; i++) {
    await deploy();
    await sleep(300); // let the deployment's own events settle
    coldDeployMs.push(...(await sample(1, exec)));
  }

  // A function with dependencies (zod and nanotar, uploaded in node_modules/ so no registry is needed): the
  // bundler Worker resolves and bundles them with esbuild. Build = upload to `ready`; then its first and warm runs.
  const depsFn = await functions.create({ functionId: ID.unique(), name: "bench-deps", runtime: "node-22", entrypoint: "src/main.js" });
  const depsCode = Buffer.from(await createTarGzip([
    { name: "package.json", data: JSON.stringify({ type: "module", dependencies: { zod: "*", nanotar: "*" } }) },
    { name: "src/main.js", data: 'import { z } from "zod";\nimport { createTar } from "nanotar";\nexport default async ({ res }) => res.text(z.object({ a: z.string() }).parse({ a: "ok" }).a + createTar([{ name: "x", data: "y" }]).length);' },
    ...vendored(ctx.root, "zod"),
    ...vendored(ctx.root, "nanotar"),
  ]));
  const buildMs = [];
  const depsFirstMs = [];
  for (let i = 0; i < DEPS_BUILDS; i++) {
    const t0 = performance.now();
    const d = await functions.createDeployment({ functionId: depsFn.$id, code: InputFile.fromBuffer(depsCode, "code.tar.gz"), activate: true });
    for (;;) {
      const f = await functions.get({ functionId: depsFn.$id });
      if (f.deploymentId === d.$id) break;
      if (f.latestDeploymentStatus === "failed") throw new Error(`bench deps build failed: ${(await functions.getDeployment({ functionId: depsFn.$id, deploymentId: d.$id })).buildLogs}`);
      await sleep(100);
    }
    buildMs.push(performance.now() - t0);
    depsFirstMs.push(...(await sample(1, () => functions.createExecution({ functionId: depsFn.$id }))));
  }
  const depsWarmMs = await sample(50, async () => {
    const e = await functions.createExecution({ functionId: depsFn.$id });
    if (e.responseBody !== "ok10240") throw new Error(`deps function answered ${e.responseBody}`);
  });
  const load1 = loadavg()[0];

  const row = (label, xs) => ctx.row(label, { "p50 ms": pct(xs, 50), "p99 ms": pct(xs, 99), n: xs.length });
  row("plain API request GET /v1/functions/{id} (1 conn, the floor)", plainMs);
  row("plain API request GET /v1/ping (1 conn, no D1)", pingMs);
  row("sync execution, warm (1 conn)", warmMs);
  row("sync execution, cold: new worker, known deployment (1 conn)", coldWorkerMs);
  row("sync execution, cold: first run of a new deployment (1 conn)", coldDeployMs);
  row(`build of a function with npm deps (zod + nanotar from node_modules, ${(depsCode.length / 1024).toFixed(0)} KiB upload): upload → ready`, buildMs);
  row("function with npm deps: first execution after its build (cold)", depsFirstMs);
  row("function with npm deps: warm execution (1 conn)", depsWarmMs);
  ctx.row("overhead vs plain request (p50)", {
    "warm ms": pct(warmMs, 50) - pct(plainMs, 50),
    "warm vs ping ms": pct(warmMs, 50) - pct(pingMs, 50),
    "cold new worker ms": pct(coldWorkerMs, 50) - pct(plainMs, 50),
    "cold new deployment ms": pct(coldDeployMs, 50) - pct(plainMs, 50),
  });
  ctx.row("machine load average (1 min) before/after the sequential samples", { before: load0, after: load1 });

  if (!LOAD) return;
  await ctx.load("sync execution, warm (10 conns)", { method: "POST", path: `/functions/${fn.$id}/executions`, headers, body: '{"async":false}' }, { path: "/ping" });
  await ctx.load("HTTP route /v1/functions/{id}/http/ (10 conns)", { path: `/functions/${fn.$id}/http/?project=${projectId}` }, { path: "/ping" });
  await ctx.load("plain API request GET /v1/functions/{id} (10 conns)", { path: `/functions/${fn.$id}`, headers }, { path: "/ping" });
}
