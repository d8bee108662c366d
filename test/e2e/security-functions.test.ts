import { beforeAll, describe, expect, it } from "vitest";
import { request as httpRequest } from "node:http";
import { chromium } from "playwright-core";
import { Client, Functions, Proxy, Query, Users, type Models } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { consoleCall, createProject, endpoint, openRealtime, raw, sleep, until, type TestProject } from "./harness";
import { BUSY, ECHO, INTERNAL_NAMES, LEAK_KEY, LOGS_SECRET, LOOPS, tarGz } from "./fixtures/functions";

/**
 * Functions attacked from outside: another project's function, a guest, a second user. Each test
 * asserts the safe outcome by its effect (what the function saw, what came back, what still works).
 */
let a: TestProject; // the victim's project: its users hold sessions
let b: TestProject; // the attacker's project: its function is the bait
let victim: { id: string; secret: string };
let bUser: { id: string; secret: string };


async function deployed(p: TestProject, name: string, files: Record<string, string>, entrypoint: string, extra: Record<string, unknown> = {}): Promise<Models.Function> {
  const functions = new Functions(p.server());
  const fn = await functions.create({ functionId: "unique()", name, runtime: "node-22" as never, ...extra });
  const created = await functions.createDeployment({ functionId: fn.$id, code: InputFile.fromBuffer(await tarGz(files), "code.tar.gz"), activate: true, entrypoint });
  const d = await until("build", () => functions.getDeployment({ functionId: fn.$id, deploymentId: created.$id }), (x) => x.status === "ready" || x.status === "failed");
  expect(d.status, d.buildLogs).toBe("ready");
  await until("activation", () => functions.get({ functionId: fn.$id }), (f) => f.deploymentId === d.$id);
  return functions.get({ functionId: fn.$id });
}

async function userWithSession(p: TestProject, id: string) {
  const users = new Users(p.server());
  await users.create({ userId: id, email: `${id}@example.com`, password: "password123" });
  const session = await users.createSession({ userId: id });
  return { id, secret: session.secret };
}

/** A raw request with a Host header of our choosing (fetch cannot set Host), to the local server. */
function hostRequest(host: string, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers: { ...headers, host } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  [a, b] = await Promise.all([createProject("victim"), createProject("attacker")]);
  [victim, bUser] = await Promise.all([userWithSession(a, "victim1"), userWithSession(b, "buser1")]);
}, 120_000);

