// Realtime figures: N concurrent sockets on one channel, connect rate, write-to-receipt latency, memory.
// Bounded and self-stopping: every phase has a deadline, all sockets are closed and the server stopped at the end.
// BENCH_RT_SOCKETS (default 5000) and BENCH_RT_WRITES (default 10) tune it.
//
// It runs its own server from a frozen bundle (`wrangler deploy --dry-run` into a temp dir, then
// `wrangler dev --no-bundle` on that copy): `wrangler dev` on the source tree rebuilds and restarts the
// runtime whenever anyone saves a file under src/, and a restart drops every WebSocket — with several
// people editing, a minutes-long 5,000-socket run rarely survived (that, not delivery, was most of the
// "writes never reach every socket"). The connect abuse limit is turned off for it (REALTIME_CONNECT_LIMIT=0).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import WebSocket from "ws";
import { OFFLINE_ENV, ROOT, applyMigrations, startServer } from "../lib/server.mjs";

const N = Number(process.env.BENCH_RT_SOCKETS ?? 5000);
const WRITES = Number(process.env.BENCH_RT_WRITES ?? 10);
const PARALLEL = 100; // sockets opening at once
const PHASE_MS = 120_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

/**
 * RSS (MB) of the workerd processes in the process group of whoever listens on `port`: `proxy` is the
 * one listening (wrangler dev's local proxy, which holds a second copy of every socket — not present in
 * production), `runtime` the rest (the worker and its Durable Objects).
 */
function groupRssMb(port) {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, "0");
    const inodes = new Set();
    for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      for (const line of readFileSync(f, "utf8").split("\n").slice(1)) {
        const c = line.trim().split(/\s+/);
        if (c[1]?.endsWith(`:${hex}`) && c[3] === "0A") inodes.add(c[9]);
      }
    }
    let pgid = null;
    const stat = (pid) => readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        for (const fd of readdirSync(`/proc/${pid}/fd`)) {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m && inodes.has(m[1])) pgid = stat(pid)[2];
        }
      } catch {
        /* not ours / gone */
      }
      if (pgid) break;
    }
    if (!pgid) return { proxy: NaN, runtime: NaN };
    let proxy = 0;
    let runtime = 0;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        if (stat(pid)[2] !== pgid || readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "workerd") continue;
        const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        const listens = readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            const l = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
            return !!l && inodes.has(l[1]);
          } catch {
            return false;
          }
        });
        if (m) listens ? (proxy += Number(m[1]) / 1024) : (runtime += Number(m[1]) / 1024);
      } catch {
        /* gone */
      }
    }
    return { proxy, runtime };
  } catch {
    return { proxy: NaN, runtime: NaN };
  }
}

/** TCP ports a process listens on (from /proc). */
function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      /* gone */
    }
  }
  const ports = [];
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(f, "utf8").split("\n").slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c[3] === "0A" && inodes.has(c[9])) ports.push(parseInt(c[1].split(":")[1], 16));
    }
  }
  return ports;
}

/**
 * The runtime's own entry socket, behind wrangler dev's proxy. The proxy (a second workerd) holds about
 * six file descriptors per proxied WebSocket; with this machine's hard limit of 20,000 descriptors per
 * process it dies at ~3,300 sockets (measured), taking every socket with it. Production has no such
 * proxy, so the sockets connect to the runtime directly (BENCH_RT_DIRECT=0 goes through the proxy).
 */
async function runtimeEntry(child, publicPort) {
  const pgid = String(child.pid);
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
      if (st[2] !== pgid || readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "workerd") continue;
      const ports = listeningPorts(pid);
      if (ports.includes(publicPort)) continue;
      for (const port of ports) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/v1/health/version`, { signal: AbortSignal.timeout(1000) });
          if (r.ok && "version" in (await r.json())) return `http://127.0.0.1:${port}/v1`;
        } catch {
          /* inspector, debug port … */
        }
      }
    } catch {
      /* gone */
    }
  }
  return null;
}

