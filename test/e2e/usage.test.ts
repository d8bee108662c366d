import { beforeAll, describe, expect, it } from "vitest";
import { Functions, ID, Storage, TablesDB, Users } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { adminKey, consoleCall, createProject, raw, until, type TestProject } from "./harness";
import { HELLO, tarGz } from "./fixtures/functions";

/**
 * Usage figures as the console reads them (node-appwrite 27 has no usage methods: Appwrite marks these routes
 * console-only, so they are called raw with the console SDK's paths and params). The server flushes its
 * per-isolate counters every 200 ms here (USAGE_FLUSH_MS in global-setup.ts) instead of every minute.
 */
let project: TestProject;
let functionId: string;
const FILE = new Uint8Array(4321).fill(7);

async function usage(path: string, key = project.key, projectId = project.projectId) {
  return raw("GET", path, { headers: { "x-appwrite-project": projectId, "x-appwrite-key": key } });
}
const ok = async (path: string, key?: string) => {
  const r = await usage(path, key);
  expect(r.status, r.text).toBe(200);
  return r.body;
};
const total = (series: { value: number }[]) => series.reduce((n, m) => n + m.value, 0);
const DAY = 86_400_000;
const projectUsage = (key = adminKey) => {
  const now = Date.now();
  return ok(`/project/usage?startDate=${new Date(now - 7 * DAY).toISOString()}&endDate=${new Date(now + DAY).toISOString()}`, key);
};

beforeAll(async () => {
  project = await createProject("usage");
  const users = new Users(project.server());
  const u = await users.create({ userId: ID.unique(), email: "usage1@example.com", password: "password-123" });
  await users.create({ userId: ID.unique(), email: "usage2@example.com" });
  await users.createSession({ userId: u.$id });

  const tdb = new TablesDB(project.server());
  await tdb.create({ databaseId: "shop", name: "Shop" });
  await tdb.createTable({ databaseId: "shop", tableId: "items", name: "Items" });
  await tdb.createStringColumn({ databaseId: "shop", tableId: "items", key: "name", size: 50, required: false });
  await tdb.createTable({ databaseId: "shop", tableId: "empty", name: "Empty" });
  for (const name of ["a", "b", "c"]) await tdb.createRow({ databaseId: "shop", tableId: "items", rowId: ID.unique(), data: { name } });

  const storage = new Storage(project.server());
  await storage.createBucket({ bucketId: "usage", name: "Named usage" }); // a bucket whose id is a route's word
  await storage.createFile({ bucketId: "usage", fileId: ID.unique(), file: InputFile.fromBuffer(FILE, "f.bin") });

  const functions = new Functions(project.server());
  const fn = await functions.create({ functionId: ID.unique(), name: "hello", runtime: "node-22" as never, execute: ["any"] });
  functionId = fn.$id;
  const created = await functions.createDeployment({ functionId, code: InputFile.fromBuffer(await tarGz(HELLO), "code.tar.gz"), activate: true, entrypoint: "index.js" });
  await until("build", () => functions.getDeployment({ functionId, deploymentId: created.$id }), (d) => d.status === "ready" || d.status === "failed");
  await until("active", () => functions.get({ functionId }), (f) => f.deploymentId === created.$id);
  for (let i = 0; i < 2; i++) expect((await functions.createExecution({ functionId, path: "/" })).status).toBe("completed");
}, 120_000);