describe("function HTTP on the API origin", () => {
  let echo: Models.Function;
  beforeAll(async () => {
    echo = await deployed(b, "echo", ECHO, "index.js", { execute: ["any"] });
  }, 120_000);

  it("forwards none of the visitor's platform credentials to another project's function", async () => {
    const cookies = `a_session_${a.projectId}=${victim.secret}; a_session_${b.projectId}=${bUser.secret}; a_session_${a.projectId}_legacy=${victim.secret}; theme=dark`;
    const r = await fetch(`${endpoint}/functions/${echo.$id}/http/echo?project=${b.projectId}`, {
      headers: {
        cookie: cookies,
        "x-fallback-cookies": JSON.stringify({ [`a_session_${a.projectId}`]: victim.secret }),
        "x-appwrite-session": victim.secret,
        authorization: `Bearer ${victim.secret}`,
        "x-appwrite-impersonate-user-id": victim.id,
        "x-appwrite-event": "users.victim1.delete",
      },
    });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).not.toContain(victim.secret);
    expect(text).not.toContain(bUser.secret);
    const seen = JSON.parse(text).headers;
    for (const h of ["cookie", "x-fallback-cookies", "x-appwrite-session", "authorization", "x-appwrite-impersonate-user-id", "x-appwrite-event"]) expect(seen[h], h).toBeUndefined();
    // The run is anonymous even though project B's own session cookie came along.
    expect(seen["x-appwrite-user-id"]).toBe("");
    expect(seen["x-appwrite-user-jwt"]).toBe("");
    expect(seen["x-appwrite-key"]).toMatch(/^dynamic_/);
  });

  it("answers active content neutered: no cookies, no CORS grants, sandboxed, nosniff", async () => {
    const r = await fetch(`${endpoint}/functions/${echo.$id}/http/page?project=${b.projectId}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("set-cookie")).toBeNull();
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    expect(r.headers.get("access-control-allow-credentials")).toBeNull();
    expect(r.headers.get("clear-site-data")).toBeNull();
    expect(r.headers.get("content-security-policy")).toBe("sandbox");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("x-custom")).toBe("kept");
    expect(await r.text()).toContain("<script>");
  });
});

describe("function domains", () => {
  let echo: Models.Function;
  let domain: string;
  beforeAll(async () => {
    echo = await deployed(b, "echo-domain", ECHO, "index.js", { execute: ["any"] });
    const key = await consoleCall("POST", `/projects/${b.projectId}/keys`, { name: "rules", scopes: ["rules.read"] });
    const proxy = new Proxy(new Client().setEndpoint(endpoint).setProject(b.projectId).setKey(key.json.secret));
    const rules = await proxy.listRules({ queries: [Query.equal("deploymentResourceId", [echo.$id])] });
    expect(rules.total).toBe(1);
    expect(rules.rules[0]).toMatchObject({ type: "deployment", trigger: "manual", deploymentResourceType: "function", deploymentResourceId: echo.$id, deploymentId: echo.deploymentId, status: "verified" });
    domain = rules.rules[0]!.domain;
  }, 120_000);

  it("gives each function a lowercase host of its own under FUNCTIONS_DOMAIN, where nothing of /v1 is served", async () => {
    expect(domain).toMatch(/^[a-z0-9]+\.functions\.localhost$/);
    const r = await hostRequest(domain, "/v1/health/version");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toMatchObject({ path: "/v1/health/version", host: domain });
    const exec = await new Functions(b.server()).getExecution({ functionId: echo.$id, executionId: String(r.headers["x-appwrite-execution-id"]) });
    expect(exec).toMatchObject({ trigger: "http", requestMethod: "GET", requestPath: "/v1/health/version", status: "completed" });
  });

  it("lets the function's own cookie round-trip but never the platform's session cookies", async () => {
    const page = await hostRequest(domain, "/page");
    expect(page.status).toBe(200);
    const setCookie = page.headers["set-cookie"] ?? [];
    expect(setCookie).toHaveLength(1);
    // Its own origin: the cookie is set, host-only (its Domain= would reach sibling hosts and the API).
    expect(setCookie[0]).toMatch(/^fn_cookie=chocolate; Path=\/;\s*HttpOnly$/);
    expect(page.headers["access-control-allow-origin"]).toBe("*");
    expect(page.headers["content-security-policy"]).toBe("default-src * 'unsafe-inline'");

    const echoed = await hostRequest(domain, "/echo", {
      cookie: `fn_cookie=chocolate; a_session_${a.projectId}=${victim.secret}; a_session_${b.projectId}_legacy=${bUser.secret}`,
      "x-fallback-cookies": JSON.stringify({ [`a_session_${a.projectId}`]: victim.secret }),
      "x-appwrite-session": victim.secret,
    });
    expect(echoed.text).not.toContain(victim.secret);
    expect(echoed.text).not.toContain(bUser.secret);
    const seen = JSON.parse(echoed.text).headers;
    expect(seen.cookie).toBe("fn_cookie=chocolate");
    expect(seen["x-fallback-cookies"]).toBeUndefined();
    expect(seen["x-appwrite-session"]).toBeUndefined();
    expect(seen["x-appwrite-user-id"]).toBe("");
  });

  it("in a browser, runs the function's script on its own origin and never on the API's", async () => {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
    try {
      const page = await browser.newPage();
      // Chromium resolves *.localhost to loopback: the local default needs no DNS.
      const own = `http://${domain}:${new URL(endpoint).port}`;
      await page.goto(`${own}/page`);
      expect(await page.title()).toBe(`ran on ${own}`);
      await page.goto(`${endpoint}/functions/${echo.$id}/http/page?project=${b.projectId}`);
      expect(await page.locator("body").count()).toBe(1);
      expect(await page.title()).toBe(""); // sandboxed: the script never ran
    } finally {
      await browser.close();
    }
  });

  it("refuses the bare functions domain and hosts without a rule", async () => {
    const bare = await hostRequest("functions.localhost", "/");
    expect([bare.status, JSON.parse(bare.text).type]).toEqual([401, "general_access_forbidden"]);
    const unknown = await hostRequest("nosuchrule.functions.localhost", "/");
    expect([unknown.status, JSON.parse(unknown.text).type]).toEqual([404, "rule_not_found"]);
  });

  it("drops the domain with its function", async () => {
    const fn = await deployed(b, "short-lived", ECHO, "index.js", { execute: ["any"] });
    const key = await consoleCall("POST", `/projects/${b.projectId}/keys`, { name: "rules2", scopes: ["rules.read"] });
    const proxy = new Proxy(new Client().setEndpoint(endpoint).setProject(b.projectId).setKey(key.json.secret));
    const [rule] = (await proxy.listRules({ queries: [Query.equal("deploymentResourceId", [fn.$id])] })).rules;
    expect((await hostRequest(rule!.domain, "/x")).status).toBe(200);
    await new Functions(b.server()).delete({ functionId: fn.$id });
    expect((await proxy.listRules({ queries: [Query.equal("deploymentResourceId", [fn.$id])] })).total).toBe(0);
    const gone = await hostRequest(rule!.domain, "/x");
    expect([gone.status, JSON.parse(gone.text).type]).toEqual([404, "rule_not_found"]);
  });
});

