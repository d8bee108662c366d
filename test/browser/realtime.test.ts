import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID, Permission, Role, TablesDB, Users } from "node-appwrite";
import { createProject, endpoint, type TestProject } from "../e2e/harness";

/**
 * The official web SDK (appwrite@27.0.0, its IIFE build) in headless Chromium (Debian's `chromium`,
 * driven by playwright-core — never `npx playwright install`). A page served from a loopback server
 * signs in with account.createEmailPasswordSession and subscribes with `Realtime.subscribe`; writes come
 * from node-appwrite. A second signed-in user without read permission must receive none of them.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const SDK = readFileSync(path.join(import.meta.dirname, "../../node_modules/appwrite/dist/iife/sdk.js"), "utf8");
const HTML = `<!doctype html><meta charset="utf-8"><title>edgewrite realtime</title><script src="/sdk.js"></script>
<script>
  window.received = [];
  window.errors = [];
  /** Sign in with the SDK, then subscribe with Realtime; every callback payload is kept in window.received. */
  window.start = async ({ endpoint, project, email, password, channels }) => {
    const client = new Appwrite.Client().setEndpoint(endpoint).setProject(project);
    const account = new Appwrite.Account(client);
    await account.createEmailPasswordSession({ email, password });
    const me = await account.get();
    const realtime = new Appwrite.Realtime(client);
    realtime.onError((e) => window.errors.push(String(e && e.message || e)));
    await realtime.subscribe(channels, (event) => { window.received.push(event); });
    return me.$id;
  };
</script>`;

let page0: Server;
let pageUrl = "";
let browser: Browser;
let project: TestProject;
let users: Users;
const contexts: BrowserContext[] = [];

async function signedInPage(user: { email: string }, channels: string[]): Promise<Page> {
  const context = await browser.newContext(); // separate cookies and storage per user
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(pageUrl);
  await page.evaluate((a) => (window as any).start(a), { endpoint, project: project.projectId, email: user.email, password: "password-1234", channels });
  return page;
}

const received = (page: Page) => page.evaluate(() => (window as any).received as any[]);

async function waitFor(page: Page, pred: (events: any[]) => boolean, timeoutMs = 20_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ev = await received(page);
    if (pred(ev)) return ev;
    if (Date.now() > deadline) throw new Error(`browser did not receive the expected events; got ${JSON.stringify(ev.map((e) => e.events?.[0]))}, errors ${JSON.stringify(await page.evaluate(() => (window as any).errors))}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function makeUser(id: string) {
  const email = `${id}@example.com`;
  await users.create({ userId: id, email, password: "password-1234", name: id });
  return { id, email };
}

beforeAll(async () => {
  page0 = createServer((req, res) => {
    if (req.url === "/sdk.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(SDK);
    res.writeHead(200, { "content-type": "text/html" }).end(HTML);
  });
  await new Promise<void>((r) => page0.listen(0, "127.0.0.1", r));
  pageUrl = `http://127.0.0.1:${(page0.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  project = await createProject("browser");
  users = new Users(project.server());
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await new Promise((r) => page0?.close(r));
});

describe("web SDK realtime in Chromium", () => {
  it("a signed-in user receives their own account events; another signed-in user does not", async () => {
    const a = await makeUser("br-a");
    const b = await makeUser("br-b");
    const pa = await signedInPage(a, ["account"]);
    const pb = await signedInPage(b, ["account"]);
    await users.updateName({ userId: a.id, name: "A renamed" });
    await users.updateName({ userId: b.id, name: "B renamed" }); // B's marker: its own event
    const ea = await waitFor(pa, (ev) => ev.some((e) => e.payload?.name === "A renamed"));
    const eb = await waitFor(pb, (ev) => ev.some((e) => e.payload?.name === "B renamed"));
    expect(ea.find((e) => e.payload?.name === "A renamed").events).toContain(`users.${a.id}.update.name`);
    expect(eb.map((e) => e.payload?.$id)).not.toContain(a.id);
    expect(eb.map((e) => e.payload?.name)).not.toContain("A renamed");
  });

  it("receives create, update and delete of a table's rows written through node-appwrite; a user without read permission receives none", async () => {
    const reader = await makeUser("br-reader");
    const other = await makeUser("br-other");
    const db = new TablesDB(project.server());
    await db.create({ databaseId: "brdb", name: "Browser DB" });
    await db.createTable({ databaseId: "brdb", tableId: "notes", name: "Notes", permissions: [Permission.read(Role.user(reader.id))], rowSecurity: false });
    await db.createStringColumn({ databaseId: "brdb", tableId: "notes", key: "title", size: 128, required: false });
    for (let i = 0; i < 100; i++) {
      const col = await db.getColumn({ databaseId: "brdb", tableId: "notes", key: "title" });
      if ((col as { status?: string }).status === "available") break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const channel = "tablesdb.brdb.tables.notes.rows"; // Channel.tablesdb('brdb').table('notes').row()
    const pr = await signedInPage(reader, [channel]);
    const po = await signedInPage(other, [channel, "account"]);

    const rowId = ID.unique();
    await db.createRow({ databaseId: "brdb", tableId: "notes", rowId, data: { title: "first" } });
    await db.updateRow({ databaseId: "brdb", tableId: "notes", rowId, data: { title: "second" } });
    await db.deleteRow({ databaseId: "brdb", tableId: "notes", rowId });
    await users.updateName({ userId: other.id, name: "marker" }); // the other user's own event, after the rows

    const ev = await waitFor(pr, (e) => e.length >= 3);
    expect(ev.map((e) => e.events.find((n: string) => n.startsWith(`tablesdb.brdb.tables.notes.rows.${rowId}.`)))).toEqual([
      `tablesdb.brdb.tables.notes.rows.${rowId}.create`,
      `tablesdb.brdb.tables.notes.rows.${rowId}.update`,
      `tablesdb.brdb.tables.notes.rows.${rowId}.delete`,
    ]);
    expect(ev.map((e) => e.payload.title)).toEqual(["first", "second", "second"]);
    expect(ev.every((e) => e.payload.$id === rowId && e.channels.includes(channel))).toBe(true);

    const eo = await waitFor(po, (e) => e.some((x) => x.payload?.name === "marker"));
    expect(eo.filter((e) => e.payload?.$id === rowId)).toEqual([]);
  });
});
