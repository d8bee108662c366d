import { beforeAll, describe, expect, it } from "vitest";
import { adminKey, createProject, endpoint, type TestProject } from "./harness";

/**
 * Malformed input of every kind against routes of every service: each answer must be a 4xx Appwrite
 * error body `{message, code, type, version}` whose code equals the HTTP status — never a 5xx.
 * Routes that are not mounted answer 404 general_route_not_found, which also satisfies the contract.
 */
let project: TestProject;
beforeAll(async () => {
  project = await createProject("fuzz");
});

// Deterministic pseudo-random source so a failure reproduces.
let seed = 0x2f6b1d;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const BAD_IDS = ["_lead", ".dot", "-dash", "x".repeat(37), "a b", "a/b", "ümlaut", "a$b", "%00", "a\"b", "../../etc"];
const BAD_QUERIES = [
  "{", "[]", "null", "42", '"x"', '{"method":"drop","attribute":"a"}', '{"method":"equal","attribute":1,"values":[1]}',
  '{"method":"equal","attribute":"a","values":"x"}', '{"method":"limit","values":[-1]}', '{"method":"limit","values":["ten"]}',
  '{"method":"offset","values":[-5]}', '{"method":"or","values":[]}', '{"method":"and","values":["x"]}',
  '{"method":"cursorAfter","values":[""]}', '{"method":"equal","attribute":"nope' + "x".repeat(5000) + '"}',
  JSON.stringify({ method: "or", values: [{ method: "and", values: [{ method: "or", values: [{ method: "and", values: [{ method: "or", values: [{ method: "equal", attribute: "a", values: [1] }] }] }] }] }] }),
];
const BAD_BODIES = ["{", "[1,2]", "null", '"text"', "{\"a\":", "\u0000", "{}}".repeat(3), "[".repeat(5000)];

const ID = "fuzzid";
/** [method, path, body-params] — the body params are filled with wrong types and oversized arrays. */
const ROUTES: [string, string, string[]][] = [
  ["POST", "/users", ["userId", "email", "password", "name"]],
  ["GET", "/users", []],
  ["PATCH", `/users/${ID}/name`, ["name"]],
  ["PUT", `/users/${ID}/labels`, ["labels"]],
  ["POST", "/teams", ["teamId", "name", "roles"]],
  ["GET", "/teams", []],
  ["POST", `/teams/${ID}/memberships`, ["roles", "email", "userId"]],
  ["POST", "/account", ["userId", "email", "password"]],
  ["POST", "/account/sessions/email", ["email", "password"]],
  ["PATCH", "/account/prefs", ["prefs"]],
  ["GET", "/tablesdb", []],
  ["POST", "/tablesdb", ["databaseId", "name"]],
  ["POST", `/tablesdb/${ID}/tables`, ["tableId", "name", "permissions", "columns"]],
  ["GET", `/tablesdb/${ID}/tables/${ID}/rows`, []],
  ["POST", `/tablesdb/${ID}/tables/${ID}/rows`, ["rowId", "data", "permissions"]],
  ["PATCH", `/tablesdb/${ID}/tables/${ID}/rows`, ["data", "queries"]],
  ["GET", "/storage/buckets", []],
  ["POST", "/storage/buckets", ["bucketId", "name", "permissions", "allowedFileExtensions"]],
  ["GET", `/storage/buckets/${ID}/files`, []],
  ["GET", "/functions", []],
  ["POST", "/functions", ["functionId", "name", "runtime", "execute", "events"]],
  ["POST", `/functions/${ID}/executions`, ["body", "async", "headers"]],
  ["POST", `/projects/${ID}/keys`, ["name", "scopes"]],
];

const WRONG_VALUES: unknown[] = [12345, true, { nested: { deep: [1, 2] } }, [], ["x"], "", "x".repeat(100_000), -1, 1e308, Array(150).fill('read("any")')];

