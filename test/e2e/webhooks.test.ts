import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Users, Webhooks } from "node-appwrite";
import { adminKey, consoleCall, createProject, endpoint, type TestProject } from "./harness";

/**
 * Webhooks end to end: node-appwrite's `Webhooks` service and the console alias for CRUD, a local
 * receiver on 127.0.0.1 for delivery (Appwrite's headers and signature), retries while the receiver
 * is down, automatic disabling, and the outbox surviving a dispatcher crash.
 */
interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver that can be stopped and restarted on the same port; `status` is what it answers. */
class Receiver {
  hits: Hit[] = [];
  status = 200;
  private server: Server | null = null;
  port = 0;
  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        this.hits.push({ headers: req.headers, body });
        res.writeHead(this.status, { "content-type": "text/plain" }).end(this.status < 400 ? "ok" : "receiver says no");
      });
    });
    await new Promise<void>((r) => this.server!.listen(port, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())));
  }
  get url() {
    return `http://127.0.0.1:${this.port}/hook`;
  }
  async waitFor(pred: (h: Hit) => boolean, timeoutMs = 30_000): Promise<Hit> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.hits.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching webhook within ${timeoutMs} ms (${this.hits.length} hits)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const sign = (key: string, url: string, body: string) => createHmac("sha1", key).update(url + body).digest("base64");
const forUser = (id: string) => (h: Hit) => JSON.parse(h.body).$id === id;
const admin = { "x-appwrite-project": "console", "x-appwrite-key": "" };

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let project: TestProject;
let hooks: Webhooks;
let users: Users;
const receivers: Receiver[] = [];

async function receiver(): Promise<Receiver> {
  const r = new Receiver();
  await r.start();
  receivers.push(r);
  return r;
}

