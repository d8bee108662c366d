import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Account, AppwriteException, Client, Functions, Permission, Query, RelationshipType, Role, Storage, TablesDB, Users } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { adminKey, consoleCall, createProject, endpoint, raw, until, type TestProject } from "./harness";
import { HELLO, tarGz } from "./fixtures/functions";

/**
 * Data databases (docs/SCALING.md, src/db/shards.ts): the control database `DB` and data databases `DB_1`, `DB_2`
 * (wrangler.toml). Two projects placed on different data databases each work end to end, never see each other's
 * data, and deleting one leaves the other intact.
 */
const admin = { "x-appwrite-project": "console", "x-appwrite-key": adminKey };
const placement = async (projectId: string) => (await raw("GET", `/edgewrite/shards/projects/${projectId}`, { headers: admin })).body as { database: string; moving: boolean };
const err = (p: Promise<unknown>) => p.then(() => null, (e: AppwriteException) => e);

interface Setup {
  project: TestProject;
  database: string;
  user: { id: string; secret: string };
  fileId: string;
}
const made: Setup[] = [];
const sockets: WebSocket[] = [];

/** Projects until one lands on a data database other than `not` (placement keeps counts within one of each other). */
async function projectOn(not: string | null): Promise<TestProject> {
  for (let i = 0; i < 20; i++) {
    const p = await createProject("shards");
    if (not === null || (await placement(p.projectId)).database !== not) return p;
    expect((await consoleCall("DELETE", `/projects/${p.projectId}`)).status).toBe(204);
  }
  throw new Error(`no project placed off ${not}`);
}

/** The same ids in both projects, different contents: database `shop`, table `items`, row `r1`, file `f1`. */
async function populate(project: TestProject, label: string): Promise<Setup> {
  const server = project.server();
  const users = new Users(server);
  await users.create({ userId: "u1", email: `u1-${label}@example.com`, password: "password-1234", name: label });
  const session = await users.createSession({ userId: "u1" });
  const tables = new TablesDB(server);
  await tables.create({ databaseId: "shop", name: "Shop" });
  await tables.createTable({ databaseId: "shop", tableId: "items", name: "Items", rowSecurity: true });
  await tables.createStringColumn({ databaseId: "shop", tableId: "items", key: "label", size: 64, required: true });
  await until("column available", () => tables.getColumn({ databaseId: "shop", tableId: "items", key: "label" }), (c) => (c as { status: string }).status === "available");
  await tables.createRow({ databaseId: "shop", tableId: "items", rowId: "r1", data: { label }, permissions: [Permission.read(Role.user("u1"))] });
  await tables.createRow({ databaseId: "shop", tableId: "items", rowId: "hidden", data: { label: `${label}-hidden` }, permissions: [] });
  const storage = new Storage(server);
  await storage.createBucket({ bucketId: "media", name: "Media", permissions: [Permission.read(Role.any())] });
  await storage.createFile({ bucketId: "media", fileId: "f1", file: InputFile.fromBuffer(Buffer.from(`file of ${label}`), "f1.txt") });
  return { project, database: (await placement(project.projectId)).database, user: { id: "u1", secret: session.secret }, fileId: "f1" };
}

const userClient = (s: Setup) => new Client().setEndpoint(endpoint).setProject(s.project.projectId).setSession(s.user.secret);

beforeAll(async () => {
  const a = await projectOn(null);
  const b = await projectOn((await placement(a.projectId)).database);
  made.push(await populate(a, "alpha"), await populate(b, "beta"));
}, 120_000);
afterAll(() => sockets.forEach((s) => s.close()));

