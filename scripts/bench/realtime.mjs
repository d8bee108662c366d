// Realtime figures: N concurrent sockets on one channel, connect rate, write-to-receipt latency, memory.
// Bounded and self-stopping: every phase has a deadline, all sockets are closed and the server stopped at the end.
// BENCH_RT_SOCKETS (default 5000), BENCH_RT_WRITES (default 10) and BENCH_RT_ROUNDS (default 5) tune it.
// Receipt time = a frame's arrival minus the write's response arrival, beside the realtime floor
// (bench/floor/src/realtime.ts: D1 insert, then a broadcast to hibernating sockets in 4 shard objects).
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
const PHASE_MS = Number(process.env.BENCH_RT_PHASE_MS ?? 120_000);
const RECEIPT_ROUNDS = Number(process.env.BENCH_RT_ROUNDS ?? 5); // × 10 writes each, 1 subscriber

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
async function runtimeEntry(child, publicPort, probe = async (base) => {
  const r = await fetch(`${base}/v1/health/version`, { signal: AbortSignal.timeout(1000) });
  return r.ok && "version" in (await r.json()) ? `${base}/v1` : null;
}) {
  const pgid = String(child.pid);
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
      if (st[2] !== pgid || readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "workerd") continue;
      const ports = listeningPorts(pid);
      if (ports.includes(publicPort)) continue;
      for (const port of ports) {
        try {
          const found = await probe(`http://127.0.0.1:${port}`);
          if (found) return found;
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
    .replace(/^migrations_dir\s*=.*$/gm, `migrations_dir = ${JSON.stringify(path.join(ROOT, "migrations"))}`);
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

/** The realtime floor (bench/floor/src/realtime.ts) on a server of its own, sockets straight to its runtime. */
async function floorServer() {
  const dir = mkdtempSync(path.join(tmpdir(), "edgewrite-rt-floor-"));
  const server = await startServer({ persistDir: path.join(dir, "state"), config: "bench/floor/wrangler.toml" });
  const direct = await runtimeEntry(server.child, server.port, async (base) => {
    const r = await fetch(`${base}/ping`, { signal: AbortSignal.timeout(1000) });
    return r.ok && (await r.text()) === "Pong!" ? base : null;
  });
  return {
    base: direct ?? server.url,
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
  let floor = null;
  try {
    floor = await floorServer();
    await run(ctx, server, floor);
  } catch (e) {
    console.log(`  realtime bench server output (tail):\n${server.output().slice(-3000)}`);
    if (floor) console.log(`  realtime floor output (tail):\n${floor.output().slice(-2000)}`);
    throw e;
  } finally {
    await server.stop();
    await floor?.stop();
  }
}

/**
 * Sockets that note when each write's frame arrives (frames carry the write's id as `payload.name`).
 * `open()` resolves with the socket once its `connected` frame came, or null.
 */
function socketPool(wsUrl, headers) {
  const sockets = [];
  const arrivals = new Map(); // write id -> arrival times (performance.now())
  const closes = new Map(); // close code -> sockets
  const open = () =>
    new Promise((resolve) => {
      const ws = new WebSocket(wsUrl, { headers });
      const done = (ok) => resolve(ok ? ws : null);
      const t = setTimeout(() => (ws.terminate(), done(false)), 30_000);
      ws.on("message", (m) => {
        const now = performance.now();
        const f = JSON.parse(m.toString());
        if (f.type === "connected") return clearTimeout(t), done(true);
        if (f.type === "event") arrivals.get(f.data.payload?.name)?.push(now);
      });
      ws.on("error", () => (clearTimeout(t), done(false)));
      ws.on("close", (code) => closes.set(code, (closes.get(code) ?? 0) + 1));
    });
  return {
    sockets,
    closes,
    arrivals,
    openCount: () => sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length,
    /** Connect until `n` are open (PARALLEL at a time, PHASE_MS at most). */
    async connect(n) {
      const t0 = performance.now();
      const deadline = Date.now() + PHASE_MS;
      let failed = 0;
      while (sockets.length < n && Date.now() < deadline) {
        const batch = await Promise.all(Array.from({ length: Math.min(PARALLEL, n - sockets.length) }, open));
        for (const ws of batch) ws ? sockets.push(ws) : failed++;
      }
      return { failed, seconds: (performance.now() - t0) / 1000 };
    },
    close() {
      for (const ws of sockets.splice(0)) ws.terminate();
    },
  };
}

/**
 * `writes` sequential writes; for each, every open socket's frame. `receipt`: frame arrival minus the
 * write's response arrival (negative: the frame came first); `fromStart`: minus the request's start.
 */
async function receipts(pool, write, writes, tag) {
  const receipt = [];
  const fromStart = [];
  let complete = 0;
  let minDelivered = Infinity;
  for (let i = 0; i < writes; i++) {
    const id = `${tag}${i}-${Date.now()}`;
    const got = [];
    pool.arrivals.set(id, got);
    const expected = pool.openCount();
    const t0 = performance.now();
    const res = await write(id);
    const tResponse = performance.now();
    if (!res.ok) throw new Error(`write failed: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    const until = Date.now() + 30_000;
    while (got.length < expected && Date.now() < until) await sleep(got.length ? 1 : 2);
    if (got.length >= expected) complete++;
    else console.log(`  ${tag} write ${i}: ${got.length}/${expected} delivered after 30 s`);
    minDelivered = Math.min(minDelivered, got.length);
    for (const t of got) {
      receipt.push(t - tResponse);
      fromStart.push(t - t0);
    }
    pool.arrivals.delete(id);
    await sleep(20); // let the outbox copy of this write pass before the next
  }
  return { receipt, fromStart, complete, minDelivered };
}

const stats = (xs) => ({ p50: pct(xs, 50), p99: pct(xs, 99) });

async function run(ctx, server, floor) {
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
  console.log(`  sockets ${server.direct ? "and receipt-time writes go to the runtime directly (not through wrangler dev's proxy)" : "go through wrangler dev's proxy"}`);
  // Edgewrite's write: an account event every socket subscribes to. The floor's: one D1 insert + broadcast.
  const edgeWrite = (base) => (id) => fetch(`${base}/users/${userId}/name`, { method: "PATCH", headers, body: JSON.stringify({ name: id }) });
  const floorWrite = (id) => fetch(`${floor.base}/realtime/write`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: id }) });
  const edge = socketPool(wsUrl, { "x-appwrite-session": session });
  const bare = socketPool(`${floor.base.replace(/^http/, "ws")}/realtime`, {});

  try {
    // Phase 0: one subscriber each, interleaved rounds (machine load hits both alike).
    await edge.connect(1);
    await bare.connect(1);
    const one = { edge: [], floor: [] };
    for (let round = 0; round < RECEIPT_ROUNDS; round++) {
      const e = await receipts(edge, edgeWrite(server.socketApi), 10, "one-e");
      const f = await receipts(bare, floorWrite, 10, "one-f");
      e.receipt.forEach((receipt, i) => one.edge.push({ receipt, fromStart: e.fromStart[i] }));
      f.receipt.forEach((receipt, i) => one.floor.push({ receipt, fromStart: f.fromStart[i] }));
    }
    ctx.row("realtime: receipt after the write's response, 1 subscriber (ms; floor = D1 insert + broadcast)", {
      ...stats(one.edge.map((x) => x.receipt)),
      floorP50: pct(one.floor.map((x) => x.receipt), 50),
      floorP99: pct(one.floor.map((x) => x.receipt), 99),
      fromStartP50: pct(one.edge.map((x) => x.fromStart), 50),
      floorFromStartP50: pct(one.floor.map((x) => x.fromStart), 50),
      samples: one.edge.length,
    });
    edge.close();
    bare.close();
    await sleep(1000);

    const rssBefore = groupRssMb(port);
    // Phase 1: connect N sockets, PARALLEL at a time.
    const { failed, seconds: connectS } = await edge.connect(N);
    await sleep(1000);
    const rssAfter = groupRssMb(port);
    const sockets = edge.sockets;
    ctx.row("realtime: concurrent sockets on one channel", { sockets: sockets.length, target: N, failed });
    ctx.row("realtime: connect rate (sockets/s, 100 in flight)", { rate: sockets.length / connectS, seconds: connectS });
    const per1k = (a, b) => ((b - a) / Math.max(1, sockets.length)) * 1000;
    ctx.row("realtime: server memory (workerd RSS, MB; proxy = wrangler dev's local proxy)", {
      runtimeBefore: rssBefore.runtime,
      runtimeAfter: rssAfter.runtime,
      runtimePer1k: per1k(rssBefore.runtime, rssAfter.runtime),
      proxyPer1k: per1k(rssBefore.proxy, rssAfter.proxy),
    });

    // Phase 2: WRITES sequential writes through the proxy (as a client would locally), then WRITES to the runtime.
    const openAtStart = edge.openCount();
    const viaProxy = await receipts(edge, edgeWrite(api), WRITES, "w");
    ctx.row(`realtime: write-to-receipt latency over ${sockets.length} sockets × ${WRITES} writes (ms)`, {
      ...stats(viaProxy.fromStart),
      max: Math.max(...viaProxy.fromStart),
      fullFanouts: viaProxy.complete,
      minDelivered: viaProxy.minDelivered,
      openAtStart,
      openAtEnd: edge.openCount(),
    });
    const many = await receipts(edge, edgeWrite(server.socketApi), WRITES, "m");
    const closes = new Map(edge.closes); // by the server, before the bench closes its own
    const edgeSockets = sockets.length;
    edge.close();
    await sleep(1000);

    // The floor with as many sockets.
    await bare.connect(N);
    const manyFloor = await receipts(bare, floorWrite, WRITES, "mf");
    ctx.row(`realtime: receipt after the write's response, ${edgeSockets} sockets × ${WRITES} writes (ms; floor: ${bare.sockets.length} sockets)`, {
      ...stats(many.receipt),
      floorP50: pct(manyFloor.receipt, 50),
      floorP99: pct(manyFloor.receipt, 99),
      fromStartP50: pct(many.fromStart, 50),
      fromStartP99: pct(many.fromStart, 99),
      floorFromStartP50: pct(manyFloor.fromStart, 50),
      floorFromStartP99: pct(manyFloor.fromStart, 99),
      fullFanouts: many.complete,
      floorFullFanouts: manyFloor.complete,
    });
    if (closes.size) ctx.row("realtime: sockets closed by the server during the run (by close code)", Object.fromEntries(closes));
  } finally {
    edge.close();
    bare.close();
  }
}
