import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { AppwriteException, Proxy, Query, Sites, type Models } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { Client } from "node-appwrite";
import { consoleCall, createProject, endpoint, until, type TestProject } from "./harness";
import { tarGz } from "./fixtures/functions";

/**
 * Sites (node-appwrite 27.1.0's `Sites`): static sites served from R2 on `<siteId>.sites.localhost` with the
 * right types and caching, SPA fallback, SSR Worker bundles with the site's variables, activation and rollback,
 * request logs, and the site host's isolation from the API.
 */
let p: TestProject;
let sites: Sites;
let proxy: Proxy;

type HostResponse = { status: number; headers: Record<string, string | string[] | undefined>; text: string };
/** A request with a Host header of our choosing (fetch cannot set Host), to the local server. */
function hostRequest(host: string, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<HostResponse> {
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

const rand = () => Math.random().toString(36).slice(2, 8);
const err = (p: Promise<unknown>) => p.then(() => null, (e: AppwriteException) => e);

async function deploy(siteId: string, files: Record<string, string>, activate = true): Promise<Models.Deployment> {
  const created = await sites.createDeployment({ siteId, code: InputFile.fromBuffer(await tarGz(files), "site.tar.gz"), activate });
  const d = await until("build", () => sites.getDeployment({ siteId, deploymentId: created.$id }), (x) => x.status === "ready" || x.status === "failed");
  expect(d.status, d.buildLogs).toBe("ready");
  if (activate) await until("activation", () => sites.get({ siteId }), (s) => s.deploymentId === d.$id);
  return d;
}

async function hostOf(siteId: string): Promise<string> {
  const rules = await proxy.listRules({ queries: [Query.equal("deploymentResourceId", siteId)] });
  expect(rules.total).toBe(1);
  return rules.rules[0]!.domain;
}

const STATIC = {
  "dist/index.html": "<!doctype html><html><head><link rel=stylesheet href=/assets/app-3f9a1b2c.css></head><body><div id=app>static v1</div><script src=/assets/index-Bx7d9Kq2.js></script></body></html>",
  "dist/assets/app-3f9a1b2c.css": "body { color: rebeccapurple; }",
  "dist/assets/index-Bx7d9Kq2.js": "document.getElementById('app').textContent += ' (hydrated)';",
  "dist/about.html": "<!doctype html><p>about page</p>",
  "dist/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
  "src/main.js": "not served: outside the output directory",
};

beforeAll(async () => {
  p = await createProject("sites");
  sites = new Sites(p.server());
  const key = await consoleCall("POST", `/projects/${p.projectId}/keys`, { name: "rules", scopes: ["rules.read", "rules.write"] });
  proxy = new Proxy(new Client().setEndpoint(endpoint).setProject(p.projectId).setKey(key.json.secret));
}, 60_000);

describe("site CRUD", () => {
  it("creates, lists, updates and deletes a site; frameworks and specifications are Appwrite's", async () => {
    const id = `crud-${rand()}`;
    const site = await sites.create({ siteId: id, name: "Shop", framework: "react" as never, buildRuntime: "node-22" as never, adapter: "static" as never, fallbackFile: "index.html", outputDirectory: "./dist" });
    expect(site).toMatchObject({ $id: id, name: "Shop", framework: "react", adapter: "static", fallbackFile: "index.html", outputDirectory: "./dist", enabled: true, deploymentId: "", timeout: 30, buildRuntime: "node-22", vars: [] });
    expect(await hostOf(id)).toBe(`${id}.sites.localhost`);
    expect((await sites.list({ queries: [Query.equal("framework", "react")], search: "Shop" })).sites.map((s) => s.$id)).toContain(id);
    const updated = await sites.update({ siteId: id, name: "Shop 2", framework: "vite" as never, timeout: 10 });
    expect(updated).toMatchObject({ name: "Shop 2", framework: "vite", timeout: 10, adapter: "static", buildRuntime: "node-22", fallbackFile: "" });
    expect((await sites.get({ siteId: id })).name).toBe("Shop 2");

    // Appwrite labels it `public`: guests hold that scope, API keys do not (401 for a key, as in 1.9.6).
    await expect(sites.listFrameworks()).rejects.toMatchObject({ code: 401, type: "general_unauthorized_scope" });
    const frameworks = await new Sites(p.guest()).listFrameworks();
    const react = frameworks.frameworks.find((f) => f.key === "react")!;
    expect(react.adapters[0]).toMatchObject({ key: "static", outputDirectory: "./dist", fallbackFile: "index.html" });
    expect((await sites.listSpecifications()).specifications.map((s) => s.slug)).toContain("s-1vcpu-512mb");

    const bad = await err(sites.create({ siteId: "unique()", name: "x", framework: "cobol" as never, buildRuntime: "node-22" as never }));
    expect([bad?.code, bad?.type]).toEqual([400, "general_argument_invalid"]);
    const dup = await err(sites.create({ siteId: id, name: "again", framework: "react" as never, buildRuntime: "node-22" as never }));
    expect([dup?.code, dup?.type]).toEqual([409, "site_already_exists"]);

    await sites.delete({ siteId: id });
    expect((await err(sites.get({ siteId: id })))?.type).toBe("site_not_found");
    expect((await hostRequest(`${id}.sites.localhost`, "/")).status).toBe(404);
  });
});

describe("a static site", () => {
  let id: string;
  let host: string;
  beforeAll(async () => {
    id = `web-${rand()}`;
    await sites.create({ siteId: id, name: "Web", framework: "react" as never, buildRuntime: "node-22" as never, adapter: "static" as never, fallbackFile: "index.html", outputDirectory: "./dist" });
    await deploy(id, STATIC);
    host = await hostOf(id);
  }, 60_000);

  it("serves index.html and its assets with their types; hashed assets are immutable, HTML is revalidated", async () => {
    const page = await hostRequest(host, "/");
    expect(page.status).toBe(200);
    expect(page.text).toContain("static v1");
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["cache-control"]).toBe("no-cache");
    expect(page.headers.etag).toMatch(/^"[0-9a-f]+"$/);

    const css = await hostRequest(host, "/assets/app-3f9a1b2c.css");
    expect([css.status, css.headers["content-type"], css.headers["cache-control"], css.text]).toEqual([200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", STATIC["dist/assets/app-3f9a1b2c.css"]]);
    const js = await hostRequest(host, "/assets/index-Bx7d9Kq2.js");
    expect([js.status, js.headers["content-type"], js.headers["cache-control"]]).toEqual([200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"]);
    const svg = await hostRequest(host, "/logo.svg");
    expect([svg.headers["content-type"], svg.headers["cache-control"]]).toEqual(["image/svg+xml; charset=utf-8", "no-cache"]);
    const about = await hostRequest(host, "/about");
    expect([about.status, about.text]).toEqual([200, STATIC["dist/about.html"]]);
  });

  it("answers a matching If-None-Match with 304 and no body", async () => {
    const first = await hostRequest(host, "/assets/app-3f9a1b2c.css");
    const again = await hostRequest(host, "/assets/app-3f9a1b2c.css", { "if-none-match": String(first.headers.etag) });
    expect([again.status, again.text, again.headers.etag]).toEqual([304, "", first.headers.etag]);
    const stale = await hostRequest(host, "/assets/app-3f9a1b2c.css", { "if-none-match": '"other"' });
    expect(stale.status).toBe(200);
  });

  it("serves the fallback file for client-side routes (SPA), and nothing outside the output directory", async () => {
    const route = await hostRequest(host, "/dashboard/settings?tab=2");
    expect([route.status, route.headers["content-type"]]).toEqual([200, "text/html; charset=utf-8"]);
    expect(route.text).toContain("static v1");
    const outside = await hostRequest(host, "/src/main.js");
    expect(outside.text).not.toContain("not served");
    const climb = await hostRequest(host, "/..%2fsrc/main.js");
    expect(climb.text).not.toContain("not served");
  });

  it("is not the API: /v1 on a site host is the site's, the bare sites domain and unknown labels are refused", async () => {
    const api = await hostRequest(host, "/v1/health/version");
    expect(api.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(api.text).toContain("static v1");
    const bare = await hostRequest("sites.localhost", "/");
    expect([bare.status, JSON.parse(bare.text).type]).toEqual([401, "general_access_forbidden"]);
    const unknown = await hostRequest(`nosuch-${rand()}.sites.localhost`, "/");
    expect([unknown.status, JSON.parse(unknown.text).type]).toEqual([404, "rule_not_found"]);
  });

  it("logs every request as a site log (Appwrite's Execution model)", async () => {
    const marker = `/logged-${rand()}`;
    await hostRequest(host, marker);
    const logs = await until("log", () => sites.listLogs({ siteId: id, queries: [Query.equal("requestPath", marker)] }), (l) => l.total === 1);
    const log = logs.executions[0]!;
    expect(log).toMatchObject({ resourceId: id, resourceType: "sites", trigger: "http", requestMethod: "GET", requestPath: marker, responseStatusCode: 200, status: "completed" });
    expect((await sites.getLog({ siteId: id, logId: log.$id })).$id).toBe(log.$id);
    await sites.deleteLog({ siteId: id, logId: log.$id });
    expect((await err(sites.getLog({ siteId: id, logId: log.$id })))?.type).toBe("log_not_found");
    expect((await sites.listLogs({ siteId: id })).total).toBeGreaterThan(3);
  });
});

describe("proxy rules for sites", () => {
  it("routes another sites host to a site (createSiteRule); hosts elsewhere stay unverified, API and function hosts are refused", async () => {
    const id = `rule-${rand()}`;
    await sites.create({ siteId: id, name: "Rule", framework: "other" as never, buildRuntime: "node-22" as never });
    const v1 = await deploy(id, { "index.html": "<p>ruled</p>" });
    const label = `alias-${rand()}.sites.localhost`;
    const rule = await proxy.createSiteRule({ domain: label, siteId: id });
    expect(rule).toMatchObject({ domain: label, deploymentResourceType: "site", deploymentResourceId: id, deploymentId: v1.$id, status: "verified" });
    expect((await hostRequest(label, "/")).text).toBe("<p>ruled</p>");
    const custom = await proxy.createSiteRule({ domain: `shop-${rand()}.example.com`, siteId: id });
    expect(custom.status).toBe("unverified");
    for (const domain of ["sites.localhost", `x-${rand()}.functions.localhost`]) {
      const refused = await err(proxy.createSiteRule({ domain, siteId: id }));
      expect([domain, refused?.code]).toEqual([domain, 400]);
    }
    const api = await err(proxy.createAPIRule({ domain: `api-${rand()}.sites.localhost` }));
    expect(api?.code).toBe(400);
    expect((await err(proxy.createSiteRule({ domain: `y-${rand()}.sites.localhost`, siteId: "nosuchsite" })))?.type).toBe("rule_resource_not_found");
  });
});

describe("deployments", () => {
  it("a second deployment goes live when activated, and rolling back to the first switches the content back", async () => {
    const id = `roll-${rand()}`;
    await sites.create({ siteId: id, name: "Roll", framework: "other" as never, buildRuntime: "node-22" as never });
    const v1 = await deploy(id, { "index.html": "<p>version one</p>" });
    const host = await hostOf(id);
    expect((await hostRequest(host, "/")).text).toBe("<p>version one</p>");
    const v2 = await deploy(id, { "index.html": "<p>version two</p>" }, false);
    expect((await hostRequest(host, "/")).text).toBe("<p>version one</p>"); // not activated yet
    await sites.updateSiteDeployment({ siteId: id, deploymentId: v2.$id });
    expect((await hostRequest(host, "/")).text).toBe("<p>version two</p>");
    const back = await sites.updateSiteDeployment({ siteId: id, deploymentId: v1.$id });
    expect(back.deploymentId).toBe(v1.$id);
    expect((await hostRequest(host, "/")).text).toBe("<p>version one</p>");

    const list = await sites.listDeployments({ siteId: id });
    expect(list.deployments.map((d) => d.$id).sort()).toEqual([v1.$id, v2.$id].sort());
    expect(list.deployments[0]).toMatchObject({ resourceId: id, resourceType: "sites", status: "ready" });
    const src = await sites.getDeploymentDownload({ siteId: id, deploymentId: v1.$id });
    expect(Buffer.from(src as ArrayBuffer).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    await sites.deleteDeployment({ siteId: id, deploymentId: v1.$id });
    expect((await sites.get({ siteId: id })).deploymentId).toBe("");
    const none = await hostRequest(host, "/");
    expect([none.status, JSON.parse(none.text).type]).toEqual([404, "deployment_not_found"]);
  });

  it("takes a large site in 5 MiB chunks (the SDK's chunked upload) and serves its files whole", async () => {
    const id = `big-${rand()}`;
    await sites.create({ siteId: id, name: "Big", framework: "vite" as never, buildRuntime: "node-22" as never, outputDirectory: "./dist" });
    const blob = randomBytes(6 * 1024 * 1024).toString("base64"); // incompressible: the archive stays > 5 MiB
    const d = await deploy(id, { "dist/index.html": "<p>big</p>", "dist/data.txt": blob });
    expect(d.sourceSize).toBeGreaterThan(5 * 1024 * 1024);
    expect(d.chunksTotal).toBe(2);
    const r = await hostRequest(await hostOf(id), "/data.txt");
    expect([r.status, r.text.length, r.text === blob]).toEqual([200, blob.length, true]);
  });

  it("fails a build whose output directory is empty, with the reason in the build logs", async () => {
    const id = `fail-${rand()}`;
    await sites.create({ siteId: id, name: "Fail", framework: "vite" as never, buildRuntime: "node-22" as never, outputDirectory: "./dist" });
    const d = await sites.createDeployment({ siteId: id, code: InputFile.fromBuffer(await tarGz({ "index.html": "x" }), "site.tar.gz"), activate: true });
    const done = await until("build", () => sites.getDeployment({ siteId: id, deploymentId: d.$id }), (x) => x.status === "ready" || x.status === "failed");
    expect(done.status).toBe("failed");
    expect(done.buildLogs).toContain('output directory "dist/" holds no files');
    const notGz = await err(sites.createDeployment({ siteId: id, code: InputFile.fromBuffer(Buffer.from("x"), "site.zip"), activate: true }));
    expect(notGz?.type).toBe("storage_file_type_unsupported");
  });
});

describe("project delete", () => {
  it("takes the project's sites and their hosts with it", async () => {
    const gone = await createProject("sites-gone");
    const s = new Sites(gone.server());
    const id = `gone-${rand()}`;
    await s.create({ siteId: id, name: "Gone", framework: "other" as never, buildRuntime: "node-22" as never });
    const created = await s.createDeployment({ siteId: id, code: InputFile.fromBuffer(await tarGz({ "index.html": "<p>gone soon</p>" }), "site.tar.gz"), activate: true });
    await until("live", () => s.get({ siteId: id }), (x) => x.deploymentId === created.$id);
    const host = `${id}.sites.localhost`;
    expect((await hostRequest(host, "/")).text).toBe("<p>gone soon</p>");
    expect((await consoleCall("DELETE", `/projects/${gone.projectId}`)).status).toBe(204);
    const after = await until("purged", () => hostRequest(host, "/"), (r) => r.status === 404, 30_000, 500);
    expect(JSON.parse(after.text).type).toBe("rule_not_found");
  });
});

const SSR = {
  "_worker.js": `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/cookie") return new Response("set", { headers: { "set-cookie": "sid=1; Domain=.sites.localhost; Path=/" } });
    if (url.pathname === "/boom") throw new Error("ssr boom");
    return new Response(JSON.stringify({
      path: url.pathname, query: url.searchParams.get("q"), greeting: env.GREETING, shared: env.SHARED,
      site: env.APPWRITE_SITE_PROJECT_ID, cookie: request.headers.get("cookie"), key: request.headers.get("x-appwrite-key"),
      at: Date.now(),
    }), { headers: { "content-type": "application/json", "cache-control": "no-store" } });
  },
};`,
  "style.css": "h1 { font-weight: 900; }",
};

describe("an SSR site", () => {
  let id: string;
  let host: string;
  beforeAll(async () => {
    id = `ssr-${rand()}`;
    await sites.create({ siteId: id, name: "SSR", framework: "astro" as never, buildRuntime: "node-22" as never, adapter: "ssr" as never });
    await sites.createVariable({ siteId: id, variableId: "unique()", key: "GREETING", value: "hello from a variable" });
    await deploy(id, SSR);
    host = await hostOf(id);
  }, 60_000);

  it("answers dynamic content from its Worker bundle, with its variables, and serves its static files", async () => {
    const a = await hostRequest(host, "/products/42?q=shoes");
    expect(a.status).toBe(200);
    const body = JSON.parse(a.text);
    expect(body).toMatchObject({ path: "/products/42", query: "shoes", greeting: "hello from a variable", site: p.projectId });
    const b = JSON.parse((await hostRequest(host, "/products/43")).text);
    expect(b.path).toBe("/products/43");
    const css = await hostRequest(host, "/style.css");
    expect([css.status, css.headers["content-type"], css.text]).toEqual([200, "text/css; charset=utf-8", SSR["style.css"]]);
    const bundle = await hostRequest(host, "/_worker.js");
    expect(bundle.text).not.toContain("export default"); // the bundle is code, never a file
  });

  it("sees a changed or new variable on the next request", async () => {
    const v = (await sites.listVariables({ siteId: id })).variables.find((x) => x.key === "GREETING")!;
    expect(v).toMatchObject({ resourceType: "site", resourceId: id, value: "" }); // secret by default
    await sites.updateVariable({ siteId: id, variableId: v.$id, key: "GREETING", value: "changed" });
    await sites.createVariable({ siteId: id, variableId: "unique()", key: "SHARED", value: "second", secret: false });
    const body = JSON.parse((await hostRequest(host, "/")).text);
    expect([body.greeting, body.shared]).toEqual(["changed", "second"]);
  });

  it("never receives the API's cookies or x-appwrite-* headers; its cookies stay on its host", async () => {
    const body = JSON.parse((await hostRequest(host, "/", { cookie: `a_session_${p.projectId}=secret; a_session_${p.projectId}_legacy=secret; theme=dark`, "x-appwrite-key": p.key })).text);
    expect([body.cookie, body.key]).toEqual(["theme=dark", null]);
    const set = await hostRequest(host, "/cookie");
    expect(String(set.headers["set-cookie"])).toBe("sid=1; Path=/");
  });

  it("answers 500 when the bundle throws, with the error in the site's log", async () => {
    const r = await hostRequest(host, "/boom");
    expect(r.status).toBe(500);
    const logs = await until("log", () => sites.listLogs({ siteId: id, queries: [Query.equal("requestPath", "/boom")] }), (l) => l.total === 1);
    expect(logs.executions[0]).toMatchObject({ responseStatusCode: 500, status: "failed" });
    expect(logs.executions[0]!.errors).toContain("ssr boom");
  });
});