describe("placement on data databases", () => {
  it("places new projects on the data databases DB_1 and DB_2, listed with their project counts (ADMIN_KEY only)", async () => {
    const [a, b] = made as [Setup, Setup];
    expect([a.database, b.database].sort()).toEqual(["DB_1", "DB_2"]);
    const list = await raw("GET", "/edgewrite/shards", { headers: admin });
    expect(list.status).toBe(200);
    const byName = Object.fromEntries((list.body.databases as { name: string; projects: number; openForNew: boolean; control: boolean }[]).map((d) => [d.name, d]));
    expect(Object.keys(byName)).toEqual(["DB", "DB_1", "DB_2"]);
    expect(byName.DB).toMatchObject({ control: true, openForNew: false });
    for (const n of ["DB_1", "DB_2"]) expect(byName[n]).toMatchObject({ control: false, openForNew: true, projects: expect.any(Number) });
    expect(byName.DB_1!.projects).toBeGreaterThanOrEqual(1);
    expect(byName.DB_2!.projects).toBeGreaterThanOrEqual(1);
    expect(Math.abs(byName.DB_1!.projects - byName.DB_2!.projects)).toBeLessThanOrEqual(1); // fewest-first placement
    // A project's own full-scope key is no deployment admin.
    const asKey = await raw("GET", "/edgewrite/shards", { headers: { "x-appwrite-project": a.project.projectId, "x-appwrite-key": a.project.key } });
    expect(asKey.status).toBe(401);
    expect(["user_unauthorized", "general_unauthorized_scope"]).toContain(asKey.body.type);
  });

  it("serves each project end to end from its own database: session, rows with permissions, a file, a function, realtime", async () => {
    for (const s of made) {
      const label = s.project.projectId === made[0]!.project.projectId ? "alpha" : "beta";
      // Session → account, and a row only that user may read.
      expect((await new Account(userClient(s)).get()).name).toBe(label);
      const asUser = new TablesDB(userClient(s));
      expect((await asUser.getRow({ databaseId: "shop", tableId: "items", rowId: "r1" })).label).toBe(label);
      expect((await asUser.listRows({ databaseId: "shop", tableId: "items" })).rows.map((r) => r.$id)).toEqual(["r1"]);
      expect((await err(new TablesDB(s.project.guest()).getRow({ databaseId: "shop", tableId: "items", rowId: "r1" })))?.type).toBe("row_not_found");
      // The file's bytes.
      const file = await new Storage(s.project.guest()).getFileDownload({ bucketId: "media", fileId: s.fileId });
      expect(Buffer.from(file).toString()).toBe(`file of ${label}`);
      // Realtime: the user's socket gets the row event of its project.
      const ws = new WebSocket(`${endpoint.replace(/^http/, "ws")}/realtime?project=${s.project.projectId}&channels[]=tablesdb.shop.tables.items.rows`, { headers: { "x-appwrite-session": s.user.secret } });
      sockets.push(ws);
      const frames: { type: string; data: { events?: string[]; payload?: { label?: string } } }[] = [];
      ws.on("message", (m) => frames.push(JSON.parse(m.toString())));
      await new Promise((res, rej) => (ws.once("open", res), ws.once("error", rej)));
      await until("connected", async () => frames.some((f) => f.type === "connected"), Boolean);
      await new TablesDB(s.project.server()).createRow({ databaseId: "shop", tableId: "items", rowId: "live", data: { label: `${label}-live` }, permissions: [Permission.read(Role.user("u1"))] });
      const ev = await until("row event", async () => frames.find((f) => f.type === "event"), Boolean, 15_000);
      expect(ev!.data.payload?.label).toBe(`${label}-live`);
      ws.close();
    }
    // A function runs on its project's data (sync, and async through the executions queue).
    const s = made[1]!;
    const functions = new Functions(s.project.server());
    const fn = await functions.create({ functionId: "hello", name: "hello", runtime: "node-22" as never, execute: ["any"] });
    const d = await functions.createDeployment({ functionId: fn.$id, code: InputFile.fromBuffer(await tarGz(HELLO), "code.tar.gz"), activate: true, entrypoint: "index.js" });
    expect((await until("build", () => functions.getDeployment({ functionId: fn.$id, deploymentId: d.$id }), (x) => x.status === "ready" || x.status === "failed")).status).toBe("ready");
    const run = await functions.createExecution({ functionId: fn.$id, body: "" });
    expect(run.status).toBe("completed");
    expect(JSON.parse(run.responseBody).env.project).toBe(s.project.projectId);
    const queued = await functions.createExecution({ functionId: fn.$id, body: "", async: true });
    expect((await until("async execution", () => functions.getExecution({ functionId: fn.$id, executionId: queued.$id }), (x) => x.status === "completed" || x.status === "failed")).status).toBe("completed");
  }, 120_000);

  it("keeps projects apart: the same ids read each project's own data; sessions and keys do not cross", async () => {
    const [a, b] = made as [Setup, Setup];
    expect((await new TablesDB(a.project.server()).getRow({ databaseId: "shop", tableId: "items", rowId: "hidden" })).label).toBe("alpha-hidden");
    expect((await new TablesDB(b.project.server()).getRow({ databaseId: "shop", tableId: "items", rowId: "hidden" })).label).toBe("beta-hidden");
    // A's session and A's key against B.
    const crossSession = new Client().setEndpoint(endpoint).setProject(b.project.projectId).setSession(a.user.secret);
    expect((await err(new Account(crossSession).get()))?.code).toBe(401);
    const crossKey = new Client().setEndpoint(endpoint).setProject(b.project.projectId).setKey(a.project.key);
    expect((await err(new TablesDB(crossKey).getRow({ databaseId: "shop", tableId: "items", rowId: "r1" })))?.type).toBe("user_unauthorized");
    // Users: each project lists only its own.
    expect((await new Users(a.project.server()).list()).users.map((u) => u.name)).toEqual(["alpha"]);
    expect((await new Users(b.project.server()).list()).users.map((u) => u.name)).toEqual(["beta"]);
  });

  it("deleting one project removes its data and leaves the other intact", async () => {
    const [a, b] = made as [Setup, Setup];
    const gone = (await raw("GET", `/edgewrite/shards/projects/${a.project.projectId}?rows=true`, { headers: admin })).body as { rows: Record<string, number> };
    const keep = (await raw("GET", `/edgewrite/shards/projects/${b.project.projectId}?rows=true`, { headers: admin })).body as { rows: Record<string, number> };
    expect((await consoleCall("DELETE", `/projects/${a.project.projectId}`)).status).toBe(204);
    expect((await raw("GET", `/edgewrite/shards/projects/${a.project.projectId}`, { headers: admin })).status).toBe(404);
    expect(gone.rows[a.database], "rows counted before the delete").toBeGreaterThan(10);
    const objects = await raw("GET", `/_edgewrite/test/storage/${a.project.projectId}/objects`, { headers: admin });
    expect(objects.body.keys).toEqual([]);
    // B: its row, its file, its user's session.
    expect((await new TablesDB(userClient(b)).getRow({ databaseId: "shop", tableId: "items", rowId: "r1" })).label).toBe("beta");
    expect(Buffer.from(await new Storage(b.project.guest()).getFileDownload({ bucketId: "media", fileId: "f1" })).toString()).toBe("file of beta");
    expect((await new Account(userClient(b)).get()).name).toBe("beta");
    // None of B's rows went (its usage counters may have added some meanwhile).
    const now = (await raw("GET", `/edgewrite/shards/projects/${b.project.projectId}?rows=true`, { headers: admin })).body.rows as Record<string, number>;
    for (const [name, n] of Object.entries(keep.rows)) expect(now[name], name).toBeGreaterThanOrEqual(n);
    expect(now[b.database]).toBeGreaterThan(10);
  });
});