interface Attempt {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

async function send(a: Attempt) {
  const res = await fetch(`${endpoint}${a.path}`, { method: a.method, headers: a.headers, body: a.method === "GET" ? undefined : a.body });
  const text = await res.text();
  return { status: res.status, text, type: res.headers.get("content-type") ?? "" };
}

function expectAppwriteError(a: Attempt, r: { status: number; text: string; type: string }) {
  const where = `${a.method} ${a.path.slice(0, 120)} ${JSON.stringify(a.headers).slice(0, 200)} body=${(a.body ?? "").slice(0, 120)} -> ${r.status} ${r.text.slice(0, 200)}`;
  expect(r.status >= 400 && r.status < 500, where).toBe(true);
  expect(r.type, where).toContain("application/json");
  const body = JSON.parse(r.text);
  expect(body, where).toMatchObject({ code: r.status, version: "1.9.6" });
  expect(typeof body.message, where).toBe("string");
  expect(typeof body.type, where).toBe("string");
}

function attempts(): Attempt[] {
  const key = { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "content-type": "application/json" };
  const out: Attempt[] = [];
  for (const [method, path, fields] of ROUTES) {
    const consoleRoute = path.startsWith("/projects");
    const auth = consoleRoute ? { "x-appwrite-project": "console", "x-appwrite-key": adminKey, "content-type": "application/json" } : key;
    // Unknown project, wrong key, garbage credentials.
    out.push({ method, path, headers: { ...key, "x-appwrite-project": `nope${Math.floor(rand() * 1e9)}` }, body: "{}" });
    if (!consoleRoute) {
      out.push({ method, path, headers: { ...key, "x-appwrite-key": `standard_${"0".repeat(128)}` }, body: "{}" });
      out.push({ method, path, headers: { "x-appwrite-project": project.projectId, "x-appwrite-jwt": "e30.e30.sig", "content-type": "application/json" }, body: "{}" });
    }
    // Bad ids in the path.
    if (path.includes(ID)) out.push({ method, path: path.replace(ID, encodeURIComponent(pick(BAD_IDS))), headers: auth, body: "{}" });
    if (method === "GET") {
      // Malformed queries, too many queries, over-long queries.
      for (let i = 0; i < 3; i++) out.push({ method, path: `${path}?queries[0]=${encodeURIComponent(pick(BAD_QUERIES))}`, headers: auth });
      out.push({ method, path: `${path}?${Array.from({ length: 101 }, (_, i) => `queries[${i}]=${encodeURIComponent('{"method":"limit","values":[1]}')}`).join("&")}`, headers: auth });
      continue;
    }
    // Malformed bodies and non-object JSON.
    for (let i = 0; i < 3; i++) out.push({ method, path, headers: auth, body: pick(BAD_BODIES) });
    out.push({ method, path, headers: { ...auth, "content-type": "multipart/form-data" }, body: "--x\r\ngarbage" });
    // Each field with a wrong value (wrong type, oversized array, empty) while the others are sane.
    for (const f of fields) {
      const body: Record<string, unknown> = { [fields[0]!]: "unique()" };
      for (const g of fields) if (g !== f && g !== fields[0]) body[g] = g.endsWith("s") ? [] : "fuzz";
      body[f] = f.endsWith("Id") ? pick(BAD_IDS) : pick(WRONG_VALUES);
      if (body[f] === "" || (Array.isArray(body[f]) && (body[f] as unknown[]).length === 0) || body[f] === true) body[f] = Array(101).fill("x".repeat(5000));
      out.push({ method, path, headers: auth, body: JSON.stringify(body) });
    }
  }
  return out;
}

describe("fuzz: malformed input never yields a 5xx", () => {
  it("answers every malformed request with a 4xx Appwrite error", async () => {
    const all = attempts();
    expect(all.length).toBeGreaterThan(150);
    for (let i = 0; i < all.length; i += 8) {
      const batch = all.slice(i, i + 8);
      const results = await Promise.all(batch.map(send));
      batch.forEach((a, j) => expectAppwriteError(a, results[j]!));
    }
  });

  it("survives garbage session carriers (fallback cookies, cookies) as a guest", async () => {
    for (const headers of [
      { "x-fallback-cookies": "{{{" },
      { "x-fallback-cookies": JSON.stringify({ [`a_session_${project.projectId}`]: 42 }) },
      { cookie: `a_session_${project.projectId}=%%%not-base64` },
      { "x-appwrite-session": btoa('{"id":"_bad","secret":""}') },
      { "x-appwrite-session": "x".repeat(10_000) },
    ]) {
      const a = { method: "GET", path: "/account", headers: { "x-appwrite-project": project.projectId, ...headers } };
      const r = await send(a);
      expectAppwriteError(a, r);
      expect(JSON.parse(r.text).type).toBe("general_unauthorized_scope");
    }
  });
});

/**
 * Prototype keys at every depth of every input form (query-string names, multipart names, JSON bodies,
 * `data`/`prefs`/operations, query JSON, session carriers, path segments, realtime URLs and frames), on
 * every service, with and without credentials. No answer may be a 5xx, the isolate's built-in prototypes
 * must be untouched afterwards, and the next ordinary requests must behave as if nothing was sent.
 */
describe("fuzz: prototype keys never reach the isolate", () => {
  const PROTO_NAMES = ["__proto__", "constructor", "prototype"];
  const INHERITED = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "prototype", "isPrototypeOf", "__defineGetter__"];
  const db = "protodb";
  const table = "prototable";
  let userSecret = "";

  beforeAll(async () => {
    const { TablesDB, Users, Storage, Account, Client } = await import("node-appwrite");
    const tdb = new TablesDB(project.server());
    await tdb.create({ databaseId: db, name: "proto" });
    await tdb.createTable({ databaseId: db, tableId: table, name: "proto", permissions: ['read("any")', 'create("any")', 'update("any")', 'delete("any")'] });
    // Columns named like Object.prototype members are legal Appwrite keys: they must behave as plain columns.
    await tdb.createStringColumn({ databaseId: db, tableId: table, key: "title", size: 64, required: false });
    await tdb.createStringColumn({ databaseId: db, tableId: table, key: "toString", size: 64, required: false });
    await tdb.createIntegerColumn({ databaseId: db, tableId: table, key: "valueOf", required: false });
    for (let i = 0; i < 50; i++) {
      const t = await tdb.getTable({ databaseId: db, tableId: table });
      if ((t.columns as { status: string }[]).every((c) => c.status === "available")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await tdb.createRow({ databaseId: db, tableId: table, rowId: "r1", data: { title: "one", toString: "ts", valueOf: 1 } });
    await new Storage(project.server()).createBucket({ bucketId: "protobucket", name: "proto", permissions: ['create("any")', 'read("any")'] });
    await new Users(project.server()).create({ userId: "protouser", email: "proto@example.com", password: "password123" });
    const session = await new Account(new Client().setEndpoint(endpoint).setProject(project.projectId)).createEmailPasswordSession({ email: "proto@example.com", password: "password123" });
    userSecret = session.secret;
    void Client;
  });

  const ROWS = `/tablesdb/${db}/tables/${table}/rows`;
  const TARGETS: [string, string][] = [
    ...ROUTES.map(([m, path]) => [m, path.replaceAll(ID, "fuzzid")] as [string, string]),
    ["GET", ROWS], ["POST", ROWS], ["PATCH", `${ROWS}/r1`], ["PUT", `${ROWS}/r1`], ["PATCH", ROWS],
    ["POST", `/tablesdb/transactions`], ["GET", "/account"], ["PATCH", "/account/prefs"], ["POST", "/account/sessions/anonymous"],
    ["GET", `/databases/${db}/collections/${table}/documents`], ["POST", "/storage/buckets/protobucket/files"],
    ["GET", "/health/version"], ["POST", "/account/tokens/email"],
  ];
  const QS_NAMES = ["__proto__[polluted]", "a[__proto__][polluted]", "a[b][constructor][prototype][polluted]", "queries[__proto__]", "constructor[prototype][polluted]", "queries[0][__proto__][polluted]", "prototype[polluted]", "a[0][__proto__]"];
  const BODIES = [
    '{"__proto__":{"polluted":"yes","transactionId":"x","queries":["x"]}}',
    '{"a":{"b":{"__proto__":{"polluted":"yes"}}}}',
    '{"data":{"constructor":{"prototype":{"polluted":"yes"}}}}',
    '{"data":{"title":"x","__proto__":{"polluted":"yes"}}}',
    '{"prefs":{"__proto__":{"polluted":"yes"}}}',
    '{"prefs":{"nested":[{"constructor":{"prototype":{"polluted":"yes"}}}]}}',
    JSON.stringify({ data: '{"__proto__":{"polluted":"yes"}}' }),
    '{"\\u005f\\u005fproto__":{"polluted":"yes"}}',
    '{"data":{"\\u0063onstructor":{"prototype":{"polluted":"yes"}}}}',
    JSON.stringify({ operations: [{ action: "create", databaseId: db, tableId: table, rowId: "x", data: { __proto__: null, constructor: { prototype: { polluted: "yes" } } } }] }),
    '{"rows":[{"$id":"p1","__proto__":{"polluted":"yes"}}]}',
    '{"headers":{"__proto__":{"polluted":"yes"}}}',
    '{"a":[[[{"__proto__":{"polluted":"yes"}}]]]}',
  ];
  const QUERIES = [
    ...INHERITED.map((a) => JSON.stringify({ method: "equal", attribute: a, values: ["x"] })),
    ...INHERITED.map((a) => JSON.stringify({ method: "orderAsc", attribute: a })),
    JSON.stringify({ method: "equal", attribute: "constructor.prototype", values: ["x"] }),
    JSON.stringify({ method: "select", values: ["constructor", "__proto__", "toString.x"] }),
    '{"__proto__":{"method":"limit","values":[1]},"method":"equal","attribute":"title","values":["x"]}',
    '{"method":"equal","attribute":"title","values":[{"__proto__":{"polluted":"yes"}}]}',
    '{"method":"or","values":[{"method":"equal","attribute":"constructor","values":[1]},{"__proto__":{}}]}',
  ];

  function attemptsFor(headers: Record<string, string>): Attempt[] {
    const out: Attempt[] = [];
    for (const [method, path] of TARGETS) {
      for (const name of QS_NAMES) out.push({ method, path: `${path}?${encodeURIComponent(name).replace(/%5B/g, "[").replace(/%5D/g, "]")}=1`, headers, body: method === "GET" ? undefined : "{}" });
      if (method === "GET") {
        for (const q of QUERIES) out.push({ method, path: `${path}?queries[0]=${encodeURIComponent(q)}`, headers });
        continue;
      }
      for (const body of BODIES) out.push({ method, path, headers: { ...headers, "content-type": "application/json" }, body });
    }
    return out;
  }

  function multipart(fields: [string, string][]): { body: string; type: string } {
    const boundary = "protoboundary";
    const parts = fields.map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
    return { body: `${parts.join("")}--${boundary}--\r\n`, type: `multipart/form-data; boundary=${boundary}` };
  }

  async function expectPristine() {
    const probe = await fetch(`${endpoint}/_edgewrite/test/prototypes`, { headers: { "x-appwrite-project": "console", "x-appwrite-key": adminKey } });
    expect(probe.status).toBe(200);
    expect((await probe.json()).added).toEqual([]);
  }

  it("answers every prototype-key request without a 5xx, as a guest, a user and a key", async () => {
    const guest = { "x-appwrite-project": project.projectId };
    const user = { ...guest, "x-appwrite-session": userSecret };
    const key = { ...guest, "x-appwrite-key": project.key };
    const admin = { "x-appwrite-project": "console", "x-appwrite-key": adminKey };
    const all = [...attemptsFor(guest), ...attemptsFor(user), ...attemptsFor(key)];
    // Multipart field names and file names.
    for (const [method, path] of TARGETS.filter(([m]) => m !== "GET")) {
      for (const name of QS_NAMES) {
        const m = multipart([[name, "1"], ["fileId", "unique()"]]);
        all.push({ method, path, headers: { ...key, "content-type": m.type }, body: m.body });
      }
    }
    // Path segments that name Object.prototype members.
    for (const seg of INHERITED) {
      for (const path of [`/users/${seg}`, `${ROWS}/${seg}`, `/tablesdb/${db}/tables/${table}/columns/${seg}`, `/tablesdb/${seg}`, `/storage/buckets/${seg}/files`, `/functions/${seg}`, `/teams/${seg}`]) {
        all.push({ method: "GET", path, headers: key });
      }
      all.push({ method: "GET", path: `/account/sessions/oauth2/${seg}?project=${project.projectId}`, headers: {} });
      all.push({ method: "GET", path: `/account/tokens/oauth2/${seg}?project=${project.projectId}`, headers: {} });
      all.push({ method: "PATCH", path: `/projects/${project.projectId}/auth/${seg}`, headers: { ...admin, "content-type": "application/json" }, body: '{"status":false}' });
      all.push({ method: "PATCH", path: `/projects/${project.projectId}/oauth2`, headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ provider: seg, enabled: false }) });
    }
    // Session carriers.
    for (const headers of [
      { "x-fallback-cookies": '{"__proto__":{"polluted":"yes"}}' },
      { "x-fallback-cookies": JSON.stringify({ constructor: { prototype: { polluted: "yes" } } }) },
      { cookie: "__proto__=1; constructor=2" },
      { "x-appwrite-session": btoa('{"__proto__":{"id":"protouser","secret":"x"}}') },
    ]) all.push({ method: "GET", path: "/account", headers: { ...guest, ...headers } });
    // A file whose name's extension is an inherited name (the MIME table is looked up by extension).
    for (const ext of ["constructor", "__proto__", "toString"]) {
      const boundary = "protofile";
      const body = `--${boundary}\r\ncontent-disposition: form-data; name="fileId"\r\n\r\nunique()\r\n--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.${ext}"\r\ncontent-type: application/octet-stream\r\n\r\nhello\r\n--${boundary}--\r\n`;
      all.push({ method: "POST", path: "/storage/buckets/protobucket/files", headers: { ...key, "content-type": `multipart/form-data; boundary=${boundary}` }, body });
    }
    expect(all.length).toBeGreaterThan(600);
    for (let i = 0; i < all.length; i += 8) {
      const batch = all.slice(i, i + 8);
      const results = await Promise.all(batch.map(send));
      batch.forEach((a, j) => {
        const r = results[j]!;
        const where = `${a.method} ${a.path.slice(0, 160)} body=${(a.body ?? "").slice(0, 160)} -> ${r.status} ${r.text.slice(0, 200)}`;
        expect(r.status, where).toBeLessThan(500);
        if (r.status >= 400) expectAppwriteError(a, r);
      });
    }
    await expectPristine();
  });

  it("sends prototype keys to every route the server serves, on every service, without a 5xx", async () => {
    const res = await fetch(`${endpoint}/_edgewrite/test/routes`, { headers: { "x-appwrite-project": "console", "x-appwrite-key": adminKey } });
    const served = ((await res.json()).routes as { method: string; path: string }[]).filter((r) => r.method !== "ALL" && !r.path.startsWith("/v1/_edgewrite") && r.path !== "/v1/realtime");
    const services = new Set(served.map((r) => r.path.split("/")[2]));
    expect(services.size).toBeGreaterThan(10);
    const key = { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key };
    const sacrifice = await createProject("fuzz-console"); // the console routes may delete it
    const all: Attempt[] = [];
    for (const r of served) {
      const path = r.path.replace(/:projectId(\{[^}]*\})?/g, sacrifice.projectId).replace(/:[A-Za-z]+(\{[^}]*\})?/g, () => pick(["x", ...INHERITED.slice(0, 3)])).replace(/\*/g, "x").slice("/v1".length);
      const headers = path.startsWith("/projects") ? { "x-appwrite-project": "console", "x-appwrite-key": adminKey } : key;
      for (let i = 0; i < 2; i++) {
        all.push({ method: r.method, path: `${path}?${pick(QS_NAMES)}=1`, headers, body: r.method === "GET" ? undefined : "{}" });
        if (r.method !== "GET") all.push({ method: r.method, path, headers: { ...headers, "content-type": "application/json" }, body: pick(BODIES) });
      }
    }
    for (let i = 0; i < all.length; i += 8) {
      const batch = all.slice(i, i + 8);
      const results = await Promise.all(batch.map(send));
      batch.forEach((a, j) => {
        const r = results[j]!;
        expect(r.status, `${a.method} ${a.path} body=${(a.body ?? "").slice(0, 160)} -> ${r.status} ${r.text.slice(0, 200)}`).toBeLessThan(500);
      });
    }
    await expectPristine();
  });

  it("keeps realtime URLs and frames with prototype keys away from the isolate", async () => {
    const { default: WebSocket } = await import("ws");
    const base = `${endpoint.replace(/^http/, "ws")}/realtime?project=${project.projectId}`;
    for (const qs of ["channels[]=account&channels[__proto__][polluted]=1", "channels[constructor][prototype][polluted]=1", "channels[]=rows&rows[__proto__]=1"]) {
      const ws = new WebSocket(`${base}&${qs}`);
      await new Promise((r) => (ws.once("close", r), ws.once("error", r), ws.once("message", () => ws.close())));
    }
    const ws = new WebSocket(base);
    await new Promise((res, rej) => (ws.once("open", res), ws.once("error", rej)));
    for (const frame of ['{"__proto__":{"type":"ping"}}', '{"type":"subscribe","data":[{"__proto__":{"polluted":"yes"},"channels":["account"]}]}', '{"type":"authentication","data":{"__proto__":{"session":"x"}}}']) ws.send(frame);
    await new Promise((r) => setTimeout(r, 300));
    ws.close();
    await expectPristine();
  });

  it("serves the next ordinary requests as if nothing had been sent", async () => {
    const { TablesDB, Account, Client, Users } = await import("node-appwrite");
    const tdb = new TablesDB(project.server());
    // A polluted `transactionId` would stage this instead of writing it; a polluted `queries` would filter the list.
    const created = await tdb.createRow({ databaseId: db, tableId: table, rowId: "after", data: { title: "after", toString: "still a column", valueOf: 7 } });
    expect(created.$id).toBe("after");
    // Raw JSON: node-appwrite's own JSON parser mangles keys named like Object.prototype members.
    const got = await fetch(`${endpoint}${ROWS}/after`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
    expect(await got.json()).toMatchObject({ title: "after", toString: "still a column", valueOf: 7 });
    const filtered = await tdb.listRows({ databaseId: db, tableId: table, queries: ['{"method":"equal","attribute":"toString","values":["still a column"]}'] });
    expect(filtered.rows.map((r) => r.$id)).toEqual(["after"]);
    const listed = await tdb.listRows({ databaseId: db, tableId: table });
    expect(listed.total).toBe(listed.rows.length);
    expect(listed.rows.map((r) => r.$id)).toEqual(expect.arrayContaining(["r1", "after"]));
    // A polluted `ttl` would change the default transaction lifetime (300 s).
    const tx = await tdb.createTransaction();
    expect(Date.parse(tx.expiresAt) - Date.parse(tx.$createdAt)).toBe(300_000);
    await tdb.updateTransaction({ transactionId: tx.$id, rollback: true });
    // Sign-up and a body-carrying request in another project and in the console still work.
    const other = await createProject("fuzz-after");
    const account = new Account(new Client().setEndpoint(endpoint).setProject(other.projectId));
    const user = await account.create({ userId: "unique()", email: "after@example.com", password: "password123" });
    expect(user.prefs).toEqual({});
    expect((await new Users(other.server()).list()).total).toBe(1);
    await expectPristine();
  });
});
