// Event pipeline: the dispatcher's saturation point (events/s at which its lag starts to grow) and the event
// lag (write → consumer receipt) with 1, 2 and 8 projects writing at once.
//
// Each project has one table readable by anyone and one guest realtime socket on its rows channel; writers create
// rows through the API (POST …/rows with a key, ROWS_PER_REQUEST rows per request: one D1 batch = the rows + one
// outbox event each), open-loop at a target event rate spread evenly over the projects. Bulk requests keep the
// API's own request rate (the limit on a loaded local machine) from capping the event rate. The realtime consumer
// is the one the dispatcher feeds directly (webhooks add a Queue hop), so the lag measured is the dispatcher's:
// request start → the event frame on the socket.
// The rate steps up (BENCH_EVENTS_RATES, events/s in total) until the lag grows within a step: its last quarter's
// p50 lag after commit over twice its first quarter's + 50 ms, events committed but not received at the step's end
// over half a second of writes, or fewer than 80 % of the written events received within the step. The last step
// that held is the ceiling. A step whose writes the API itself could not issue at the asked rate (< 90 %) is marked
// api-bound: the dispatcher was not what limited it (the ceiling is then a lower bound).
// BENCH_EVENTS_PROJECTS (default "1,2,8"), BENCH_EVENTS_STEP_SECONDS (default 4), BENCH_EVENTS_ROWS_PER_REQUEST (20).
import WebSocket from "ws";

const PROJECTS = (process.env.BENCH_EVENTS_PROJECTS ?? "1,2,8").split(",").map(Number);
const RATES = (process.env.BENCH_EVENTS_RATES ?? "50,100,200,400,800,1600").split(",").map(Number);
const STEP_S = Number(process.env.BENCH_EVENTS_STEP_SECONDS ?? 4);
const MAX_INFLIGHT = 64;
const PER_REQ = Number(process.env.BENCH_EVENTS_ROWS_PER_REQUEST ?? 20);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);
const SCOPES = ["databases.read", "databases.write", "tables.read", "tables.write", "columns.read", "columns.write", "rows.read", "rows.write"];

