import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { deflateSync, gzipSync } from "node:zlib";
import { Client, ID, Query, Storage, TablesDB, Users } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import type { Browser, Page } from "playwright-core";
import { launchChromium, signedInPage as signIn } from "./chromium";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKey, ALL_SCOPES, consoleCall, endpoint, until } from "../e2e/harness";

/**
 * The console's second slice in headless Chromium against the real server: Databases (tables, columns, indexes,
 * the rows grid with filters, sort, paging, inline edits, JSON, bulk delete, permissions) and Storage (buckets,
 * a 12 MiB chunked upload with its progress bar, previews, file tokens), both live through realtime — every call
 * made by the console SDK inside the page, every effect checked on the server with node-appwrite.
 * Screenshots go to /tmp/console-data-*.png.
 */
const ROOT = path.join(import.meta.dirname, "../..");
const origin = endpoint.replace(/\/v1$/, "");
const TAG = Date.now().toString(36);
const EMAIL = `console-data-${TAG}@example.com`;
const PASSWORD = "console-password-1234";
const PROJECT_ID = `data-${TAG}`;

let browser: Browser;
let server: Client;
const errors: string[] = [];
const shot = (page: Page, name: string) => page.screenshot({ path: `/tmp/console-data-${name}.png`, fullPage: true });

const signedInPage = () => signIn(browser, origin, EMAIL, PASSWORD, errors);

/** A w×h RGB PNG with a gradient (no image library needed). */
function png(w: number, h: number): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = table[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const o = y * (w * 3 + 1) + 1 + x * 3;
    rows[o] = (x * 255) / w;
    rows[o + 1] = (y * 255) / h;
    rows[o + 2] = 128;
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}

/** A user of the project with a session, as a node-appwrite client (to check permissions by their effect). */
async function userClient(name: string, labels: string[] = []) {
  const users = new Users(server);
  const u = await users.create({ userId: ID.unique(), email: `${name}-${TAG}@example.com`, password: "user-password-1234", name });
  if (labels.length) await users.updateLabels({ userId: u.$id, labels });
  const s = await users.createSession({ userId: u.$id });
  return { id: u.$id, tables: new TablesDB(new Client().setEndpoint(endpoint).setProject(PROJECT_ID).setSession(s.secret)) };
}

beforeAll(async () => {
  browser = await launchChromium();
  const made = await promisify(execFile)("node", [path.join(ROOT, "scripts/console-user.mjs"), EMAIL, "Data Owner"], { env: { ...process.env, ENDPOINT: endpoint, ADMIN_KEY: adminKey, CONSOLE_PASSWORD: PASSWORD } });
  const teamId = /Organization (\S+) created/.exec(made.stdout)![1]!;
  expect((await consoleCall("POST", "/projects", { projectId: PROJECT_ID, name: "Data Demo", teamId })).status).toBe(201);
  const key = await consoleCall("POST", `/projects/${PROJECT_ID}/keys`, { name: "all", scopes: ALL_SCOPES });
  server = new Client().setEndpoint(endpoint).setProject(PROJECT_ID).setKey(key.json.secret);
});

afterAll(async () => {
  await browser?.close();
});

