import { beforeAll, describe, expect, inject, it } from "vitest";
import { AppwriteException, Functions, TablesDB, Users, type Models } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { randomBytes } from "node:crypto";
import { adminKey, consoleCall, createProject, endpoint, raw, until, type TestProject } from "./harness";
import { COMMONJS, DENO, HELLO, ON_EVENT, ON_ROW, ROW_WRITER, TICK, TYPESCRIPT, TYPESCRIPT_BROKEN, V2, WRITER, tarGz } from "./fixtures/functions";

/** Functions over the wire with node-appwrite 27.1.0: CRUD, variables, deployments, executions, triggers. */
let project: TestProject;
let functions: Functions;
let hello: Models.Function;
let helloDeployment: Models.Deployment;
let tick: Models.Function;


async function deploy(functionId: string, files: Record<string, string | Uint8Array>, entrypoint: string, activate = true): Promise<Models.Deployment> {
  const code = InputFile.fromBuffer(await tarGz(files), "code.tar.gz");
  const created = await functions.createDeployment({ functionId, code, activate, entrypoint });
  expect(created.status).toBe("waiting");
  return until("deployment build", () => functions.getDeployment({ functionId, deploymentId: created.$id }), (d) => d.status === "ready" || d.status === "failed", 60_000); // a 6 MiB build on a loaded machine
}

async function createDeployed(name: string, files: Record<string, string | Uint8Array>, entrypoint: string, extra: Record<string, unknown> = {}) {
  const fn = await functions.create({ functionId: "unique()", name, runtime: "node-22" as never, ...extra });
  const d = await deploy(fn.$id, files, entrypoint);
  expect(d.status, d.buildLogs).toBe("ready");
  return { fn: await functions.get({ functionId: fn.$id }), deployment: d };
}

const err = (p: Promise<unknown>) => p.then(() => null, (e: AppwriteException) => e);

beforeAll(async () => {
  project = await createProject("functions");
  functions = new Functions(project.server());
  // The scheduled function starts first, so its minute boundary passes while the other tests run.
  ({ fn: tick } = await createDeployed("tick", TICK, "index.js", { schedule: "* * * * *" }));
  const created = await createDeployed("hello", HELLO, "index.js", { execute: ["any"], timeout: 2 });
  hello = created.fn;
  helloDeployment = created.deployment;
}, 120_000);

describe("functions CRUD and runtimes", () => {
  it("lists the JavaScript runtimes", async () => {
    // Appwrite labels it `public`: guests and users hold that scope, API keys do not (401 for a key, as in 1.9.6).
    const r = await new Functions(project.guest()).listRuntimes();
    await expect(functions.listRuntimes()).rejects.toMatchObject({ code: 401, type: "general_unauthorized_scope" });
    expect(r.total).toBe(r.runtimes.length);
    const ids = r.runtimes.map((x) => x.$id);
    expect(ids).toEqual(expect.arrayContaining(["node-22", "node-18.0", "bun-1.1", "deno-2.0"]));
    expect(r.runtimes.find((x) => x.$id === "node-22")).toMatchObject({ key: "node", name: "Node.js", version: "22" });
  });

  it("lists the specifications within 1 CPU / 1 GB; any other slug is Appwrite's 400", async () => {
    const specs = await functions.listSpecifications();
    expect(specs).toEqual({ total: 3, specifications: [
      { memory: 512, cpus: 0.5, enabled: true, slug: "s-0.5vcpu-512mb" },
      { memory: 512, cpus: 1, enabled: true, slug: "s-1vcpu-512mb" },
      { memory: 1024, cpus: 1, enabled: true, slug: "s-1vcpu-1gb" },
    ] });
    const bad = await err(functions.create({ functionId: "unique()", name: "x", runtime: "node-22" as never, buildSpecification: "s-2vcpu-512mb" }));
    expect([bad?.code, bad?.message]).toEqual([400, "Invalid `buildSpecification` param: Specification must be one of: s-0.5vcpu-512mb, s-1vcpu-512mb, s-1vcpu-1gb"]);
  });

  it("creates, reads, lists, updates and deletes a function", async () => {
    const fn = await functions.create({ functionId: "crud1", name: "CRUD", runtime: "bun-1.1" as never, execute: ["users"], events: ["users.*.create"], schedule: "0 * * * *", timeout: 30, scopes: ["users.read" as never], entrypoint: "index.js", deploymentRetention: 180, runtimeSpecification: "s-1vcpu-1gb" });
    expect(fn).toMatchObject({ deploymentRetention: 180, runtimeSpecification: "s-1vcpu-1gb", buildSpecification: "s-1vcpu-512mb" });
    expect(fn).toMatchObject({ $id: "crud1", name: "CRUD", runtime: "bun-1.1", execute: ["users"], events: ["users.*.create"], schedule: "0 * * * *", timeout: 30, enabled: true, logging: true, scopes: ["users.read"], deploymentId: "", version: "v5", entrypoint: "index.js" });
    expect((await err(functions.create({ functionId: "crud1", name: "again", runtime: "node-22" as never })))?.type).toBe("function_already_exists");
    expect((await functions.get({ functionId: "crud1" })).name).toBe("CRUD");
    const listed = await functions.list({ search: "CRUD" });
    expect(listed.functions.map((f) => f.$id)).toContain("crud1");
    const updated = await functions.update({ functionId: "crud1", name: "CRUD 2", enabled: false, timeout: 5 });
    // PUT replaces what it is not given with Appwrite's defaults; only runtime and entrypoint stay.
    expect(updated).toMatchObject({ name: "CRUD 2", enabled: false, timeout: 5, runtime: "bun-1.1", entrypoint: "index.js", schedule: "", execute: [], events: [], scopes: [], deploymentRetention: 0, runtimeSpecification: "s-1vcpu-512mb" });
    expect((await functions.delete({ functionId: "crud1" })).message).toBe("");
    const gone = await err(functions.get({ functionId: "crud1" }));
    expect([gone?.code, gone?.type]).toEqual([404, "function_not_found"]);
  });

  it("rejects bad input with Appwrite's errors", async () => {
    const badRuntime = await err(functions.create({ functionId: "unique()", name: "x", runtime: "cobol-1" as never }));
    expect([badRuntime?.code, badRuntime?.type]).toEqual([400, "general_argument_invalid"]);
    const python = await err(functions.create({ functionId: "unique()", name: "x", runtime: "python-3.12" as never }));
    expect([python?.code, python?.type]).toEqual([404, "function_runtime_unsupported"]);
    const cron = await err(functions.create({ functionId: "unique()", name: "x", runtime: "node-22" as never, schedule: "every minute" }));
    expect([cron?.code, cron?.type, cron?.message]).toEqual([400, "general_argument_invalid", "Invalid `schedule` param: String must be a valid cron expression"]);
    const timeout = await err(functions.create({ functionId: "unique()", name: "x", runtime: "node-22" as never, timeout: 0 }));
    expect(timeout?.type).toBe("general_argument_invalid");
    const role = await err(functions.create({ functionId: "unique()", name: "x", runtime: "node-22" as never, execute: ["root"] }));
    expect(role?.type).toBe("general_argument_invalid");
    const guest = await err(new Functions(project.guest()).list());
    expect([guest?.code, guest?.type]).toEqual([401, "general_unauthorized_scope"]);
  });
});

