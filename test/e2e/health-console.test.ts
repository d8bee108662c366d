import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { AppwriteException, Client, Functions, Proxy, Query, Users, Webhooks, type Models } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { consoleCall, createProject, endpoint, raw, until, type TestProject } from "./harness";
import { ECHO, tarGz } from "./fixtures/functions";
// @ts-expect-error plain ESM helper shared with the dev and bench scripts
import { applyMigrations, startServer } from "../../scripts/lib/server.mjs";

/**
 * Health (node-appwrite 27 has no Health service: raw HTTP as Appwrite's own e2e tests), console variables,
 * function templates, proxy rules as appwrite-cli uses them, and the `_APP_OPTIONS_ABUSE` switch.
 */
let project: TestProject;
let other: TestProject;
let key: string; // health, functions and rules scopes
const headers = () => ({ "x-appwrite-project": project.projectId, "x-appwrite-key": key });
const get = (p: string) => raw("GET", p, { headers: headers() });
const err = (p: Promise<unknown>) => p.then(() => null, (e: AppwriteException) => ({ code: e.code, type: e.type, message: e.message }));

beforeAll(async () => {
  [project, other] = await Promise.all([createProject("health"), createProject("health-other")]);
  const scopes = ["health.read", "functions.read", "functions.write", "rules.read", "rules.write", "webhooks.read", "webhooks.write", "users.write"];
  const created = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "health", scopes });
  expect(created.status).toBe(201);
  key = created.json.secret;
}, 60_000);

