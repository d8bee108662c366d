import { beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Client, Databases, ID, Permission, Query, RelationMutate, RelationshipType, Role, TablesDB, Users } from "node-appwrite";
import { createProject, endpoint, type TestProject } from "./harness";

let project: TestProject;
let db: TablesDB;
let user: TablesDB;
let userId = "";
const D = "rel";
const outcome = (p: Promise<unknown>) => p.then(() => "ok", (e: AppwriteException) => `${e.code} ${e.type}`);
const any = [Permission.read(Role.any()), Permission.create(Role.any()), Permission.update(Role.any()), Permission.delete(Role.any())];

async function table(tableId: string, opts: { permissions?: string[]; rowSecurity?: boolean } = {}) {
  await db.createTable({
    databaseId: D, tableId, name: tableId, permissions: opts.permissions ?? any, rowSecurity: opts.rowSecurity ?? false,
    columns: [{ key: "name", type: "varchar", size: 100, required: false }],
  });
}

async function rel(tableId: string, relatedTableId: string, type: RelationshipType, key: string, twoWayKey: string, twoWay: boolean, onDelete = RelationMutate.Restrict) {
  return db.createRelationshipColumn({ databaseId: D, tableId, relatedTableId, type, key, twoWayKey, twoWay, onDelete });
}

beforeAll(async () => {
  project = await createProject("tablesdb-relationships");
  db = new TablesDB(project.server());
  const users = new Users(project.server());
  const u = await users.create({ userId: ID.unique(), email: `rel-${Date.now()}@example.com`, password: "password-123456", name: "rel" });
  userId = u.$id;
  const s = await users.createSession({ userId });
  user = new TablesDB(new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(s.secret));
  await db.create({ databaseId: D, name: "Relationships" });
});

describe("relationship columns", () => {
  it("creates a two-way oneToOne with the mirror column (side child), updates onDelete and key, deletes both sides", async () => {
    await table("people");
    await table("libraries");
    const col = await rel("people", "libraries", RelationshipType.OneToOne, "library", "person", true, RelationMutate.Cascade);
    expect(col).toMatchObject({ key: "library", type: "relationship", status: "processing", relatedTable: "libraries", relationType: "oneToOne", twoWay: true, twoWayKey: "person", onDelete: "cascade", side: "parent", required: false, array: false });
    const mirror = await db.getColumn({ databaseId: D, tableId: "libraries", key: "person" });
    expect(mirror).toMatchObject({ key: "person", relatedTable: "people", relationType: "oneToOne", twoWay: true, twoWayKey: "library", side: "child", status: "available" });
    const upd = await db.updateRelationshipColumn({ databaseId: D, tableId: "people", key: "library", onDelete: RelationMutate.SetNull, newKey: "lib" });
    expect(upd).toMatchObject({ key: "lib", onDelete: "setNull" });
    expect(await db.getColumn({ databaseId: D, tableId: "libraries", key: "person" })).toMatchObject({ twoWayKey: "lib", onDelete: "setNull" });
    expect(await outcome(rel("people", "libraries", RelationshipType.OneToOne, "lib", "other", true))).toBe("409 column_already_exists");
    expect(await outcome(rel("people", "nope", RelationshipType.OneToOne, "x", "y", true))).toBe("404 table_not_found");
    await db.deleteColumn({ databaseId: D, tableId: "people", key: "lib" });
    expect(await outcome(db.getColumn({ databaseId: D, tableId: "people", key: "lib" }))).toBe("404 column_not_found");
    expect(await outcome(db.getColumn({ databaseId: D, tableId: "libraries", key: "person" }))).toBe("404 column_not_found");
    expect((await db.listColumns({ databaseId: D, tableId: "libraries" })).columns.map((c) => c.key)).toEqual(["name"]);
  });

  it("one-way relationships have no visible mirror column", async () => {
    await table("ow_a");
    await table("ow_b");
    await rel("ow_a", "ow_b", RelationshipType.OneToMany, "bs", "a", false);
    expect((await db.listColumns({ databaseId: D, tableId: "ow_b" })).columns.map((c) => c.key)).toEqual(["name"]);
    expect(await outcome(db.getColumn({ databaseId: D, tableId: "ow_b", key: "a" }))).toBe("404 column_not_found");
    await db.createRow({ databaseId: D, tableId: "ow_a", rowId: "a1", data: { name: "A", bs: [{ $id: "b1", name: "B1" }, { $id: "b2", name: "B2" }] } });
    const b = await db.getRow({ databaseId: D, tableId: "ow_b", rowId: "b1" });
    expect(b).not.toHaveProperty("a");
    expect(await outcome(db.updateRow({ databaseId: D, tableId: "ow_b", rowId: "b1", data: { a: "a1" } }))).toBe("400 row_invalid_structure");
    const a = await db.getRow({ databaseId: D, tableId: "ow_a", rowId: "a1", queries: [Query.select(["*", "bs.*"])] });
    expect((a.bs as any[]).map((x) => x.name)).toEqual(["B1", "B2"]);
  });
});