async function attempts(webhookId: string): Promise<any[]> {
  const res = await fetch(`${endpoint}/webhooks/${webhookId}/attempts`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
  return (await res.json()).attempts;
}

beforeAll(async () => {
  project = await createProject("webhooks");
  hooks = new Webhooks(project.server());
  users = new Users(project.server());
  admin["x-appwrite-key"] = adminKey;
});
afterAll(async () => {
  for (const r of receivers) await r.stop();
});

describe("webhooks API (node-appwrite 27 Webhooks + console alias)", () => {
  it("creates, reads, lists, updates, rotates and deletes; the secret is shown only at creation and rotation", async () => {
    const created = await hooks.create({ webhookId: "crud1", url: "https://example.com/hook", name: "CRUD", events: ["users.*.create"], authUsername: "u", authPassword: "p" });
    expect(created).toMatchObject({ $id: "crud1", name: "CRUD", url: "https://example.com/hook", events: ["users.*.create"], enabled: true, tls: false, authUsername: "u", authPassword: "p", attempts: 0, logs: "" });
    expect(created.secret).toMatch(/^[0-9a-f]{128}$/);
    expect((await hooks.get({ webhookId: "crud1" })).secret).toBe("");
    const dup = await hooks.create({ webhookId: "crud1", url: "https://example.com/x", name: "dup", events: [] }).catch((e) => e);
    expect(dup).toBeInstanceOf(AppwriteException);
    expect([dup.code, dup.type]).toEqual([409, "webhook_already_exists"]);
    const badUrl = await hooks.create({ webhookId: "bad", url: "ftp://example.com", name: "x", events: [] }).catch((e) => e);
    expect([badUrl.code, badUrl.type]).toEqual([400, "general_argument_invalid"]);

    const listed = await hooks.list();
    expect(listed.total).toBe(1);
    expect(listed.webhooks[0]!.secret).toBe("");

    const updated = await hooks.update({ webhookId: "crud1", name: "Renamed", url: "https://example.com/h2", events: ["users.*"], enabled: false, authUsername: "u2" });
    // As in Appwrite, omitted optional fields go back to their defaults (authPassword → "").
    expect(updated).toMatchObject({ name: "Renamed", url: "https://example.com/h2", events: ["users.*"], enabled: false, secret: "", authUsername: "u2", authPassword: "" });

    const rotated = await hooks.updateSecret({ webhookId: "crud1", secret: "my-own-secret-key" });
    expect(rotated.secret).toBe("my-own-secret-key");

    // The console alias sees the same webhook, and needs the deployment admin.
    const viaConsole = await consoleCall("GET", `/projects/${project.projectId}/webhooks/crud1`);
    expect(viaConsole.json).toMatchObject({ $id: "crud1", name: "Renamed", httpUser: "u2", security: false });
    const byKey = await fetch(`${endpoint}/projects/${project.projectId}/webhooks`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
    expect(byKey.status).toBe(401);

    await hooks.delete({ webhookId: "crud1" });
    const gone = await hooks.get({ webhookId: "crud1" }).catch((e) => e);
    expect([gone.code, gone.type]).toEqual([404, "webhook_not_found"]);
  });
});

describe("webhook delivery", () => {
  it("reaches a local receiver with Appwrite's headers and a valid signature", async () => {
    const r = await receiver();
    const hook = await hooks.create({ webhookId: "deliver1", url: r.url, name: "Deliver", events: ["users.*.create"], authUsername: "hookuser", authPassword: "hookpass" });
    await users.create({ userId: "wh-user-1", email: "wh1@example.com", password: "password-1234", name: "Web Hook" });
    const hit = await r.waitFor(forUser("wh-user-1"));
    const body = JSON.parse(hit.body);
    expect(body).toMatchObject({ $id: "wh-user-1", email: "wh1@example.com", name: "Web Hook" });
    expect(body.password).toBeUndefined();
    expect(hit.headers["content-type"]).toBe("application/json");
    expect(hit.headers["x-appwrite-webhook-id"]).toBe("deliver1");
    expect(hit.headers["x-appwrite-webhook-name"]).toBe("Deliver");
    expect(hit.headers["x-appwrite-webhook-project-id"]).toBe(project.projectId);
    expect(hit.headers["x-appwrite-webhook-user-id"]).toBeDefined();
    const events = String(hit.headers["x-appwrite-webhook-events"]).split(",");
    expect(events).toEqual(expect.arrayContaining(["users.wh-user-1.create", "users.*.create"]));
    expect(hit.headers["x-appwrite-webhook-signature"]).toBe(sign(hook.secret, r.url, hit.body));
    expect(hit.headers.authorization).toBe(`Basic ${Buffer.from("hookuser:hookpass").toString("base64")}`);
    // Events the webhook did not ask for are not sent.
    await users.updateName({ userId: "wh-user-1", name: "renamed" });
    await users.create({ userId: "wh-user-2", email: "wh2@example.com", password: "password-1234" });
    await r.waitFor(forUser("wh-user-2"));
    expect(r.hits.map((h) => String(h.headers["x-appwrite-webhook-events"]).split(",")[0])).not.toContain("users.wh-user-1.update.name");
    const log = await attempts("deliver1");
    expect(log.filter((a) => a.success)).toHaveLength(2);
    await hooks.delete({ webhookId: "deliver1" });
  });

  it("carries non-ASCII names and credentials as UTF-8 bytes, as Appwrite sends them (beyond U+00FF: percent-encoded)", async () => {
    const r = await receiver();
    await hooks.create({ webhookId: "cjk", url: r.url, name: "日本", events: ["users.*.create"] });
    await hooks.create({ webhookId: "utf8", url: r.url, name: "Café", events: ["users.*.create"], authUsername: "usér", authPassword: "pässwörd" });
    await users.create({ userId: "wh-utf8", email: "utf8@example.com", password: "password-1234" });
    const hit = await r.waitFor((h) => JSON.parse(h.body).$id === "wh-utf8" && h.headers["x-appwrite-webhook-id"] === "utf8");
    expect(Buffer.from(String(hit.headers["x-appwrite-webhook-name"]), "latin1").toString("utf8")).toBe("Café");
    expect(hit.headers.authorization).toBe(`Basic ${Buffer.from("usér:pässwörd").toString("base64")}`);
    const cjk = await r.waitFor((h) => JSON.parse(h.body).$id === "wh-utf8" && h.headers["x-appwrite-webhook-id"] === "cjk");
    expect(decodeURIComponent(String(cjk.headers["x-appwrite-webhook-name"]))).toBe("日本");
    await hooks.delete({ webhookId: "utf8" });
    await hooks.delete({ webhookId: "cjk" });
  });

  it("is retried while the receiver is down and delivered once it is back", async () => {
    const r = await receiver();
    const port = r.port;
    const url = r.url;
    await r.stop();
    const hook = await hooks.create({ webhookId: "retry1", url, name: "Retry", events: ["users.*.create"] });
    await users.create({ userId: "wh-retry", email: "retry@example.com", password: "password-1234" });
    // The first attempt fails (connection refused) and is logged, and the webhook counts it.
    const failed = await until(() => attempts("retry1"), (l) => l.some((a) => !a.success));
    expect(failed[0]).toMatchObject({ success: false, event: "users.wh-retry.create" });
    expect((await hooks.get({ webhookId: "retry1" })).attempts).toBeGreaterThan(0);
    expect((await hooks.get({ webhookId: "retry1" })).logs).toContain(`URL: ${url}`);

    await r.start(port);
    const hit = await r.waitFor(forUser("wh-retry"), 45_000);
    expect(hit.headers["x-appwrite-webhook-signature"]).toBe(sign(hook.secret, url, hit.body));
    const log = await until(() => attempts("retry1"), (l) => l.some((a) => a.success));
    expect(log.filter((a) => a.success)).toHaveLength(1);
    expect((await hooks.get({ webhookId: "retry1" })).attempts).toBe(0); // a success resets the count
    expect(r.hits.filter(forUser("wh-retry"))).toHaveLength(1);
    await hooks.delete({ webhookId: "retry1" });
  });

  it("is disabled after 10 consecutive failed attempts (Appwrite's rule)", async () => {
    const r = await receiver();
    r.status = 500;
    await hooks.create({ webhookId: "failing1", url: r.url, name: "Failing", events: ["users.*.create"] });
    for (let i = 0; i < 10; i++) await users.create({ userId: `wh-fail-${i}`, email: `fail${i}@example.com`, password: "password-1234" });
    const hook = await until(() => hooks.get({ webhookId: "failing1" }), (h) => !h.enabled);
    expect(hook.attempts).toBeGreaterThanOrEqual(10);
    expect(hook.logs).toContain("Status code: 500");
    expect(hook.logs).toContain("receiver says no");
    // Re-enabling resets the counter, as Appwrite does.
    const again = await hooks.update({ webhookId: "failing1", name: "Failing", url: r.url, events: ["users.*.create"], enabled: true });
    expect([again.enabled, again.attempts]).toEqual([true, 0]);
    await hooks.delete({ webhookId: "failing1" });
  });

  it("loses no event when the dispatcher fails once: the cron sweep delivers it", async () => {
    const r = await receiver();
    const hook = await hooks.create({ webhookId: "crash1", url: r.url, name: "Crash", events: ["users.*.create"] });
    const armed = await fetch(`${endpoint}/_edgewrite/test/dispatcher/${project.projectId}/fail-once`, { method: "POST", headers: admin });
    expect(armed.status).toBe(200);
    expect((await armed.json()).faultsPending).toBe(1);

    await users.create({ userId: "wh-crash", email: "crash@example.com", password: "password-1234" });
    // The request's dispatch pass crashed (the fault is used up) and nothing retried it.
    const status = await until(async () => (await fetch(`${endpoint}/_edgewrite/test/dispatcher/${project.projectId}`, { headers: admin })).json(), (s: any) => s.faultsPending === 0);
    expect(status.faultsPending).toBe(0);
    expect(r.hits.filter(forUser("wh-crash"))).toHaveLength(0);

    // The scheduled sweep (the Worker's real `scheduled` handler) picks the event up from the outbox.
    const origin = endpoint.replace(/\/v1$/, "");
    const cron = await fetch(`${origin}/_edgewrite/cron`);
    expect(cron.status).toBe(200);
    const hit = await r.waitFor(forUser("wh-crash"));
    expect(hit.headers["x-appwrite-webhook-signature"]).toBe(sign(hook.secret, r.url, hit.body));
    await until(() => attempts("crash1"), (l) => l.some((a) => a.success));
    expect(r.hits.filter(forUser("wh-crash"))).toHaveLength(1);
    await hooks.delete({ webhookId: "crash1" });
  });

  it("test hooks are admin-only", async () => {
    const res = await fetch(`${endpoint}/_edgewrite/test/dispatcher/${project.projectId}`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
    expect(res.status).toBe(404);
  });
});