describe("execution logs and errors", () => {
  let fn: Models.Function;
  const token = `tok-${Math.random().toString(36).slice(2)}`;
  beforeAll(async () => {
    fn = await deployed(a, "logs-secret", LOGS_SECRET, "index.js", { execute: ["any"] });
    await new Functions(a.server()).createVariable({ functionId: fn.$id, variableId: "unique()", key: "TOKEN", value: token });
  }, 120_000);

  it("are empty for guests and users (get, list, create, realtime) and shown to API keys", async () => {
    const server = new Functions(a.server());
    const guestRun = await new Functions(a.guest()).createExecution({ functionId: fn.$id });
    expect(guestRun).toMatchObject({ status: "completed", responseBody: "done", logs: "", errors: "" });

    const rt = await openRealtime(a.projectId, victim.secret);
    try {
      await rt.next("connected");
      rt.ws.send(JSON.stringify({ type: "subscribe", data: [{ subscriptionId: "ex", channels: ["executions"] }] }));
      await rt.next("response");
      const asUser = new Functions(new Client().setEndpoint(endpoint).setProject(a.projectId).setSession(victim.secret));
      const userRun = await asUser.createExecution({ functionId: fn.$id });
      expect(userRun).toMatchObject({ status: "completed", logs: "", errors: "" });
      const event = await rt.next("event");
      expect(event.data.payload).toMatchObject({ $id: userRun.$id, logs: "", errors: "" });
      expect(JSON.stringify(event)).not.toContain(token);

      expect(await asUser.getExecution({ functionId: fn.$id, executionId: userRun.$id })).toMatchObject({ logs: "", errors: "" });
      const listed = await asUser.listExecutions({ functionId: fn.$id });
      expect(listed.executions.map((e) => e.$id)).toContain(userRun.$id);
      expect(JSON.stringify(listed)).not.toContain(token);

      // The project's own server key sees what the function logged.
      const stored = await server.getExecution({ functionId: fn.$id, executionId: userRun.$id });
      expect(stored.logs).toContain(`token=${token}`);
      expect(stored.errors).toContain(`failed with ${token}`);
      expect(JSON.stringify(await server.listExecutions({ functionId: fn.$id }))).toContain(token);
    } finally {
      rt.ws.close();
    }
  });
});