async function makeProject(ctx, tag, i) {
  const admin = { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": ctx.adminKey };
  const projectId = `ev${tag}x${i}${Math.random().toString(36).slice(2, 6)}`;
  const post = async (p, headers, body) => {
    const r = await fetch(`${ctx.api}${p}`, { method: "POST", headers, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`POST ${p}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  await post("/projects", admin, { projectId, name: projectId });
  const key = (await post(`/projects/${projectId}/keys`, admin, { name: "bench", scopes: SCOPES })).secret;
  const headers = { "content-type": "application/json", "x-appwrite-project": projectId, "x-appwrite-key": key };
  await post("/tablesdb", headers, { databaseId: "db", name: "db" });
  await post("/tablesdb/db/tables", headers, { tableId: "t", name: "t", permissions: ['read("any")'] });
  await post("/tablesdb/db/tables/t/columns/varchar", headers, { key: "name", size: 64, required: true });
  for (let i = 0; i < 100; i++) {
    const col = await (await fetch(`${ctx.api}/tablesdb/db/tables/t/columns/name`, { headers })).json();
    if (col.status === "available") break;
    await sleep(100);
  }
  const project = { projectId, headers, sent: new Map(), acked: new Map(), lags: [], received: 0 };
  const url = `${ctx.api.replace(/^http/, "ws")}/realtime?project=${projectId}&channels[]=databases.db.tables.t.rows`;
  project.ws = await new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const t = setTimeout(() => reject(new Error("socket did not connect")), 30_000);
    ws.on("message", (raw) => {
      const f = JSON.parse(String(raw));
      if (f.type === "connected") return clearTimeout(t), resolve(ws);
      if (f.type !== "event") return;
      const name = f.data.payload?.name;
      const at = project.sent.get(name);
      if (at === undefined) return;
      const now = performance.now();
      const acked = project.acked.get(name);
      project.sent.delete(name);
      project.acked.delete(name);
      project.received++;
      // lag: request start → receipt; dispatch: commit acknowledged → receipt (0: it beat the response).
      project.lags.push({ at: now, lag: now - at, dispatch: acked === undefined ? 0 : now - acked });
    });
    ws.on("error", reject);
  });
  return project;
}

/** One open-loop step at `rate` events/s in total for STEP_S seconds; waits for the backlog to drain after. */
async function step(projects, rate) {
  for (const p of projects) (p.lags = []), (p.received = 0);
  let issued = 0;
  let done = 0;
  let inflight = 0;
  let failed = 0;
  const writeMs = [];
  const t0 = performance.now();
  const end = t0 + STEP_S * 1000;
  const write = async (p, names) => {
    inflight++;
    const start = performance.now();
    for (const name of names) p.sent.set(name, start);
    const forget = () => ((failed += names.length), names.forEach((n) => p.sent.delete(n)));
    try {
      const rows = names.map((name) => ({ $id: "unique()", name }));
      const r = await fetch(`${ctxApi}/tablesdb/db/tables/t/rows`, { method: "POST", headers: p.headers, body: JSON.stringify({ rows }) });
      await r.arrayBuffer();
      if (!r.ok) forget();
      const ack = performance.now();
      for (const name of names) if (p.sent.has(name)) p.acked.set(name, ack);
      writeMs.push(ack - start);
    } catch {
      forget();
    } finally {
      inflight--;
      done++;
    }
  };
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (issued + PER_REQ <= due && inflight < MAX_INFLIGHT) {
      const p = projects[(issued / PER_REQ) % projects.length];
      void write(p, Array.from({ length: PER_REQ }, (_, i) => `n${rate}-${issued + i}`));
      issued += PER_REQ;
    }
    await sleep(5);
  }
  const elapsed = (performance.now() - t0) / 1000;
  const backlog = projects.reduce((n, p) => n + p.acked.size, 0); // committed, not yet received
  const all = projects.flatMap((p) => p.lags);
  const inWindow = all.filter((l) => l.at <= end);
  const q = (STEP_S * 1000) / 4;
  const early = inWindow.filter((l) => l.at < t0 + q).map((l) => l.dispatch);
  const late = inWindow.filter((l) => l.at >= end - q).map((l) => l.dispatch);
  // Drain: everything written must still arrive (at least once); give it up to 60 s.
  for (let i = 0; i < 600 && (inflight > 0 || projects.some((p) => p.sent.size > 0)); i++) await sleep(100);
  const lost = projects.reduce((n, p) => n + p.sent.size, 0);
  for (const p of projects) p.sent.clear(), p.acked.clear();
  const lags = projects.flatMap((p) => p.lags).map((l) => l.lag);
  const dispatch = projects.flatMap((p) => p.lags).map((l) => l.dispatch);
  const delivered = inWindow.length / elapsed;
  const written = (issued - failed) / elapsed;
  const grew = !(pct(late, 50) <= 2 * pct(early, 50) + 50) || backlog > rate / 2 || delivered < 0.8 * written;
  return {
    rate,
    written,
    delivered,
    apiBound: issued / elapsed < 0.9 * rate,
    grew,
    backlog,
    lost,
    failed,
    lagP50: pct(lags, 50),
    lagP99: pct(lags, 99),
    dispatchP50: pct(dispatch, 50),
    dispatchP99: pct(dispatch, 99),
    earlyP50: pct(early, 50),
    lateP50: pct(late, 50),
    writeP50: pct(writeMs, 50),
  };
}

let ctxApi = "";

export default async function events(ctx) {
  ctxApi = ctx.api;
  const summary = [];
  for (const n of PROJECTS) {
    const projects = [];
    for (let i = 0; i < n; i++) projects.push(await makeProject(ctx, n, i));
    await step(projects, PER_REQ * 2); // warm up: isolates, dispatcher objects, shards
    let ceiling = null;
    let peak = 0;
    for (const rate of RATES) {
      const r = await step(projects, rate);
      peak = Math.max(peak, r.delivered);
      ctx.row(`${n} project(s) at ${rate} events/s`, {
        "written/s": r.written,
        "delivered/s": r.delivered,
        "lag p50 ms": r.lagP50,
        "lag p99 ms": r.lagP99,
        "after-commit p50 ms": r.dispatchP50,
        "after-commit p99 ms": r.dispatchP99,
        "after-commit p50 first→last quarter ms": `${r.earlyP50?.toFixed?.(0)}→${r.lateP50?.toFixed?.(0)}`,
        "write p50 ms": r.writeP50,
        backlog: r.backlog,
        ...(r.lost ? { lost: r.lost } : {}),
        ...(r.failed ? { "failed writes": r.failed } : {}),
        state: (r.grew ? "lag grows" : "holds") + (r.apiBound ? " (api-bound)" : ""),
      });
      if (r.grew) break;
      ceiling = r;
      if (r.apiBound) break; // the API, not the dispatcher, is the limit here: the ceiling is higher still
    }
    summary.push({ n, ceiling, peak });
    for (const p of projects) p.ws.close();
  }
  for (const s of summary) {
    ctx.row(`dispatcher ceiling, ${s.n} project(s) writing at once`, {
      "events/s (last step that held)": s.ceiling?.delivered ?? 0,
      "lag p50 ms there": s.ceiling?.lagP50 ?? NaN,
      "lag p99 ms there": s.ceiling?.lagP99 ?? NaN,
      "after-commit p50 ms there": s.ceiling?.dispatchP50 ?? NaN,
      "peak delivered/s": s.peak,
      limit: s.ceiling?.apiBound ? "api-bound: the dispatcher's ceiling is above this" : "the next step's lag grew",
    });
  }
}