describe("nested writes and loading", () => {
  beforeAll(async () => {
    // authors 1—* books (oneToMany, two-way "author"); books *—* tags; books *—1 publishers; publishers 1—1 addresses
    for (const t of ["authors", "books", "tags", "publishers", "addresses"]) await table(t);
    await rel("authors", "books", RelationshipType.OneToMany, "books", "author", true, RelationMutate.Cascade);
    await rel("books", "tags", RelationshipType.ManyToMany, "tags", "books", true, RelationMutate.SetNull);
    await rel("books", "publishers", RelationshipType.ManyToOne, "publisher", "books", true, RelationMutate.SetNull);
    await rel("publishers", "addresses", RelationshipType.OneToOne, "address", "publisher", true, RelationMutate.Cascade);
  });

  it("nested create of every type; the response carries the related rows; no select → ids or nothing", async () => {
    const a = await db.createRow({
      databaseId: D, tableId: "authors", rowId: "tolkien",
      data: {
        name: "Tolkien",
        books: [
          { $id: "hobbit", name: "The Hobbit", tags: [{ $id: "fantasy", name: "Fantasy" }, { $id: "classic", name: "Classic" }], publisher: { $id: "allen", name: "Allen & Unwin", address: { $id: "london", name: "London" } } },
          { name: "Silmarillion", tags: ["fantasy"], publisher: "allen" },
        ],
      },
    });
    expect(a.name).toBe("Tolkien");
    expect((a.books as any[]).map((b) => b.name).sort()).toEqual(["Silmarillion", "The Hobbit"]);
    expect((a.books as any[])[0]).toMatchObject({ $tableId: "books", $databaseId: D });
    const hobbit = await db.getRow({ databaseId: D, tableId: "books", rowId: "hobbit" });
    // stored *-to-one keys hold the related id; to-many keys are left out without a select
    expect(hobbit.author).toBe("tolkien");
    expect(hobbit.publisher).toBe("allen");
    expect(hobbit).not.toHaveProperty("tags");
    const author = await db.getRow({ databaseId: D, tableId: "authors", rowId: "tolkien" });
    expect(author).not.toHaveProperty("books");
    const addr = await db.getRow({ databaseId: D, tableId: "addresses", rowId: "london" });
    expect(addr.publisher).toBe("allen");
    const fantasy = await db.getRow({ databaseId: D, tableId: "tags", rowId: "fantasy", queries: [Query.select(["name", "books.name"])] });
    expect((fantasy.books as any[]).map((b) => b.name).sort()).toEqual(["Silmarillion", "The Hobbit"]);
    expect((fantasy.books as any[])[0]).not.toHaveProperty("author");
  });

  it("select loads related rows up to depth 3, select(['rel.field']) limits the fields", async () => {
    const a = await db.getRow({ databaseId: D, tableId: "authors", rowId: "tolkien", queries: [Query.select(["name", "books.*", "books.publisher.*", "books.publisher.address.*"])] });
    const hobbit = (a.books as any[]).find((b) => b.$id === "hobbit");
    expect(hobbit.publisher.name).toBe("Allen & Unwin");
    expect(hobbit.publisher.address.name).toBe("London");
    expect(hobbit).not.toHaveProperty("author");
    const list = await db.listRows({ databaseId: D, tableId: "books", queries: [Query.select(["name", "publisher.name"]), Query.orderAsc("name")] });
    expect(list.rows.map((r) => [r.name, (r.publisher as any).name])).toEqual([["Silmarillion", "Allen & Unwin"], ["The Hobbit", "Allen & Unwin"]]);
    expect(list.rows[0]!.publisher).not.toHaveProperty("address");
    const onlyName = await db.listRows({ databaseId: D, tableId: "books", queries: [Query.select(["name"])] });
    expect(onlyName.rows[0]).not.toHaveProperty("publisher");
  });

  it("queries on a stored relationship key", async () => {
    const r = await db.listRows({ databaseId: D, tableId: "books", queries: [Query.equal("publisher", ["allen"]), Query.equal("author", "tolkien")] });
    expect(r.total).toBe(2);
    expect((await db.listRows({ databaseId: D, tableId: "books", queries: [Query.isNull("publisher")] })).total).toBe(0);
    // nested queries on a *-to-one relationship
    const nested = await db.listRows({ databaseId: D, tableId: "books", queries: [Query.equal("publisher.name", "Allen & Unwin"), Query.startsWith("author.name", "Tolk"), Query.orderAsc("name")] });
    expect(nested.rows.map((x) => x.name)).toEqual(["Silmarillion", "The Hobbit"]);
    expect((await db.listRows({ databaseId: D, tableId: "books", queries: [Query.equal("publisher.name", "nobody")] })).total).toBe(0);
  });

  it("nested update: replaces the related set, updates existing related rows, links by id", async () => {
    await db.createRow({ databaseId: D, tableId: "books", rowId: "lotr", data: { name: "LOTR" } });
    const u = await db.updateRow({ databaseId: D, tableId: "authors", rowId: "tolkien", data: { books: ["hobbit", { $id: "lotr", name: "The Lord of the Rings" }] } });
    expect((u.books as any[]).map((b) => b.$id).sort()).toEqual(["hobbit", "lotr"]);
    expect((await db.getRow({ databaseId: D, tableId: "books", rowId: "lotr" })).name).toBe("The Lord of the Rings");
    const silm = await db.listRows({ databaseId: D, tableId: "books", queries: [Query.equal("name", "Silmarillion")] });
    expect(silm.rows[0]!.author).toBeNull();
    // many-to-many replacement from the child side
    await db.updateRow({ databaseId: D, tableId: "tags", rowId: "classic", data: { books: ["lotr", "hobbit"] } });
    const lotr = await db.getRow({ databaseId: D, tableId: "books", rowId: "lotr", queries: [Query.select(["tags.$id"])] });
    expect((lotr.tags as any[]).map((t) => t.$id)).toEqual(["classic"]);
    // to-one set to null
    await db.updateRow({ databaseId: D, tableId: "books", rowId: "lotr", data: { publisher: null } });
    expect((await db.getRow({ databaseId: D, tableId: "books", rowId: "lotr" })).publisher).toBeNull();
    // upsert with a relationship
    const up = await db.upsertRow({ databaseId: D, tableId: "books", rowId: "unfinished", data: { name: "Unfinished Tales", publisher: "allen" } });
    expect((up.publisher as any).$id).toBe("allen");
  });

  it("bad relationship values → 400 relationship_value_invalid", async () => {
    const bad = (data: Record<string, unknown>) => outcome(db.createRow({ databaseId: D, tableId: "authors", rowId: ID.unique(), data }));
    expect(await bad({ books: "hobbit" })).toBe("400 relationship_value_invalid");
    expect(await bad({ books: [42] })).toBe("400 relationship_value_invalid");
    expect(await bad({ books: ["bad id!"] })).toBe("400 relationship_value_invalid");
    expect(await outcome(db.createRow({ databaseId: D, tableId: "books", rowId: ID.unique(), data: { publisher: ["allen"] } }))).toBe("400 relationship_value_invalid");
    expect(await outcome(db.createRow({ databaseId: D, tableId: "books", rowId: ID.unique(), data: { publisher: { $id: 5 } } }))).toBe("400 relationship_value_invalid");
  });

  it("bulk writes refuse tables with relationship columns", async () => {
    const e = await db.createRows({ databaseId: D, tableId: "books", rows: [{ name: "x" }] }).catch((x: AppwriteException) => x);
    expect(e).toMatchObject({ code: 400, type: "general_bad_request", message: "Bulk create is not supported for tablesDB with relationship columns" });
    expect(await outcome(db.upsertRows({ databaseId: D, tableId: "books", rows: [{ $id: "x", name: "x" }] }))).toBe("400 general_bad_request");
    expect(await outcome(db.updateRows({ databaseId: D, tableId: "books", data: { name: "x" } }))).toBe("400 general_bad_request");
    expect(await outcome(db.deleteRows({ databaseId: D, tableId: "books" }))).toBe("400 general_bad_request");
  });

  it("legacy Databases API reads relationships with relatedCollection", async () => {
    const legacy = new Databases(project.server());
    const attr = await legacy.getAttribute({ databaseId: D, collectionId: "books", key: "publisher" });
    expect(attr).toMatchObject({ relatedCollection: "publishers", relationType: "manyToOne" });
    const doc = await legacy.getDocument({ databaseId: D, collectionId: "books", documentId: "hobbit", queries: [Query.select(["publisher.name"])] });
    expect((doc.publisher as any).name).toBe("Allen & Unwin");
  });
});

