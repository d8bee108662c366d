// GraphQL: the first document after start (its schema cut is built), the first introspection (the whole schema),
// then the same 10-row page through REST and through GraphQL under load — the GraphQL overhead on top of the
// REST route it runs (parse, validate, limits, one in-process request).
export default async function (ctx) {
  const { projectId, key } = ctx.project;
  const h = { "content-type": "application/json", "x-appwrite-project": projectId, "x-appwrite-key": key };
  const call = async (method, p, body) => {
    const r = await fetch(`${ctx.api}${p}`, { method, headers: h, body: body && JSON.stringify(body) });
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  await call("POST", "/tablesdb", { databaseId: "gql", name: "GraphQL" });
  await call("POST", "/tablesdb/gql/tables", { tableId: "t", name: "T", permissions: ['read("any")'], columns: [{ key: "title", type: "varchar", size: 64, required: false }] });
  await call("POST", "/tablesdb/gql/tables/t/rows", { rows: Array.from({ length: 10 }, (_, i) => ({ $id: `r${i}`, title: `row ${i}` })) });
  const query = JSON.stringify({ query: `query { tablesDBListRows(databaseId: "gql", tableId: "t") { total rows { _id data } } }` });
  const timed = async (body) => {
    const t0 = performance.now();
    const out = await call("POST", "/graphql", body);
    if (out.errors) throw new Error(JSON.stringify(out.errors));
    return performance.now() - t0;
  };
  ctx.row("first GraphQL document (schema cut built)", { ms: await timed(JSON.parse(query)) });
  ctx.row("first introspection (whole schema built)", { ms: await timed({ query: "{ __schema { types { name } } }" }) });
  await ctx.load("REST GET …/rows (10 rows)", { path: "/tablesdb/gql/tables/t/rows", headers: h });
  await ctx.load("GraphQL tablesDBListRows (10 rows)", { path: "/graphql", method: "POST", headers: h, body: query });
}
