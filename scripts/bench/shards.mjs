// Data databases (docs/SCALING.md): createRow req/s from two projects writing at once, 10 connections in all
// (5 each), when both projects are on one data database vs on two; then one project on the control database `DB`
// (access checked by row signatures) vs on a data database (by the access stamp, migration 0030); beside the floor's
// raw D1 insert under the same 10 connections. Projects are placed with the move API.
import autocannon from "autocannon";

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

export default async function (ctx) {
  const admin = { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": ctx.adminKey };
  const consoleCall = async (method, p, body) => {
    const r = await fetch(`${ctx.api}${p}`, { method, headers: admin, body: body && JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const scopes = ["databases.read", "databases.write", "tables.read", "tables.write", "columns.read", "columns.write", "rows.read", "rows.write"];

  /** A project with table bench/items, on `database`. */
  async function project(id, database) {
    await consoleCall("POST", "/projects", { projectId: id, name: id });
    const { secret } = await consoleCall("POST", `/projects/${id}/keys`, { name: "bench", scopes });
    const headers = { "content-type": "application/json", "x-appwrite-project": id, "x-appwrite-key": secret };
    const call = async (p, body) => {
      const r = await fetch(`${ctx.api}${p}`, { method: "POST", headers, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    };
    await call("/tablesdb", { databaseId: "bench", name: "Bench" });
    await call("/tablesdb/bench/tables", { tableId: "items", name: "items", permissions: ['read("any")', 'create("any")'], columns: [{ key: "title", type: "varchar", size: 64, required: false }, { key: "n", type: "integer", required: false }] });
    const at = (await consoleCall("GET", `/edgewrite/shards/projects/${id}`)).database;
    if (at !== database) {
      let m = await consoleCall("POST", "/edgewrite/shards/moves", { projectId: id, database });
      while (m.status !== "done" && m.status !== "failed") {
        await new Promise((r) => setTimeout(r, 250));
        m = await consoleCall("GET", `/edgewrite/shards/moves/${m.$id}`);
      }
      if (m.status !== "done") throw new Error(`move of ${id} to ${database} failed: ${m.error}`);
    }
    return { id, headers };
  }

  const body = JSON.stringify({ rowId: "unique()", data: { title: "new row", n: 1 } });
  const path = "/tablesdb/bench/tables/items/rows";
  const run = (url, headers, connections) =>
    new Promise((resolve, reject) =>
      autocannon({ url, method: "POST", headers, body, connections, duration: DURATION }, (err, r) => (err ? reject(err) : resolve(r))),
    );
  /** Several projects at once, `connections` each: summed req/s, mean p50/p99, errors. */
  async function together(projects, connections) {
    const rs = await Promise.all(projects.map((p) => run(`${ctx.api}${path}`, p.headers, connections)));
    return { rps: rs.reduce((s, r) => s + r.requests.average, 0), p50: rs.reduce((s, r) => s + r.latency.p50, 0) / rs.length, p99: Math.max(...rs.map((r) => r.latency.p99)), errors: rs.reduce((s, r) => s + r.errors + r.non2xx, 0) };
  }

  const a1 = await project("shards-a1", "DB_1");
  const a2 = await project("shards-a2", "DB_1");
  const b2 = await project("shards-b2", "DB_2");
  const c0 = await project("shards-c0", "DB");
  await fetch(`${ctx.floor}/tablesdb/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ count: 100, mod: 10 }) });
  const floorRow = { url: `${ctx.floor}/tablesdb/rows`, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ data: { title: "new row", n: 1 } }), connections: 10, duration: DURATION };

  const cases = [
    ["2 projects on one data database (DB_1 + DB_1), 5 connections each", () => together([a1, a2], 5)],
    ["2 projects on two data databases (DB_1 + DB_2), 5 connections each", () => together([a1, b2], 5)],
    ["1 project on a data database (DB_1; access stamp), 10 connections", () => together([a1], 10)],
    ["1 project on the control database (DB; access row signatures), 10 connections", () => together([c0], 10)],
    ["floor: raw D1 INSERT … RETURNING, 10 connections", async () => { const r = await autocannon(floorRow); return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx }; }],
  ];
  const results = cases.map(() => []);
  // Interleaved rounds, so load from elsewhere on the machine hits every case alike.
  for (let round = 0; round < ROUNDS; round++) for (const [i, [, fn]] of cases.entries()) results[i].push(await fn());
  const floorRps = results[4].reduce((s, r) => s + r.rps, 0) / ROUNDS;
  for (const [i, [label]] of cases.entries()) {
    const rs = results[i];
    const avg = (k) => rs.reduce((s, r) => s + r[k], 0) / rs.length;
    ctx.row(`createRow: ${label}`, { "req/s": avg("rps"), "p50 ms": avg("p50"), "p99 ms": avg("p99"), errors: rs.reduce((s, r) => s + r.errors, 0), "vs floor %": (avg("rps") / floorRps) * 100, rounds: rs.map((r) => Math.round(r.rps)).join("/") });
  }
}