describe("onDelete", () => {
  it("restrict → 403 row_delete_restricted until the link is gone", async () => {
    await table("r_parent");
    await table("r_child");
    await rel("r_parent", "r_child", RelationshipType.OneToMany, "kids", "parent", true, RelationMutate.Restrict);
    await db.createRow({ databaseId: D, tableId: "r_parent", rowId: "p", data: { kids: [{ $id: "k1" }] } });
    expect(await outcome(db.deleteRow({ databaseId: D, tableId: "r_parent", rowId: "p" }))).toBe("403 row_delete_restricted");
    // deleting the child side of oneToMany is not restricted, and unlinks it
    await db.deleteRow({ databaseId: D, tableId: "r_child", rowId: "k1" });
    await db.deleteRow({ databaseId: D, tableId: "r_parent", rowId: "p" });
    // manyToOne: deleting the "one" side is restricted
    await table("r_album");
    await table("r_artist");
    await rel("r_album", "r_artist", RelationshipType.ManyToOne, "artist", "albums", false, RelationMutate.Restrict);
    await db.createRow({ databaseId: D, tableId: "r_album", rowId: "al", data: { artist: { $id: "ar", name: "Artist" } } });
    expect(await outcome(db.deleteRow({ databaseId: D, tableId: "r_artist", rowId: "ar" }))).toBe("403 row_delete_restricted");
    await db.deleteRow({ databaseId: D, tableId: "r_album", rowId: "al" });
    await db.deleteRow({ databaseId: D, tableId: "r_artist", rowId: "ar" });
  });

  it("cascade deletes related rows (recursively); setNull clears the links", async () => {
    await table("c_a");
    await table("c_b");
    await table("c_c");
    await rel("c_a", "c_b", RelationshipType.OneToOne, "b", "a", true, RelationMutate.Cascade);
    await rel("c_b", "c_c", RelationshipType.OneToMany, "cs", "b2", true, RelationMutate.Cascade);
    await db.createRow({ databaseId: D, tableId: "c_a", rowId: "a", data: { b: { $id: "b", cs: [{ $id: "c1" }, { $id: "c2" }] } } });
    await db.deleteRow({ databaseId: D, tableId: "c_a", rowId: "a" });
    expect(await outcome(db.getRow({ databaseId: D, tableId: "c_b", rowId: "b" }))).toBe("404 row_not_found");
    expect((await db.listRows({ databaseId: D, tableId: "c_c" })).total).toBe(0);

    await table("n_a");
    await table("n_b");
    await rel("n_a", "n_b", RelationshipType.ManyToMany, "bs", "as", true, RelationMutate.SetNull);
    await table("n_c");
    await rel("n_c", "n_a", RelationshipType.ManyToOne, "a", "cs", true, RelationMutate.SetNull);
    await db.createRow({ databaseId: D, tableId: "n_a", rowId: "a", data: { bs: [{ $id: "b1" }, { $id: "b2" }], cs: [{ $id: "c1" }] } });
    await db.deleteRow({ databaseId: D, tableId: "n_a", rowId: "a" });
    const b1 = await db.getRow({ databaseId: D, tableId: "n_b", rowId: "b1", queries: [Query.select(["as.*"])] });
    expect(b1.as).toEqual([]);
    expect((await db.getRow({ databaseId: D, tableId: "n_c", rowId: "c1" })).a).toBeNull();
  });
});

