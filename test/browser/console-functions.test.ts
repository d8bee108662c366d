import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { Client, Functions, ID, TablesDB, Users } from "node-appwrite";
import type { Browser, Page } from "playwright-core";
import { launchChromium, signedInPage as signIn } from "./chromium";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKey, ALL_SCOPES, consoleCall, endpoint, until } from "../e2e/harness";

/**
 * The console's Functions and project Settings in headless Chromium against the real server: a function created,
 * deployed from a pasted snippet and from a single .js file (packed into a .tar.gz in the browser), run with its
 * log read, a secret variable; platforms, an API key whose secret is shown once and then works with exactly its
 * scopes, a webhook delivering to a loopback receiver, and row events in the realtime viewer. Every call is the
 * console SDK's inside the page; every effect is checked on the server with node-appwrite.
 * Screenshots go to /tmp/console-fn-*.png.
 */
const ROOT = path.join(import.meta.dirname, "../..");
const origin = endpoint.replace(/\/v1$/, "");
const TAG = Date.now().toString(36);
const EMAIL = `console-fn-${TAG}@example.com`;
const PASSWORD = "console-password-1234";
const PROJECT_ID = `fn-${TAG}`;

let browser: Browser;
let server: Client;
const errors: string[] = [];
const shot = (page: Page, name: string) => page.screenshot({ path: `/tmp/console-fn-${name}.png`, fullPage: true });

const signedInPage = () => signIn(browser, origin, EMAIL, PASSWORD, errors);

const noSideScroll = async (page: Page) => {
  await page.setViewportSize({ width: 375, height: 740 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
};

/** A webhook receiver on 127.0.0.1 (as test/e2e/webhooks.test.ts's). */
class Receiver {
  hits: { headers: IncomingHttpHeaders; body: string }[] = [];
  private server: Server | null = null;
  port = 0;
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        this.hits.push({ headers: req.headers, body });
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r())));
  }
}
const receiver = new Receiver();

beforeAll(async () => {
  browser = await launchChromium();
  const made = await promisify(execFile)("node", [path.join(ROOT, "scripts/console-user.mjs"), EMAIL, "Functions Owner"], { env: { ...process.env, ENDPOINT: endpoint, ADMIN_KEY: adminKey, CONSOLE_PASSWORD: PASSWORD } });
  const teamId = /Organization (\S+) created/.exec(made.stdout)![1]!;
  expect((await consoleCall("POST", "/projects", { projectId: PROJECT_ID, name: "Functions Demo", teamId })).status).toBe(201);
  const key = await consoleCall("POST", `/projects/${PROJECT_ID}/keys`, { name: "all", scopes: ALL_SCOPES });
  server = new Client().setEndpoint(endpoint).setProject(PROJECT_ID).setKey(key.json.secret);
  await receiver.start();
});

afterAll(async () => {
  await browser?.close();
  await receiver.stop();
});

const SNIPPET = `export default async ({ req, res, log, error }) => {
  log("console log line " + req.path);
  error("console error line");
  return res.json({ greeting: process.env.GREETING ?? null, path: req.path, body: req.bodyText, header: req.headers["x-test"] ?? null });
};
`;