describe("variables", () => {
  it("keeps secret values out of every response while the function reads them", async () => {
    const secret = await functions.createVariable({ functionId: hello.$id, variableId: "unique()", key: "MY_SECRET", value: "s3cr3t-value" });
    expect(secret).toMatchObject({ key: "MY_SECRET", value: "", secret: true, resourceType: "function", resourceId: hello.$id });
    const plain = await functions.createVariable({ functionId: hello.$id, variableId: "plain1", key: "MY_PLAIN", value: "visible", secret: false });
    expect(plain.value).toBe("visible");
    const dup = await err(functions.createVariable({ functionId: hello.$id, variableId: "unique()", key: "MY_PLAIN", value: "x", secret: false }));
    expect([dup?.code, dup?.type]).toEqual([409, "variable_already_exists"]);
    const listed = await functions.listVariables({ functionId: hello.$id });
    expect(listed.total).toBe(2);
    expect(listed.variables.find((v) => v.key === "MY_SECRET")?.value).toBe("");
    expect(JSON.stringify(await functions.get({ functionId: hello.$id }))).not.toContain("s3cr3t-value");
    // Function lists carry each function's vars too, in creation order (appwrite-cli's `pull --with-variables` reads them).
    const inList = (await functions.list()).functions.find((f) => f.$id === hello.$id)!;
    expect(inList.vars.map((v) => [v.key, v.value])).toEqual([["MY_SECRET", ""], ["MY_PLAIN", "visible"]]);
    const unset = await err(functions.updateVariable({ functionId: hello.$id, variableId: secret.$id, secret: false }));
    expect([unset?.code, unset?.type]).toEqual([400, "variable_cannot_unset_secret"]);
    const toSecret = await functions.updateVariable({ functionId: hello.$id, variableId: "plain1", key: "MY_PLAIN", value: "still-visible", secret: false });
    expect(toSecret.value).toBe("still-visible");

    // Project-wide variables (/v1/project/variables, project.* scopes) reach every function.
    const key = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "project", scopes: ["project.read", "project.write"] });
    const headers = { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": key.json.secret };
    const shared = await raw("POST", "/project/variables", { headers, body: JSON.stringify({ variableId: "shared1", key: "SHARED", value: "from-project", secret: true }) });
    expect(shared.status).toBe(201);
    expect(shared.body).toMatchObject({ key: "SHARED", value: "", secret: true, resourceType: "project" });
    const pl = await raw("GET", "/project/variables", { headers });
    expect(pl.body.total).toBe(1);

    const run = await functions.createExecution({ functionId: hello.$id, body: "" });
    const out = JSON.parse(run.responseBody);
    expect(out.env).toMatchObject({ secret: "s3cr3t-value", plain: "still-visible", shared: "from-project" });
  });
});