describe("health", () => {
  it("answers every check with Appwrite's models, each from a real round trip", async () => {
    expect((await get("/health")).body).toEqual({ name: "http", ping: 0, status: "pass" });
    for (const p of ["/health/db", "/health/cache", "/health/pubsub"]) {
      const r = await get(p);
      expect(r.status, p).toBe(200);
      // /health/db: one status per database — the control database DB and the data databases DB_1, DB_2.
      expect(r.body.total, p).toBe(p === "/health/db" ? 3 : 1);
      if (p === "/health/db") expect(r.body.statuses.map((s: { name: string }) => s.name)).toEqual(["D1 (DB)", "D1 (DB_1)", "D1 (DB_2)"]);
      expect(r.body.statuses[0], p).toMatchObject({ status: "pass", name: expect.any(String) });
      expect(Number.isInteger(r.body.statuses[0].ping), p).toBe(true);
    }
    for (const p of ["/health/storage", "/health/storage/local"]) {
      const r = await get(p);
      expect(r.status, p).toBe(200);
      expect(r.body, p).toMatchObject({ status: "pass", ping: expect.any(Number) });
    }
    const time = await get("/health/time");
    expect(time.status).toBe(200);
    expect(Number.isInteger(time.body.remoteTime) && Number.isInteger(time.body.localTime)).toBe(true);
    expect(Math.abs(time.body.localTime - Date.now() / 1000)).toBeLessThan(60);
    expect(Math.abs(time.body.diff)).toBeLessThan(10);
    expect((await get("/health/anti-virus")).body).toEqual({ status: "disabled", version: "" });
  });

  it("needs health.read on every check: every API key holds it (Appwrite's key role), guests and users do not", async () => {
    const narrow = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "narrow", scopes: ["users.read"] });
    for (const p of ["/health", "/health/db", "/health/time", "/health/storage", "/health/queue/webhooks", "/health/queue/failed/v1-functions"]) {
      const asKey = await raw("GET", p, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": narrow.json.secret } });
      expect(asKey.status, p).toBe(200);
      const asGuest = await raw("GET", p, { headers: { "x-appwrite-project": project.projectId } });
      expect([asGuest.status, asGuest.body.type, asGuest.body.message], p).toEqual([401, "general_unauthorized_scope", 'User (role: guests) missing scopes (["health.read"])']);
    }
  });

  it("serves every queue of Appwrite's, and a size at or over `threshold` is 503 health_queue_size_exceeded", async () => {
    const queues = ["audits", "builds", "certificates", "databases", "deletes", "functions", "logs", "mails", "messaging", "migrations", "stats-resources", "stats-usage", "webhooks"];
    for (const q of queues) {
      const r = await get(`/health/queue/${q}`);
      expect([r.status, typeof r.body.size], q).toEqual([200, "number"]);
      const over = await get(`/health/queue/${q}?threshold=0`);
      expect([over.status, over.body.type], q).toEqual([503, "health_queue_size_exceeded"]);
      expect(over.body.message).toBe(`Queue jobs threshold hit. Current value is ${r.body.size} and threshold is 0.`);
    }
    const bad = await get("/health/queue/webhooks?threshold=many");
    expect([bad.status, bad.body.type]).toEqual([400, "general_argument_invalid"]);
  });

  it("counts the project's pending webhook deliveries, and only its own", async () => {
    // A receiver that refuses connections: the delivery stays pending, retried with backoff.
    const client = new Client().setEndpoint(endpoint).setProject(project.projectId).setKey(key);
    const hook = await new Webhooks(client).create({ webhookId: "unique()", url: "http://127.0.0.1:9/", name: "down", events: ["users.*.create"] });
    await new Users(client).create({ userId: "unique()", email: `q${Date.now()}@example.com` });
    const pending = await until("a pending delivery", () => get("/health/queue/webhooks"), (r) => r.body.size >= 1);
    const over = await get(`/health/queue/webhooks?threshold=${pending.body.size}`);
    expect([over.status, over.body.type]).toEqual([503, "health_queue_size_exceeded"]);
    const below = await get(`/health/queue/webhooks?threshold=${pending.body.size + 1}`);
    expect(below.status).toBe(200);
    const theirs = await raw("GET", "/health/queue/webhooks?threshold=1", { headers: { "x-appwrite-project": other.projectId, "x-appwrite-key": other.key } });
    expect(theirs.body).toEqual({ size: 0 });
    // The deployment admin sees every project's.
    expect((await consoleCall("GET", "/health/queue/webhooks")).json.size).toBeGreaterThanOrEqual(pending.body.size);
    await new Webhooks(client).delete({ webhookId: hook.$id });
  });

  it("counts failed jobs by Appwrite's queue names", async () => {
    const r = await get("/health/queue/failed/v1-functions");
    expect(r.body).toEqual({ size: 0 });
    const over = await get("/health/queue/failed/v1-screenshots?threshold=0");
    expect([over.status, over.body.type, over.body.message]).toEqual([503, "health_queue_size_exceeded", "Queue failed jobs threshold hit. Current value is 0 and threshold is 0."]);
    const unknown = await get("/health/queue/failed/v1-nope");
    expect([unknown.status, unknown.body.type]).toEqual([400, "general_argument_invalid"]);
  });

  it("refuses a certificate domain that is not a public name (400) and reports an unreachable one (404)", async () => {
    for (const domain of ["localhost", "", "www.google.com/usr/src/local", "127.0.0.1", "https://intranet.local/"]) {
      const r = await get(`/health/certificate?domain=${encodeURIComponent(domain)}`);
      expect([r.status, r.body.type], domain).toEqual([400, "general_argument_invalid"]);
    }
    // This machine is offline, so no TLS connection can be made: Appwrite's answer to an unreachable host.
    const r = await get("/health/certificate?domain=doesnotexist.com");
    expect([r.status, r.body.type]).toEqual([404, "health_invalid_host"]);
  });
});