// Field names of Appwrite 1.9.6's models (src/Appwrite/Utopia/Response/Model/Usage*.php), in their order.
const MODELS = {
  users: "range usersTotal sessionsTotal users sessions",
  databases: "range databasesTotal collectionsTotal tablesTotal documentsTotal rowsTotal storageTotal databasesReadsTotal databasesWritesTotal databases collections tables documents rows storage databasesReads databasesWrites",
  database: "range collectionsTotal tablesTotal documentsTotal rowsTotal storageTotal databaseReadsTotal databaseWritesTotal collections tables documents rows storage databaseReads databaseWrites",
  table: "range rowsTotal rows",
  collection: "range documentsTotal documents",
  storage: "range bucketsTotal filesTotal filesStorageTotal buckets files storage",
  buckets: "range filesTotal filesStorageTotal files storage imageTransformations imageTransformationsTotal",
  functions: "range functionsTotal deploymentsTotal deploymentsStorageTotal buildsTotal buildsStorageTotal buildsTimeTotal buildsMbSecondsTotal executionsTotal executionsTimeTotal executionsMbSecondsTotal functions deployments deploymentsStorage buildsSuccessTotal buildsFailedTotal builds buildsStorage buildsTime buildsMbSeconds executions executionsTime executionsMbSeconds buildsSuccess buildsFailed",
  function: "range deploymentsTotal deploymentsStorageTotal buildsTotal buildsSuccessTotal buildsFailedTotal buildsStorageTotal buildsTimeTotal buildsTimeAverage buildsMbSecondsTotal executionsTotal executionsTimeTotal executionsMbSecondsTotal deployments deploymentsStorage builds buildsStorage buildsTime buildsMbSeconds executions executionsTime executionsMbSeconds buildsSuccess buildsFailed",
  project: "executionsTotal documentsTotal documentsdbDocumentsTotal rowsTotal databasesTotal documentsdbTotal databasesStorageTotal documentsdbDatabasesStorageTotal usersTotal filesStorageTotal functionsStorageTotal buildsStorageTotal deploymentsStorageTotal bucketsTotal executionsMbSecondsTotal buildsMbSecondsTotal databasesReadsTotal databasesWritesTotal documentsdbDatabasesReadsTotal documentsdbDatabasesWritesTotal requests network users executions executionsBreakdown bucketsBreakdown databasesStorageBreakdown executionsMbSecondsBreakdown buildsMbSecondsBreakdown functionsStorageBreakdown authPhoneTotal authPhoneEstimate authPhoneCountryBreakdown databasesReads databasesWrites documentsdbDatabasesReads documentsdbDatabasesWrites documentsdbDatabasesStorage imageTransformations imageTransformationsTotal vectorsdbDatabasesTotal vectorsdbCollectionsTotal vectorsdbDocumentsTotal vectorsdbDatabasesStorageTotal vectorsdbDatabasesReadsTotal vectorsdbDatabasesWritesTotal vectorsdbDatabases vectorsdbCollections vectorsdbDocuments vectorsdbDatabasesStorage vectorsdbDatabasesReads vectorsdbDatabasesWrites embeddingsText embeddingsTextTokens embeddingsTextDuration embeddingsTextErrors embeddingsTextTotal embeddingsTextTokensTotal embeddingsTextDurationTotal embeddingsTextErrorsTotal",
};
const fields = (m: keyof typeof MODELS) => MODELS[m].split(" ");

