import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, Users, Webhooks } from "node-appwrite";
// @ts-expect-error plain ESM helper shared with the dev and bench scripts
import { applyMigrations, startServer } from "../../scripts/lib/server.mjs";
import { ALL_SCOPES, until } from "./harness";

/**
 * Growing with projects: the event pipeline is partitioned by project (one dispatcher object each), and
 * request reads run in D1 sessions (read replication) with read-your-writes per client by bookmark.
 * This file runs its OWN server with D1_READ_REPLICATION=enabled (the shared one keeps the default, off).
 */
const BOOKMARK = "x-edgewrite-d1-bookmark";
const adminKey = `scale-admin-${Math.random().toString(16).slice(2)}`;
let persistDir: string;
let server: { url: string; stop: () => Promise<void> };
let hookServer: Server;
const hits: { project: string; body: any }[] = [];

const api = (p: string) => `${server.url}/v1${p}`;
async function call(method: string, p: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(api(p), { method, headers: { "content-type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}
const asAdmin = (method: string, p: string, body?: unknown) => call(method, p, { "x-appwrite-project": "console", "x-appwrite-key": adminKey }, body);

async function project(name: string) {
  const projectId = `${name}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  expect((await asAdmin("POST", "/projects", { projectId, name })).status).toBe(201);
  const key = (await asAdmin("POST", `/projects/${projectId}/keys`, { name: "all", scopes: ALL_SCOPES })).json.secret as string;
  const client = new Client().setEndpoint(`${server.url}/v1`).setProject(projectId).setKey(key);
  return { projectId, key, client };
}

beforeAll(async () => {
  persistDir = mkdtempSync(path.join(tmpdir(), "edgewrite-scale-"));
  await applyMigrations({ persistDir });
  server = await startServer({ persistDir, vars: { ADMIN_KEY: adminKey, JWT_SECRET: "scale-jwt-secret", EDGEWRITE_TEST_HOOKS: "1", D1_READ_REPLICATION: "enabled" } });
  hookServer = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      hits.push({ project: String(req.headers["x-appwrite-webhook-project-id"]), body: JSON.parse(body) });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", r));
}, 120_000);

afterAll(async () => {
  hookServer?.closeAllConnections();
  hookServer?.close();
  await server?.stop();
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
});

/** A browser-like client: keeps the cookies the API sets, as a browser's cookie jar would. */
class CookieClient {
  private jar = new Map<string, string>();
  bookmarks: string[] = [];
  constructor(private headers: Record<string, string>) {}
  async call(method: string, p: string, body?: unknown) {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const r = await call(method, p, { ...this.headers, ...(cookie ? { cookie } : {}) }, body);
    this.keep(r.headers.getSetCookie());
    const b = r.headers.get(BOOKMARK);
    if (b) this.bookmarks.push(b);
    return r;
  }
  keep(setCookies: string[]): this {
    for (const c of setCookies) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      this.jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return this;
  }
}

describe("D1 read replication (Sessions API)", () => {
  it("a client always reads its own write: parallel signed-in clients, many rounds, the bookmark only advances", async () => {
    const p = await project("ryw");
    const users = new Users(p.client);
    const clients = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        await users.create({ userId: `u${i}`, email: `u${i}@example.com`, password: "password-1234" });
        const login = await call("POST", "/account/sessions/email", { "x-appwrite-project": p.projectId }, { email: `u${i}@example.com`, password: "password-1234" });
        expect(login.status).toBe(201);
        // The SDK's session cookie, as a browser holds it; the jar adds the bookmark cookie.
        return new CookieClient({ "x-appwrite-project": p.projectId }).keep(login.headers.getSetCookie());
      }),
    );
    await Promise.all(
      clients.map(async (c, i) => {
        for (let round = 0; round < 12; round++) {
          const w = await c.call("PATCH", "/account/prefs", { prefs: { round, who: i } });
          expect(w.status).toBe(200);
          const r = await c.call("GET", "/account/prefs");
          expect(r.status).toBe(200);
          expect(r.json).toEqual({ round, who: i });
        }
      }),
    );
    for (const c of clients) {
      expect(c.bookmarks.length).toBe(24); // every response carries the bookmark
      expect([...c.bookmarks].sort()).toEqual(c.bookmarks); // bookmarks sort by position: never back in time
      expect(new Set(c.bookmarks).size).toBeGreaterThanOrEqual(12); // each write moved it on
    }
  });

  it("the header carries a server client's bookmark; a malformed one is ignored, never an error", async () => {
    const p = await project("hdr");
    const key = { "x-appwrite-project": p.projectId, "x-appwrite-key": p.key };
    const created = await call("POST", "/users", key, { userId: "h1", email: "h1@example.com", password: "password-1234" });
    expect(created.status).toBe(201);
    const bookmark = created.headers.get(BOOKMARK)!;
    // The shape the middleware accepts back (anything else it ignores): D1's dash-joined hex groups.
    expect(bookmark).toMatch(/^[0-9a-f]{1,16}(-[0-9a-f]{1,64}){1,6}$/i);
    for (let i = 0; i < 10; i++) {
      const w = await call("PATCH", "/users/h1/name", { ...key, [BOOKMARK]: bookmark }, { name: `n${i}` });
      const r = await call("GET", "/users/h1", { ...key, [BOOKMARK]: w.headers.get(BOOKMARK)! });
      expect(r.json.name).toBe(`n${i}`);
      expect(r.headers.get(BOOKMARK)! >= w.headers.get(BOOKMARK)!).toBe(true);
    }
    for (const junk of ["garbage", "'; DROP TABLE users; --", "0".repeat(500)]) {
      const r = await call("GET", "/users/h1", { ...key, [BOOKMARK]: junk });
      expect([r.status, r.json.$id]).toEqual([200, "h1"]);
    }
    // Browsers may read the header (CORS exposes it).
    const pre = await fetch(api("/users/h1"), { method: "OPTIONS", headers: { origin: "http://localhost", "access-control-request-headers": BOOKMARK } });
    expect(pre.headers.get("access-control-allow-headers")!.toLowerCase()).toContain(BOOKMARK);
    expect(pre.headers.get("access-control-expose-headers")!.toLowerCase()).toContain(BOOKMARK);
  });
});

describe("event dispatch partitioned by project", () => {
  it("a project whose dispatch keeps failing never delays another project's events; its own still arrive once", async () => {
    const url = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook`;
    const [a, b] = await Promise.all([project("stuck"), project("flow")]);
    for (const p of [a, b]) await new Webhooks(p.client).create({ webhookId: "w", url, name: "w", events: ["users.*.create"] });
    // A's next two passes crash after reading its outbox (as a killed process would): nothing retries them soon.
    const armed = await asAdmin("POST", `/_edgewrite/test/dispatcher/${a.projectId}/faults`, { count: 2 });
    expect(armed.json.faultsPending).toBe(2);

    const ua = new Users(a.client);
    const ub = new Users(b.client);
    const of = (p: string) => hits.filter((h) => h.project === p).map((h) => h.body.$id).sort();
    await ua.create({ userId: "a0", email: "a0@example.com", password: "password-1234" });
    for (let i = 0; i < 5; i++) await ub.create({ userId: `b${i}`, email: `b${i}@example.com`, password: "password-1234" });
    await ua.create({ userId: "a1", email: "a1@example.com", password: "password-1234" });
    // B's events flow while A is stuck with both of its events undelivered.
    await until("B's five events", async () => of(b.projectId), (l) => l.length >= 5, 30_000, 100);
    const stuck = await until("A's faults to be used up", async () => (await asAdmin("GET", `/_edgewrite/test/dispatcher/${a.projectId}`)).json, (s) => s.faultsPending === 0);
    expect(stuck.cursors.webhooks ?? 0).toBe(0);
    expect(of(a.projectId)).toEqual([]);

    // The cron sweep kicks every project with undispatched rows: A catches up, each event delivered once.
    expect((await fetch(`${server.url}/_edgewrite/cron`)).status).toBe(200);
    await until("A's two events", async () => of(a.projectId), (l) => l.length >= 2, 30_000, 100);
    await new Promise((r) => setTimeout(r, 500));
    expect(of(a.projectId)).toEqual(["a0", "a1"]);
    expect(of(b.projectId)).toEqual(["b0", "b1", "b2", "b3", "b4"]);
  });
});