/** A server of its own on a frozen bundle of the current tree (see the header). */
async function frozenServer() {
  const dir = mkdtempSync(path.join(tmpdir(), "edgewrite-rt-bench-"));
  await promisify(execFile)(path.join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", path.join(dir, "dist"), "-c", "wrangler.toml"], {
    cwd: ROOT,
    env: { ...process.env, ...OFFLINE_ENV },
  });
  const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")
    .replace(/^main\s*=.*$/m, 'main = "dist/index.js"\nno_bundle = true')
    .replace(/^migrations_dir\s*=.*$/m, `migrations_dir = ${JSON.stringify(path.join(ROOT, "migrations"))}`);
  const config = path.join(dir, "wrangler.toml");
  writeFileSync(config, toml);
  const persistDir = path.join(dir, "state");
  const adminKey = `rt-bench-${Math.random().toString(16).slice(2)}`;
  await applyMigrations({ persistDir, config });
  const server = await startServer({ persistDir, config, vars: { ADMIN_KEY: adminKey, JWT_SECRET: "rt-bench-jwt", REALTIME_CONNECT_LIMIT: "0" } });
  const api = `${server.url}/v1`;
  const consoleCall = async (method, p, body) => {
    const r = await fetch(`${api}${p}`, { method, headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey }, body: body && JSON.stringify(body) });
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const projectId = "rtbench";
  await consoleCall("POST", "/projects", { projectId, name: "Realtime bench" });
  const key = await consoleCall("POST", `/projects/${projectId}/keys`, { name: "bench", scopes: ["users.read", "users.write", "sessions.write"] });
  const direct = process.env.BENCH_RT_DIRECT === "0" ? null : await runtimeEntry(server.child, server.port);
  return {
    api,
    socketApi: direct ?? api,
    direct: !!direct,
    port: server.port,
    project: { projectId, key: key.secret },
    output: server.output,
    async stop() {
      server.stop();
      await sleep(500);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export default async function realtime(ctx) {
  const server = await frozenServer();
  try {
    await run(ctx, server);
  } catch (e) {
    console.log(`  realtime bench server output (tail):\n${server.output().slice(-3000)}`);
    throw e;
  } finally {
    await server.stop();
  }
}

async function run(ctx, server) {
  const { projectId, key } = server.project;
  const api = server.api;
  const headers = { "content-type": "application/json", "x-appwrite-project": projectId, "x-appwrite-key": key };
  const port = server.port;
  const userId = `rt-bench-${Date.now().toString(36)}`;
  let r = await fetch(`${api}/users`, { method: "POST", headers, body: JSON.stringify({ userId, email: `${userId}@example.com`, password: "password-1234" }) });
  if (!r.ok) throw new Error(`user create failed: ${r.status} ${await r.text()}`);
  r = await fetch(`${api}/users/${userId}/sessions`, { method: "POST", headers, body: "{}" });
  const session = (await r.json()).secret;
  if (!session) throw new Error("no session secret");

  const wsUrl = `${server.socketApi.replace(/^http/, "ws")}/realtime?project=${projectId}&channels[]=account`;
  console.log(`  sockets connect ${server.direct ? "to the runtime directly (not through wrangler dev's proxy)" : "through wrangler dev's proxy"}`);
  const sockets = [];
  const pending = new Map(); // write id -> start time
  const latencies = [];
  const received = new Map(); // write id -> count
  const closes = new Map(); // close code -> sockets
  const open = () =>
    new Promise((resolve) => {
      const ws = new WebSocket(wsUrl, { headers: { "x-appwrite-session": session } });
      const done = (ok) => resolve(ok ? ws : null);
      const t = setTimeout(() => (ws.terminate(), done(false)), 30_000);
      ws.on("message", (m) => {
        const f = JSON.parse(m.toString());
        if (f.type === "connected") return clearTimeout(t), done(true);
        if (f.type === "event") {
          const id = f.data.payload?.name;
          const start = pending.get(id);
          if (start !== undefined) {
            latencies.push(performance.now() - start);
            received.set(id, (received.get(id) ?? 0) + 1);
          }
        }
      });
      ws.on("error", () => (clearTimeout(t), done(false)));
      ws.on("close", (code) => closes.set(code, (closes.get(code) ?? 0) + 1));
    });

  try {
    const rssBefore = groupRssMb(port);
    // Phase 1: connect N sockets, PARALLEL at a time.
    const t0 = performance.now();
    const deadline = Date.now() + PHASE_MS;
    let failed = 0;
    while (sockets.length + failed < N && Date.now() < deadline) {
      const batch = await Promise.all(Array.from({ length: Math.min(PARALLEL, N - sockets.length - failed) }, open));
      for (const ws of batch) ws ? sockets.push(ws) : failed++;
    }
    const connectS = (performance.now() - t0) / 1000;
    await sleep(1000);
    const rssAfter = groupRssMb(port);
    ctx.row("realtime: concurrent sockets on one channel", { sockets: sockets.length, target: N, failed });
    ctx.row("realtime: connect rate (sockets/s, 100 in flight)", { rate: sockets.length / connectS, seconds: connectS });
    const per1k = (a, b) => ((b - a) / Math.max(1, sockets.length)) * 1000;
    ctx.row("realtime: server memory (workerd RSS, MB; proxy = wrangler dev's local proxy)", {
      runtimeBefore: rssBefore.runtime,
      runtimeAfter: rssAfter.runtime,
      runtimePer1k: per1k(rssBefore.runtime, rssAfter.runtime),
      proxyPer1k: per1k(rssBefore.proxy, rssAfter.proxy),
    });

    // Phase 2: WRITES sequential writes; each is an account event every socket subscribes to.
    let complete = 0;
    const delivered = [];
    const openAtStart = sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
    for (let i = 0; i < WRITES; i++) {
      const id = `w${i}-${Date.now()}`;
      pending.set(id, performance.now());
      const res = await fetch(`${api}/users/${userId}/name`, { method: "PATCH", headers, body: JSON.stringify({ name: id }) });
      if (!res.ok) throw new Error(`write failed: ${res.status}`);
      const until = Date.now() + 30_000;
      const target = () => sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
      while ((received.get(id) ?? 0) < sockets.length && Date.now() < until) await sleep(5);
      if ((received.get(id) ?? 0) >= sockets.length) complete++;
      else console.log(`  write ${i}: ${received.get(id) ?? 0}/${sockets.length} delivered after 30 s (${target()} sockets open)`);
      delivered.push(received.get(id) ?? 0);
    }
    ctx.row(`realtime: write-to-receipt latency over ${sockets.length} sockets × ${WRITES} writes (ms)`, {
      p50: pct(latencies, 50),
      p99: pct(latencies, 99),
      max: Math.max(...latencies),
      fullFanouts: complete,
      minDelivered: Math.min(...delivered),
      openAtStart,
      openAtEnd: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length,
    });
    if (closes.size) ctx.row("realtime: sockets closed by the server during the run (by close code)", Object.fromEntries(closes));
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}
