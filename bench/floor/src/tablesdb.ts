import type { FloorEnv, FloorRoutes } from "./routes";

/**
 * Raw D1 work behind TablesDB's row routes, without Edgewrite's params, metadata, permissions or
 * events: a row table shaped like Edgewrite's (`_seq`, `_uid`, times, permissions JSON, two columns,
 * an index on `n`), one INSERT per createRow, one SELECT by id per getRow, one UPDATE … RETURNING per
 * updateRow, and a page of 25 filtered rows plus the capped count in one batch per listRows.
 */
const hex = (n: number) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");
const json = (v: unknown, status = 200) => new Response(JSON.stringify(v), { status, headers: { "content-type": "application/json" } });
const name = (url: URL) => (url.searchParams.get("table") === "big" ? "bench_rows_big" : "bench_rows");

export const routes: FloorRoutes = {
  /** {table?: "big", count, mod}: (re)create the table and seed `count` rows with n = i % mod. */
  "POST /tablesdb/setup": async (req: Request, env: FloorEnv) => {
    const url = new URL(req.url);
    const t = name(url);
    const { count, mod } = (await req.json()) as { count: number; mod: number };
    await env.DB.batch([
      env.DB.prepare(`DROP TABLE IF EXISTS ${t}`),
      env.DB.prepare(`CREATE TABLE ${t} (_seq INTEGER PRIMARY KEY AUTOINCREMENT, _uid TEXT NOT NULL UNIQUE, _createdAt INTEGER NOT NULL, _updatedAt INTEGER NOT NULL, _permissions TEXT NOT NULL DEFAULT '[]', title TEXT, n INTEGER)`),
      env.DB.prepare(`CREATE INDEX ${t}_n ON ${t} (n)`),
    ]);
    for (let start = 0; start < count; start += 1000) {
      const rows = Array.from({ length: Math.min(1000, count - start) }, (_, k) => [`r${start + k}`, Date.now(), Date.now(), "[]", `Row ${start + k}`, (start + k) % mod]);
      await env.DB.prepare(`INSERT INTO ${t} (_uid, _createdAt, _updatedAt, _permissions, title, n) SELECT json_extract(value,'$[0]'), json_extract(value,'$[1]'), json_extract(value,'$[2]'), json_extract(value,'$[3]'), json_extract(value,'$[4]'), json_extract(value,'$[5]') FROM json_each(?1)`).bind(JSON.stringify(rows)).run();
    }
    return json({ ok: true });
  },

  "POST /tablesdb/rows": async (req: Request, env: FloorEnv) => {
    const { data } = (await req.json()) as { data: { title: string; n: number } };
    const now = Date.now();
    const row = await env.DB.prepare(`INSERT INTO bench_rows (_uid, _createdAt, _updatedAt, _permissions, title, n) VALUES (?1, ?2, ?2, '[]', ?3, ?4) RETURNING *`)
      .bind(hex(10), now, data.title, data.n).first();
    return json(row, 201);
  },

  "PATCH /tablesdb/row": async (req: Request, env: FloorEnv) => {
    const id = new URL(req.url).searchParams.get("id");
    const { data } = (await req.json()) as { data: { title: string; n: number } };
    const row = await env.DB.prepare("UPDATE bench_rows SET title = ?2, n = ?3, _updatedAt = max(?4, _updatedAt + 1) WHERE _uid = ?1 RETURNING *")
      .bind(id, data.title, data.n, Date.now()).first();
    return row ? json(row) : json({ message: "not found" }, 404);
  },

  "GET /tablesdb/row": async (req: Request, env: FloorEnv) => {
    const id = new URL(req.url).searchParams.get("id");
    const row = await env.DB.prepare("SELECT * FROM bench_rows WHERE _uid = ?1").bind(id).first();
    return row ? json(row) : json({ message: "not found" }, 404);
  },

  /** ?n=5&total=true|false[&table=big]: 25 rows (filtered on n when given) plus the count capped at 5,000. */
  "GET /tablesdb/list": async (req: Request, env: FloorEnv) => {
    const url = new URL(req.url);
    const t = name(url);
    const n = url.searchParams.get("n");
    const where = n === null ? "1" : "n = ?1";
    const binds = n === null ? [] : [Number(n)];
    const stmts = [env.DB.prepare(`SELECT * FROM ${t} WHERE ${where} ORDER BY _seq LIMIT 25`).bind(...binds)];
    if (url.searchParams.get("total") !== "false") stmts.push(env.DB.prepare(`SELECT COUNT(*) AS total FROM (SELECT 1 FROM ${t} WHERE ${where} LIMIT 5000)`).bind(...binds));
    const [page, count] = await env.DB.batch(stmts);
    return json({ total: count ? (count.results[0] as { total: number }).total : 0, rows: page!.results });
  },
};