describe("deployments", () => {
  it("builds a tar.gz from the SDK, activates it and gives the source back", async () => {
    expect(helloDeployment).toMatchObject({ status: "ready", resourceId: hello.$id, resourceType: "functions", entrypoint: "index.js", activate: true });
    expect(helloDeployment.sourceSize).toBeGreaterThan(0);
    expect(helloDeployment.buildLogs).toContain("Build completed.");
    expect(hello.deploymentId).toBe(helloDeployment.$id);
    expect(hello.latestDeploymentId).toBe(helloDeployment.$id);
    expect(hello.latestDeploymentStatus).toBe("ready");
    const bytes = await functions.getDeploymentDownload({ functionId: hello.$id, deploymentId: helloDeployment.$id });
    const again = await tarGz(HELLO);
    expect(Buffer.from(bytes as ArrayBuffer).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(Buffer.from(bytes as ArrayBuffer).length).toBe(helloDeployment.sourceSize);
    expect(again.length).toBeGreaterThan(0);
    const list = await functions.listDeployments({ functionId: hello.$id });
    expect(list.deployments.map((d) => d.$id)).toContain(helloDeployment.$id);
  });

  it("fails a build with a missing entrypoint and keeps the log; requires an entrypoint and a .tar.gz", async () => {
    const fn = await functions.create({ functionId: "unique()", name: "broken", runtime: "node-22" as never });
    const bad = await deploy(fn.$id, { "other.js": "export default () => 1;" }, "index.js");
    expect(bad.status).toBe("failed");
    expect(bad.buildLogs).toContain('Entrypoint "index.js" was not found');
    expect((await functions.get({ functionId: fn.$id })).deploymentId).toBe("");
    const missing = await err(functions.createDeployment({ functionId: fn.$id, code: InputFile.fromBuffer(await tarGz(V2), "code.tar.gz"), activate: true }));
    expect([missing?.code, missing?.type]).toEqual([404, "function_entrypoint_missing"]);
    const notGz = await err(functions.createDeployment({ functionId: fn.$id, code: InputFile.fromBuffer(Buffer.from("hi"), "code.zip"), activate: true, entrypoint: "index.js" }));
    expect(notGz?.type).toBe("storage_file_type_unsupported");
    const notExec = await err(functions.createExecution({ functionId: fn.$id }));
    expect([notExec?.code, notExec?.type]).toEqual([404, "deployment_not_found"]);
  });

  it("activates a new deployment and rolls back to the old one", async () => {
    const { fn, deployment: first } = await createDeployed("rollback", HELLO, "index.js", { runtimeSpecification: "s-1vcpu-1gb" });
    const second = await deploy(fn.$id, V2, "index.js");
    expect(second.status).toBe("ready");
    expect((await functions.createExecution({ functionId: fn.$id })).responseBody).toBe("version two");
    const back = await functions.updateFunctionDeployment({ functionId: fn.$id, deploymentId: first.$id });
    expect(back.deploymentId).toBe(first.$id);
    const run = await functions.createExecution({ functionId: fn.$id, xpath: "/?name=again" });
    expect(JSON.parse(run.responseBody)).toMatchObject({ greeting: "Hello, again!", env: { cpus: "1", memory: "1024" } }); // the runtime specification
    expect(run.deploymentId).toBe(first.$id);
    // Appwrite's alias of updateFunctionDeployment: PATCH /functions/{id}/deployments/{deploymentId} (RealtimeCustomClientTest::testChannelExecutions).
    const alias = await raw("PATCH", `/functions/${fn.$id}/deployments/${second.$id}`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "content-type": "application/json" }, body: "{}" });
    expect([alias.status, alias.body.$id, alias.body.deploymentId]).toEqual([200, fn.$id, second.$id]);
    expect((await functions.createExecution({ functionId: fn.$id })).responseBody).toBe("version two");
    await functions.updateFunctionDeployment({ functionId: fn.$id, deploymentId: first.$id });
    await functions.deleteDeployment({ functionId: fn.$id, deploymentId: second.$id });
    expect((await err(functions.getDeployment({ functionId: fn.$id, deploymentId: second.$id })))?.type).toBe("deployment_not_found");
  });

  it("uploads a deployment larger than 5 MiB in chunks", async () => {
    const fn = await functions.create({ functionId: "unique()", name: "big", runtime: "node-22" as never });
    const blob = randomBytes(6 * 1024 * 1024).toString("base64");
    const d = await deploy(fn.$id, { "index.js": `import data from "./blob.txt"; export default async ({ res }) => res.text("size " + data.length);`, "blob.txt": blob }, "index.js");
    expect(d.status, d.buildLogs).toBe("ready");
    expect(d.sourceSize).toBeGreaterThan(5 * 1024 * 1024);
    expect((await functions.createExecution({ functionId: fn.$id })).responseBody).toBe(`size ${blob.length}`);
  });

  it("runs CommonJS entrypoints and Deno-style code", async () => {
    const cjs = await createDeployed("cjs", COMMONJS, "index.cjs");
    expect((await functions.createExecution({ functionId: cjs.fn.$id })).responseBody).toBe("from commonjs");
    const fn = await functions.create({ functionId: "unique()", name: "deno", runtime: "deno-2.0" as never });
    expect((await deploy(fn.$id, DENO, "mod.js")).status).toBe("ready");
    expect((await functions.createExecution({ functionId: fn.$id })).responseBody).toBe("deno Deno");
  });
});

