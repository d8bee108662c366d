// Realtime figures: N concurrent sockets on one channel, connect rate, write-to-receipt latency, memory.
// Bounded and self-stopping: every phase has a deadline and all sockets are closed at the end.
// BENCH_RT_SOCKETS (default 5000) and BENCH_RT_WRITES (default 10) tune it.
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import WebSocket from "ws";

const N = Number(process.env.BENCH_RT_SOCKETS ?? 5000);
const WRITES = Number(process.env.BENCH_RT_WRITES ?? 10);
const PARALLEL = 100; // sockets opening at once
const PHASE_MS = 120_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

/** RSS (MB) of the workerd processes in the process group of whoever listens on `port` (wrangler dev: proxy + user worker). */
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
    if (!pgid) return NaN;
    let kb = 0;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        if (stat(pid)[2] !== pgid || readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "workerd") continue;
        const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        if (m) kb += Number(m[1]);
      } catch {
        /* gone */
      }
    }
    return kb / 1024;
  } catch {
    return NaN;
  }
}

export default async function realtime(ctx) {
  const { projectId, key } = ctx.project;
  const headers = { "content-type": "application/json", "x-appwrite-project": projectId, "x-appwrite-key": key };
  const port = Number(new URL(ctx.api).port);
  const userId = `rt-bench-${Date.now().toString(36)}`;
  let r = await fetch(`${ctx.api}/users`, { method: "POST", headers, body: JSON.stringify({ userId, email: `${userId}@example.com`, password: "password-1234" }) });
  if (!r.ok) throw new Error(`user create failed: ${r.status} ${await r.text()}`);
  r = await fetch(`${ctx.api}/users/${userId}/sessions`, { method: "POST", headers, body: "{}" });
  const session = (await r.json()).secret;
  if (!session) throw new Error("no session secret");

  const wsUrl = `${ctx.api.replace(/^http/, "ws")}/realtime?project=${projectId}&channels[]=account`;
  const sockets = [];
  const pending = new Map(); // write id -> start time
  const latencies = [];
  const received = new Map(); // write id -> count
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
    ctx.row("realtime: server memory (workerd RSS, MB)", { before: rssBefore, after: rssAfter, perThousandSockets: ((rssAfter - rssBefore) / Math.max(1, sockets.length)) * 1000 });

    // Phase 2: WRITES sequential writes; each is an account event every socket subscribes to.
    let complete = 0;
    const delivered = [];
    for (let i = 0; i < WRITES; i++) {
      const id = `w${i}-${Date.now()}`;
      pending.set(id, performance.now());
      const res = await fetch(`${ctx.api}/users/${userId}/name`, { method: "PATCH", headers, body: JSON.stringify({ name: id }) });
      if (!res.ok) throw new Error(`write failed: ${res.status}`);
      const until = Date.now() + 30_000;
      while ((received.get(id) ?? 0) < sockets.length && Date.now() < until) await sleep(5);
      if ((received.get(id) ?? 0) >= sockets.length) complete++;
      delivered.push(received.get(id) ?? 0);
    }
    ctx.row(`realtime: write-to-receipt latency over ${sockets.length} sockets × ${WRITES} writes (ms)`, {
      p50: pct(latencies, 50),
      p99: pct(latencies, 99),
      max: Math.max(...latencies),
      fullFanouts: complete,
      minDelivered: Math.min(...delivered),
      open: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length,
    });
  } finally {
    for (const ws of sockets) ws.terminate();
  }
}