describe("console: functions and project settings in Chromium", () => {
  it("creates a function, deploys a snippet and a .js file with progress, activates, runs it with its log, sets a secret variable, sees an execution live, saves settings, deletes it", async () => {
    const page = await signedInPage();
    const functions = new Functions(server);
    await page.goto(`${origin}/console/project/${PROJECT_ID}/functions`);
    await page.getByText("No functions yet").waitFor();
    await shot(page, "functions-empty");

    // Create: runtime from listRuntimes, execute for any, a scope, an event, a timeout.
    await page.getByRole("button", { name: "Create function" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Create function" });
    await dialog.getByLabel("Name", { exact: true }).fill("Hello");
    await dialog.getByLabel("Function ID").fill("hello");
    await dialog.getByLabel("Runtime").locator("option", { hasText: "node-22" }).waitFor({ state: "attached" });
    await dialog.getByLabel("Runtime").selectOption("node-22");
    await dialog.getByLabel("Execute access").fill("any");
    await dialog.getByLabel("Add an event").selectOption("databases.*.tables.*.rows.*.create");
    await dialog.getByLabel("Timeout (seconds)").fill("10");
    await dialog.locator("summary", { hasText: "Databases" }).click();
    await dialog.getByLabel("rows.read", { exact: true }).check();
    await shot(page, "function-create");
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByRole("heading", { name: "Hello" }).waitFor();
    expect(await functions.get({ functionId: "hello" })).toMatchObject({ runtime: "node-22", execute: ["any"], scopes: ["rows.read"], timeout: 10, events: ["databases.*.tables.*.rows.*.create"], entrypoint: "index.js" });

    // Deploy a pasted snippet: packed into a tar.gz in the browser, uploaded with a progress bar, built, active.
    await page.evaluate(() => {
      const seen: number[] = ((window as unknown as { seen: number[] }).seen = []);
      new MutationObserver(() => document.querySelectorAll("progress").forEach((p) => seen.push((p as HTMLProgressElement).value))).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["value"] });
    });
    await page.getByRole("button", { name: "Paste code" }).click();
    await page.getByLabel("Code of index.js").fill(SNIPPET);
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    await page.locator(".deploy").getByText("100 %").waitFor({ timeout: 30_000 });
    expect((await page.evaluate(() => (window as unknown as { seen: number[] }).seen)).at(-1)).toBe(100);
    const first = await until("snippet built", () => functions.listDeployments({ functionId: "hello" }), (l) => l.total === 1 && l.deployments[0]!.status === "ready", 60_000);
    const firstId = first.deployments[0]!.$id;
    // The list follows the build by itself (deployment events on the console channel): ready and active.
    await page.getByRole("row", { name: new RegExp(firstId) }).getByText("ready").waitFor({ timeout: 30_000 });
    await page.getByRole("row", { name: new RegExp(firstId) }).getByText("active").waitFor({ timeout: 30_000 });
    expect((await functions.get({ functionId: "hello" })).deploymentId).toBe(firstId);

    // A single .js file: its name becomes the entrypoint of a one-file archive.
    await page.getByRole("button", { name: "Single .js file" }).click();
    await page.locator("#deploy-file").setInputFiles({ name: "main.js", mimeType: "text/javascript", buffer: Buffer.from(`export default async ({ res }) => res.text("from main.js");\n`) });
    await page.getByRole("button", { name: "Deploy", exact: true }).click();
    const second = await until("file built", () => functions.listDeployments({ functionId: "hello" }), (l) => l.total === 2 && l.deployments.every((d) => d.status === "ready"), 60_000);
    const secondId = second.deployments.find((d) => d.$id !== firstId)!.$id;
    expect((await functions.getDeployment({ functionId: "hello", deploymentId: secondId })).entrypoint).toBe("main.js");
    await page.getByRole("row", { name: new RegExp(secondId) }).getByText("active").waitFor({ timeout: 30_000 });
    expect((await functions.createExecution({ functionId: "hello" })).responseBody).toBe("from main.js");

    // Build logs, then activate the snippet's deployment again.
    await page.getByRole("button", { name: `Build logs of ${secondId}` }).click();
    await page.getByRole("dialog", { name: "Build logs" }).getByLabel("Build log").getByText(/Building deployment/).waitFor();
    await shot(page, "build-logs");
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: `Activate ${firstId}` }).click();
    await until("activated", () => functions.get({ functionId: "hello" }), (f) => f.deploymentId === firstId);
    await page.getByRole("row", { name: new RegExp(firstId) }).getByText("active").waitFor();
    await shot(page, "deployments");

    // A secret variable: never shown again; a duplicate key is refused with Appwrite's message.
    await page.getByRole("link", { name: "Variables" }).click();
    const add = page.getByRole("form", { name: "Add variable" });
    await add.getByLabel("Key").fill("GREETING");
    await add.getByLabel("Value").fill("hi there");
    await add.getByRole("button", { name: "Add variable" }).click();
    await page.getByRole("list", { name: "Variables" }).getByText("•••• secret").waitFor();
    const vars = await functions.listVariables({ functionId: "hello" });
    expect(vars.variables.map((v) => [v.key, v.secret, v.value])).toEqual([["GREETING", true, ""]]);
    expect(await page.content()).not.toContain("hi there");
    await add.getByLabel("Key").fill("GREETING");
    await add.getByLabel("Value").fill("again");
    await add.getByRole("button", { name: "Add variable" }).click();
    await add.getByRole("alert").getByText(/already exists/).waitFor();
    await shot(page, "variables");

    // Run with method, path, headers and body; the detail shows the response, the log and the error output.
    await page.getByRole("link", { name: "Executions" }).click();
    await page.getByRole("table", { name: "Executions" }).waitFor();
    await page.getByLabel("Method").selectOption("PUT");
    await page.getByLabel("Path").fill("/greet?x=1");
    await page.getByLabel("Headers").fill("x-test: from-console");
    await page.getByLabel("Body").fill("ping");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const detail = page.getByRole("dialog", { name: "Execution" });
    await detail.getByLabel("Logs").getByText("console log line /greet").waitFor({ timeout: 30_000 });
    await detail.getByLabel("Errors").getByText("console error line").waitFor();
    const body = JSON.parse(await detail.getByLabel("Response body").innerText());
    expect(body).toEqual({ greeting: "hi there", path: "/greet", body: "ping", header: "from-console" });
    await detail.getByText("200", { exact: true }).waitFor();
    await shot(page, "execution");
    await page.keyboard.press("Escape");
    const ran = await functions.listExecutions({ functionId: "hello" });
    const byConsole = ran.executions.find((e) => e.requestMethod === "PUT")!;
    expect(byConsole).toMatchObject({ status: "completed", responseStatusCode: 200, requestPath: "/greet?x=1", trigger: "http" });

    // Live: an execution made by node-appwrite appears without a reload.
    const other = await functions.createExecution({ functionId: "hello", xpath: "/from-node", method: "GET" as never });
    await page.getByRole("button", { name: `Execution ${other.$id}` }).waitFor({ timeout: 15_000 });
    expect(await page.getByRole("table", { name: "Executions" }).getByRole("row").count()).toBe(1 + (await functions.listExecutions({ functionId: "hello" })).total);
    await noSideScroll(page);
    await shot(page, "executions-narrow");
    await page.setViewportSize({ width: 1280, height: 860 });

    // Settings: PUT keeps what the form shows (execute, scopes, events) and what it does not (a runtime
    // specification set elsewhere), and changes name, timeout and logging.
    await functions.update({ functionId: "hello", name: "Hello", runtime: "node-22" as never, execute: ["any"], events: ["databases.*.tables.*.rows.*.create"], timeout: 10, scopes: ["rows.read" as never], buildSpecification: "s-1vcpu-1gb", runtimeSpecification: "s-1vcpu-1gb", deploymentRetention: 7 });
    await page.reload();
    await page.getByRole("navigation", { name: "Function" }).getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Hello 2");
    await page.getByLabel("Timeout (seconds)").fill("20");
    await page.getByLabel("Keep execution logs").uncheck();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor();
    expect(await functions.get({ functionId: "hello" })).toMatchObject({ name: "Hello 2", timeout: 20, logging: false, execute: ["any"], scopes: ["rows.read"], events: ["databases.*.tables.*.rows.*.create"], deploymentId: firstId, buildSpecification: "s-1vcpu-1gb", runtimeSpecification: "s-1vcpu-1gb", deploymentRetention: 7 });
    await page.getByLabel("Timeout (seconds)").fill("9000");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("alert").first().waitFor();
    expect(await page.getByRole("alert").first().innerText()).toMatch(/timeout/i);
    await shot(page, "function-settings");

    await page.getByRole("button", { name: "Delete function" }).click();
    const del = page.getByRole("dialog", { name: "Delete function" });
    expect(await del.getByRole("button", { name: "Delete" }).isDisabled()).toBe(true);
    await del.getByLabel("Function ID").fill("hello");
    await del.getByRole("button", { name: "Delete" }).click();
    await page.getByText("No functions yet").waitFor();
    await expect(functions.get({ functionId: "hello" })).rejects.toThrow(/not be found/);
    await page.context().close();
  });

  it("adds, edits and deletes platforms; creates a key shown once that works with exactly its scopes; a webhook delivers to a loopback receiver; the realtime viewer shows row events", async () => {
    const page = await signedInPage();
    await page.goto(`${origin}/console/project/${PROJECT_ID}/settings`);
    await page.getByText("No platforms yet").waitFor();

    // Platforms: a web hostname (a bad one refused with Appwrite's message), an Android app, an edit, a delete.
    const platform = async (type: string, name: string, field: string, value: string) => {
      await page.getByRole("button", { name: "Add platform" }).first().click();
      const d = page.getByRole("dialog", { name: "Add platform" });
      await d.getByLabel("Type").selectOption(type);
      await d.getByLabel("Name", { exact: true }).fill(name);
      await d.getByLabel(field).fill(value);
      await d.getByRole("button", { name: "Add", exact: true }).click();
      return d;
    };
    const bad = await platform("web", "Site", "Hostname", "https://app.example.com/path");
    await bad.getByRole("alert").getByText(/valid hostname/).waitFor();
    await bad.getByLabel("Hostname").fill("app.example.com");
    await bad.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("list", { name: "Platforms" }).getByText("app.example.com").waitFor();
    await platform("android", "Droid", "Package name", "com.example.droid");
    await page.getByRole("list", { name: "Platforms" }).getByText("com.example.droid").waitFor();
    await platform("apple-ios", "Phone", "Bundle ID", "com.example.phone");
    await page.getByRole("list", { name: "Platforms" }).getByText("com.example.phone").waitFor();
    await shot(page, "platforms");
    await page.getByRole("button", { name: "Edit Site" }).click();
    const edit = page.getByRole("dialog", { name: "Edit platform" });
    await edit.getByLabel("Hostname").fill("www.example.com");
    await edit.getByRole("button", { name: "Save" }).click();
    await page.getByRole("list", { name: "Platforms" }).getByText("www.example.com").waitFor();
    await page.getByRole("button", { name: "Delete Droid" }).click();
    await page.getByRole("dialog", { name: "Delete platform" }).getByRole("button", { name: "Delete" }).click();
    await page.getByRole("list", { name: "Platforms" }).getByText("com.example.droid").waitFor({ state: "detached" });
    const platforms = (await consoleCall("GET", `/projects/${PROJECT_ID}/platforms`)).json.platforms as { name: string; type: string; hostname?: string; bundleIdentifier?: string }[];
    expect(platforms.map((p) => [p.name, p.type, p.hostname ?? p.bundleIdentifier])).toEqual([["Site", "web", "www.example.com"], ["Phone", "apple", "com.example.phone"]]);

    // An API key with two scopes, by keyboard: the secret appears once; it reads tables and nothing else.
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("table", { name: "API keys" }).getByText("all", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Create API key" }).focus();
    await page.keyboard.press("Enter");
    const kd = page.getByRole("dialog", { name: "Create API key" });
    // Focus moves into the dialog, onto its first field (the native <dialog> + autofocus).
    await until("focus in the dialog", () => page.evaluate(() => document.activeElement?.getAttribute("name")), (n) => n === "name", 5000, 50);
    await page.keyboard.type("reader");
    await kd.getByLabel("Expiration").selectOption("30");
    await kd.locator("summary", { hasText: "Databases" }).click();
    await kd.getByLabel("databases.read", { exact: true }).check();
    await kd.getByLabel("tables.read", { exact: true }).check();
    await kd.getByText("(2 chosen)").waitFor();
    await shot(page, "key-create");
    await kd.getByLabel("Name").press("Enter");
    const shown = page.getByRole("dialog", { name: "API key created" });
    const secret = await shown.getByLabel("Secret").inputValue();
    expect(secret).toMatch(/^standard_/);
    await shot(page, "key-secret");
    await shown.getByRole("button", { name: "Copy secret" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await shown.getByRole("button", { name: "Done" }).click();
    await page.getByRole("table", { name: "API keys" }).getByText("reader").waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await page.getByRole("table", { name: "API keys" }).getByText("2 scopes", { exact: true }).waitFor();
    expect(await page.content()).not.toContain(secret);
    const keyClient = new Client().setEndpoint(endpoint).setProject(PROJECT_ID).setKey(secret);
    const tables = new TablesDB(server);
    await tables.create({ databaseId: "shop", name: "Shop" });
    await tables.createTable({ databaseId: "shop", tableId: "orders", name: "Orders" });
    await tables.createStringColumn({ databaseId: "shop", tableId: "orders", key: "item", size: 64, required: false });
    await until("column", () => tables.getColumn({ databaseId: "shop", tableId: "orders", key: "item" }), (c) => (c as { status: string }).status === "available");
    expect((await new TablesDB(keyClient).listTables({ databaseId: "shop" })).tables.map((t) => t.$id)).toEqual(["orders"]);
    await expect(new TablesDB(keyClient).listRows({ databaseId: "shop", tableId: "orders" })).rejects.toMatchObject({ code: 401, type: "general_unauthorized_scope" });
    await expect(new Users(keyClient).list()).rejects.toMatchObject({ code: 401 });
    const keys = (await consoleCall("GET", `/projects/${PROJECT_ID}/keys`)).json.keys as { name: string; scopes: string[]; expire: string; secret: string }[];
    const reader = keys.find((k) => k.name === "reader")!;
    expect(reader.scopes.sort()).toEqual(["databases.read", "tables.read"]);
    expect(reader.secret).toBe("");
    expect(Math.abs(new Date(reader.expire).getTime() - Date.now() - 30 * 86_400_000)).toBeLessThan(120_000);
    await noSideScroll(page);
    await shot(page, "keys-narrow");
    await page.setViewportSize({ width: 1280, height: 860 });

    // A webhook for row creations to a loopback receiver (TLS check off, basic auth), its key shown once.
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("button", { name: "Create webhook" }).first().click();
    const wd = page.getByRole("dialog", { name: "Create webhook" });
    await wd.getByLabel("Name", { exact: true }).fill("Orders hook");
    await wd.getByLabel("URL").fill(`http://127.0.0.1:${receiver.port}/hook`);
    await wd.getByLabel("Add an event").selectOption("databases.*.tables.*.rows.*.create");
    await wd.getByLabel("HTTP user").fill("hookuser");
    await wd.getByLabel("HTTP password").fill("hookpass");
    await wd.getByLabel("Verify the receiver's TLS certificate").uncheck();
    await wd.getByRole("button", { name: "Create", exact: true }).click();
    const made = page.getByRole("dialog", { name: "Webhook created" });
    const signatureKey = await made.getByLabel("Signature key").inputValue();
    expect(signatureKey.length).toBeGreaterThanOrEqual(32);
    await shot(page, "webhook-created");
    await made.getByRole("button", { name: "Open webhook" }).click();
    await page.getByRole("heading", { name: "Orders hook" }).waitFor();
    const hooks = (await consoleCall("GET", `/projects/${PROJECT_ID}/webhooks`)).json.webhooks as { name: string; url: string; events: string[]; tls: boolean; authUsername: string; enabled: boolean }[];
    expect(hooks).toMatchObject([{ name: "Orders hook", url: `http://127.0.0.1:${receiver.port}/hook`, events: ["databases.*.tables.*.rows.*.create"], tls: false, authUsername: "hookuser", enabled: true }]);

    // The realtime viewer in a second tab of the same session, watching rows.
    const viewer = await page.context().newPage();
    await viewer.goto(`${origin}/console/project/${PROJECT_ID}/settings/realtime`);
    await viewer.getByText("● connected").waitFor({ timeout: 15_000 });

    const row = await tables.createRow({ databaseId: "shop", tableId: "orders", rowId: ID.unique(), data: { item: "teapot" } });
    const hit = await until("delivery", async () => receiver.hits, (h) => h.length > 0, 30_000);
    const expected = createHmac("sha1", signatureKey).update(`http://127.0.0.1:${receiver.port}/hook` + hit[0]!.body).digest("base64");
    expect(hit[0]!.headers["x-appwrite-webhook-signature"]).toBe(expected);
    expect(hit[0]!.headers.authorization).toBe(`Basic ${Buffer.from("hookuser:hookpass").toString("base64")}`);
    expect(JSON.parse(hit[0]!.body)).toMatchObject({ $id: row.$id, item: "teapot" });
    await until("attempt listed", async () => {
      await page.getByRole("button", { name: "Refresh" }).click();
      return page.getByRole("table", { name: "Delivery attempts" }).getByText("200").count();
    }, (n) => n > 0, 20_000, 1000);
    await page.getByRole("table", { name: "Delivery attempts" }).getByText(new RegExp(`rows\\.${row.$id}\\.create`)).waitFor();
    await shot(page, "webhook");

    // The row event reached the viewer, with its payload.
    const event = viewer.getByRole("button", { name: new RegExp(`rows\\.${row.$id}\\.create`) });
    await event.waitFor({ timeout: 15_000 });
    await event.click();
    await viewer.getByLabel("Payload").getByText(/"item": "teapot"/).waitFor();
    await shot(viewer, "realtime");
    // Paused: a new row is not shown; resumed: the next one is; Clear empties the list.
    await viewer.getByRole("button", { name: "Pause" }).click();
    const hidden = await tables.createRow({ databaseId: "shop", tableId: "orders", rowId: ID.unique(), data: { item: "hidden" } });
    await until("second delivery", async () => receiver.hits, (h) => h.length > 1, 30_000);
    await viewer.getByRole("button", { name: "Resume" }).click();
    const shownRow = await tables.createRow({ databaseId: "shop", tableId: "orders", rowId: ID.unique(), data: { item: "shown" } });
    await viewer.getByRole("button", { name: new RegExp(`rows\\.${shownRow.$id}\\.create`) }).waitFor({ timeout: 15_000 });
    expect(await viewer.getByRole("button", { name: new RegExp(`rows\\.${hidden.$id}\\.create`) }).count()).toBe(0);
    await viewer.getByRole("button", { name: "Clear" }).click();
    await viewer.getByText("No events yet").waitFor();
    await noSideScroll(viewer);
    await shot(viewer, "realtime-narrow");

    // Edit: disabled, saved on the server.
    await page.getByLabel("Enabled", { exact: true }).uncheck();
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").getByText("Saved.").waitFor();
    expect((await consoleCall("GET", `/projects/${PROJECT_ID}/webhooks`)).json.webhooks[0]).toMatchObject({ enabled: false, name: "Orders hook" });

    // A new signature key replaces the old one; the webhook is deleted on the server.
    await page.getByRole("button", { name: "Generate a new key" }).click();
    const rotated = await page.getByLabel("Signature key").inputValue();
    expect(rotated).not.toBe(signatureKey);
    await page.getByRole("button", { name: "Delete webhook" }).click();
    await page.getByRole("dialog", { name: "Delete webhook" }).getByRole("button", { name: "Delete" }).click();
    await page.getByText("No webhooks yet").waitFor();
    expect((await consoleCall("GET", `/projects/${PROJECT_ID}/webhooks`)).json.total).toBe(0);
    await page.context().close();
    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);

    const assets = path.join(ROOT, "console/dist/console/assets");
    const sizes = Object.fromEntries(readdirSync(assets).map((f) => [f, gzipSync(readFileSync(path.join(assets, f)), { level: 9 }).length]));
    console.log(`console: gzipped assets ${JSON.stringify(sizes)}`);
  });
});