describe("executions", () => {
  it("runs synchronously with Appwrite's context and answers 201 with the response", async () => {
    const run = await functions.createExecution({ functionId: hello.$id, body: '{"a":1}', async: false, xpath: "/greet?name=Ada&x=1", method: "PUT" as never, headers: { "content-type": "application/json", "x-test": "yes" } });
    expect(run).toMatchObject({ functionId: hello.$id, resourceId: hello.$id, resourceType: "functions", deploymentId: helloDeployment.$id, trigger: "http", status: "completed", responseStatusCode: 200, requestMethod: "PUT", requestPath: "/greet?name=Ada&x=1" });
    expect(run.requestHeaders).toEqual(expect.arrayContaining([{ name: "content-type", value: "application/json" }]));
    expect(run.responseHeaders).toEqual(expect.arrayContaining([{ name: "x-custom", value: "yes" }, { name: "content-type", value: "application/json; charset=utf-8" }]));
    expect(typeof run.duration).toBe("number");
    expect(run.logs).toContain("hello log\n");
    expect(run.logs).toContain('{"structured":true}');
    expect(run.errors).toBe("hello error\n");
    const out = JSON.parse(run.responseBody);
    expect(out).toMatchObject({ greeting: "Hello, Ada!", method: "PUT", path: "/greet", query: { name: "Ada", x: "1" }, queryString: "name=Ada&x=1", bodyText: '{"a":1}', body: { a: 1 } });
    expect(out.headers).toMatchObject({ "x-test": "yes", "x-appwrite-trigger": "http", "x-appwrite-execution-id": run.$id });
    expect(out.headers["x-appwrite-key"]).toMatch(/^dynamic_/);
    expect(out.env).toMatchObject({ id: hello.$id, name: "hello", deployment: helloDeployment.$id, project: project.projectId, runtimeName: "Node.js", runtimeVersion: "22", cpus: "1", memory: "512" });
    const stored = await functions.getExecution({ functionId: hello.$id, executionId: run.$id });
    expect(stored).toMatchObject({ status: "completed", responseStatusCode: 200, logs: run.logs });
    // Only allow-listed response headers are stored.
    expect(stored.responseHeaders.map((h) => h.name)).not.toContain("x-custom");
  });

  it("runs asynchronously through the queue: 202 waiting, then completed", async () => {
    const queued = await functions.createExecution({ functionId: hello.$id, body: "async body", async: true, xpath: "/async" });
    expect(queued.status).toBe("waiting");
    expect(queued.responseStatusCode).toBe(0);
    const done = await until("async execution", () => functions.getExecution({ functionId: hello.$id, executionId: queued.$id }), (e) => e.status === "completed" || e.status === "failed");
    expect(done).toMatchObject({ status: "completed", responseStatusCode: 200, trigger: "http", requestPath: "/async" });
    expect(done.logs).toContain("hello log");
    const list = await functions.listExecutions({ functionId: hello.$id });
    expect(list.executions.map((e) => e.$id)).toContain(queued.$id);
    await functions.deleteExecution({ functionId: hello.$id, executionId: queued.$id });
    expect((await err(functions.getExecution({ functionId: hello.$id, executionId: queued.$id })))?.type).toBe("execution_not_found");
  });

  it("keeps a thrown error: status failed, 500 and the error text", async () => {
    const run = await functions.createExecution({ functionId: hello.$id, xpath: "/throw" });
    expect(run).toMatchObject({ status: "failed", responseStatusCode: 500 });
    expect(run.errors).toContain("boom from the function");
    const missing = await functions.createExecution({ functionId: hello.$id, xpath: "/missing-return" });
    expect(missing.status).toBe("failed");
    expect(missing.errors).toContain("Return statement missing.");
  });

  it("enforces the function timeout", async () => {
    const run = await functions.createExecution({ functionId: hello.$id, xpath: "/sleep" });
    expect(run).toMatchObject({ status: "failed", responseStatusCode: 500 });
    expect(run.errors).toContain("Execution timed out.");
  });

  it("blocks outbound fetch by default", async () => {
    const run = await functions.createExecution({ functionId: hello.$id, xpath: "/fetch" });
    expect(run.responseBody).toMatch(/^blocked: This worker is not permitted to access the internet/);
  });

  it("turns console output into logs, like open-runtimes", async () => {
    const run = await functions.createExecution({ functionId: hello.$id, xpath: "/native" });
    expect(run.responseStatusCode).toBe(204);
    expect(run.logs).toContain("Native logs detected.");
    expect(run.logs).toContain('native line {"a":1}');
  });

  it("writes through its dynamic key, limited to the function's scopes", async () => {
    const allowed = await createDeployed("writer", WRITER, "main.mjs", { scopes: ["users.write"] });
    const userId = `fnuser${Date.now().toString(36)}`;
    const run = await functions.createExecution({ functionId: allowed.fn.$id, body: JSON.stringify({ userId }) });
    expect(JSON.parse(run.responseBody)).toMatchObject({ status: 201, body: { $id: userId, name: "made by a function" } });
    expect((await new Users(project.server()).get({ userId })).name).toBe("made by a function");

    const denied = await createDeployed("writer-no-scope", WRITER, "main.mjs", { scopes: ["users.read"] });
    const out = JSON.parse((await functions.createExecution({ functionId: denied.fn.$id, body: JSON.stringify({ userId: `${userId}b` }) })).responseBody);
    expect(out.status).toBe(401);
    expect(out.body.type).toBe("general_unauthorized_scope");
    // The key belongs to its project only.
    const other = await createProject("functions-other");
    const key = JSON.parse((await functions.createExecution({ functionId: hello.$id })).responseBody).headers["x-appwrite-key"];
    const r = await raw("GET", "/users", { headers: { "x-appwrite-project": other.projectId, "x-appwrite-key": key } });
    expect(r.status).toBe(401);
  });

  it("needs execute permission for clients", async () => {
    const guestFns = new Functions(project.guest());
    const ok = await guestFns.createExecution({ functionId: hello.$id, xpath: "/?name=guest" });
    expect(JSON.parse(ok.responseBody).greeting).toBe("Hello, guest!");
    const { fn: closed } = await createDeployed("closed", V2, "index.js");
    const denied = await err(guestFns.createExecution({ functionId: closed.$id }));
    expect([denied?.code, denied?.type]).toEqual([401, "user_unauthorized"]);
    const scheduled = await err(functions.createExecution({ functionId: hello.$id, async: false, scheduledAt: new Date(Date.now() + 3600_000).toISOString() }));
    expect([scheduled?.code, scheduled?.type]).toEqual([400, "general_bad_request"]);
    const later = await functions.createExecution({ functionId: hello.$id, async: true, scheduledAt: new Date(Date.now() + 3600_000).toISOString() });
    expect(later).toMatchObject({ status: "scheduled", trigger: "schedule" });
    expect(later.scheduledAt).toBeTruthy();
  });

  it("keeps binary bodies byte-exact: a multipart `body` in, a multipart response out; JSON refuses bytes that are not UTF-8", async () => {
    // FunctionsCustomServerTest::testCreateCustomExecutionBinaryRequest/Response, with bytes no UTF-8 decoder keeps.
    const { fn } = await createDeployed("binary", {
      "index.js": `export default async ({ req, res, log }) => {
        log("got " + [...req.bodyBinary].join(","));
        return req.path === "/bytes" ? res.binary(Uint8Array.from([0, 10, 255])) : res.text([...req.bodyBinary].join(","));
      };`,
    }, "index.js");
    const headers = { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key };
    const boundary = "----edgewrite-test";
    const multipart = (fields: Record<string, string | Buffer>) =>
      Buffer.concat([...Object.entries(fields).flatMap(([k, v]) => [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`), Buffer.from(v), Buffer.from("\r\n")]), Buffer.from(`--${boundary}--\r\n`)]);
    const bytes = Buffer.from([0, 20, 255, 13, 10, 45, 45]); // NUL, 0xFF and a CRLF-- that looks like a boundary start
    const sync = await raw("POST", `/functions/${fn.$id}/executions`, { headers: { ...headers, accept: "application/json", "content-type": `multipart/form-data; boundary=${boundary}` }, body: multipart({ body: bytes, path: "/echo" }) });
    expect([sync.status, sync.headers.get("content-type")?.startsWith("application/json"), sync.body.responseBody]).toEqual([201, true, "0,20,255,13,10,45,45"]);

    const queued = await raw("POST", `/functions/${fn.$id}/executions`, { headers: { ...headers, "content-type": `multipart/form-data; boundary=${boundary}` }, body: multipart({ body: bytes, async: "true" }) });
    expect(queued.status).toBe(202);
    const done = await until("binary async execution", () => functions.getExecution({ functionId: fn.$id, executionId: queued.body.$id }), (e) => e.status === "completed" || e.status === "failed");
    expect(done.logs).toContain("got 0,20,255,13,10,45,45");

    const out = await fetch(`${endpoint}/functions/${fn.$id}/executions`, { method: "POST", headers: { ...headers, accept: "multipart/form-data", "content-type": "application/json" }, body: JSON.stringify({ path: "/bytes" }) });
    expect(out.status).toBe(201);
    const type = out.headers.get("content-type") ?? "";
    expect(type).toMatch(/^multipart\/form-data; boundary=----/);
    const body = Buffer.from(await out.arrayBuffer());
    const part = (name: string) => {
      const start = body.indexOf(`name="${name}"\r\n\r\n`) + `name="${name}"\r\n\r\n`.length;
      return body.subarray(start, body.indexOf(`\r\n--${type.split("boundary=")[1]}`, start));
    };
    expect([...part("responseBody")]).toEqual([0, 10, 255]);
    expect([part("status").toString(), part("responseStatusCode").toString(), part("$id").length]).toEqual(["completed", "200", 20]);

    const asJson = await err(functions.createExecution({ functionId: fn.$id, xpath: "/bytes" }));
    expect([asJson?.code, asJson?.type]).toEqual([400, "general_unknown"]);
    expect(asJson?.message).toContain("Failed to parse response");
  });

  it("answers HTTP requests directly at /v1/functions/{id}/http/*", async () => {
    const r = await fetch(`${endpoint}/functions/${hello.$id}/http/web/page?name=Web&project=${project.projectId}`, { method: "POST", headers: { "content-type": "text/plain" }, body: "raw body" });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-custom")).toBe("yes");
    expect(r.headers.get("x-appwrite-execution-id")).toBeTruthy();
    const out = await r.json();
    expect(out).toMatchObject({ greeting: "Hello, Web!", method: "POST", path: "/web/page", query: { name: "Web" }, bodyText: "raw body" });
    const redirect = await fetch(`${endpoint}/functions/${hello.$id}/http/redirect?project=${project.projectId}`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("https://appwrite.io/");
    const { fn: closed } = await createDeployed("closed-http", V2, "index.js", { execute: ["users"] });
    const denied = await raw("GET", `/functions/${closed.$id}/http/?project=${project.projectId}`);
    expect([denied.status, denied.body.type]).toEqual([401, "function_execute_permission_missing"]);
  });
});

describe("triggers", () => {
  it("runs on a matching event (users.*.create)", async () => {
    const { fn } = await createDeployed("on-user", ON_EVENT, "index.js", { events: ["users.*.create"] });
    const user = await new Users(project.server()).create({ userId: "unique()", email: `ev${Date.now()}@example.com` });
    const list = await until(
      "event execution",
      () => functions.listExecutions({ functionId: fn.$id }),
      (l) => l.executions.some((e) => e.status === "completed"),
    );
    const e = list.executions.find((x) => x.status === "completed")!;
    expect(e.trigger).toBe("event");
    expect(e.logs).toContain(`event=users.${user.$id}.create id=${user.$id} trigger=event`);
  });

  it("runs on its cron schedule with no manual step", async () => {
    const list = await until(
      "scheduled execution",
      () => functions.listExecutions({ functionId: tick.$id }),
      (l) => l.executions.some((e) => e.status === "completed"),
      75_000,
    );
    const e = list.executions.find((x) => x.status === "completed")!;
    expect(e.trigger).toBe("schedule");
    expect(e.logs).toContain("tick schedule");
  }, 90_000);
});

describe("TypeScript deployments", () => {
  it("compiles .ts modules at build and runs them", async () => {
    const { fn, deployment } = await createDeployed("typescript", TYPESCRIPT, "src/main.ts");
    expect(deployment.buildLogs).toContain("Compiled 4 TypeScript modules");
    const run = await functions.createExecution({ functionId: fn.$id, xpath: "/?name=edge", method: "GET" as never });
    expect(run.status, run.errors).toBe("completed");
    expect(JSON.parse(run.responseBody)).toEqual({ text: "HELLO, EDGE!", n: 42 });
    expect(run.logs).toContain("typed 42");
  });

  it("fails the build on a TypeScript syntax error and logs where", async () => {
    const fn = await functions.create({ functionId: "unique()", name: "ts-broken", runtime: "node-22" as never });
    const d = await deploy(fn.$id, TYPESCRIPT_BROKEN, "index.ts");
    expect(d.status).toBe("failed");
    expect(d.buildLogs).toContain("TypeScript: index.ts:");
  });
});

describe("rows and functions", () => {
  it("writes a row through its dynamic key and runs on the row create", async () => {
    const tables = new TablesDB(project.server());
    const databaseId = "fndb";
    await tables.create({ databaseId, name: "Functions DB" });
    await tables.createTable({ databaseId, tableId: "notes", name: "Notes", columns: [{ key: "title", type: "varchar", size: 64, required: true }] as never });
    const { fn: onRow } = await createDeployed("on-row", ON_ROW, "index.js", { events: ["databases.*.tables.*.rows.*.create"] });
    const { fn: writer } = await createDeployed("row-writer", ROW_WRITER, "index.js", { scopes: ["rows.write"] });

    const rowId = `row${Date.now().toString(36)}`;
    const run = await functions.createExecution({ functionId: writer.$id, body: JSON.stringify({ databaseId, tableId: "notes", rowId, title: "from a function" }) });
    expect(run.status, run.errors).toBe("completed");
    expect(JSON.parse(run.responseBody)).toMatchObject({ status: 201, body: { $id: rowId, title: "from a function" } });
    expect((await tables.getRow({ databaseId, tableId: "notes", rowId })).title).toBe("from a function");

    const list = await until(
      "row-create execution",
      () => functions.listExecutions({ functionId: onRow.$id }),
      (l) => l.executions.some((e) => e.status === "completed" && e.logs.includes(rowId)),
    );
    const e = list.executions.find((x) => x.logs.includes(rowId))!;
    expect(e.trigger).toBe("event");
    expect(e.logs).toContain(`event=databases.${databaseId}.tables.notes.rows.${rowId}.create row=${rowId} title=from a function trigger=event`);

    // Without rows.write the dynamic key is refused.
    const { fn: noScope } = await createDeployed("row-writer-no-scope", ROW_WRITER, "index.js", { scopes: ["rows.read"] });
    const out = JSON.parse((await functions.createExecution({ functionId: noScope.$id, body: JSON.stringify({ databaseId, tableId: "notes", rowId: `${rowId}b`, title: "x" }) })).responseBody);
    expect([out.status, out.body.type]).toEqual([401, "general_unauthorized_scope"]);
  });
});

describe("npm dependencies (installed from the registry and bundled)", () => {
  const registry = inject("npmRegistry");
  const requests = async () => Number(await (await fetch(`${registry}/-/requests`)).text());
  const MAIN = `import { slug, version } from "tiny-slug";
import padHex from "pad-hex";
export default async ({ req, res }) => res.json({ slug: slug(req.bodyText), version, hex: padHex("ok", 8) });
`;
  const PKG = JSON.stringify({ name: "deps-fn", type: "module", dependencies: { "tiny-slug": "^1.0.0", "pad-hex": "3.0.1" } });
  const run = async (fn: Models.Function) => JSON.parse((await functions.createExecution({ functionId: fn.$id, body: "Grüße aus Köln" })).responseBody);
  const deployWith = async (files: Record<string, string | Uint8Array>, entrypoint: string, commands?: string) => {
    const fn = await functions.create({ functionId: "unique()", name: "deps", runtime: "node-22" as never, entrypoint, ...(commands !== undefined ? { commands } : {}) });
    return { fn, d: await deploy(fn.$id, files, entrypoint) };
  };

  it("installs two dependencies (and theirs, by range) from the registry, bundles them and runs", async () => {
    const before = await requests();
    const { fn, d } = await deployWith({ "package.json": PKG, "src/main.js": MAIN }, "src/main.js", "npm install");
    expect(d.status, d.buildLogs).toBe("ready");
    expect(d.buildLogs).toContain("Installed tiny-slug@1.2.0");
    expect(d.buildLogs).toContain("Installed char-map@2.1.0"); // ^2.0.0 of its dependency, not 1.0.0
    expect(d.buildLogs).toContain("Installed pad-hex@3.0.1");
    expect(d.buildLogs).toMatch(/Bundled \d+ modules with esbuild/);
    expect(await requests()).toBeGreaterThan(before);
    // An ESM package through its exports map, its CommonJS dependency, and a CommonJS package requiring node:buffer.
    expect(await run(fn)).toEqual({ slug: "gruesse-aus-koeln", version: "1.2.0", hex: "00006f6b" });
  });

  it("uses a node_modules the upload carries, without asking the registry", async () => {
    const { PACKAGES } = await import("./fakes/npm-registry");
    const vendored: Record<string, string> = {};
    for (const [name, version] of [["tiny-slug", "1.2.0"], ["char-map", "2.1.0"], ["pad-hex", "3.0.1"]] as const) {
      for (const [path, text] of Object.entries(PACKAGES[name]![version]!.files)) vendored[`node_modules/${name}/${path}`] = text;
    }
    const before = await requests();
    const { fn, d } = await deployWith({ "package.json": PKG, "src/main.js": MAIN, ...vendored }, "src/main.js");
    expect(d.status, d.buildLogs).toBe("ready");
    expect(d.buildLogs).toContain("Using tiny-slug@1.2.0 from the upload's node_modules.");
    expect(await requests()).toBe(before);
    expect((await run(fn)).slug).toBe("gruesse-aus-koeln");
  });

  it("bundles a TypeScript function with a dependency", async () => {
    const ts = `import { slug } from "tiny-slug";
import { shout } from "./lib/shout";
type Ctx = { req: { bodyText: string }; res: { text(s: string): unknown } };
export default async ({ req, res }: Ctx) => res.text(shout(slug(req.bodyText)));
`;
    const { fn, d } = await deployWith({ "package.json": PKG, "src/main.ts": ts, "src/lib/shout.ts": "export const shout = (s: string): string => s.toUpperCase() + '!';\n" }, "src/main.ts");
    expect(d.status, d.buildLogs).toBe("ready");
    expect((await functions.createExecution({ functionId: fn.$id, body: "Über uns" })).responseBody).toBe("UEBER-UNS!");
  });

  it("fails the build with the reason: a package the registry lacks, an import nobody declared, a command that cannot run", async () => {
    const missing = await deployWith({ "package.json": JSON.stringify({ dependencies: { "no-such-package": "^1.0.0" } }), "index.js": MAIN }, "index.js");
    expect(missing.d.status).toBe("failed");
    expect(missing.d.buildLogs).toContain("Package no-such-package is not in the registry");
    const range = await deployWith({ "package.json": JSON.stringify({ dependencies: { "char-map": "^9.0.0" } }), "index.js": "export default ({ res }) => res.empty();" }, "index.js");
    expect(range.d.buildLogs).toContain('No version of char-map satisfies "^9.0.0"');
    const undeclared = await deployWith({ "package.json": JSON.stringify({ dependencies: { "pad-hex": "3.0.1" } }), "index.js": MAIN }, "index.js");
    expect(undeclared.d.status).toBe("failed");
    expect(undeclared.d.buildLogs).toContain('Cannot resolve "tiny-slug"');
    const command = await deployWith({ "package.json": PKG, "index.js": MAIN }, "index.js", "npm install && npm run build");
    expect(command.d.status).toBe("failed");
    expect(command.d.buildLogs).toContain('Build command "npm run build" cannot run');
  });
});

describe("templates (createTemplateDeployment)", () => {
  const fromTemplate = async (id: string, variables: Record<string, string> = {}) => {
    // node-appwrite has no getTemplate (the console SDK has): the route as Appwrite's console calls it.
    const template = (await raw("GET", `/functions/templates/${id}`, { headers: { "x-appwrite-project": project.projectId } })).body;
    const runtime = template.runtimes.find((r: { name: string }) => r.name === "node-22")!;
    const fn = await functions.create({ functionId: "unique()", name: template.name, runtime: "node-22" as never, entrypoint: runtime.entrypoint, scopes: template.scopes as never, execute: template.permissions });
    for (const [key, value] of Object.entries(variables)) await functions.createVariable({ functionId: fn.$id, variableId: "unique()", key, value });
    const created = await functions.createTemplateDeployment({ functionId: fn.$id, owner: template.providerOwner, repository: template.providerRepositoryId, rootDirectory: runtime.providerRootDirectory, type: "tag" as never, reference: template.providerVersion, activate: true });
    expect([created.type, created.status]).toEqual(["vcs", "waiting"]);
    const d = await until("template build", () => functions.getDeployment({ functionId: fn.$id, deploymentId: created.$id }), (x) => x.status === "ready" || x.status === "failed", 60_000);
    expect(d.status, d.buildLogs).toBe("ready");
    await until("activation", () => functions.get({ functionId: fn.$id }), (f) => f.deploymentId === d.$id);
    return fn;
  };

  it("deploys the starter: /ping answers Pong, and it logs the project's users through its own key", async () => {
    const fn = await fromTemplate("starter");
    const ping = await functions.createExecution({ functionId: fn.$id, xpath: "/ping", method: "GET" as never });
    expect([ping.status, ping.responseBody]).toEqual(["completed", "Pong"]);
    const users = await new Users(project.server()).list({ total: true });
    const home = await functions.createExecution({ functionId: fn.$id, xpath: "/", method: "GET" as never });
    expect(JSON.parse(home.responseBody).motto).toBe("Build like a team of hundreds_");
    expect(home.logs).toContain(`Total users: ${users.total}`);
  });

  it("deploys the REST API over a table: create, list, read, update and delete rows at /items", async () => {
    const tables = new TablesDB(project.server());
    await tables.create({ databaseId: "tpl", name: "tpl" });
    await tables.createTable({ databaseId: "tpl", tableId: "items", name: "items" });
    await tables.createStringColumn({ databaseId: "tpl", tableId: "items", key: "title", size: 64, required: true });
    await until("column", () => tables.getColumn({ databaseId: "tpl", tableId: "items", key: "title" }), (c) => (c as { status: string }).status === "available");
    const fn = await fromTemplate("rest-api", { APPWRITE_DATABASE_ID: "tpl", APPWRITE_TABLE_ID: "items" });
    const call = async (method: string, path: string, body?: unknown) => {
      const e = await functions.createExecution({ functionId: fn.$id, method: method as never, xpath: path, body: body === undefined ? undefined : JSON.stringify(body), headers: { "content-type": "application/json" } });
      return { status: e.responseStatusCode, body: e.responseBody ? JSON.parse(e.responseBody) : null };
    };
    const made = await call("POST", "/items", { title: "first" });
    expect([made.status, made.body.title]).toEqual([201, "first"]);
    expect((await tables.getRow({ databaseId: "tpl", tableId: "items", rowId: made.body.$id })).title).toBe("first");
    expect((await call("PATCH", `/items/${made.body.$id}`, { title: "renamed" })).body.title).toBe("renamed");
    const listed = await call("GET", "/items");
    expect([listed.body.total, listed.body.items[0].title]).toEqual([1, "renamed"]);
    const refused = await call("POST", "/items", { nope: 1 });
    expect(refused.status).toBe(400);
    expect((await call("DELETE", `/items/${made.body.$id}`)).status).toBe(204);
    expect((await call("GET", `/items/${made.body.$id}`)).status).toBe(404);
  });

  it("deploys the webhook receiver: a correctly signed delivery is accepted, a forged one refused", async () => {
    const secret = "signature-key-for-test";
    const url = "https://hooks.example.com/appwrite";
    const fn = await fromTemplate("webhook-receiver", { APPWRITE_WEBHOOK_SIGNATURE_KEY: secret, APPWRITE_WEBHOOK_URL: url });
    const body = JSON.stringify({ $id: "u1", name: "Ada" });
    const { createHmac } = await import("node:crypto");
    const signed = createHmac("sha1", secret).update(url + body).digest("base64");
    const deliver = (signature: string) => functions.createExecution({ functionId: fn.$id, method: "POST" as never, xpath: "/", body, headers: { "content-type": "application/json", "x-appwrite-webhook-signature": signature, "x-appwrite-webhook-events": "users.u1.create,users.*.create" } });
    const ok = await deliver(signed);
    expect([ok.responseStatusCode, JSON.parse(ok.responseBody).events]).toEqual([200, ["users.u1.create", "users.*.create"]]);
    expect((await deliver(createHmac("sha1", "wrong").update(url + body).digest("base64"))).responseStatusCode).toBe(401);
    expect((await deliver("not base64 !")).responseStatusCode).toBe(401);
  });

  it("refuses repositories it cannot clone, and an unknown function", async () => {
    const other = await err(functions.createTemplateDeployment({ functionId: hello.$id, owner: "appwrite", repository: "templates", rootDirectory: "node/starter", type: "tag" as never, reference: "0.3.0" }));
    expect([other?.code, other?.type]).toEqual([404, "function_template_not_found"]);
    const missing = await err(functions.createTemplateDeployment({ functionId: "nope", owner: "edgewrite", repository: "templates", rootDirectory: "node/starter", type: "tag" as never, reference: "1.0.0" }));
    expect([missing?.code, missing?.type]).toEqual([404, "function_not_found"]);
  });
});

describe("stuck executions", () => {
  const hook = async (path: string, body: unknown, key = adminKey, projectId = "console") => {
    const r = await fetch(`${endpoint}/_edgewrite/test/functions/${path}`, { method: "POST", headers: { "content-type": "application/json", "x-appwrite-project": projectId, "x-appwrite-key": key }, body: JSON.stringify(body) });
    return { status: r.status, json: await r.json() };
  };

  it("re-sends a lost queue message, then gives up after bounded attempts", async () => {
    const lost = await hook("stuck", { projectId: project.projectId, functionId: hello.$id, ageMs: 10 * 60_000 });
    expect(lost.status).toBe(201);
    const exhausted = await hook("stuck", { projectId: project.projectId, functionId: hello.$id, ageMs: 10 * 60_000, attempts: 3 });
    const fresh = await hook("stuck", { projectId: project.projectId, functionId: hello.$id, ageMs: 0 });
    // What a client sees of a waiting execution: no stashed message.
    const waiting = await functions.getExecution({ functionId: hello.$id, executionId: lost.json.$id });
    expect(waiting).toMatchObject({ status: "waiting", responseBody: "" });

    const sweep = await hook("sweep", {});
    expect(sweep.status).toBe(200);
    expect(sweep.json.requeued).toBeGreaterThanOrEqual(1);
    expect(sweep.json.failed).toBeGreaterThanOrEqual(1);
    const done = await until("re-sent execution", () => functions.getExecution({ functionId: hello.$id, executionId: lost.json.$id }), (e) => e.status === "completed" || e.status === "failed");
    expect(done).toMatchObject({ status: "completed", responseStatusCode: 200 });
    expect(done.logs).toContain("hello log");
    const failed = await functions.getExecution({ functionId: hello.$id, executionId: exhausted.json.$id });
    expect(failed).toMatchObject({ status: "failed", responseStatusCode: 500 });
    expect(failed.errors).toContain("queue message was lost");
    expect((await functions.getExecution({ functionId: hello.$id, executionId: fresh.json.$id })).status).toBe("waiting");
  });

  it("keeps the test hooks from anyone but the deployment admin", async () => {
    const r = await hook("sweep", {}, project.key, project.projectId);
    expect([r.status, r.json.type]).toEqual([404, "general_route_not_found"]);
  });
});

