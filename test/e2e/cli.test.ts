import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, Functions, Messaging, Project, Query, Storage, TablesDB, Teams, Users } from "node-appwrite";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { ALL_SCOPES, consoleCall, createProject, endpoint, until, type TestProject } from "./harness";
import { cliStep, errorLines, runCli } from "./cli-harness";

/**
 * appwrite-cli@12.0.1's project-as-code cycle, driven non-interactively with an API key (`--all --force`):
 * push creates what appwrite.config.json describes, pull writes back the same, and a second push changes nothing.
 */
const TABLE = {
  $id: "products", $permissions: ['read("any")'], databaseId: "shop", name: "Products", enabled: true, rowSecurity: false,
  columns: [
    { key: "title", type: "string", required: true, array: false, size: 128 },
    { key: "body", type: "string", required: false, array: false, size: 4096, default: null },
    { key: "sku", type: "string", required: true, array: false, size: 32 },
    { key: "price", type: "integer", required: false, array: false, min: 0, max: 1000000, default: 0 },
    { key: "rating", type: "double", required: false, array: false, min: 0, max: 5, default: null },
    { key: "active", type: "boolean", required: false, array: false, default: true },
    { key: "email", type: "string", format: "email", required: false, array: false, default: null },
    { key: "kind", type: "string", format: "enum", elements: ["book", "game"], required: false, array: false, default: "book" },
    { key: "released", type: "datetime", required: false, array: false, default: null },
    { key: "tags", type: "string", required: false, array: true, size: 32 },
  ],
  indexes: [
    { key: "by_price", type: "key", columns: ["price"], orders: ["DESC"] },
    { key: "by_sku", type: "unique", columns: ["sku"], orders: ["ASC"] },
    { key: "search", type: "fulltext", columns: ["title", "body"], orders: ["ASC", "ASC"] },
  ],
};
const BUCKET = {
  $id: "media", $permissions: ['read("any")'], fileSecurity: false, name: "Media", enabled: true, maximumFileSize: 10485760,
  allowedFileExtensions: ["png", "jpg"], compression: "gzip", encryption: true, antivirus: false,
};
const TEAM = { $id: "staff", name: "Staff" };
const FUNCTION = {
  $id: "hello", name: "Hello", runtime: "node-22", execute: ["any"], events: [], schedule: "", timeout: 15, enabled: true,
  logging: true, entrypoint: "index.js", commands: "", scopes: ["users.read"], path: "functions/hello",
};
const CODE = "export default async ({ req, res }) => res.json({ greeting: process.env.GREETING ?? null, path: req.path });\n";

let project: TestProject;
let key: string;
let dir: string;
let tablesDB: TablesDB;
let functions: Functions;

const cli = (...args: string[]) => runCli(dir, ...args);
const step = (...args: string[]) => cliStep(dir, ...args);
const config = () => JSON.parse(readFileSync(path.join(dir, "appwrite.config.json"), "utf8"));

/** Every `$updatedAt` the pushed project has: database, table, columns, indexes, bucket, team, function. */
async function updatedAts() {
  const table = await tablesDB.getTable({ databaseId: "shop", tableId: "products" });
  return {
    database: (await tablesDB.get({ databaseId: "shop" })).$updatedAt,
    table: table.$updatedAt,
    columns: table.columns.map((c) => [c.key, c.$updatedAt]),
    indexes: table.indexes.map((i) => [i.key, i.$updatedAt]),
    bucket: (await new Storage(project.server()).getBucket({ bucketId: "media" })).$updatedAt,
    team: (await new Teams(project.server()).get({ teamId: "staff" })).$updatedAt,
    function: (await functions.get({ functionId: "hello" })).$updatedAt,
    deployments: (await functions.listDeployments({ functionId: "hello" })).total,
  };
}

