import { beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Databases, ID, Operator, Permission, Query, Role, TablesDB } from "node-appwrite";
import { consoleCall, createProject, raw, type TestProject } from "./harness";

let project: TestProject;
let db: TablesDB;
let guest: TablesDB;

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected the call to fail"); }, (e) => e as AppwriteException);
const expectError = async (p: Promise<unknown>, code: number, type: string) => {
  const e = await fail(p);
  expect(e).toBeInstanceOf(AppwriteException);
  expect([e.code, e.type, e.message]).toEqual([code, type, expect.any(String)]);
  return e;
};

beforeAll(async () => {
  project = await createProject("tablesdb");
  db = new TablesDB(project.server());
  guest = new TablesDB(project.guest());
});

describe("databases", () => {
  it("create (201), get, list with queries, update, delete; duplicate id 409; missing 404", async () => {
    const d = await db.create({ databaseId: "main", name: "Main" });
    expect(d).toMatchObject({ $id: "main", name: "Main", enabled: true, type: "tablesdb" });
    expect(d.$createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    await expectError(db.create({ databaseId: "main", name: "again" }), 409, "database_already_exists");
    const other = await db.create({ databaseId: ID.unique(), name: "Other" });
    expect(other.$id).toMatch(/^[0-9a-f]{20}$/);
    expect((await db.get({ databaseId: "main" })).name).toBe("Main");
    const listed = await db.list({ queries: [Query.equal("name", "Other")] });
    expect(listed.total).toBe(1);
    expect(listed.databases[0]!.$id).toBe(other.$id);
    expect((await db.list({ search: "Mai" })).databases.map((x) => x.$id)).toEqual(["main"]);
    expect((await db.update({ databaseId: other.$id, name: "Renamed" })).name).toBe("Renamed");
    expect(await db.delete({ databaseId: other.$id })).toEqual({ message: "" });
    await expectError(db.get({ databaseId: other.$id }), 404, "database_not_found");
  });

  it("guests and users lack the databases scope", async () => {
    const e = await expectError(guest.list(), 401, "general_unauthorized_scope");
    expect(e.message).toContain('missing scopes (["databases.read"])');
  });
});

describe("tables and columns", () => {
  it("createTable with inline columns and indexes; the model uses TablesDB keys", async () => {
    const t = await db.createTable({
      databaseId: "main", tableId: "inline", name: "Inline", permissions: [Permission.read(Role.any())], rowSecurity: true,
      columns: [{ key: "title", type: "varchar", size: 64, required: true }, { key: "n", type: "integer", required: false, default: 3 }],
      indexes: [{ key: "by_title", type: "key", attributes: ["title"], orders: ["desc"] }],
    });
    expect(t).toMatchObject({ $id: "inline", name: "Inline", databaseId: "main", enabled: true, rowSecurity: true, $permissions: ['read("any")'] });
    expect(t.columns.map((c: any) => [c.key, c.type, c.status])).toEqual([["title", "varchar", "available"], ["n", "integer", "available"]]);
    expect(t.indexes[0]).toMatchObject({ key: "by_title", type: "key", columns: ["title"], orders: ["DESC"], status: "available" });
    await expectError(db.createTable({ databaseId: "main", tableId: "inline", name: "x" }), 409, "table_already_exists");
    await expectError(db.createTable({ databaseId: "nope", tableId: "x", name: "x" }), 404, "database_not_found");
    await expectError(db.getTable({ databaseId: "main", tableId: "nope" }), 404, "table_not_found");
  });

  it("creates every column type (202 processing → available) with Appwrite's models", async () => {
    await db.createTable({ databaseId: "main", tableId: "types", name: "Types" });
    const base = { databaseId: "main", tableId: "types" };
    const s = await db.createStringColumn({ ...base, key: "s", size: 20, required: false, xdefault: "hi" });
    expect(s).toMatchObject({ key: "s", type: "string", size: 20, default: "hi", status: "processing", required: false, array: false });
    await db.createVarcharColumn({ ...base, key: "v", size: 10, required: false });
    await db.createTextColumn({ ...base, key: "tx", required: false });
    await db.createMediumtextColumn({ ...base, key: "mt", required: false });
    await db.createLongtextColumn({ ...base, key: "lt", required: false });
    const i = await db.createIntegerColumn({ ...base, key: "i", required: false, min: 0, max: 100, xdefault: 5 });
    expect(i).toMatchObject({ type: "integer", min: 0, max: 100, default: 5 });
    await db.createBigIntColumn({ ...base, key: "bi", required: false });
    const f = await db.createFloatColumn({ ...base, key: "f", required: false, min: -1.5, max: 1.5 });
    expect(f).toMatchObject({ type: "double", min: -1.5, max: 1.5 });
    await db.createBooleanColumn({ ...base, key: "b", required: false, xdefault: true });
    const dt = await db.createDatetimeColumn({ ...base, key: "dt", required: false });
    expect(dt).toMatchObject({ type: "datetime", format: "datetime" });
    expect(await db.createEmailColumn({ ...base, key: "em", required: false })).toMatchObject({ type: "string", format: "email" });
    expect(await db.createIpColumn({ ...base, key: "ip", required: false })).toMatchObject({ type: "string", format: "ip" });
    expect(await db.createUrlColumn({ ...base, key: "url", required: false })).toMatchObject({ type: "string", format: "url" });
    expect(await db.createEnumColumn({ ...base, key: "en", elements: ["a", "b"], required: false, xdefault: "a" })).toMatchObject({ type: "string", format: "enum", elements: ["a", "b"], default: "a" });
    await db.createStringColumn({ ...base, key: "tags", size: 10, required: false, array: true });
    expect(await db.getColumn({ ...base, key: "s" })).toMatchObject({ status: "available" });
    const cols = await db.listColumns(base);
    expect(cols.total).toBe(15);
    expect((await db.listColumns({ ...base, queries: [Query.equal("type", "double")] })).columns.map((c: any) => c.key)).toEqual(["f"]);
    // The table model lists them too.
    expect((await db.getTable(base)).columns).toHaveLength(15);

    // Defaults: rows get them; the stored types round-trip.
    const row = await db.createRow({ ...base, rowId: "r1", data: { i: 7, f: 0.25, dt: "2024-02-03T04:05:06.789Z", em: "a@b.co", ip: "10.0.0.1", url: "https://x.io/p", tags: ["x", "y"], bi: 9007199254740991 } });
    expect(row).toMatchObject({ $id: "r1", $tableId: "types", $databaseId: "main", s: "hi", v: null, i: 7, f: 0.25, b: true, en: "a", tags: ["x", "y"], dt: "2024-02-03T04:05:06.789+00:00", bi: 9007199254740991 });
    expect(row.$sequence).toMatch(/^\d+$/);
    expect(row.$permissions).toEqual([]);
  });

  it("column rules: required+default, bad default, duplicate key, unknown key", async () => {
    const base = { databaseId: "main", tableId: "types" };
    await expectError(db.createStringColumn({ ...base, key: "x", size: 5, required: true, xdefault: "a" }), 400, "column_default_unsupported");
    await expectError(db.createStringColumn({ ...base, key: "x", size: 2, required: false, xdefault: "abc" }), 400, "column_value_invalid");
    await expectError(db.createIntegerColumn({ ...base, key: "x", required: false, min: 5, max: 1 }), 400, "column_value_invalid");
    await expectError(db.createEnumColumn({ ...base, key: "x", elements: ["a"], required: false, xdefault: "z" }), 400, "column_value_invalid");
    await expectError(db.createStringColumn({ ...base, key: "s", size: 5, required: false }), 409, "column_already_exists");
    await expectError(db.getColumn({ ...base, key: "nope" }), 404, "column_not_found");
  });

  it("updates columns: newKey, defaults, size growth, shrink only when data fits; delete", async () => {
    await db.createTable({ databaseId: "main", tableId: "cu", name: "CU", columns: [{ key: "name", type: "varchar", size: 10, required: false }] });
    const base = { databaseId: "main", tableId: "cu" };
    await db.createRow({ ...base, rowId: "a", data: { name: "abcdefgh" } });
    await expectError(db.updateVarcharColumn({ ...base, key: "name", required: false, xdefault: null, size: 4 }), 400, "column_invalid_resize");
    expect(await db.updateVarcharColumn({ ...base, key: "name", required: false, size: 100, xdefault: "zz" })).toMatchObject({ size: 100, default: "zz" });
    await db.createRow({ ...base, rowId: "b", data: { name: "x".repeat(90) } });
    const renamed = await db.updateVarcharColumn({ ...base, key: "name", required: false, xdefault: null, newKey: "title" });
    expect(renamed.key).toBe("title");
    expect((await db.getRow({ ...base, rowId: "a" })).title).toBe("abcdefgh");
    await expectError(db.updateIntegerColumn({ ...base, key: "title", required: false, xdefault: null }), 400, "column_type_invalid");
    await db.deleteColumn({ ...base, key: "title" });
    const row = await db.getRow({ ...base, rowId: "a" });
    expect(row).not.toHaveProperty("title");
    await expectError(db.deleteColumn({ ...base, key: "title" }), 404, "column_not_found");
  });

  it("indexes: key/unique/fulltext with orders; unique violations are 409; delete", async () => {
    await db.createTable({ databaseId: "main", tableId: "ix", name: "IX", columns: [{ key: "email", type: "varchar", size: 100, required: false }, { key: "body", type: "text", required: false }] });
    const base = { databaseId: "main", tableId: "ix" };
    const u = await db.createIndex({ ...base, key: "uq", type: "unique" as any, columns: ["email"], orders: ["asc" as any] });
    expect(u).toMatchObject({ key: "uq", type: "unique", status: "processing", columns: ["email"], orders: ["ASC"] });
    await db.createIndex({ ...base, key: "ft", type: "fulltext" as any, columns: ["body"] });
    expect((await db.listIndexes(base)).total).toBe(2);
    expect(await db.getIndex({ ...base, key: "ft" })).toMatchObject({ status: "available", type: "fulltext" });
    await expectError(db.createIndex({ ...base, key: "uq", type: "key" as any, columns: ["email"] }), 409, "column_index_already_exists");
    await expectError(db.createIndex({ ...base, key: "bad", type: "key" as any, columns: ["nope"] }), 400, "column_unknown");
    await db.createRow({ ...base, rowId: "a", data: { email: "a@x.io", body: "the quick brown fox" } });
    await db.createRow({ ...base, rowId: "b", data: { email: "b@x.io", body: "lazy dogs sleep" } });
    await expectError(db.createRow({ ...base, rowId: "c", data: { email: "a@x.io" } }), 409, "row_unique_constraint_violation");
    await expectError(db.updateRow({ ...base, rowId: "b", data: { email: "a@x.io" } }), 409, "row_unique_constraint_violation");
    expect((await db.getRow({ ...base, rowId: "b" })).email).toBe("b@x.io");
    const found = await db.listRows({ ...base, queries: [Query.search("body", "quick")] });
    expect(found.rows.map((r) => r.$id)).toEqual(["a"]);
    await db.updateRow({ ...base, rowId: "b", data: { body: "quick dogs" } });
    expect((await db.listRows({ ...base, queries: [Query.search("body", "quick"), Query.orderAsc("$id")] })).rows.map((r) => r.$id)).toEqual(["a", "b"]);
    expect((await db.listRows({ ...base, queries: [Query.notSearch("body", "fox")] })).rows.map((r) => r.$id)).toEqual(["b"]);
    await db.deleteRow({ ...base, rowId: "a" });
    expect((await db.listRows({ ...base, queries: [Query.search("body", "quick")] })).rows.map((r) => r.$id)).toEqual(["b"]);
    await expectError(db.listRows({ ...base, queries: [Query.search("email", "x")] }), 400, "general_query_invalid");
    await db.deleteIndex({ ...base, key: "uq" });
    await db.createRow({ ...base, rowId: "c", data: { email: "b@x.io" } });
    await expectError(db.getIndex({ ...base, key: "uq" }), 404, "column_index_not_found");
  });

  it("updateTable and deleteTable; a disabled table looks not-found to clients but not to keys", async () => {
    const t = await db.createTable({ databaseId: "main", tableId: "dis", name: "Dis", permissions: [Permission.read(Role.any()), Permission.create(Role.any())] });
    expect(t.enabled).toBe(true);
    await guest.createRow({ databaseId: "main", tableId: "dis", rowId: "g", data: {} });
    const u = await db.updateTable({ databaseId: "main", tableId: "dis", name: "Disabled", enabled: false });
    expect(u).toMatchObject({ name: "Disabled", enabled: false });
    await expectError(guest.listRows({ databaseId: "main", tableId: "dis" }), 404, "table_not_found");
    await expectError(guest.getRow({ databaseId: "main", tableId: "dis", rowId: "g" }), 404, "table_not_found");
    expect((await db.listRows({ databaseId: "main", tableId: "dis" })).total).toBe(1);
    await db.deleteTable({ databaseId: "main", tableId: "dis" });
    await expectError(db.getTable({ databaseId: "main", tableId: "dis" }), 404, "table_not_found");
    expect((await db.listTables({ databaseId: "main", queries: [Query.equal("name", "IX")] })).tables.map((x) => x.$id)).toEqual(["ix"]);
  });
});

describe("rows", () => {
  const base = { databaseId: "main", tableId: "todos" };
  beforeAll(async () => {
    await db.createTable({
      ...base, name: "Todos", permissions: [Permission.read(Role.any()), Permission.create(Role.any()), Permission.update(Role.any()), Permission.delete(Role.any())],
      columns: [
        { key: "title", type: "varchar", size: 50, required: true },
        { key: "n", type: "integer", required: false },
        { key: "score", type: "double", required: false },
        { key: "done", type: "boolean", required: false, default: false },
        { key: "tags", type: "varchar", size: 20, required: false, array: true },
        { key: "due", type: "datetime", required: false },
        { key: "status", type: "enum", elements: ["open", "closed"], required: false },
      ],
      indexes: [{ key: "n_idx", type: "key", attributes: ["n"] }],
    });
    await db.createRows({
      ...base,
      rows: Array.from({ length: 10 }, (_, k) => ({
        $id: `r${k}`, title: k % 2 ? `Odd ${k}` : `Even ${k}`, n: k, score: k / 2, done: k % 3 === 0, tags: k % 2 ? ["odd", `t${k}`] : ["even"],
        due: new Date(Date.UTC(2024, 0, k + 1)).toISOString(), status: k < 5 ? "open" : "closed",
      })),
    });
  });

  it("validates data with Appwrite's errors and writes nothing on failure", async () => {
    await expectError(db.createRow({ ...base, rowId: "x", data: { n: 1 } }), 400, "row_invalid_structure");
    const e = await expectError(db.createRow({ ...base, rowId: "x", data: { title: "a", nope: 1 } }), 400, "row_invalid_structure");
    expect(e.message).toContain('Unknown column: "nope"');
    await expectError(db.createRow({ ...base, rowId: "x", data: { title: 5 } }), 400, "row_invalid_structure");
    await expectError(db.createRow({ ...base, rowId: "x", data: { title: "a", n: 1.5 } }), 400, "row_invalid_structure");
    await expectError(db.createRow({ ...base, rowId: "x", data: { title: "a", tags: "notarray" } }), 400, "row_invalid_structure");
    await expectError(db.createRow({ ...base, rowId: "x", data: { title: "a", status: "weird" } }), 400, "row_invalid_structure");
    await expectError(db.createRow({ ...base, rowId: "x", data: { title: "a", due: "not a date" } }), 400, "row_invalid_structure");
    await expectError(db.createRow({ ...base, rowId: "x", data: { title: "x".repeat(51) } }), 400, "row_invalid_structure");
    await expectError(db.getRow({ ...base, rowId: "x" }), 404, "row_not_found");
    await expectError(db.createRow({ ...base, rowId: "r1", data: { title: "dup" } }), 409, "row_already_exists");
    await expectError(db.updateRow({ ...base, rowId: "r1" }), 400, "row_missing_payload");
    const r = await raw("POST", `/tablesdb/main/tables/todos/rows`, { headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": project.key }, body: JSON.stringify({ data: { title: "a" } }) });
    expect([r.status, r.body.type]).toEqual([400, "row_missing_data"]);
    const bad = await raw("POST", `/tablesdb/main/tables/todos/rows`, { headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": project.key }, body: "{not json" });
    expect(bad.status).toBe(400);
  });

  it("createRow accepts data as a JSON string and unique(); getRow with select", async () => {
    const r = await raw("POST", `/tablesdb/main/tables/todos/rows`, {
      headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": project.key },
      body: JSON.stringify({ rowId: "unique()", data: JSON.stringify({ title: "From string", n: 100 }) }),
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ title: "From string", n: 100, done: false, tags: null });
    const sel = await db.getRow({ ...base, rowId: r.body.$id, queries: [Query.select(["title"])] });
    expect(Object.keys(sel).sort()).toEqual(["$createdAt", "$databaseId", "$id", "$permissions", "$sequence", "$tableId", "$updatedAt", "title"]);
    await db.deleteRow({ ...base, rowId: r.body.$id });
  });

  it("lists with every filter, ordering, limit/offset, cursors and totals", async () => {
    const ids = async (queries: string[]) => (await db.listRows({ ...base, queries: [...queries, Query.limit(100)] })).rows.map((r) => r.$id).sort();
    expect(await ids([Query.equal("n", [1, 2])])).toEqual(["r1", "r2"]);
    expect(await ids([Query.notEqual("status", "open")])).toEqual(["r5", "r6", "r7", "r8", "r9"]);
    expect(await ids([Query.lessThan("n", 2)])).toEqual(["r0", "r1"]);
    expect(await ids([Query.lessThanEqual("n", 1)])).toEqual(["r0", "r1"]);
    expect(await ids([Query.greaterThan("score", 4)])).toEqual(["r9"]);
    expect(await ids([Query.greaterThanEqual("n", 9)])).toEqual(["r9"]);
    expect(await ids([Query.between("n", 3, 4)])).toEqual(["r3", "r4"]);
    expect(await ids([Query.notBetween("n", 1, 8)])).toEqual(["r0", "r9"]);
    expect(await ids([Query.startsWith("title", "Odd 1")])).toEqual(["r1"]);
    expect(await ids([Query.endsWith("title", " 8")])).toEqual(["r8"]);
    expect((await ids([Query.notStartsWith("title", "Odd")])).length).toBe(5);
    expect((await ids([Query.notEndsWith("title", "0")])).length).toBe(9);
    expect(await ids([Query.contains("tags", "t3")])).toEqual(["r3"]);
    expect(await ids([Query.contains("title", "dd 7")])).toEqual(["r7"]);
    expect(await ids([Query.containsAny("tags", ["t1", "t5"])])).toEqual(["r1", "r5"]);
    expect(await ids([Query.containsAll("tags", ["odd", "t9"])])).toEqual(["r9"]);
    expect((await ids([Query.notContains("tags", "even")])).length).toBe(5);
    expect(await ids([Query.equal("done", true), Query.lessThan("n", 4)])).toEqual(["r0", "r3"]);
    expect(await ids([Query.isNull("n")])).toEqual([]);
    expect((await ids([Query.isNotNull("due")])).length).toBe(10);
    expect(await ids([Query.lessThan("due", "2024-01-02T12:00:00.000+00:00")])).toEqual(["r0", "r1"]);
    expect(await ids([Query.or([Query.equal("n", 0), Query.and([Query.greaterThan("n", 7), Query.equal("done", true)])])])).toEqual(["r0", "r9"]);
    expect(await ids([Query.equal("$id", "r4")])).toEqual(["r4"]);
    expect((await ids([Query.createdAfter("2000-01-01T00:00:00.000+00:00")])).length).toBe(10);

    const desc = await db.listRows({ ...base, queries: [Query.orderDesc("n"), Query.limit(3)] });
    expect(desc.rows.map((r) => r.$id)).toEqual(["r9", "r8", "r7"]);
    expect(desc.total).toBe(10);
    const after = await db.listRows({ ...base, queries: [Query.orderDesc("n"), Query.limit(3), Query.cursorAfter("r7")] });
    expect(after.rows.map((r) => r.$id)).toEqual(["r6", "r5", "r4"]);
    const before = await db.listRows({ ...base, queries: [Query.orderDesc("n"), Query.limit(2), Query.cursorBefore("r4")] });
    expect(before.rows.map((r) => r.$id)).toEqual(["r6", "r5"]);
    const page = await db.listRows({ ...base, queries: [Query.orderAsc("n"), Query.limit(2), Query.offset(4)] });
    expect(page.rows.map((r) => r.$id)).toEqual(["r4", "r5"]);
    expect((await db.listRows({ ...base, queries: [Query.orderRandom()] })).rows).toHaveLength(10);
    expect((await db.listRows({ ...base, total: false })).total).toBe(0);
    expect((await db.listRows({ ...base, queries: [Query.limit(1)] })).total).toBe(10);
    await expectError(db.listRows({ ...base, queries: [Query.cursorAfter("missing")] }), 400, "general_cursor_not_found");
    await expectError(db.listRows({ ...base, queries: [Query.equal("nope", 1)] }), 400, "general_query_invalid");
    await expectError(db.listRows({ ...base, queries: [Query.equal("n", "one")] }), 400, "general_query_invalid");
  });

  it("update (partial, operators), upsert (201), increment/decrement, delete (204)", async () => {
    await db.createRow({ ...base, rowId: "u1", data: { title: "U", n: 10, score: 1, tags: ["a"], done: false, due: "2024-01-01T00:00:00.000Z" } });
    const u = await db.updateRow({ ...base, rowId: "u1", data: { n: Operator.increment(5, 12), score: Operator.multiply(3), tags: Operator.arrayAppend(["b", "c"]), done: Operator.toggle(), title: Operator.stringConcat("!"), due: Operator.dateAddDays(2) } });
    expect(u).toMatchObject({ n: 12, score: 3, tags: ["a", "b", "c"], done: true, title: "U!", due: "2024-01-03T00:00:00.000+00:00" });
    const u2 = await db.updateRow({ ...base, rowId: "u1", data: { n: Operator.decrement(20, 0), tags: Operator.arrayRemove("b"), title: Operator.stringReplace("!", "?"), score: Operator.divide(2) } });
    expect(u2).toMatchObject({ n: 0, tags: ["a", "c"], title: "U?", score: 1.5 });
    expect((await db.updateRow({ ...base, rowId: "u1", data: { tags: Operator.arrayPrepend(["z"]) } })).tags).toEqual(["z", "a", "c"]);
    expect((await db.updateRow({ ...base, rowId: "u1", data: { tags: Operator.arrayInsert(1, "y") } })).tags).toEqual(["z", "y", "a", "c"]);
    expect((await db.updateRow({ ...base, rowId: "u1", data: { tags: Operator.arrayFilter("notEqual" as any, "z") } })).tags).toEqual(["y", "a", "c"]);
    expect((await db.updateRow({ ...base, rowId: "u1", data: { n: Operator.modulo(1) } })).n).toBe(0);
    const inc = await db.incrementRowColumn({ ...base, rowId: "u1", column: "n", value: 4 });
    expect(inc.n).toBe(4);
    expect((await db.decrementRowColumn({ ...base, rowId: "u1", column: "n", value: 1 })).n).toBe(3);
    await expectError(db.incrementRowColumn({ ...base, rowId: "u1", column: "n", value: 10, max: 5 }), 400, "column_limit_exceeded");
    await expectError(db.incrementRowColumn({ ...base, rowId: "u1", column: "title" }), 400, "column_type_invalid");
    await expectError(db.updateRow({ ...base, rowId: "nope", data: { n: 1 } }), 404, "row_not_found");

    const created = await db.upsertRow({ ...base, rowId: "up1", data: { title: "new" } });
    expect(created).toMatchObject({ $id: "up1", title: "new", done: false });
    const r = await raw("PUT", `/tablesdb/main/tables/todos/rows/up1`, { headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": project.key }, body: JSON.stringify({ data: { n: 2 } }) });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ title: "new", n: 2 });
    const del = await raw("DELETE", `/tablesdb/main/tables/todos/rows/up1`, { headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": project.key }, body: "{}" });
    expect(del.status).toBe(204);
    await expectError(db.deleteRow({ ...base, rowId: "up1" }), 404, "row_not_found");
  });

  it("bulk createRows/upsertRows/updateRows/deleteRows are atomic and API-key only", async () => {
    await expectError(db.createRows({ ...base, rows: [{ $id: "bk1", title: "ok" }, { $id: "bk2" }] }), 400, "row_invalid_structure");
    await expectError(db.getRow({ ...base, rowId: "bk1" }), 404, "row_not_found");
    await expectError(db.createRows({ ...base, rows: [{ $id: "bk1", title: "a" }, { $id: "bk1", title: "b" }] }), 409, "row_already_exists");
    const made = await db.createRows({ ...base, rows: [{ $id: "bk1", title: "a", n: 50 }, { title: "b", n: 51, $permissions: [Permission.read(Role.users())] }] });
    expect(made.total).toBe(2);
    expect(made.rows[1]!.$permissions).toEqual(['read("users")']);
    expect(made.rows[0]!.$sequence).toMatch(/^\d+$/);
    const ups = await db.upsertRows({ ...base, rows: [{ $id: "bk1", title: "a2" }, { $id: "bk3", title: "c", n: 52 }] });
    expect(ups.rows.map((r) => [r.$id, r.title, r.n])).toEqual([["bk1", "a2", 50], ["bk3", "c", 52]]);
    const upd = await db.updateRows({ ...base, data: { done: true, n: Operator.increment(100) }, queries: [Query.greaterThanEqual("n", 50), Query.lessThan("n", 100)] });
    expect(upd.total).toBe(3);
    expect(upd.rows.every((r) => r.done === true && (r.n as number) >= 150)).toBe(true);
    const gone = await db.deleteRows({ ...base, queries: [Query.greaterThanEqual("n", 150)] });
    expect(gone.total).toBe(3);
    expect((await db.listRows({ ...base, queries: [Query.greaterThanEqual("n", 150)] })).total).toBe(0);
    await expectError(guest.createRows({ ...base, rows: [{ title: "g" }] }), 401, "general_unauthorized_scope");
  });
});

describe("legacy Databases API over the same storage", () => {
  it("collections, attributes and documents with the legacy keys", async () => {
    const legacy = new Databases(project.server());
    const col = await legacy.createCollection({ databaseId: "main", collectionId: "docs", name: "Docs", permissions: [Permission.read(Role.any())], documentSecurity: true });
    expect(col).toMatchObject({ $id: "docs", documentSecurity: true, attributes: [] });
    const attr = await legacy.createStringAttribute({ databaseId: "main", collectionId: "docs", key: "title", size: 20, required: true });
    expect(attr).toMatchObject({ key: "title", status: "processing" });
    await legacy.createIntegerAttribute({ databaseId: "main", collectionId: "docs", key: "n", required: false });
    const doc = await legacy.createDocument({ databaseId: "main", collectionId: "docs", documentId: "d1", data: { title: "Hello", n: 1 } });
    expect(doc).toMatchObject({ $id: "d1", $collectionId: "docs", $databaseId: "main", title: "Hello", n: 1 });
    const listed = await legacy.listDocuments({ databaseId: "main", collectionId: "docs", queries: [Query.equal("title", "Hello")] });
    expect(listed).toMatchObject({ total: 1, documents: [{ $id: "d1" }] });
    expect((await legacy.updateDocument({ databaseId: "main", collectionId: "docs", documentId: "d1", data: { n: 2 } })).n).toBe(2);
    // Same storage: TablesDB sees the document as a row.
    expect((await db.getRow({ databaseId: "main", tableId: "docs", rowId: "d1" })).n).toBe(2);
    await expectError(legacy.getDocument({ databaseId: "main", collectionId: "docs", documentId: "nope" }), 404, "document_not_found");
    await expectError(legacy.createDocument({ databaseId: "main", collectionId: "docs", documentId: "d2", data: {} }), 400, "document_invalid_structure");
    await expectError(legacy.getCollection({ databaseId: "main", collectionId: "nope" }), 404, "collection_not_found");
    await legacy.deleteDocument({ databaseId: "main", collectionId: "docs", documentId: "d1" });
    expect((await legacy.listDocuments({ databaseId: "main", collectionId: "docs" })).total).toBe(0);
  });
});

describe("project cleanup", () => {
  it("deleting a project drops its databases and tables (onProjectDelete)", async () => {
    const p = await createProject("tablesdb-cleanup");
    const t = new TablesDB(p.server());
    await t.create({ databaseId: "d", name: "D" });
    await t.createTable({ databaseId: "d", tableId: "t", name: "T", columns: [{ key: "s", type: "text", required: false }], indexes: [{ key: "f", type: "fulltext", attributes: ["s"] }] });
    await t.createRow({ databaseId: "d", tableId: "t", rowId: "r", data: { s: "hello" } });
    const del = await consoleCall("DELETE", `/projects/${p.projectId}`);
    expect(del.status).toBe(204);
    // A new project with the same id starts empty.
    const again = await consoleCall("POST", "/projects", { projectId: p.projectId, name: "again" });
    expect(again.status).toBe(201);
    const key = await consoleCall("POST", `/projects/${p.projectId}/keys`, { name: "k", scopes: ["databases.read"] });
    const fresh = new TablesDB(new (await import("node-appwrite")).Client().setEndpoint((await import("./harness")).endpoint).setProject(p.projectId).setKey(key.json.secret));
    expect((await fresh.list()).total).toBe(0);
  });
});