describe("console: databases and storage in Chromium", () => {
  it("creates a database, a table with string/integer/enum columns and an index; the rows grid filters, sorts, pages, edits, deletes, sets permissions, and shows another client's row live", async () => {
    const page = await signedInPage();
    const tables = new TablesDB(server);
    await page.goto(`${origin}/console/project/${PROJECT_ID}/databases`);
    await page.getByText("No databases yet").waitFor();
    await shot(page, "databases-empty");

    // Database and table (row security on, create for signed-in users) through the dialogs.
    await page.getByRole("button", { name: "Create database" }).first().click();
    const dbDialog = page.getByRole("dialog", { name: "Create database" });
    await dbDialog.getByLabel("Name").fill("Shop");
    await dbDialog.getByLabel("Database ID").fill("shop");
    await dbDialog.getByRole("button", { name: "Create" }).click();
    await page.getByRole("heading", { name: "Shop" }).waitFor();
    await page.getByRole("button", { name: "Create table" }).first().click();
    const tDialog = page.getByRole("dialog", { name: "Create table" });
    await tDialog.getByLabel("Name").fill("Products");
    await tDialog.getByLabel("Table ID").fill("products");
    await tDialog.getByText("Row security").click();
    await tDialog.getByLabel("Add role").selectOption("users");
    await tDialog.getByRole("button", { name: "Add", exact: true }).click();
    await tDialog.getByLabel("read for users").uncheck();
    await tDialog.getByLabel("create for users").check();
    await tDialog.getByText('Will be created with: create("users")').waitFor();
    await shot(page, "table-create");
    await tDialog.getByRole("button", { name: "Create", exact: true }).click();
    await page.getByRole("heading", { name: "Columns", exact: true }).waitFor();
    const table = await tables.getTable({ databaseId: "shop", tableId: "products" });
    expect(table).toMatchObject({ name: "Products", rowSecurity: true, $permissions: ['create("users")'] });

    // Columns: string, integer with bounds, enum; a refused one shows Appwrite's message.
    const column = async (type: string, key: string, fill: (d: ReturnType<Page["getByRole"]>) => Promise<void>) => {
      await page.getByRole("button", { name: "Create column" }).first().click();
      const d = page.getByRole("dialog", { name: "Create column" });
      await d.getByLabel("Type").selectOption(type);
      await d.getByLabel("Key", { exact: true }).fill(key);
      await fill(d);
      await d.getByRole("button", { name: "Create column" }).click();
      return d;
    };
    const refused = await column("string", "bad", async (d) => {
      await d.getByLabel("Default").fill("x");
      await d.getByText("Required").click();
    });
    await refused.getByRole("alert").waitFor();
    expect(await refused.getByRole("alert").textContent()).toMatch(/default/i);
    await refused.getByRole("button", { name: "Cancel" }).click();
    await column("string", "name", async (d) => {
      await d.getByLabel("Size").fill("64");
      await d.getByText("Required").click();
    });
    await page.getByRole("cell", { name: "name", exact: true }).waitFor();
    await column("integer", "price", async (d) => {
      await d.getByLabel("Min").fill("0");
      await d.getByLabel("Max").fill("1000");
    });
    await page.getByRole("cell", { name: "price", exact: true }).waitFor();
    await column("enum", "color", async (d) => {
      await d.getByLabel("Elements (comma separated)").fill("red, green, blue");
    });
    await page.getByRole("cell", { name: "color", exact: true }).waitFor();
    await until("columns available", () => tables.listColumns({ databaseId: "shop", tableId: "products" }), (r) => r.total === 3 && r.columns.every((c) => (c as { status: string }).status === "available"));
    await page.reload();
    await page.locator(".status-available").nth(2).waitFor();
    const cols = (await tables.listColumns({ databaseId: "shop", tableId: "products" })).columns as unknown as { key: string; type: string; size?: number; min?: number; max?: number; elements?: string[]; required: boolean }[];
    expect(cols.map((c) => [c.key, c.type])).toEqual([["name", "string"], ["price", "integer"], ["color", "string"]]);
    expect(cols[0]).toMatchObject({ size: 64, required: true });
    expect(cols[1]).toMatchObject({ min: 0, max: 1000 });
    expect(cols[2]).toMatchObject({ elements: ["red", "green", "blue"] });
    await shot(page, "columns");

    // An index on price, descending.
    await page.getByRole("link", { name: "Indexes" }).click();
    await page.getByRole("button", { name: "Create index" }).first().click();
    const iDialog = page.getByRole("dialog", { name: "Create index" });
    await iDialog.getByLabel("Index key").fill("by_price");
    await iDialog.getByLabel("Column 1", { exact: true }).selectOption("price");
    await iDialog.getByLabel("Order 1", { exact: true }).selectOption("desc");
    await iDialog.getByRole("button", { name: "Create index" }).click();
    await page.getByRole("cell", { name: "price desc" }).waitFor();
    const index = await tables.getIndex({ databaseId: "shop", tableId: "products", key: "by_price" });
    expect([index.type, index.columns, index.orders?.map((o) => o.toLowerCase())]).toEqual(["key", ["price"], ["desc"]]);
    await shot(page, "indexes");

    // Rows: one through the grid's JSON dialog, 29 by node-appwrite.
    await page.getByRole("link", { name: "Rows" }).click();
    await page.getByText("No rows yet").waitFor();
    await page.getByRole("button", { name: "Create row" }).first().click();
    const rDialog = page.getByRole("dialog", { name: "Create row" });
    await rDialog.getByLabel("Row ID").fill("first");
    await rDialog.getByLabel("Data (JSON)").fill('{"name": "Widget", "price": 5, "color": "red"}');
    await rDialog.getByRole("button", { name: "Create row" }).click();
    await page.getByRole("button", { name: "Edit name of first", exact: true }).waitFor();
    expect(await tables.getRow({ databaseId: "shop", tableId: "products", rowId: "first" })).toMatchObject({ name: "Widget", price: 5, color: "red" });
    const colors = ["red", "green", "blue"];
    await tables.createRows({ databaseId: "shop", tableId: "products", rows: Array.from({ length: 29 }, (_, i) => ({ $id: `item-${i + 1}`, name: `Item ${i + 1}`, price: (i + 1) * 10, color: colors[i % 3] })) });
    const pager = page.getByRole("navigation", { name: "Pages" });
    await pager.getByText("1–25 of 30").waitFor(); // the grid follows realtime: no reload
    expect(await page.locator(".grid tbody tr").count()).toBe(25);
    await pager.getByRole("button", { name: "Next" }).click();
    await pager.getByText("26–30 of 30").waitFor();
    expect(await page.locator(".grid tbody tr").count()).toBe(5);
    await pager.getByRole("button", { name: "Previous" }).click();
    await pager.getByText("1–25 of 30").waitFor();

    // Sort by clicking the price header: ascending, then descending.
    const firstPrice = () => page.locator(".grid tbody tr").first().locator("td").nth(3).textContent();
    await page.getByRole("button", { name: "price", exact: true }).click();
    await page.getByRole("columnheader", { name: "price ▲" }).waitFor();
    await until("sorted ascending", firstPrice, (t) => t === "5");
    await page.getByRole("button", { name: "price ▲" }).click();
    await until("sorted descending", firstPrice, (t) => t === "290");
    await shot(page, "rows-sorted");

    // Filters: price > 100 and color = green, combined (both hold).
    await page.getByRole("button", { name: "Add filter" }).click();
    await page.getByLabel("Filter 1 column").selectOption("price");
    await page.getByLabel("Filter 1 operator").selectOption("greaterThan");
    await page.getByLabel("Filter 1 value").fill("100");
    await page.getByRole("button", { name: "Add filter" }).click();
    await page.getByLabel("Filter 2 column").selectOption("color");
    await page.getByLabel("Filter 2 value").fill("green");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const expected = await tables.listRows({ databaseId: "shop", tableId: "products", queries: [Query.greaterThan("price", 100), Query.equal("color", "green")] });
    await page.getByText(`${expected.total} rows`).waitFor();
    expect(await page.locator(".grid tbody tr").count()).toBe(expected.total);
    await shot(page, "rows-filtered");
    await page.getByRole("button", { name: "Remove filter 2" }).click();
    await page.getByRole("button", { name: "Remove filter 1" }).click();
    await pager.getByText("1–25 of 30").waitFor();
    await page.getByRole("button", { name: "price ▼" }).click(); // a third click: back to the table's own order
    await until("unsorted", firstPrice, (t) => t === "5");

    // Inline edit: saved through updateRow; a value over the column's max is refused with Appwrite's message.
    await page.getByRole("button", { name: "Edit price of item-3", exact: true }).click();
    await page.getByLabel("New price").fill("5000");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("alert").waitFor();
    const refusal = await page.getByRole("alert").textContent();
    expect(refusal).toMatch(/price/);
    await shot(page, "rows-refused");
    expect((await tables.getRow({ databaseId: "shop", tableId: "products", rowId: "item-3" })).price).toBe(30);
    await page.getByLabel("New price").fill("999");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("button", { name: "Edit price of item-3", exact: true }).getByText("999").waitFor();
    expect((await tables.getRow({ databaseId: "shop", tableId: "products", rowId: "item-3" })).price).toBe(999);

    // The JSON view edits the whole row.
    await page.getByRole("button", { name: "JSON of item-1", exact: true }).click();
    const jDialog = page.getByRole("dialog", { name: "Row JSON" });
    expect(JSON.parse(await jDialog.getByLabel("Data (JSON)").inputValue())).toMatchObject({ name: "Item 1", price: 10, color: "red" });
    await jDialog.getByLabel("Data (JSON)").fill('{"name": "Item one", "price": 11, "color": "blue"}');
    await jDialog.getByRole("button", { name: "Save row" }).click();
    await jDialog.waitFor({ state: "hidden" });
    expect(await tables.getRow({ databaseId: "shop", tableId: "products", rowId: "item-1" })).toMatchObject({ name: "Item one", price: 11, color: "blue" });

    // Permissions: a row readable by one user (row security); then the table readable by everyone labelled vip.
    const ada = await userClient("ada");
    const vip = await userClient("grace", ["vip"]);
    await page.getByRole("button", { name: "Permissions of item-2", exact: true }).click();
    const pDialog = page.getByRole("dialog", { name: "Row permissions" });
    await pDialog.getByLabel("Add role").selectOption("user");
    await pDialog.getByLabel("User ID").fill(ada.id);
    await pDialog.getByRole("button", { name: "Add", exact: true }).click();
    await pDialog.getByLabel(`update for user:${ada.id}`).check();
    await shot(page, "row-permissions");
    await pDialog.getByRole("button", { name: "Save permissions" }).click();
    await pDialog.waitFor({ state: "hidden" });
    expect((await tables.getRow({ databaseId: "shop", tableId: "products", rowId: "item-2" })).$permissions.sort()).toEqual([`read("user:${ada.id}")`, `update("user:${ada.id}")`]);
    const adaSees = await ada.tables.listRows({ databaseId: "shop", tableId: "products" });
    expect(adaSees.rows.map((r) => r.$id)).toEqual(["item-2"]);
    expect((await ada.tables.updateRow({ databaseId: "shop", tableId: "products", rowId: "item-2", data: { name: "Ada's" } })).name).toBe("Ada's");
    expect((await vip.tables.listRows({ databaseId: "shop", tableId: "products" })).total).toBe(0);
    await page.getByRole("navigation", { name: "Table" }).getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Add role").selectOption("label");
    await page.getByLabel("Label", { exact: true }).fill("vip");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("button", { name: "Save permissions" }).click();
    await until("table permissions saved", () => tables.getTable({ databaseId: "shop", tableId: "products" }), (t) => t.$permissions.includes('read("label:vip")'));
    expect((await vip.tables.listRows({ databaseId: "shop", tableId: "products" })).total).toBe(30);
    await shot(page, "table-settings");

    // Bulk delete of two selected rows, after a confirmation.
    await page.getByRole("link", { name: "Rows" }).click();
    await page.getByLabel("Select row item-4", { exact: true }).check();
    await page.getByLabel("Select row item-5", { exact: true }).check();
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    const del = page.getByRole("dialog", { name: "Delete rows" });
    await del.getByText("Delete 2 selected rows?").waitFor();
    await del.getByRole("button", { name: "Delete 2 rows" }).click();
    await del.waitFor({ state: "hidden" });
    await until("rows deleted", () => tables.listRows({ databaseId: "shop", tableId: "products" }), (r) => r.total === 28);
    await expect(tables.getRow({ databaseId: "shop", tableId: "products", rowId: "item-4" })).rejects.toThrow(/not be found/);
    await pager.getByText("1–25 of 28").waitFor();

    // Live: a filter that matches nothing yet, then node-appwrite writes the row it matches.
    await page.getByRole("button", { name: "Add filter" }).click();
    await page.getByLabel("Filter 1 column").selectOption("name");
    await page.getByLabel("Filter 1 value").fill("Live one");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("No row matches these filters").waitFor();
    await page.locator(".live-live").waitFor();
    await tables.createRow({ databaseId: "shop", tableId: "products", rowId: "live", data: { name: "Live one", price: 1, color: "green" } });
    await page.getByRole("button", { name: "Edit name of live", exact: true }).waitFor({ timeout: 10_000 });
    await shot(page, "rows-live");

    // Columns of the other kinds: a point with a default, a two-way relationship; a column deleted after a confirmation.
    await tables.createTable({ databaseId: "shop", tableId: "categories", name: "Categories" });
    await page.getByRole("link", { name: "Columns" }).click();
    await page.reload(); // the related-table choice lists the tables there were when the table opened
    await column("point", "spot", async (d) => {
      await d.getByLabel("Default").fill("[1, 2]");
    });
    await page.getByRole("cell", { name: "spot", exact: true }).waitFor();
    await column("relationship", "category", async (d) => {
      await d.getByLabel("Related table", { exact: true }).selectOption("categories");
      await d.getByLabel("Relation", { exact: true }).selectOption("manyToOne");
      await d.getByText("Two-way (the related table gets a column back)").click();
      await d.getByLabel("Two-way key", { exact: true }).fill("products");
      await d.getByLabel("On delete", { exact: true }).selectOption("setNull");
    });
    await page.getByRole("cell", { name: "category", exact: true }).waitFor();
    expect(await tables.getColumn({ databaseId: "shop", tableId: "products", key: "spot" })).toMatchObject({ type: "point", default: [1, 2] });
    expect(await tables.getColumn({ databaseId: "shop", tableId: "products", key: "category" })).toMatchObject({ type: "relationship", relatedTable: "categories", relationType: "manyToOne", twoWay: true, twoWayKey: "products", onDelete: "setNull" });
    await page.getByRole("button", { name: "Delete column spot" }).click();
    await page.getByRole("dialog", { name: "Delete column" }).getByRole("button", { name: "Delete column" }).click();
    await until("column deleted", () => tables.listColumns({ databaseId: "shop", tableId: "products" }), (r) => !r.columns.some((c) => c.key === "spot"));
    await shot(page, "columns-more");

    // A narrow window: the grid scrolls inside its frame, nothing spills sideways.
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole("link", { name: "Rows" }).click();
    await page.getByRole("button", { name: "Edit name of first", exact: true }).waitFor();
    await shot(page, "rows-narrow");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1280, height: 860 });

    // Deleting a table, then the database, each after its confirmation.
    await page.getByRole("link", { name: "← Tables" }).click();
    await page.getByRole("button", { name: "Delete table Categories" }).click();
    await page.getByRole("dialog", { name: "Delete table" }).getByRole("button", { name: "Delete table" }).click();
    await page.getByRole("button", { name: "Delete table Categories" }).waitFor({ state: "detached" });
    await expect(tables.getTable({ databaseId: "shop", tableId: "categories" })).rejects.toThrow(/not be found/);
    await page.getByRole("link", { name: "← All databases" }).click();
    await page.getByRole("button", { name: "Delete database Shop" }).click();
    await page.getByRole("dialog", { name: "Delete database" }).getByRole("button", { name: "Delete database" }).click();
    await page.getByText("No databases yet").waitFor();
    await expect(tables.get({ databaseId: "shop" })).rejects.toThrow(/not be found/);
    await page.context().close();
    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
  });

  it("creates a bucket, uploads 12 MiB in chunks with a moving progress bar, previews an image, makes a file token, and shows another client's file live", async () => {
    const page = await signedInPage();
    const storage = new Storage(server);
    await page.goto(`${origin}/console/project/${PROJECT_ID}/storage`);
    await page.getByText("No buckets yet").waitFor();
    await page.getByRole("button", { name: "Create bucket" }).first().click();
    const bDialog = page.getByRole("dialog", { name: "Create bucket" });
    await bDialog.getByLabel("Name").fill("Media");
    await bDialog.getByLabel("Bucket ID").fill("media");
    await bDialog.getByRole("button", { name: "Create" }).click();
    await page.getByText("No files in this bucket").waitFor();

    // Settings: size limit, extensions, compression, permissions.
    await page.getByRole("navigation", { name: "Bucket" }).getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Maximum file size (MiB)").fill("30");
    await page.getByLabel("Allowed extensions (comma separated)").fill("bin, png, txt");
    await page.getByLabel("Compression").selectOption("gzip");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("button", { name: "Save settings" }).and(page.locator(":enabled")).waitFor();
    await shot(page, "bucket-saved");
    await until("bucket saved", () => storage.getBucket({ bucketId: "media" }), (b) => b.maximumFileSize === 30 * 1024 * 1024);
    await page.getByLabel("Add role").selectOption("users");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("button", { name: "Save permissions" }).click();
    const bucket = await until("bucket permissions", () => storage.getBucket({ bucketId: "media" }), (b) => b.$permissions.length === 1);
    expect(bucket).toMatchObject({ allowedFileExtensions: ["bin", "png", "txt"], compression: "gzip", $permissions: ['read("users")'] });
    await shot(page, "bucket-settings");

    // 12 MiB through the file input: the SDK sends 5 MiB chunks and the bar passes through values below 100.
    await page.getByRole("link", { name: "Files" }).click();
    await page.getByText("No files in this bucket").waitFor();
    await page.evaluate(() => {
      const seen: number[] = ((window as unknown as { seen: number[] }).seen = []);
      new MutationObserver(() => document.querySelectorAll("progress").forEach((p) => seen.push((p as HTMLProgressElement).value))).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["value"] });
    });
    const big = Buffer.alloc(12 * 1024 * 1024, 7);
    await page.locator("#file-input").setInputFiles({ name: "big.bin", mimeType: "application/octet-stream", buffer: big });
    await page.locator(".uploads").getByText("100 %").waitFor({ timeout: 60_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect(seen.some((v) => v > 0 && v < 100)).toBe(true);
    expect(seen.at(-1)).toBe(100);
    await page.getByRole("button", { name: "Open big.bin" }).waitFor();
    const listed = await storage.listFiles({ bucketId: "media" });
    expect(listed.files.map((f) => [f.name, f.sizeOriginal, f.chunksTotal])).toEqual([["big.bin", 12 * 1024 * 1024, 3]]);

    // An image dropped on the drop zone: its preview is a getFilePreview thumbnail.
    const image = png(64, 48).toString("base64");
    const dt = await page.evaluateHandle((b64) => {
      const t = new DataTransfer();
      t.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], "pic.png", { type: "image/png" }));
      return t;
    }, image);
    await page.dispatchEvent(".dropzone", "drop", { dataTransfer: dt });
    const thumb = page.getByAltText("Preview of pic.png");
    await thumb.waitFor();
    expect(await thumb.getAttribute("src")).toMatch(/^data:/);
    expect(await thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await shot(page, "files");

    // A file token: its URL serves the file without a session; deleting it ends that.
    await page.getByRole("button", { name: "Open pic.png" }).click();
    const fDialog = page.getByRole("dialog", { name: "File" });
    await fDialog.getByText("No tokens for this file.").waitFor();
    await fDialog.getByRole("button", { name: "Create token" }).click();
    const url = await fDialog.locator(".token-url").inputValue();
    expect(url).toContain("token=");
    const viaToken = await fetch(url);
    expect(viaToken.status).toBe(200);
    expect(Buffer.from(await viaToken.arrayBuffer()).equals(png(64, 48))).toBe(true);
    await shot(page, "file-token");
    await fDialog.getByRole("button", { name: "Copy URL" }).click();
    await fDialog.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    // Download: the SDK fetches the bytes (a plain link could not authenticate) and the browser saves them.
    const [download] = await Promise.all([page.waitForEvent("download"), fDialog.getByRole("button", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toBe("pic.png");
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of saved) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(png(64, 48))).toBe(true);
    await fDialog.getByRole("button", { name: /^Delete token / }).click();
    await fDialog.getByText("No tokens for this file.").waitFor();
    expect((await fetch(url)).status).not.toBe(200);
    await page.keyboard.press("Escape");

    // Live: a file uploaded by node-appwrite appears; a delete in the console reaches the server.
    await storage.createFile({ bucketId: "media", fileId: "notes", file: InputFile.fromBuffer(Buffer.from("hello"), "notes.txt") });
    await page.getByRole("button", { name: "Open notes.txt" }).waitFor({ timeout: 10_000 });
    await page.getByRole("button", { name: "Open notes.txt" }).click();
    await fDialog.getByRole("button", { name: "Delete file" }).click();
    await page.getByRole("dialog", { name: "Delete file" }).getByRole("button", { name: "Delete file" }).click();
    await until("file deleted", () => storage.listFiles({ bucketId: "media" }), (r) => r.total === 2);
    await page.getByRole("button", { name: "Open notes.txt" }).waitFor({ state: "detached" });
    await page.setViewportSize({ width: 375, height: 740 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot(page, "files-narrow");
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByRole("navigation", { name: "Bucket" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Delete bucket" }).click();
    await page.getByRole("dialog", { name: "Delete bucket" }).getByRole("button", { name: "Delete bucket" }).click();
    await page.getByText("No buckets yet").waitFor();
    await expect(storage.getBucket({ bucketId: "media" })).rejects.toThrow(/not be found/);
    await page.context().close();
    expect(errors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);

    const assets = path.join(ROOT, "console/dist/console/assets");
    const sizes = Object.fromEntries(readdirSync(assets).map((f) => [f, gzipSync(readFileSync(path.join(assets, f)), { level: 9 }).length]));
    console.log(`console: gzipped assets ${JSON.stringify(sizes)}`);
  });
});