describe("usage of stock: users, rows, files, functions", () => {
  it("counts users and sessions, today's bucket holding what was created", async () => {
    const u = await ok("/users/usage?range=24h");
    expect(Object.keys(u)).toEqual(fields("users"));
    expect(u).toMatchObject({ range: "24h", usersTotal: 2, sessionsTotal: 1 });
    expect(total(u.users)).toBe(2);
    expect(total(u.sessions)).toBe(1);
  });

  it("counts databases, tables and rows on TablesDB and the legacy Databases paths", async () => {
    const all = await ok("/tablesdb/usage");
    expect(Object.keys(all)).toEqual(fields("databases"));
    expect(all).toMatchObject({ range: "30d", databasesTotal: 1, tablesTotal: 2, collectionsTotal: 2, rowsTotal: 3, documentsTotal: 3 });
    expect(total(all.rows)).toBe(3);
    expect(await ok("/databases/usage")).toEqual(all);

    const db = await ok("/tablesdb/shop/usage?range=90d");
    expect(Object.keys(db)).toEqual(fields("database"));
    expect(db).toMatchObject({ range: "90d", tablesTotal: 2, rowsTotal: 3 });
    expect(await ok("/databases/shop/usage?range=90d")).toEqual(db);

    const table = await ok("/tablesdb/shop/tables/items/usage");
    expect(table).toEqual({ range: "30d", rowsTotal: 3, rows: expect.any(Array) });
    expect(total(table.rows)).toBe(3);
    const collection = await ok("/databases/shop/collections/items/usage");
    expect(Object.keys(collection)).toEqual(fields("collection"));
    expect(collection).toMatchObject({ documentsTotal: 3, documents: table.rows });
    expect((await ok("/tablesdb/shop/tables/empty/usage")).rowsTotal).toBe(0);

    const missingDb = await usage("/tablesdb/nope/usage");
    expect([missingDb.status, missingDb.body.type]).toEqual([404, "database_not_found"]);
    const missingTable = await usage("/tablesdb/shop/tables/nope/usage");
    expect([missingTable.status, missingTable.body.type]).toEqual([404, "table_not_found"]);
    const missingCollection = await usage("/databases/shop/collections/nope/usage");
    expect([missingCollection.status, missingCollection.body.type]).toEqual([404, "collection_not_found"]);
  });

  it("counts buckets, files and their bytes; a bucket named `usage` is still a bucket", async () => {
    const s = await ok("/storage/usage?range=24h");
    expect(Object.keys(s)).toEqual(fields("storage"));
    expect(s).toMatchObject({ bucketsTotal: 1, filesTotal: 1, filesStorageTotal: FILE.byteLength });
    expect(total(s.storage)).toBe(FILE.byteLength);
    const b = await ok("/storage/usage/usage");
    expect(Object.keys(b)).toEqual(fields("buckets"));
    expect(b).toMatchObject({ filesTotal: 1, filesStorageTotal: FILE.byteLength, imageTransformationsTotal: 0 });
    expect((await ok("/storage/buckets/usage")).$id).toBe("usage");
    const missing = await usage("/storage/nope/usage");
    expect([missing.status, missing.body.type]).toEqual([404, "storage_bucket_not_found"]);
  });

  it("counts functions, deployments and builds, and the executions the recorder flushed", async () => {
    const f = await until("executions flushed", () => ok("/functions/usage?range=24h"), (x) => x.executionsTotal >= 2);
    expect(Object.keys(f)).toEqual(fields("functions"));
    expect(f).toMatchObject({ functionsTotal: 1, deploymentsTotal: 1, buildsTotal: 1, buildsSuccessTotal: 1, buildsFailedTotal: 0, executionsTotal: 2 });
    expect(f.deploymentsStorageTotal).toBeGreaterThan(0);
    expect(total(f.executions)).toBe(2);
    expect(f.executionsMbSecondsTotal).toBeGreaterThanOrEqual(0);
    const one = await ok(`/functions/${functionId}/usage?range=24h`);
    expect(Object.keys(one)).toEqual(fields("function"));
    expect(one).toMatchObject({ deploymentsTotal: 1, buildsTotal: 1, executionsTotal: 2, executionsTimeTotal: f.executionsTimeTotal });
    // A 1.6 client gets the models without the build success/failure figures 1.7 added (Appwrite's V19 filter).
    const old = await raw("GET", `/functions/${functionId}/usage`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "x-appwrite-response-format": "1.6.0" } });
    expect(Object.keys(old.body)).toEqual(fields("function").filter((k) => !["buildsSuccessTotal", "buildsFailedTotal", "buildsTimeAverage", "buildsSuccess", "buildsFailed"].includes(k)));
    const oldList = await raw("GET", "/functions/usage", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "x-appwrite-response-format": "1.6.0" } });
    expect(oldList.body).not.toHaveProperty("buildsSuccessTotal");
    expect(oldList.body.functionsTotal).toBe(1);
    const missing = await usage("/functions/nope/usage");
    expect([missing.status, missing.body.type]).toEqual([404, "function_not_found"]);
  });
});