describe("permissions on related rows", () => {
  it("nested create needs create on the related table; nested update needs update on the row; unreadable rows are not loaded", async () => {
    const own = [Permission.create(Role.users()), Permission.read(Role.users())];
    await table("p_post", { permissions: own, rowSecurity: true });
    await table("p_open", { permissions: [Permission.create(Role.users())], rowSecurity: true });
    await table("p_closed", { permissions: [Permission.read(Role.users())], rowSecurity: true });
    await rel("p_post", "p_open", RelationshipType.ManyToOne, "open", "posts", true, RelationMutate.SetNull);
    await rel("p_post", "p_closed", RelationshipType.ManyToOne, "closed", "posts", true, RelationMutate.SetNull);
    const perms = [Permission.read(Role.user(userId)), Permission.update(Role.user(userId))];
    const post = await user.createRow({ databaseId: D, tableId: "p_post", rowId: "post1", data: { name: "P", open: { $id: "o1", name: "O" } }, permissions: perms });
    expect((post.open as any).$permissions).toEqual(perms); // nested rows inherit the parent's permissions
    expect(await outcome(user.createRow({ databaseId: D, tableId: "p_post", rowId: "post2", data: { closed: { $id: "x1", name: "X" } } }))).toBe("401 user_unauthorized");
    await db.createRow({ databaseId: D, tableId: "p_closed", rowId: "locked", data: { name: "L" }, permissions: [Permission.read(Role.any())] });
    expect(await outcome(user.updateRow({ databaseId: D, tableId: "p_post", rowId: "post1", data: { closed: { $id: "locked", name: "changed" } } }))).toBe("401 user_unauthorized");
    // linking by id is allowed; a row the caller cannot read is left out when loading
    await db.createRow({ databaseId: D, tableId: "p_open", rowId: "secret", data: { name: "S" }, permissions: [] });
    await user.updateRow({ databaseId: D, tableId: "p_post", rowId: "post1", data: { open: "secret" } });
    const got = await user.getRow({ databaseId: D, tableId: "p_post", rowId: "post1", queries: [Query.select(["*", "open.*"])] });
    expect(got.open).toBeNull();
    const asKey = await db.getRow({ databaseId: D, tableId: "p_post", rowId: "post1", queries: [Query.select(["open.name"])] });
    expect((asKey.open as any).name).toBe("S");
  });
});