describe("CPU-bound code", () => {
  it("ends a never-yielding execution at its timeout as failed, and the server answers meanwhile-queued requests", async () => {
    const fn = await deployed(a, "busy", BUSY, "index.js", { timeout: 3 });
    const functions = new Functions(a.server());
    const spinning = functions.createExecution({ functionId: fn.$id, xpath: "/spin" });
    await sleep(300); // let the spin start before the second request is sent
    const health = await raw("GET", "/health/version");
    expect(health.status).toBe(200);
    const run = await spinning;
    expect(run).toMatchObject({ status: "failed", responseStatusCode: 500 });
    expect(run.errors).toContain("Execution timed out.");
    expect((await functions.getExecution({ functionId: fn.$id, executionId: run.$id })).status).toBe("failed");
    // The same worker serves the next execution.
    expect((await functions.createExecution({ functionId: fn.$id, xpath: "/" })).responseBody).toBe("awake");
  });

  it("stops every loop form (and a loop that swallows the timeout) while ordinary loops compute as before", async () => {
    const fn = await deployed(a, "loops", LOOPS, "index.js", { timeout: 1 });
    const functions = new Functions(a.server());
    for (const path of ["/for", "/do", "/of", "/caught"]) {
      const run = await functions.createExecution({ functionId: fn.$id, xpath: path });
      expect([path, run.status, run.errors]).toEqual([path, "failed", "Execution timed out.\n"]);
    }
    const ok = await functions.createExecution({ functionId: fn.$id, xpath: "/" });
    expect(ok.status, ok.errors).toBe("completed");
    expect(JSON.parse(ok.responseBody)).toEqual({ sum: 60, k: 35, keys: ["a", "b"], firstFive: [0, 1, 2, 3, 4] });
  });
});

describe("dynamic keys", () => {
  it("stop working when the function's scopes change or the function is deleted", async () => {
    const fn = await deployed(a, "leaky", LEAK_KEY, "index.js", { scopes: ["users.read"] });
    const functions = new Functions(a.server());
    const use = (key: string) => raw("GET", "/users", { headers: { "x-appwrite-project": a.projectId, "x-appwrite-key": key } });

    const first = (await functions.createExecution({ functionId: fn.$id })).responseBody;
    expect((await use(first)).status).toBe(200);
    await functions.update({ functionId: fn.$id, name: "leaky", scopes: ["users.read", "users.write"] });
    const widened = await use(first);
    expect([widened.status, widened.body.type]).toEqual([401, "user_unauthorized"]);

    const second = (await functions.createExecution({ functionId: fn.$id })).responseBody;
    expect((await use(second)).status).toBe(200);
    await functions.delete({ functionId: fn.$id });
    const orphaned = await use(second);
    expect([orphaned.status, orphaned.body.type]).toEqual([401, "user_unauthorized"]);
  });

  it("expire within seconds of their execution's timeout", async () => {
    const fn = await deployed(a, "leaky-exp", LEAK_KEY, "index.js", { scopes: ["users.read"], timeout: 1 });
    const key = (await new Functions(a.server()).createExecution({ functionId: fn.$id })).responseBody;
    expect((await raw("GET", "/users", { headers: { "x-appwrite-project": a.projectId, "x-appwrite-key": key } })).status).toBe(200);
    await sleep(12_000); // timeout (1 s) + the 10 s grace, and a second of rounding
    const late = await raw("GET", "/users", { headers: { "x-appwrite-project": a.projectId, "x-appwrite-key": key } });
    expect([late.status, late.body.type]).toEqual([401, "api_key_expired"]);
  });
});

describe("deployments", () => {
  it("build and run with files named like the internal modules", async () => {
    const fn = await deployed(a, "internal-names", INTERNAL_NAMES, "__edgewrite_main.js");
    const run = await new Functions(a.server()).createExecution({ functionId: fn.$id });
    expect(run.status, run.errors).toBe("completed");
    expect(run.responseBody).toBe("user prelude user main");
  });
});

describe("request bodies", () => {
  /** A body sent chunked (no Content-Length), as a streaming client sends it. */
  const chunked = (bytes: Uint8Array): RequestInit => ({
    body: new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += 1 << 20) c.enqueue(bytes.subarray(i, i + (1 << 20)));
        c.close();
      },
    }),
    duplex: "half",
  } as RequestInit);

  it("the 12 MiB payload limit holds for a chunked body (an execution's multipart body too); a small one arrives intact", async () => {
    const email = `chunked-${Date.now()}@example.com`;
    const small = await fetch(`${endpoint}/account`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-appwrite-project": a.projectId },
      ...chunked(new TextEncoder().encode(JSON.stringify({ userId: "unique()", email, password: "password123" }))),
    });
    expect(small.status).toBe(201);
    expect((await small.json()).email).toBe(email);
    const big = await fetch(`${endpoint}/functions/any/executions`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x", "x-appwrite-project": b.projectId },
      ...chunked(new Uint8Array(13 << 20)),
    });
    expect(big.status).toBe(413);
    expect((await raw("GET", "/health/version")).status).toBe(200); // and the server still answers
  });
});
