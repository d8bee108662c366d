/**
 * Older official SDKs, unchanged, against Edgewrite (X-Appwrite-Response-Format, src/platform/formats):
 * web appwrite@11/14/16/18/21 and node-appwrite@11/14/17 next to the 27s, installed side by side as npm
 * aliases. Each signs up, signs in, lists with queries (1.4-style strings on the oldest), writes documents
 * (rows on the newest), uploads a chunked 6 MiB file and, for web SDKs, receives realtime events.
 *
 * The web SDKs run the way a browser runs them: sessions in `window.localStorage` (X-Fallback-Cookies),
 * the platform's fetch, FormData and WebSocket. (appwrite@11 and @14 bring Node shims — node-fetch 2 and a
 * global FormData from `form-data` — that cannot send a File; a browser never loads them.)
 */
import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Client, Databases, Functions, ID, Permission, Query, RelationshipType, Role, Storage, TablesDB, Teams, Users } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { HELLO, tarGz } from "./fixtures/functions";
import { createProject, endpoint, raw, until, type TestProject } from "./harness";

const require = createRequire(import.meta.url);
const g = globalThis as unknown as { window?: unknown; WebSocket?: unknown; FormData: typeof FormData };

let project: TestProject;
const DB = "sdkdb";
const BOOKS = "books";
const AUTHORS = "authors";
const BUCKET = "uploads";
const HELLO_FN = "hello";
let authorId = "";

beforeAll(async () => {
  project = await createProject("sdk-versions");
  const server = project.server();
  const dbs = new Databases(server);
  await dbs.create({ databaseId: DB, name: "SDK versions" });
  await dbs.createCollection({ databaseId: DB, collectionId: AUTHORS, name: "Authors", permissions: [Permission.read(Role.any())] });
  await dbs.createStringAttribute({ databaseId: DB, collectionId: AUTHORS, key: "name", size: 64, required: true });
  await dbs.createCollection({
    databaseId: DB, collectionId: BOOKS, name: "Books", documentSecurity: true, permissions: [Permission.create(Role.users())],
  });
  await dbs.createStringAttribute({ databaseId: DB, collectionId: BOOKS, key: "title", size: 128, required: true });
  await dbs.createIntegerAttribute({ databaseId: DB, collectionId: BOOKS, key: "n", required: false });
  await dbs.createStringAttribute({ databaseId: DB, collectionId: BOOKS, key: "owner", size: 64, required: false });
  await dbs.createRelationshipAttribute({
    databaseId: DB, collectionId: BOOKS, relatedCollectionId: AUTHORS, type: RelationshipType.ManyToOne, key: "author",
  });
  authorId = (await dbs.createDocument({ databaseId: DB, collectionId: AUTHORS, documentId: ID.unique(), data: { name: "Ada" } })).$id;
  await new Storage(server).createBucket({
    bucketId: BUCKET, name: "Uploads", permissions: [Permission.create(Role.users())], fileSecurity: true,
  });
  const functions = new Functions(server);
  await functions.create({ functionId: HELLO_FN, name: "Hello", runtime: "node-22" as never, execute: [Role.users()] });
  await deployHello(HELLO_FN, true);
  g.WebSocket = WebSocket;
});

/** A built HELLO deployment (with today's SDK). */
async function deployHello(functionId: string, activate: boolean) {
  const functions = new Functions(project.server());
  const code = InputFile.fromBuffer(await tarGz(HELLO), "code.tar.gz");
  const created = await functions.createDeployment({ functionId, code, activate, entrypoint: "index.js" });
  const d = await until("deployment build", () => functions.getDeployment({ functionId, deploymentId: created.$id }), (d) => d.status === "ready" || d.status === "failed");
  expect(d.status, d.buildLogs).toBe("ready");
  return d;
}

afterAll(() => {
  delete g.window;
  delete g.WebSocket;
});