beforeAll(async () => {
  project = await createProject("cli");
  // After a deploy the CLI looks up the function's domain: GET /v1/proxy/rules needs rules.read.
  const created = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "cli", scopes: [...ALL_SCOPES, "rules.read"] });
  key = created.json.secret;
  tablesDB = new TablesDB(project.server());
  functions = new Functions(project.server());
  dir = mkdtempSync(path.join(tmpdir(), "edgewrite-cli-"));
  mkdirSync(path.join(dir, "functions/hello"), { recursive: true });
  writeFileSync(path.join(dir, "functions/hello/index.js"), CODE);
  writeFileSync(path.join(dir, "functions/hello/.env"), "GREETING=hello from the CLI\n");
  writeFileSync(
    path.join(dir, "appwrite.config.json"),
    JSON.stringify({ projectId: project.projectId, tablesDB: [{ $id: "shop", name: "Shop", enabled: true }], tables: [TABLE], buckets: [BUCKET], teams: [TEAM], functions: [FUNCTION] }),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("appwrite-cli 12.0.1", () => {
  it("is pointed at Edgewrite with an API key", async () => {
    const out = await step("client", "--endpoint", endpoint, "--project-id", project.projectId, "--key", key);
    expect(out).toContain("Setting client");
    expect(config()).toMatchObject({ projectId: project.projectId, tables: [TABLE] });
  });

  it("push all creates the tables with key, unique and fulltext (with orders) indexes, the bucket, the team and the function", async () => {
    const { code, out } = await cli("push", "all", "--all", "--force");
    expect(code, out).toBe(0);
    // The CLI (not the server) refuses the new function's domain step without a console session: it reads
    // /v1/console/variables through a session-only client (appwrite/sdk-for-cli#239). The function itself is created.
    expect(errorLines(out).length, out).toBeGreaterThan(0);
    for (const line of errorLines(out)) expect(line, out).toMatch(/console variables|Session not found|No functions were pushed/);

    expect(await tablesDB.get({ databaseId: "shop" })).toMatchObject({ name: "Shop", enabled: true });
    const table = await tablesDB.getTable({ databaseId: "shop", tableId: "products" });
    expect(table).toMatchObject({ name: "Products", enabled: true, rowSecurity: false, $permissions: ['read("any")'] });
    expect(table.columns).toMatchObject(TABLE.columns.map((c) => ({ ...c, status: "available" })));
    expect(table.indexes).toMatchObject(TABLE.indexes.map((i) => ({ ...i, status: "available" })));
    expect(await new Storage(project.server()).getBucket({ bucketId: "media" })).toMatchObject(BUCKET);
    expect(await new Teams(project.server()).get({ teamId: "staff" })).toMatchObject(TEAM);
    const { path: _path, ...settings } = FUNCTION;
    expect(await functions.get({ functionId: "hello" })).toMatchObject({ ...settings, deploymentId: "" });

    // The fulltext index serves search.
    await tablesDB.createRow({ databaseId: "shop", tableId: "products", rowId: "p1", data: { title: "Edge databases", sku: "a-1", body: "rows at the edge" } });
    const found = await tablesDB.listRows({ databaseId: "shop", tableId: "products", queries: [Query.search("title", "edge")] });
    expect(found.rows.map((r) => r.$id)).toEqual(["p1"]);
  }, 180_000);

  it("push functions deploys the existing function's code, and the function runs", async () => {
    const out = await step("push", "functions", "--all", "--force");
    expect(out).toContain("Successfully pushed 1 functions");
    const fn = await functions.get({ functionId: "hello" });
    expect(fn.deploymentId).not.toBe("");
    const run = await functions.createExecution({ functionId: "hello", xpath: "/from-cli" });
    expect(run, run.errors).toMatchObject({ status: "completed", responseStatusCode: 200 });
    expect(JSON.parse(run.responseBody)).toMatchObject({ path: "/from-cli" });
  }, 180_000);

  it("push functions --with-variables replaces the function's variables with its .env", async () => {
    // CLI 12.0.1 creates variables without `variableId` (the 1.8 request format, lifted by src/platform/formats).
    const { code, out } = await cli("push", "functions", "--all", "--force", "--with-variables");
    expect({ code, errors: errorLines(out) }, out).toEqual({ code: 0, errors: [] });
    const vars = await functions.listVariables({ functionId: "hello" });
    expect(vars.variables.map((v) => [v.key, v.value])).toEqual([["GREETING", "hello from the CLI"]]);
    const run = await functions.createExecution({ functionId: "hello" });
    expect(JSON.parse(run.responseBody)).toMatchObject({ greeting: "hello from the CLI" });
  }, 180_000);

  it("pull writes back what was pushed: tables, buckets, teams, functions with their code and variables", async () => {
    await functions.createVariable({ functionId: "hello", variableId: "token", key: "TOKEN", value: "s3cret", secret: true });
    for (const resource of ["tables", "buckets", "teams"]) await step("pull", resource, "--all", "--force");
    await step("pull", "functions", "--all", "--force", "--with-variables");
    const pulled = config();
    expect(pulled.tablesDB).toMatchObject([{ $id: "shop", name: "Shop", enabled: true }]);
    expect(pulled.tables).toMatchObject([{ ...TABLE, columns: TABLE.columns, indexes: TABLE.indexes }]);
    expect(pulled.buckets).toMatchObject([BUCKET]);
    expect(pulled.teams).toEqual([TEAM]);
    expect(pulled.functions).toMatchObject([FUNCTION]);
    expect(readFileSync(path.join(dir, "functions/hello/index.js"), "utf8")).toBe(CODE);
    // The CLI reads `vars` from the function list; a secret variable comes back without its value.
    const vars = (await functions.listVariables({ functionId: "hello" })).variables;
    expect(vars.map((v) => v.key)).toContain("TOKEN");
    expect(readFileSync(path.join(dir, "functions/hello/.env"), "utf8")).toBe(vars.map((v) => `${v.key}=${v.secret ? "" : v.value}\n`).join(""));
  }, 180_000);

  it("pushing the pulled config again changes nothing", async () => {
    const before = await updatedAts();
    await new Promise((r) => setTimeout(r, 20)); // any write now would carry a later $updatedAt
    expect(await step("push", "tables", "--all", "--force")).toContain("Successfully pushed 0 tables");
    for (const resource of ["buckets", "teams"]) await step("push", resource, "--all", "--force");
    await step("push", "functions", "--all", "--force", "--no-code");
    expect(await updatedAts()).toEqual(before);
  }, 180_000);

  it("a changed config pushes its changes: column default, new column, dropped index, renamed team", async () => {
    const edited = config();
    const table = edited.tables[0];
    table.columns.find((c: { key: string }) => c.key === "price").default = 5;
    table.columns.push({ key: "stock", type: "integer", required: false, array: false, min: 0, max: 100, default: null });
    table.indexes = table.indexes.filter((i: { key: string }) => i.key !== "by_price");
    edited.teams[0].name = "Staff team";
    writeFileSync(path.join(dir, "appwrite.config.json"), JSON.stringify(edited));
    for (const resource of ["tables", "teams"]) await step("push", resource, "--all", "--force");
    const remote = await tablesDB.getTable({ databaseId: "shop", tableId: "products" });
    expect(remote.columns.find((c) => c.key === "price")).toMatchObject({ default: 5 });
    expect(remote.columns.find((c) => c.key === "stock")).toMatchObject({ type: "integer", min: 0, max: 100, status: "available" });
    expect(remote.indexes.map((i) => i.key)).toEqual(["by_sku", "search"]);
    expect(await new Teams(project.server()).get({ teamId: "staff" })).toMatchObject({ name: "Staff team" });
  }, 180_000);
});

/**
 * The console-account cycle: `login` with a console user, `init project` (a new project in the user's
 * organization), then `push settings` (services, auth security and methods through the console's per-project
 * routes) and `push functions` for a function the new project lacks.
 */
describe("appwrite-cli 12.0.1 with a console account: login, init project, push settings, push functions", () => {
  const PASSWORD = "cli-console-password-1";
  const NEW_FUNCTION = {
    $id: "welcome", name: "Welcome", runtime: "node-22", execute: ["any"], events: [], schedule: "", timeout: 15, enabled: true,
    logging: true, entrypoint: "index.js", commands: "", scopes: [], path: "functions/welcome",
  };
  const SETTINGS = {
    services: { storage: false, messaging: true },
    auth: {
      methods: { anonymous: false, "magic-url": true, jwt: true, phone: true, invites: true, "email-otp": true, "email-password": true },
      security: {
        duration: 3600, limit: 50, sessionsLimit: 3, passwordHistory: 4, passwordDictionary: true, personalDataCheck: true,
        sessionAlerts: true, mockNumbers: [{ phone: "+15550001111", otp: "424242" }],
      },
    },
  };
  const projectId = `cli${Date.now().toString(36)}`;
  let cdir: string;
  let email: string;
  let orgId: string;
  /** A client of the project `init` created, with a key of `scopes`. */
  const keyed = async (scopes: string[]) => {
    const k = await consoleCall("POST", `/projects/${projectId}/keys`, { name: "check", scopes });
    return new Client().setEndpoint(endpoint).setProject(projectId).setKey(k.json.secret);
  };

  beforeAll(async () => {
    email = `cli-owner-${Date.now().toString(36)}@example.com`;
    expect((await consoleCall("POST", "/users", { userId: "unique()", email, password: PASSWORD, name: "CLI owner" })).status).toBe(201);
    // An organization is a team of the console project; the console user makes one with its session.
    const login = await fetch(`${endpoint}/account/sessions/email`, { method: "POST", headers: { "content-type": "application/json", "x-appwrite-project": "console" }, body: JSON.stringify({ email, password: PASSWORD }) });
    const session = /(?:^|, )a_session_console=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
    const org = await fetch(`${endpoint}/teams`, { method: "POST", headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-session": session }, body: JSON.stringify({ teamId: "unique()", name: "CLI org" }) });
    expect(org.status).toBe(201);
    orgId = (await org.json()).$id;
    cdir = mkdtempSync(path.join(tmpdir(), "edgewrite-cli-settings-"));
    mkdirSync(path.join(cdir, "functions/welcome"), { recursive: true });
    writeFileSync(path.join(cdir, "functions/welcome/index.js"), "export default async ({ res }) => res.json({ welcome: true });\n");
  });
  afterAll(() => rmSync(cdir, { recursive: true, force: true }));

  it("login with the console account, then init project creates a new project in its organization", async () => {
    expect(await cliStep(cdir, "login", "--endpoint", endpoint, "--email", email, "--password", PASSWORD)).toContain(`Successfully signed in as ${email}`);
    // CLI 12.0.1's flag form loses the project name (answers.project is overwritten by the id): answer its prompts.
    const replies: [RegExp, string][] = [[/How would you like to start/, "\r"], [/Choose your organization/, "\r"], [/name your project/, "CLI Init\r"], [/ID would you like/, `${projectId}\r`]];
    const out = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [path.resolve("node_modules/appwrite-cli/index.js"), "init", "project"], { cwd: cdir, env: { ...process.env, HOME: path.join(cdir, "home"), NO_COLOR: "1", FORCE_COLOR: "0" } });
      let text = "";
      child.stdout.on("data", (d) => {
        text += d.toString();
        while (replies.length && replies[0]![0].test(text)) {
          const reply = replies.shift()![1];
          setTimeout(() => child.stdin.write(reply), 200);
        }
      });
      child.stderr.on("data", (d) => (text += d.toString()));
      const timer = setTimeout(() => child.kill(), 60_000);
      child.on("close", () => (clearTimeout(timer), resolve(text)));
    });
    expect(out).toContain("Project successfully created");
    expect(JSON.parse(readFileSync(path.join(cdir, "appwrite.config.json"), "utf8")).projectId).toBe(projectId);
    expect((await consoleCall("GET", `/projects/${projectId}`)).json).toMatchObject({ $id: projectId, name: "CLI Init", teamId: orgId });
  }, 120_000);

  it("push settings: the server holds the pushed settings and the auth code obeys them", async () => {
    const config = JSON.parse(readFileSync(path.join(cdir, "appwrite.config.json"), "utf8"));
    writeFileSync(path.join(cdir, "appwrite.config.json"), JSON.stringify({ ...config, projectName: "Renamed by CLI", settings: SETTINGS, functions: [NEW_FUNCTION] }));
    expect(await cliStep(cdir, "push", "settings", "--force")).toContain("Successfully pushed");

    const remote = new Project(await keyed(["project.read", "policies.read", "mocks.read"]));
    const got = await remote.get();
    expect(got.name).toBe("Renamed by CLI");
    expect(got.services.find((x) => x.$id === "storage")?.enabled).toBe(false);
    expect(got.authMethods.find((m) => m.$id === "anonymous")?.enabled).toBe(false);
    const policies = Object.fromEntries((await remote.listPolicies()).policies.map((x) => [x.$id, x]));
    expect(policies).toMatchObject({
      "session-duration": { duration: 3600 }, "user-limit": { total: 50 }, "session-limit": { total: 3 }, "password-history": { total: 4 },
      "password-dictionary": { enabled: true }, "password-personal-data": { enabled: true }, "session-alert": { enabled: true },
    });
    expect((await remote.listMockPhones()).mockNumbers).toMatchObject([{ number: "+15550001111", otp: "424242" }]);
    const anon = await fetch(`${endpoint}/account/sessions/anonymous`, { method: "POST", headers: { "x-appwrite-project": projectId } });
    expect((await anon.json()).type).toBe("user_auth_method_unsupported");
    const bucketList = await fetch(`${endpoint}/storage/buckets`, { headers: { "x-appwrite-project": projectId } });
    expect((await bucketList.json()).type).toBe("general_service_disabled");
  }, 120_000);

  it("push functions creates the new function, deploys it, and it runs", async () => {
    expect(await cliStep(cdir, "push", "functions", "--all", "--force")).toContain("Successfully pushed 1 functions");
    const fns = new Functions(await keyed(["functions.read", "executions.write", "executions.read"]));
    const fn = await fns.get({ functionId: "welcome" });
    expect(fn.deploymentId).not.toBe("");
    const run = await fns.createExecution({ functionId: "welcome" });
    expect(run, run.errors).toMatchObject({ status: "completed", responseStatusCode: 200 });
    expect(JSON.parse(run.responseBody)).toEqual({ welcome: true });
  }, 180_000);
});