describe("console variables", () => {
  it("tells the console and the CLI what this server does, to the deployment admin only", async () => {
    const r = await consoleCall("GET", "/console/variables");
    expect(r.status).toBe(200);
    const v = r.json;
    for (const k of ["_APP_DOMAIN_TARGET_CNAME", "_APP_DOMAIN_TARGET_A", "_APP_DOMAIN_TARGET_AAAA", "_APP_DOMAIN_TARGET_CAA", "_APP_DOMAIN_SITES", "_APP_DOMAIN_FUNCTIONS", "_APP_OPTIONS_FORCE_HTTPS", "_APP_DOMAINS_NAMESERVERS", "_APP_DB_ADAPTER", "_APP_USAGE_STATS"]) {
      expect(typeof v[k], k).toBe("string");
    }
    for (const k of ["_APP_COMPUTE_BUILD_TIMEOUT", "_APP_STORAGE_LIMIT", "_APP_COMPUTE_SIZE_LIMIT", "maxIndexLength"]) expect(Number.isInteger(v[k]), k).toBe(true);
    for (const k of ["_APP_DOMAIN_ENABLED", "_APP_VCS_ENABLED", "_APP_ASSISTANT_ENABLED", "supportForRelationships", "supportForOperators", "supportForSpatials", "supportForIntegerIds"]) {
      expect(typeof v[k], k).toBe("boolean");
    }
    // The CLI names a pushed function's domain `<id>.<_APP_DOMAIN_FUNCTIONS>`: the server's FUNCTIONS_DOMAIN.
    expect(v._APP_DOMAIN_FUNCTIONS).toBe("functions.localhost");
    expect(v).toMatchObject({ _APP_STORAGE_LIMIT: 5_000_000_000, _APP_COMPUTE_SIZE_LIMIT: 30_000_000, _APP_VCS_ENABLED: false, supportForSpatials: false, supportForRelationships: true });

    // Project keys cannot hold projects.read; a signed-in user has it, but is not the admin.
    const asKey = await get("/console/variables");
    expect([asKey.status, asKey.body.type]).toEqual([401, "general_unauthorized_scope"]);
    const users = new Users(new Client().setEndpoint(endpoint).setProject(project.projectId).setKey(key));
    const user = await users.create({ userId: "unique()", email: `v${Date.now()}@example.com`, password: "password123" });
    const session = await users.createSession({ userId: user.$id });
    const asUser = await raw("GET", "/console/variables", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-session": session.secret } });
    expect([asUser.status, asUser.body.type]).toEqual([401, "user_unauthorized"]);
    const asGuest = await raw("GET", "/console/variables", { headers: { "x-appwrite-project": "console" } });
    expect(asGuest.status).toBe(401);
  });
});

describe("function templates", () => {
  it("lists Edgewrite's catalogue with Appwrite's parameters, filters and paging; an unknown id is function_template_not_found", async () => {
    const guest = { "x-appwrite-project": project.projectId };
    const all = await raw("GET", "/functions/templates", { headers: guest });
    expect(all.status).toBe(200);
    expect(all.body.templates.map((t: { id: string }) => t.id)).toEqual(["starter", "rest-api", "webhook-receiver"]);
    expect(all.body.total).toBe(3);
    for (const t of all.body.templates) {
      expect(Object.keys(t).sort()).toEqual(["cron", "events", "icon", "id", "instructions", "name", "permissions", "providerOwner", "providerRepositoryId", "providerVersion", "runtimes", "scopes", "tagline", "timeout", "useCases", "variables", "vcsProvider"]);
      expect(t.runtimes.find((r: { name: string }) => r.name === "node-22")).toEqual({ name: "node-22", commands: "", entrypoint: "src/main.js", providerRootDirectory: `node/${t.id}` });
    }
    const page = await raw("GET", "/functions/templates?limit=1&offset=1&total=false", { headers: guest });
    expect([page.body.total, page.body.templates.map((t: { id: string }) => t.id)]).toEqual([0, ["rest-api"]]);
    const filtered = await raw("GET", "/functions/templates?useCases[]=starter&useCases[]=dev-tools&runtimes[]=bun-1.1", { headers: guest });
    expect(filtered.body.templates.map((t: { id: string }) => t.id)).toEqual(["starter", "webhook-receiver"]);
    const python = await raw("GET", "/functions/templates?runtimes[]=python-3.12", { headers: guest });
    expect(python.body).toEqual({ total: 0, templates: [] });
    for (const q of ["runtimes[]=cobol-1", "useCases[]=games", "limit=0", "offset=5001"]) {
      const r = await raw("GET", `/functions/templates?${q}`, { headers: guest });
      expect([r.status, r.body.type], q).toEqual([400, "general_argument_invalid"]);
    }
    const one = await raw("GET", "/functions/templates/rest-api", { headers: guest });
    expect(one.body.variables.map((v: { name: string; required: boolean }) => [v.name, v.required])).toEqual([["APPWRITE_DATABASE_ID", true], ["APPWRITE_TABLE_ID", true]]);
    const none = await raw("GET", "/functions/templates/nope", { headers: guest });
    expect([none.status, none.body.type]).toEqual([404, "function_template_not_found"]);
  });
});

/** A request with a Host of our choosing (fetch cannot set Host) to the local server. */
function hostRequest(host: string, path: string): Promise<{ status: number; text: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("proxy rules", () => {
  let proxy: Proxy;
  let fn: Models.Function;
  beforeAll(async () => {
    const client = new Client().setEndpoint(endpoint).setProject(project.projectId).setKey(key);
    proxy = new Proxy(client);
    const functions = new Functions(client);
    fn = await functions.create({ functionId: "unique()", name: "echo", runtime: "node-22" as never, execute: ["any"] });
    const created = await functions.createDeployment({ functionId: fn.$id, code: InputFile.fromBuffer(await tarGz(ECHO), "code.tar.gz"), activate: true, entrypoint: "index.js" });
    await until("activation", () => functions.get({ functionId: fn.$id }), (f) => f.deploymentId === created.$id, 60_000);
    fn = await functions.get({ functionId: fn.$id });
  }, 120_000);

  it("routes a function rule under FUNCTIONS_DOMAIN to the function at once, as `appwrite push` creates it", async () => {
    const domain = `cli${Date.now().toString(36)}.functions.localhost`;
    expect((await hostRequest(domain, "/")).status).toBe(404);
    const rule = await proxy.createFunctionRule({ domain, functionId: fn.$id });
    expect(rule).toMatchObject({ domain, type: "deployment", trigger: "manual", deploymentResourceType: "function", deploymentResourceId: fn.$id, deploymentId: fn.deploymentId, status: "verified", logs: "" });
    const served = await hostRequest(domain, "/hello");
    expect(served.status).toBe(200);
    expect(JSON.parse(served.text)).toMatchObject({ path: "/hello", host: domain });

    // What the CLI lists after a push to print the function's URL.
    const listed = await proxy.listRules({
      queries: [Query.limit(10), Query.equal("deploymentResourceType", ["function"]), Query.equal("deploymentResourceId", [fn.$id]), Query.equal("trigger", ["manual"])],
    });
    expect(listed.rules.map((r) => r.domain)).toContain(domain);
    expect(await proxy.getRule({ ruleId: rule.$id })).toMatchObject({ $id: rule.$id, domain });
    expect(await proxy.updateRuleStatus({ ruleId: rule.$id })).toMatchObject({ status: "verified" });

    // Domains compare lowercase; deleting the rule stops the routing.
    expect((await err(proxy.createFunctionRule({ domain: domain.toUpperCase(), functionId: fn.$id })))?.type).toBe("rule_already_exists");
    await proxy.deleteRule({ ruleId: rule.$id });
    expect((await hostRequest(domain, "/")).status).toBe(404);
    expect((await err(proxy.getRule({ ruleId: rule.$id })))?.type).toBe("rule_not_found");
    expect((await err(proxy.deleteRule({ ruleId: rule.$id })))?.type).toBe("rule_not_found");
  });

  it("refuses what Appwrite refuses: bad names, the functions domain itself, deeper subdomains, unknown functions", async () => {
    for (const domain of ["http://x.example.com", "x.example.com/path", "functions.localhost", "a.b.functions.localhost", "no_underscores.example.com", "localhost"]) {
      const e = await err(proxy.createFunctionRule({ domain, functionId: fn.$id }));
      expect([e?.code, e?.type], domain).toEqual([400, "general_argument_invalid"]);
    }
    const missing = await err(proxy.createFunctionRule({ domain: `m${Date.now()}.functions.localhost`, functionId: "nosuchfunction" }));
    expect(missing?.type).toBe("rule_resource_not_found");
    // The functions domain is a function's own origin: never the API's.
    const api = await err(proxy.createAPIRule({ domain: `api${Date.now()}.functions.localhost` }));
    expect(api?.type).toBe("general_argument_invalid");
  });

  it("keeps custom domains unverified, with the reason, and verifying them fails", async () => {
    const fnRule = await proxy.createFunctionRule({ domain: `fn${Date.now()}.custom-domain.com`, functionId: fn.$id, branch: "main" });
    expect(fnRule).toMatchObject({ status: "unverified", deploymentVcsProviderBranch: "main", logs: expect.stringContaining("functions.localhost") });
    const failed = await err(proxy.updateRuleStatus({ ruleId: fnRule.$id }));
    expect([failed?.code, failed?.type, failed?.message]).toEqual([400, "rule_verification_failed", fnRule.logs]);
    expect((await hostRequest(fnRule.domain, "/v1/health/version")).text).toContain("1.9.6"); // the API, not the function

    const apiRule = await proxy.createAPIRule({ domain: `api${Date.now()}.custom-domain.com` });
    expect(apiRule).toMatchObject({ type: "api", status: "unverified", deploymentResourceId: "" });
    // A domain belongs to one project of the deployment.
    const theirs = await consoleCall("POST", `/projects/${other.projectId}/keys`, { name: "rules", scopes: ["rules.write"] });
    const taken = await err(new Proxy(new Client().setEndpoint(endpoint).setProject(other.projectId).setKey(theirs.json.secret)).createAPIRule({ domain: apiRule.domain }));
    expect([taken?.code, taken?.type]).toEqual([409, "rule_already_exists"]);
    expect((await err(proxy.updateRuleStatus({ ruleId: apiRule.$id })))?.type).toBe("rule_verification_failed");
    const searched = await proxy.listRules({ queries: [Query.equal("type", ["api"])] });
    expect(searched.rules.map((r) => r.$id)).toEqual([apiRule.$id]);
  });
});

describe("_APP_OPTIONS_ABUSE", () => {
  // Eleven wrong passwords for one email: Appwrite's limit is 10 per email per hour.
  async function attempts(base: string, projectId: string): Promise<{ status: number; limit: string | null }[]> {
    const email = `abuse${Date.now()}@example.com`;
    const out = [];
    for (let i = 0; i < 11; i++) {
      const res = await fetch(`${base}/account/sessions/email`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-appwrite-project": projectId },
        body: JSON.stringify({ email, password: "wrong-password" }),
      });
      await res.text();
      out.push({ status: res.status, limit: res.headers.get("x-ratelimit-limit") });
    }
    return out;
  }

  let off: { url: string; stop: () => Promise<void> };
  let persistDir: string;
  const adminKey = "abuse-off-admin";
  beforeAll(async () => {
    persistDir = mkdtempSync(path.join(tmpdir(), "edgewrite-abuse-off-"));
    await applyMigrations({ persistDir });
    off = await startServer({ persistDir, vars: { ADMIN_KEY: adminKey, JWT_SECRET: "abuse-off-jwt", _APP_OPTIONS_ABUSE: "disabled" } });
  }, 120_000);
  afterAll(async () => {
    await off?.stop();
    rmSync(persistDir, { recursive: true, force: true });
  });

  it("limits by default, and `disabled` turns the limits off on a server started with it", async () => {
    const on = await attempts(endpoint, project.projectId);
    expect(on.slice(0, 10).map((a) => a.status)).toEqual(Array(10).fill(401));
    expect(on[10]).toEqual({ status: 429, limit: "10" });

    const created = await fetch(`${off.url}/v1/projects`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey },
      body: JSON.stringify({ projectId: "abuseoff", name: "abuse off" }),
    });
    expect(created.status).toBe(201);
    const unlimited = await attempts(`${off.url}/v1`, "abuseoff");
    expect(unlimited).toEqual(Array(11).fill({ status: 401, limit: null }));
  });

  it("lifts realtime's 32 messages a minute too", async () => {
    const { default: WebSocket } = await import("ws");
    const ws = new WebSocket(`${off.url.replace(/^http/, "ws")}/v1/realtime?project=abuseoff`);
    const frames: { type: string; data?: { to?: string } }[] = [];
    ws.on("message", (m) => frames.push(JSON.parse(m.toString())));
    await new Promise((res, rej) => (ws.once("open", res), ws.once("error", rej)));
    for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ type: "unsubscribe", data: [{ subscriptionId: `x${i}` }] }));
    const replies = await until("40 replies", async () => frames.filter((f) => f.type !== "connected"), (f) => f.length >= 40, 15_000);
    ws.close();
    expect(replies.map((f) => f.data?.to)).toEqual(Array(40).fill("unsubscribe"));
  });
});
