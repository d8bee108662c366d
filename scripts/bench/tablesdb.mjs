// TablesDB rows: createRow, getRow, updateRow and listRows (25 rows filtered on an indexed column, with total) on a
// 10,000-row table, each beside the same raw D1 work on the floor; then listRows with total on 100,000
// rows vs total=false. Tables are seeded with bulk createRows (100 rows per call).
export default async function (ctx) {
  const { projectId, key } = ctx.project;
  const json = { "content-type": "application/json" };
  const api = { ...json, "x-appwrite-project": projectId, "x-appwrite-key": key };
  const call = async (method, p, body) => {
    const r = await fetch(`${ctx.api}${p}`, { method, headers: api, body: body && JSON.stringify(body) });
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const MOD = 400; // n = i % 400 → 25 rows per value on 10,000 rows

  await call("POST", "/tablesdb", { databaseId: "bench", name: "Bench" });
  const table = async (tableId) =>
    call("POST", "/tablesdb/bench/tables", {
      tableId, name: tableId, permissions: ['read("any")', 'create("any")'],
      columns: [{ key: "title", type: "varchar", size: 64, required: false }, { key: "n", type: "integer", required: false }],
      indexes: [{ key: "n_idx", type: "key", attributes: ["n"] }],
    });
  const seed = async (tableId, count) => {
    const t0 = performance.now();
    const calls = [];
    for (let start = 0; start < count; start += 100) calls.push(start);
    const worker = async () => {
      while (calls.length) {
        const start = calls.shift();
        const rows = Array.from({ length: 100 }, (_, k) => ({ $id: `r${start + k}`, title: `Row ${start + k}`, n: (start + k) % MOD }));
        await call("POST", `/tablesdb/bench/tables/${tableId}/rows`, { rows });
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    const s = (performance.now() - t0) / 1000;
    ctx.row(`seed ${count.toLocaleString("en-US")} rows with createRows (100/call)`, { seconds: s, "rows/s": count / s });
  };

  await table("items");
  await seed("items", 10_000);
  const floorSetup = await fetch(`${ctx.floor}/tablesdb/setup`, { method: "POST", headers: json, body: JSON.stringify({ count: 10_000, mod: MOD }) });
  if (!floorSetup.ok) throw new Error(`floor setup: ${await floorSetup.text()}`);

  const rowsPath = "/tablesdb/bench/tables/items/rows";
  const q = (o) => encodeURIComponent(JSON.stringify(o));
  const listQuery = `queries[0]=${q({ method: "equal", attribute: "n", values: [5] })}&queries[1]=${q({ method: "limit", values: [25] })}`;

  await ctx.load(
    "createRow (10k-row table)",
    { path: rowsPath, method: "POST", headers: api, body: JSON.stringify({ rowId: "unique()", data: { title: "new row", n: 100_000 } }) },
    { path: "/tablesdb/rows", method: "POST", headers: json, body: JSON.stringify({ data: { title: "new row", n: 100_000 } }) },
  );
  await ctx.load("getRow (10k-row table)", { path: `${rowsPath}/r5000`, headers: api }, { path: "/tablesdb/row?id=r5000" });
  const change = JSON.stringify({ data: { title: "updated row", n: 7 } });
  await ctx.load(
    "updateRow (10k-row table)",
    { path: `${rowsPath}/r5001`, method: "PATCH", headers: api, body: change },
    { path: "/tablesdb/row?id=r5001", method: "PATCH", headers: json, body: change },
  );
  await ctx.load(
    "listRows 25, equal on indexed column, with total (10k rows)",
    { path: `${rowsPath}?${listQuery}`, headers: api },
    { path: "/tablesdb/list?n=5" },
  );

  if (process.env.BENCH_BIG === "0") return; // the row-path figures alone
  await table("big");
  await seed("big", 100_000);
  const bigPath = "/tablesdb/bench/tables/big/rows";
  const withTotal = await ctx.load("listRows 25 with total (100k rows)", { path: bigPath, headers: api });
  const noTotal = await ctx.load("listRows 25 total=false (100k rows)", { path: `${bigPath}?total=false`, headers: api });
  ctx.row("100k: total=false / with total throughput", { ratio: noTotal.api.rps / withTotal.api.rps });
}