/**
 * `appwrite messaging …` with an API key: topics, a subscriber, a provider and an email to the topic, each
 * checked through node-appwrite. The Sendgrid provider points at MESSAGING_SENDGRID_URL (the messaging test's
 * loopback fake, which may not be listening now): the message still ends `sent` or `failed` with its reason.
 */
describe("appwrite-cli 12.0.1 messaging commands", () => {
  const MESSAGING = ["providers.read", "providers.write", "topics.read", "topics.write", "subscribers.read", "subscribers.write", "messages.read", "messages.write", "users.read", "users.write", "targets.read", "targets.write"];
  let mdir: string;
  let mproject: TestProject;
  let messaging: Messaging;
  const mstep = (...args: string[]) => cliStep(mdir, ...args);
  const jsonOf = (out: string) => JSON.parse(out.slice(out.indexOf("{"), out.lastIndexOf("}") + 1));
  /** `--json` output of a step whose model names a field "deliveryErrors" (cliStep would take it for an error line). */
  const mjson = async (...args: string[]) => {
    const { code, out } = await runCli(mdir, "--json", ...args);
    expect(code, out).toBe(0);
    return jsonOf(out);
  };

  beforeAll(async () => {
    mproject = await createProject("cli-messaging");
    const k = await consoleCall("POST", `/projects/${mproject.projectId}/keys`, { name: "cli", scopes: MESSAGING });
    expect(k.status).toBe(201);
    messaging = new Messaging(new Client().setEndpoint(endpoint).setProject(mproject.projectId).setKey(k.json.secret));
    mdir = mkdtempSync(path.join(tmpdir(), "edgewrite-cli-messaging-"));
    await mstep("client", "--endpoint", endpoint, "--project-id", mproject.projectId, "--key", k.json.secret);
  });
  afterAll(() => rmSync(mdir, { recursive: true, force: true }));

  it("create-topic, list-topics, create-subscriber, create-sendgrid-provider, list-providers, create-email to the topic, list-messages", async () => {
    await mstep("messaging", "create-topic", "--topic-id", "news", "--name", "News", "--subscribe", "users");
    expect(await messaging.getTopic({ topicId: "news" })).toMatchObject({ name: "News", subscribe: ["users"] });
    expect(jsonOf(await mstep("--json", "messaging", "list-topics")).topics.map((t: { $id: string }) => t.$id)).toEqual(["news"]);

    const reader = await new Users(mproject.server()).create({ userId: "reader", email: "cli-reader@example.com", password: "cli-reader-pass-1" });
    const target = (await new Users(mproject.server()).listTargets({ userId: reader.$id })).targets.find((t) => t.providerType === "email")!;
    await mstep("messaging", "create-subscriber", "--topic-id", "news", "--subscriber-id", "sub1", "--target-id", target.$id);
    expect(await messaging.getSubscriber({ topicId: "news", subscriberId: "sub1" })).toMatchObject({ targetId: target.$id, topicId: "news" });
    expect((await messaging.getTopic({ topicId: "news" })).emailTotal).toBe(1);

    await mstep("messaging", "create-sendgrid-provider", "--provider-id", "sg", "--name", "Sendgrid", "--api-key", "SG.cli-key", "--from-email", "news@example.com", "--from-name", "News", "--enabled", "true");
    const provider = await messaging.getProvider({ providerId: "sg" });
    expect(provider).toMatchObject({ provider: "sendgrid", type: "email", enabled: true, options: { fromEmail: "news@example.com", fromName: "News" } });
    expect(JSON.stringify(provider)).not.toContain("SG.cli-key");
    expect(jsonOf(await mstep("--json", "messaging", "list-providers")).providers.map((p: { $id: string }) => p.$id)).toEqual(["sg"]);

    expect(await mjson("messaging", "create-email", "--message-id", "hello", "--subject", "Hello readers", "--content", "First issue", "--topics", "news")).toMatchObject({ $id: "hello", status: "processing" });
    const done = await until("the CLI's message is processed", () => messaging.getMessage({ messageId: "hello" }), (m) => m.status !== "processing", 30_000);
    expect(done).toMatchObject({ providerType: "email", topics: ["news"], data: { subject: "Hello readers", content: "First issue" } });
    // Sent to the topic's one subscriber, or failed naming that address (the fake may be down): never dropped.
    if (done.status === "sent") expect(done.deliveredTotal).toBe(1);
    else expect([done.status, done.deliveryErrors.join()]).toEqual(["failed", expect.stringContaining("cli-reader@example.com")]);
    const listed = await mjson("messaging", "list-messages");
    expect(listed.messages.map((m: { $id: string }) => m.$id)).toEqual(["hello"]);

    await mstep("messaging", "delete-subscriber", "--topic-id", "news", "--subscriber-id", "sub1");
    expect((await messaging.getTopic({ topicId: "news" })).emailTotal).toBe(0);
  }, 120_000);
});