describe("usage of flow: requests and bandwidth", () => {
  it("counts each request of a project once, with its bytes, and none of another project's", async () => {
    const other = await createProject("usage-other");
    const sizes: number[] = [];
    for (let i = 0; i < 7; i++) sizes.push((await usage("/users", other.key, other.projectId)).text.length);
    const body = JSON.stringify({ userId: "unique()", email: "flow@example.com", name: "x".repeat(120), password: "p".repeat(200) });
    const post = await raw("POST", "/users", { headers: { "x-appwrite-project": other.projectId, "x-appwrite-key": other.key, "content-type": "application/json" }, body });
    expect(post.status).toBe(201);

    // The admin's reads of `other` below are more of its requests, each counted after its own answer.
    let reads = 0;
    const read = async () => {
      const r = await usage(`/project/usage?startDate=${new Date(Date.now() - DAY).toISOString()}&endDate=${new Date(Date.now() + DAY).toISOString()}`, adminKey, other.projectId);
      reads++;
      return r.body;
    };
    const o = await until("requests flushed", read, (x) => total(x.requests) >= 8);
    expect(total(o.requests)).toBeLessThanOrEqual(8 + reads - 1);
    expect(total(o.network)).toBeGreaterThanOrEqual(sizes.reduce((a, b) => a + b, 0) + body.length + post.text.length);
    expect(o.usersTotal).toBe(1);
  });

  it("answers the project model with its totals, breakdowns and the date window", async () => {
    const u = await until("executions flushed", () => projectUsage(), (x) => x.executionsTotal >= 2);
    expect(Object.keys(u)).toEqual(fields("project"));
    expect(u).toMatchObject({ usersTotal: 2, rowsTotal: 3, documentsTotal: 3, databasesTotal: 1, bucketsTotal: 1, filesStorageTotal: FILE.byteLength, executionsTotal: 2 });
    expect(u.executionsBreakdown).toEqual([{ resourceId: functionId, name: "hello", value: 2 }]);
    expect(u.bucketsBreakdown).toEqual([{ resourceId: "usage", name: "Named usage", value: FILE.byteLength }]);
    expect(u.databasesStorageBreakdown).toEqual([{ resourceId: "shop", name: "Shop", value: 0 }]);
    expect(u.functionsStorageTotal).toBe(u.functionsStorageBreakdown[0].value);
    expect(u.requests).toHaveLength(8); // whole days between the dates (Appwrite's count), ending today
    expect(u.network[0]).toEqual({ date: u.requests[0].date, value: expect.any(Number) });
    expect(total(u.users)).toBe(2);
    expect(u.users.at(-1).date).toBe(new Date(Date.now() - (Date.now() % DAY)).toISOString().replace("Z", "+00:00"));

    const hours = await ok(`/project/usage?startDate=2026-01-01&endDate=2026-01-02&period=1h`, adminKey);
    expect(hours.requests).toHaveLength(24);
    expect(hours.requests.every((m: { date: string }) => /T\d\d:00:00\.000\+00:00$/.test(m.date))).toBe(true);

    const missing = await usage("/project/usage?endDate=2026-01-02", adminKey);
    expect([missing.status, missing.body.message]).toEqual([400, 'Param "startDate" is not optional.']);
    const bad = await usage("/project/usage?startDate=never&endDate=2026-01-02", adminKey);
    expect([bad.status, bad.body.type]).toEqual([400, "general_argument_invalid"]);
  });
});

describe("the range param and who may read usage", () => {
  it("gives 24 hourly, 30 or 90 daily points ending now (default 30d); any other range is Appwrite's 400", async () => {
    const now = Date.now();
    const h = await ok("/users/usage?range=24h");
    expect(h.users).toHaveLength(24);
    expect(h.users.at(-1).date).toBe(new Date(now - (now % 3_600_000)).toISOString().replace("Z", "+00:00"));
    expect(new Date(h.users[0].date).getTime()).toBe(now - (now % 3_600_000) - 23 * 3_600_000);
    const d30 = await ok("/users/usage");
    expect([d30.range, d30.users.length]).toEqual(["30d", 30]);
    expect(d30.users.at(-1).date).toBe(new Date(now - (now % DAY)).toISOString().replace("Z", "+00:00"));
    expect((await ok("/storage/usage?range=90d")).files).toHaveLength(90);
    const bad = await usage("/users/usage?range=7d");
    expect([bad.status, bad.body.type, bad.body.message]).toEqual([400, "general_argument_invalid", "Invalid `range` param: Value must be one of (24h, 30d, 90d)"]);
  });

  it("refuses guests, users and keys without the route's scope", async () => {
    // Guests hold `files.read` and users `projects.read`: usage is still the server's only.
    const guest = await raw("GET", "/storage/usage", { headers: { "x-appwrite-project": project.projectId } });
    expect([guest.status, guest.body.type]).toEqual([401, "general_unauthorized_scope"]);
    expect(guest.body.message).toMatch(/missing scopes \(\["files\.read"\]\)$/);
    const users = new Users(project.server());
    const u = await users.create({ userId: ID.unique(), email: "reader@example.com", password: "password-123" });
    const session = await users.createSession({ userId: u.$id });
    const asUser = await raw("GET", "/project/usage?startDate=2026-01-01&endDate=2026-01-02", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-session": session.secret } });
    expect([asUser.status, asUser.body.type]).toEqual([401, "general_unauthorized_scope"]);

    const key = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "files only", scopes: ["files.read"] });
    const refused = await usage("/tablesdb/usage", key.json.secret);
    expect([refused.status, refused.body.message]).toEqual([401, expect.stringMatching(/missing scopes \(\["tables\.read","collections\.read"\]\)$/)]);
    expect((await usage("/storage/usage", key.json.secret)).status).toBe(200);
    // The project's own key holds every scope a key may hold; `projects.read` is not one of them.
    expect((await consoleCall("GET", "/console/variables")).json._APP_USAGE_STATS).toBe("enabled"); // the console shows usage
    expect((await usage("/project/usage?startDate=2026-01-01&endDate=2026-01-02")).status).toBe(401);
  });
});
