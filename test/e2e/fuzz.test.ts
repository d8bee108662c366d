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
