// Functions: sync-execution latency of a hello-world function, warm and cold, beside a plain API request.
// Warm = the deployment's Dynamic Worker is loaded; cold = a new Dynamic Worker (changing a variable
// gives the deployment a new worker id, so the next execution loads code from R2 and starts an isolate).
// Sequential single-connection samples give p50/p99; autocannon adds throughput under 10 connections.
// BENCH_FUNCTIONS_WARM (default 200) and BENCH_FUNCTIONS_COLD (default 20) set the sample counts.
import { Client, Functions, ID } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { createTarGzip } from "nanotar";

const WARM = Number(process.env.BENCH_FUNCTIONS_WARM ?? 200);
const COLD = Number(process.env.BENCH_FUNCTIONS_COLD ?? 20);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

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
  const code = await createTarGzip([{ name: "index.js", data: 'export default async ({ res }) => res.text("Hello, World!");' }]);
  const d = await functions.createDeployment({ functionId: fn.$id, code: InputFile.fromBuffer(Buffer.from(code), "code.tar.gz"), activate: true, entrypoint: "index.js" });
  for (let i = 0; i < 120; i++) {
    const s = (await functions.getDeployment({ functionId: fn.$id, deploymentId: d.$id })).status;
    if (s === "ready") break;
    if (s === "failed") throw new Error("bench function build failed");
    await new Promise((r) => setTimeout(r, 250));
  }

  const exec = async () => {
    const r = await fetch(`${ctx.api}/functions/${fn.$id}/executions`, { method: "POST", headers, body: '{"async":false}' });
    const body = await r.json();
    if (r.status !== 201 || body.responseBody !== "Hello, World!") throw new Error(`execution failed: ${r.status} ${JSON.stringify(body).slice(0, 200)}`);
  };
  const plain = async () => {
    const r = await fetch(`${ctx.api}/functions/${fn.$id}`, { headers });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`plain request failed: ${r.status}`);
  };

  await exec(); // load the worker once
  await sample(20, exec);
  await sample(20, plain);
  const plainMs = await sample(WARM, plain);
  const warmMs = await sample(WARM, exec);
  const coldMs = [];
  for (let i = 0; i < COLD; i++) {
    await functions.createVariable({ functionId: fn.$id, variableId: ID.unique(), key: `COLD_${i}`, value: String(i), secret: false });
    coldMs.push(...(await sample(1, exec)));
  }
  const row = (label, xs) => ctx.row(label, { "p50 ms": pct(xs, 50), "p99 ms": pct(xs, 99), n: xs.length });
  row("plain API request GET /v1/functions/{id} (1 conn)", plainMs);
  row("sync execution, warm (1 conn)", warmMs);
  row("sync execution, cold start (1 conn)", coldMs);
  ctx.row("overhead vs plain request", { "warm p50 ms": pct(warmMs, 50) - pct(plainMs, 50), "cold p50 ms": pct(coldMs, 50) - pct(plainMs, 50), "cold - warm p50 ms": pct(coldMs, 50) - pct(warmMs, 50) });

  await ctx.load("sync execution, warm (10 conns)", { method: "POST", path: `/functions/${fn.$id}/executions`, headers, body: '{"async":false}' }, { path: "/ping" });
  await ctx.load("HTTP route /v1/functions/{id}/http/ (10 conns)", { path: `/functions/${fn.$id}/http/?project=${projectId}` }, { path: "/ping" });
  await ctx.load("plain API request GET /v1/functions/{id} (10 conns)", { path: `/functions/${fn.$id}`, headers }, { path: "/ping" });
}