const uniq = () => `v${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const sixMiB = () => randomBytes(6 * 1024 * 1024 + 123);
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

/** The file as stored, read back with the project key. */
async function download(fileId: string): Promise<Buffer> {
  const res = await fetch(`${endpoint}/storage/buckets/${BUCKET}/files/${fileId}/download`, {
    headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key },
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** A web SDK package loaded as a browser would have it (see the file comment). */
function loadWeb(name: string): any {
  const platformFormData = g.FormData;
  const sdk = require(name);
  g.FormData = platformFormData;
  try {
    const crossFetch = createRequire(require.resolve(name))("cross-fetch");
    crossFetch.fetch = (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init);
  } catch {
    /* newer SDKs use the platform's fetch */
  }
  return sdk;
}

/** A fresh "browser tab": its own localStorage, so each SDK keeps its own session. */
function tab() {
  const store = new Map<string, string>();
  g.window = {
    localStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) },
    console: { warn: () => {}, log: () => {}, error: () => {} },
    setTimeout, clearTimeout, setInterval, clearInterval,
  };
  return store;
}

/** Events arrive once the socket is connected and signed in; keep writing until one is seen. */
async function firstEvent(received: any[], write: () => Promise<unknown>): Promise<any> {
  for (let i = 0; i < 40; i++) {
    await write();
    for (let j = 0; j < 10; j++) {
      if (received.length) return received[0];
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error("no realtime event");
}

interface WebCase {
  pkg: string;
  format: string;
  /** 1.0–1.4 SDKs send 1.4-style string queries. */
  stringQueries: boolean;
  login: "createEmailSession" | "createEmailPasswordSession";
  /** Rows through TablesDB (1.8+); older SDKs only know documents. */
  tables: boolean;
}

const WEB: WebCase[] = [
  { pkg: "appwrite-11", format: "1.0.0", stringQueries: true, login: "createEmailSession", tables: false },
  { pkg: "appwrite-14", format: "1.5.0", stringQueries: false, login: "createEmailPasswordSession", tables: false },
  { pkg: "appwrite-16", format: "1.6.0", stringQueries: false, login: "createEmailPasswordSession", tables: false },
  { pkg: "appwrite-18", format: "1.7.0", stringQueries: false, login: "createEmailPasswordSession", tables: false },
  { pkg: "appwrite-21", format: "1.8.0", stringQueries: false, login: "createEmailPasswordSession", tables: true },
  { pkg: "appwrite", format: "2.0.0", stringQueries: false, login: "createEmailPasswordSession", tables: true },
];

describe.each(WEB)("web SDK $pkg (response format $format)", (v) => {
  it("signs up, signs in, writes and lists documents, uploads 6 MiB in chunks, hears realtime", async () => {
    const sdk = loadWeb(v.pkg);
    const store = tab();
    const client = new sdk.Client().setEndpoint(endpoint).setProject(project.projectId);
    expect(client.headers["X-Appwrite-Response-Format"]).toBe(v.format);
    const account = new sdk.Account(client);
    const email = `${uniq()}@example.com`;

    const user = await account.create(sdk.ID.unique(), email, "versions-pass-1", "Old SDK");
    expect(user).toMatchObject({ email, name: "Old SDK" });
    const session = await account[v.login](email, "versions-pass-1");
    expect(session.userId).toBe(user.$id);
    expect(JSON.parse(store.get("cookieFallback")!)).toHaveProperty(`a_session_${project.projectId}`);
    // Sessions gained `factors` and `secret` in 1.5.
    if (v.format < "1.5.0") expect(session).not.toHaveProperty("factors");
    else expect(session).toHaveProperty("factors");
    expect((await account.get()).$id).toBe(user.$id);
    // SDKs before 1.5 call the older paths `/account/jwt` and `/account/sessions/magic-url`.
    expect((await account.createJWT()).jwt.split(".")).toHaveLength(3);
    if (v.format < "1.5.0") {
      const token = await account.createMagicURLSession(sdk.ID.unique(), email, "http://localhost:5173/magic");
      expect(token.userId).toBe(user.$id);
    }

    const mine = [sdk.Permission.read(sdk.Role.user(user.$id)), sdk.Permission.update(sdk.Role.user(user.$id)), sdk.Permission.delete(sdk.Role.user(user.$id))];
    const q = sdk.Query;
    let listed: any;
    let created: any;
    if (v.tables) {
      const tables = new sdk.TablesDB(client);
      created = await tables.createRow(DB, BOOKS, sdk.ID.unique(), { title: "first", n: 1, owner: user.$id, author: authorId }, mine);
      await tables.createRow(DB, BOOKS, sdk.ID.unique(), { title: "second", n: 2, owner: user.$id }, mine);
      const updated = await tables.updateRow(DB, BOOKS, created.$id, { n: 10 });
      expect(updated.n).toBe(10);
      listed = await tables.listRows(DB, BOOKS, [q.equal("owner", user.$id), q.orderDesc("n"), q.limit(5)]);
      expect(listed.rows.map((r: any) => r.title)).toEqual(["first", "second"]);
      await tables.deleteRow(DB, BOOKS, created.$id);
      expect((await tables.listRows(DB, BOOKS, [q.equal("owner", [user.$id])])).total).toBe(1);
    } else {
      const databases = new sdk.Databases(client);
      created = await databases.createDocument(DB, BOOKS, sdk.ID.unique(), { title: "first", n: 1, owner: user.$id, author: authorId }, mine);
      await databases.createDocument(DB, BOOKS, sdk.ID.unique(), { title: "second", n: 2, owner: user.$id }, mine);
      const updated = await databases.updateDocument(DB, BOOKS, created.$id, { n: 10 });
      expect(updated.n).toBe(10);
      const queries = [q.equal("owner", user.$id), q.orderDesc("n"), q.limit(5)];
      if (v.stringQueries) expect(queries[1]).toBe('orderDesc("n")');
      listed = await databases.listDocuments(DB, BOOKS, queries);
      expect(listed.documents.map((d: any) => d.title)).toEqual(["first", "second"]);
      await databases.deleteDocument(DB, BOOKS, created.$id);
      expect((await databases.listDocuments(DB, BOOKS, [q.equal("owner", [user.$id])])).total).toBe(1);
    }
    const first = (listed.rows ?? listed.documents)[0];
    // `$sequence` was a number before 1.9; related documents came without asking before 1.8.
    expect(typeof first.$sequence).toBe(v.format < "1.9.0" ? "number" : "string");
    if (v.format < "1.8.0") expect(first.author).toMatchObject({ $id: authorId, name: "Ada" });
    else expect(first.author?.name).toBeUndefined();

    // 1.3 executions took `data` and answered `statusCode`/`response` (web SDKs for 1.0–1.3).
    if (v.format < "1.4.0") {
      const execution = await new sdk.Functions(client).createExecution(HELLO_FN, "from 1.0");
      expect(execution).toMatchObject({ status: "completed", statusCode: 200 });
      expect(JSON.parse(execution.response).bodyText).toBe("from 1.0");
      expect(execution).not.toHaveProperty("responseBody");
    }

    const bytes = sixMiB();
    const file = await new sdk.Storage(client).createFile(BUCKET, sdk.ID.unique(), new File([bytes], "big.bin"), mine);
    expect(file).toMatchObject({ sizeOriginal: bytes.length, chunksTotal: 2, chunksUploaded: 2 });
    expect(md5(await download(file.$id))).toBe(md5(bytes));

    const channel = v.tables ? `databases.${DB}.tables.${BOOKS}.rows` : `databases.${DB}.collections.${BOOKS}.documents`;
    const received: any[] = [];
    const unsubscribe = client.subscribe(channel, (e: any) => received.push(e));
    const write = () => v.tables
      ? new sdk.TablesDB(client).createRow(DB, BOOKS, sdk.ID.unique(), { title: "live", owner: user.$id }, mine)
      : new sdk.Databases(client).createDocument(DB, BOOKS, sdk.ID.unique(), { title: "live", owner: user.$id }, mine);
    const event = await firstEvent(received, write);
    expect(event.channels).toContain(channel);
    expect(event.payload).toMatchObject({ title: "live", owner: user.$id });
    expect(event.events.some((e: string) => e.endsWith(".create"))).toBe(true);
    unsubscribe();
    (client as any).realtime?.socket?.close();
  });
});

interface NodeCase {
  pkg: string;
  format: string;
  stringQueries: boolean;
  /** node-appwrite@11 (1.4) has no session endpoints for servers. */
  sessions: boolean;
}

const NODE: NodeCase[] = [
  { pkg: "node-appwrite-11", format: "1.4.0", stringQueries: true, sessions: false },
  { pkg: "node-appwrite-14", format: "1.6.0", stringQueries: false, sessions: true },
  { pkg: "node-appwrite-17", format: "1.7.0", stringQueries: false, sessions: true },
];

describe.each(NODE)("server SDK $pkg (response format $format)", (v) => {
  it("creates and signs in a user, writes and lists documents, uploads 6 MiB in chunks, keeps variables readable", async () => {
    const sdk = require(v.pkg);
    const InputFile = v.pkg === "node-appwrite-11" ? sdk.InputFile : require(`${v.pkg}/file`).InputFile;
    const server = new sdk.Client().setEndpoint(endpoint).setProject(project.projectId).setKey(project.key);
    expect(server.headers["X-Appwrite-Response-Format"]).toBe(v.format);

    const email = `${uniq()}@example.com`;
    const user = await new sdk.Users(server).create(sdk.ID.unique(), email, undefined, "versions-pass-1", "Server made");
    expect(user.email).toBe(email);
    // Users gained `targets` and `mfa` in 1.5.
    if (v.format < "1.5.0") expect(user).not.toHaveProperty("mfa");
    else expect(user).toHaveProperty("mfa", false);
    if (v.sessions) {
      const session = await new sdk.Account(server).createEmailPasswordSession(email, "versions-pass-1");
      expect(session.secret).not.toBe("");
      const asUser = new sdk.Client().setEndpoint(endpoint).setProject(project.projectId).setSession(session.secret);
      expect((await new sdk.Account(asUser).get()).$id).toBe(user.$id);
    }

    const databases = new sdk.Databases(server);
    const owner = user.$id;
    const a = await databases.createDocument(DB, BOOKS, sdk.ID.unique(), { title: "a", n: 1, owner, author: authorId });
    await databases.createDocument(DB, BOOKS, sdk.ID.unique(), { title: "b", n: 2, owner });
    expect((await databases.updateDocument(DB, BOOKS, a.$id, { n: 5 })).n).toBe(5);
    const queries = [sdk.Query.equal("owner", owner), sdk.Query.orderAsc("n"), sdk.Query.limit(10)];
    if (v.stringQueries) expect(queries[0]).toBe(`equal("owner", ["${owner}"])`);
    const listed = await databases.listDocuments(DB, BOOKS, queries);
    expect(listed.documents.map((d: any) => d.title)).toEqual(["b", "a"]);
    expect(typeof listed.documents[0].$sequence).toBe("number");
    if (v.format < "1.8.0") expect(listed.documents[1].author).toMatchObject({ $id: authorId, name: "Ada" });
    await databases.deleteDocument(DB, BOOKS, a.$id);
    expect((await databases.listDocuments(DB, BOOKS, [sdk.Query.equal("owner", owner)])).total).toBe(1);

    const bytes = sixMiB();
    const file = await new sdk.Storage(server).createFile(BUCKET, sdk.ID.unique(), InputFile.fromBuffer(bytes, "big.bin"));
    expect(file).toMatchObject({ sizeOriginal: bytes.length, chunksTotal: 2, chunksUploaded: 2 });
    expect(md5(await download(file.$id))).toBe(md5(bytes));

    // Before 1.7 variables had no `secret` flag (they stay readable); since then they are secret unless
    // asked otherwise. Before 1.9.4 they had no custom ID.
    const functions = new sdk.Functions(server);
    const fn = await functions.create(sdk.ID.unique(), "versions", "node-18.0");
    const variable = await functions.createVariable(fn.$id, "GREETING", "hello");
    expect(variable.key).toBe("GREETING");
    if (v.format < "1.7.0") {
      expect(variable).not.toHaveProperty("secret");
      expect((await functions.getVariable(fn.$id, variable.$id)).value).toBe("hello");
    } else {
      expect(variable).toMatchObject({ secret: true, value: "" });
    }
    if (v.pkg === "node-appwrite-14") {
      // 1.6 activated a deployment with PATCH /functions/:id/deployments/:deploymentId; functions said `deployment`.
      const d = await deployHello(fn.$id, false);
      const activated = await functions.updateDeployment(fn.$id, d.$id);
      expect(activated.deployment).toBe(d.$id);
      expect(activated).not.toHaveProperty("deploymentId");
      const execution = await functions.createExecution(fn.$id, "from 1.6");
      expect(execution).toMatchObject({ status: "completed", responseStatusCode: 200 });
      expect(JSON.parse(execution.responseBody).bodyText).toBe("from 1.6");
    }
    await functions.delete(fn.$id);
  });
});

describe("the response format on the wire", () => {
  it("1.4 string queries only with an old format; related documents for 1.7 unless selected; newer clients warned", async () => {
    const headers = { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key };
    const newer = await raw("GET", "/health/version", { headers: { ...headers, "x-appwrite-response-format": "2.0.0" } });
    expect(newer.headers.get("x-appwrite-warning")).toContain("The current SDK is built for Appwrite 2.0.0");
    const docs = `/databases/${DB}/collections/${BOOKS}/documents?queries[]=${encodeURIComponent('orderDesc("n")')}`;
    const today = await raw("GET", docs, { headers });
    expect([today.status, today.body.type]).toEqual([400, "general_query_invalid"]);
    const old = await raw("GET", docs, { headers: { ...headers, "x-appwrite-response-format": "1.4.0" } });
    expect(old.status).toBe(200);
    expect(old.headers.get("x-appwrite-warning")).toBeNull();
    const bad = await raw("GET", `/databases/${DB}/collections/${BOOKS}/documents?queries[]=${encodeURIComponent("limit")}`, {
      headers: { ...headers, "x-appwrite-response-format": "1.4.0" },
    });
    expect([bad.status, bad.body.type]).toEqual([400, "general_query_invalid"]);
    // 1.7 clients get related documents unless they select otherwise.
    await new Databases(project.server()).createDocument({ databaseId: DB, collectionId: BOOKS, documentId: ID.unique(), data: { title: "wire", author: authorId } });
    const v17 = { ...headers, "x-appwrite-response-format": "1.7.0" };
    const select = [{ method: "equal", attribute: "title", values: ["wire"] }, { method: "select", values: ["title"] }];
    const qs = select.map((q) => `queries[]=${encodeURIComponent(JSON.stringify(q))}`).join("&");
    const selected = await raw("GET", `/databases/${DB}/collections/${BOOKS}/documents?${qs}`, { headers: v17 });
    expect(selected.body.documents).toHaveLength(1);
    expect(selected.body.documents[0]).toHaveProperty("title", "wire");
    expect(selected.body.documents[0]).not.toHaveProperty("author");
    const all = await raw("GET", `/databases/${DB}/collections/${BOOKS}/documents?${qs.split("&")[0]}`, { headers: v17 });
    expect(all.body.documents[0].author).toMatchObject({ $id: authorId, name: "Ada" });
  });

  it("functions in the 1.4, 1.5 and 1.8 shapes (Appwrite's FunctionsCustomServerTest)", async () => {
    const headers = (format: string) => ({ "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "x-appwrite-response-format": format });
    const created = await raw("POST", "/functions", {
      headers: headers("1.5.0"), body: JSON.stringify({ functionId: "unique()", name: "Formats", runtime: "node-22", entrypoint: "index.js", timeout: 15 }),
    });
    expect(created.status).toBe(201);
    for (const key of ["scopes", "specification", "buildSpecification", "runtimeSpecification"]) expect(created.body).not.toHaveProperty(key);
    const v18 = await raw("GET", `/functions/${created.body.$id}`, { headers: headers("1.8.0") });
    expect(v18.body).toHaveProperty("scopes");
    expect(v18.body).toHaveProperty("specification");
    expect(v18.body).not.toHaveProperty("buildSpecification");
    const listed = await raw("GET", `/functions?queries[]=${encodeURIComponent('equal("name", ["Formats"])')}`, { headers: headers("1.4.0") });
    expect(listed.body.functions.map((f: any) => f.$id)).toEqual([created.body.$id]);
    await raw("DELETE", `/functions/${created.body.$id}`, { headers: headers("1.9.6") });
  });

  it("memberships without `mfa` before 1.5 and without `userPhone` before 1.9.2", async () => {
    const server = project.server();
    const team = await new Teams(server).create({ teamId: ID.unique(), name: "Formats" });
    const member = await new Users(server).create({ userId: ID.unique(), email: `${uniq()}@example.com`, phone: "+15550001111" });
    const headers = (format?: string) => ({
      "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": project.key,
      ...(format ? { "x-appwrite-response-format": format } : {}),
    });
    const added = await raw("POST", `/teams/${team.$id}/memberships`, { headers: headers("1.4.0"), body: JSON.stringify({ userId: member.$id, roles: ["player"] }) });
    expect(added.status).toBe(201);
    expect(added.body).not.toHaveProperty("mfa");
    expect(added.body).not.toHaveProperty("userPhone");
    const path = `/teams/${team.$id}/memberships`;
    const v191 = await raw("GET", path, { headers: headers("1.9.1") });
    expect(v191.body.memberships[0]).toHaveProperty("mfa", false);
    expect(v191.body.memberships[0]).not.toHaveProperty("userPhone");
    expect((await raw("GET", path, { headers: headers() })).body.memberships[0]).toHaveProperty("userPhone", "+15550001111");
  });

  it("node-appwrite 27 (format 1.9.5) sees rows and users as they are today", async () => {
    const server = project.server();
    const row = await new TablesDB(server).createRow({ databaseId: DB, tableId: BOOKS, rowId: ID.unique(), data: { title: "today" } });
    expect(typeof row.$sequence).toBe("string");
    const listed = await new TablesDB(server).listRows({ databaseId: DB, tableId: BOOKS, queries: [Query.equal("title", "today")] });
    expect(listed.rows[0]).not.toHaveProperty("author.name");
    const user = await new Users(server).create({ userId: ID.unique(), email: `${uniq()}@example.com`, password: "versions-pass-1" });
    expect(user).toHaveProperty("targets");
    expect(new Client().headers["X-Appwrite-Response-Format"]).toBe("1.9.5");
  });
});