describe("moving a project between data databases", () => {
  it("copies every row, file reference, permission, relationship and user; reads are served and writes refused meanwhile; nothing stays behind", async () => {
    const project = await createProject("shards-move");
    const server = project.server();
    const users = new Users(server);
    await users.create({ userId: "mover", email: "mover@example.com", password: "password-1234", name: "Mover" });
    const session = await users.createSession({ userId: "mover" });
    const tables = new TablesDB(server);
    await tables.create({ databaseId: "lib", name: "Library" });
    const cols = [{ key: "name", type: "varchar", size: 100, required: false }];
    await tables.createTable({ databaseId: "lib", tableId: "authors", name: "Authors", rowSecurity: true, columns: cols as never });
    await tables.createTable({ databaseId: "lib", tableId: "books", name: "Books", rowSecurity: true, columns: cols as never });
    await tables.createRelationshipColumn({ databaseId: "lib", tableId: "books", relatedTableId: "authors", type: RelationshipType.ManyToOne, key: "author", twoWay: true, twoWayKey: "books" });
    await until("relationship available", () => tables.getColumn({ databaseId: "lib", tableId: "books", key: "author" }), (c) => (c as { status: string }).status === "available");
    await tables.createIndex({ databaseId: "lib", tableId: "books", key: "name_fts", type: "fulltext" as never, columns: ["name"] });
    await until("index available", () => tables.getIndex({ databaseId: "lib", tableId: "books", key: "name_fts" }), (i) => (i as { status: string }).status === "available");
    const mine = [Permission.read(Role.user("mover"))];
    await tables.createRow({ databaseId: "lib", tableId: "authors", rowId: "tolkien", data: { name: "Tolkien" }, permissions: mine });
    for (let i = 0; i < 30; i++) await tables.createRow({ databaseId: "lib", tableId: "books", rowId: `b${i}`, data: { name: `Book number ${i}`, author: "tolkien" }, permissions: i % 2 ? mine : [] });
    const storage = new Storage(server);
    await storage.createBucket({ bucketId: "media", name: "Media", fileSecurity: true });
    await storage.createFile({ bucketId: "media", fileId: "cover", file: InputFile.fromBuffer(Buffer.from("the cover"), "cover.txt"), permissions: mine });
    const asUser = () => new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(session.secret);
    const before = await placement(project.projectId);
    const target = before.database === "DB_1" ? "DB_2" : "DB_1";
    // A socket opened before the move keeps receiving the project's events after it.
    const ws = new WebSocket(`${endpoint.replace(/^http/, "ws")}/realtime?project=${project.projectId}&channels[]=tablesdb.lib.tables.books.rows`, { headers: { "x-appwrite-session": session.secret } });
    sockets.push(ws);
    const frames: { type: string; data: { payload?: { $id?: string } } }[] = [];
    ws.on("message", (m) => frames.push(JSON.parse(m.toString())));
    await new Promise((res, rej) => (ws.once("open", res), ws.once("error", rej)));

    const started = await raw("POST", "/edgewrite/shards/moves", { headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ projectId: project.projectId, database: target }) });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ projectId: project.projectId, source: before.database, target, status: "settling" });
    // A second move of the same project is refused while this one runs; so is a move to where it already is.
    const again = await raw("POST", "/edgewrite/shards/moves", { headers: { ...admin, "content-type": "application/json" }, body: JSON.stringify({ projectId: project.projectId, database: target }) });
    expect(again.body.type).toBe("general_resource_locked");
    // During the move: reads are served, writes refused with Appwrite's service-disabled error.
    expect((await placement(project.projectId)).moving).toBe(true);
    expect((await new TablesDB(asUser()).getRow({ databaseId: "lib", tableId: "authors", rowId: "tolkien" })).name).toBe("Tolkien");
    const refused = await err(tables.createRow({ databaseId: "lib", tableId: "books", rowId: "during", data: { name: "During" } }));
    expect(refused?.code).toBe(403);
    expect(refused?.type).toBe("general_service_disabled");
    expect(refused?.message).toMatch(/being moved/);
    expect((await err(new Account(asUser()).updateName({ name: "x" })))?.type).toBe("general_service_disabled");
    const progress: number[] = [];
    const done = await until("move done", async () => {
      const m = (await raw("GET", `/edgewrite/shards/moves/${started.body.$id}`, { headers: admin })).body;
      if (m.status === "copying") progress.push(m.rowsCopied);
      return m;
    }, (m) => m.status === "done" || m.status === "failed", 60_000, 100);
    expect(done.error).toBe("");
    expect(done.status).toBe("done");
    expect(done.rowsTotal).toBeGreaterThan(40);
    expect(done.rowsCopied).toBe(done.rowsTotal);

    // On the target: placement, every row with its permissions and relationship, the full-text index, the file, the user.
    expect(await placement(project.projectId)).toMatchObject({ database: target, moving: false });
    const counts = (await raw("GET", `/edgewrite/shards/projects/${project.projectId}?rows=true`, { headers: admin })).body.rows as Record<string, number>;
    for (const [name, n] of Object.entries(counts)) if (name !== target) expect(n, `rows left on ${name}`).toBe(0);
    expect(counts[target]).toBe(done.rowsTotal);
    expect((await tables.listRows({ databaseId: "lib", tableId: "books", queries: [Query.limit(100)] })).total).toBe(30);
    const user = new TablesDB(asUser());
    expect((await user.listRows({ databaseId: "lib", tableId: "books", queries: [Query.limit(100)] })).rows.map((r) => r.$id).sort()).toEqual(
      Array.from({ length: 15 }, (_, i) => `b${2 * i + 1}`).sort(),
    );
    // The relationship from both sides; through it too the user sees only the books it may read.
    const ids = async (c: TablesDB) => ((await c.getRow({ databaseId: "lib", tableId: "authors", rowId: "tolkien", queries: [Query.select(["name", "books.$id"])] })).books as { $id: string }[]).map((b) => b.$id).sort();
    expect(await ids(tables)).toEqual(Array.from({ length: 30 }, (_, i) => `b${i}`).sort());
    expect(await ids(user)).toEqual(Array.from({ length: 15 }, (_, i) => `b${2 * i + 1}`).sort());
    expect((await tables.getRow({ databaseId: "lib", tableId: "books", rowId: "b3", queries: [Query.select(["name", "author.name"])] })).author).toMatchObject({ name: "Tolkien" });
    expect((await tables.listRows({ databaseId: "lib", tableId: "books", queries: [Query.search("name", "number"), Query.limit(100)] })).total).toBe(30);
    expect(Buffer.from(await new Storage(asUser()).getFileDownload({ bucketId: "media", fileId: "cover" })).toString()).toBe("the cover");
    expect((await err(new Storage(project.guest()).getFileDownload({ bucketId: "media", fileId: "cover" })))?.code).toBe(404);
    expect((await new Account(asUser()).get()).name).toBe("Mover");
    // Writes are accepted again, and their events reach the socket opened before the move.
    await tables.createRow({ databaseId: "lib", tableId: "books", rowId: "after", data: { name: "After the move", author: "tolkien" }, permissions: mine });
    expect((await new Account(asUser()).updateName({ name: "Moved" })).name).toBe("Moved");
    await until("event after the move", async () => frames.some((f) => f.type === "event" && f.data.payload?.$id === "after"), Boolean, 15_000);
    expect((await tables.listRows({ databaseId: "lib", tableId: "books", queries: [Query.search("name", "move")] })).rows.map((r) => r.$id)).toEqual(["after"]);
  }, 180_000);
});
