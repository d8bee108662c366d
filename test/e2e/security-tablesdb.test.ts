import { beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Client, ID, Permission, Query, RelationMutate, RelationshipType, Role, TablesDB, Users } from "node-appwrite";
import { consoleCall, createProject, endpoint, openRealtime, raw, type TestProject } from "./harness";

/**
 * TablesDB attacked from outside: guests, a second user, a second API key of the project and a
 * second project's key. Every test asserts by effect (rows still there, nothing learned, no 5xx).
 */
let project: TestProject;
let other: TestProject;
let server: TablesDB;
let guest: TablesDB;
let alice: TablesDB;
let bob: TablesDB;
let aliceId = "";
let aliceSecret = "";
let secondKey: TablesDB;
const D = "sec";

const outcome = (p: Promise<unknown>) => p.then(() => "ok", (e: AppwriteException) => `${e.code} ${e.type}`);
const asKey = (projectId: string, key: string) => new TablesDB(new Client().setEndpoint(endpoint).setProject(projectId).setKey(key));
const rowIds = async (db: TablesDB, tableId: string, queries: string[] = []) => (await db.listRows({ databaseId: D, tableId, queries: [...queries, Query.limit(100)] })).rows.map((r) => r.$id);

beforeAll(async () => {
  project = await createProject("security-tablesdb");
  other = await createProject("security-tablesdb-other");
  server = new TablesDB(project.server());
  guest = new TablesDB(project.guest());
  const users = new Users(project.server());
  const session = async (name: string) => {
    const u = await users.create({ userId: ID.unique(), email: `${name}-${Date.now()}@example.com`, password: "password-123456", name });
    const s = await users.createSession({ userId: u.$id });
    return { id: u.$id, secret: s.secret, db: new TablesDB(new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(s.secret)) };
  };
  const a = await session("alice");
  const b = await session("bob");
  [alice, aliceId, aliceSecret, bob] = [a.db, a.id, a.secret, b.db];
  const key2 = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "second", scopes: ["rows.read", "rows.write"] });
  secondKey = asKey(project.projectId, key2.json.secret);
  await server.create({ databaseId: D, name: "Security" });
});

describe("staged operations are authorized like the direct routes (at staging and at commit)", () => {
  beforeAll(async () => {
    // No table permissions: only API keys, and row permissions (rowSecurity), reach these rows.
    await server.createTable({
      databaseId: D, tableId: "vault", name: "vault", permissions: [Permission.create(Role.users())], rowSecurity: true,
      columns: [{ key: "v", type: "integer", required: false }, { key: "s", type: "varchar", size: 20, required: false }],
    });
    await server.createRows({
      databaseId: D, tableId: "vault", rows: [
        { $id: "k1", v: 1, $permissions: [] },
        { $id: "k2", v: 2, $permissions: [] },
        { $id: "mine", v: 3, $permissions: [Permission.read(Role.user(aliceId)), Permission.update(Role.user(aliceId))] },
      ],
    });
  });

  it("a guest's own transaction is unreachable, so its staged bulkDelete never runs; the rows stay", async () => {
    const tx = await guest.createTransaction();
    expect(tx.status).toBe("pending");
    const bulkDelete = { action: "bulkDelete" as const, databaseId: D, tableId: "vault", data: { queries: [] } };
    expect(await outcome(guest.createOperations({ transactionId: tx.$id, operations: [bulkDelete] }))).toBe("404 transaction_not_found");
    expect(await outcome(guest.updateTransaction({ transactionId: tx.$id, commit: true }))).toBe("404 transaction_not_found");
    expect(await outcome(guest.deleteRows({ databaseId: D, tableId: "vault", transactionId: tx.$id }))).toBe("401 general_unauthorized_scope");
    expect(await rowIds(server, "vault")).toEqual(["k1", "k2", "mine"]);
  });

  it("a user's bulk operation, row delete without permission, ungrantable permissions and bad data fail at staging", async () => {
    const tx = await alice.createTransaction();
    const ops = (o: Record<string, unknown>) => outcome(alice.createOperations({ transactionId: tx.$id, operations: [{ databaseId: D, tableId: "vault", ...o } as never] }));
    expect(await ops({ action: "bulkDelete", data: { queries: [] } })).toBe("401 user_unauthorized");
    expect(await ops({ action: "bulkUpdate", data: { queries: [], data: { v: 0 } } })).toBe("401 user_unauthorized");
    expect(await ops({ action: "delete", rowId: "k1" })).toBe("401 user_unauthorized");
    expect(await ops({ action: "update", rowId: "k2", data: { v: 0 } })).toBe("401 user_unauthorized");
    expect(await ops({ action: "increment", rowId: "k2", data: { column: "v", value: 1 } })).toBe("401 user_unauthorized");
    expect(await ops({ action: "delete", rowId: "mine" })).toBe("401 user_unauthorized"); // update, not delete, was granted
    expect(await ops({ action: "create", rowId: "forbob", data: { v: 9, $permissions: [Permission.read(Role.user("bob"))] } })).toBe("401 user_unauthorized");
    expect(await ops({ action: "create", rowId: "bad", data: { v: "nine" } })).toBe("400 row_invalid_structure");
    expect(await ops({ action: "create", rowId: "bad", data: { nope: 1 } })).toBe("400 row_invalid_structure");
    // The same through the row routes with transactionId: the direct routes' errors.
    expect(await outcome(alice.deleteRow({ databaseId: D, tableId: "vault", rowId: "k1", transactionId: tx.$id }))).toBe("401 user_unauthorized");
    expect(await outcome(alice.updateRow({ databaseId: D, tableId: "vault", rowId: "k1", data: { v: 0 }, transactionId: tx.$id }))).toBe("401 user_unauthorized");
    expect(await outcome(alice.updateRow({ databaseId: D, tableId: "vault", rowId: "nope", data: { v: 0 }, transactionId: tx.$id }))).toBe("404 row_not_found");
    expect((await alice.getTransaction({ transactionId: tx.$id })).operations).toBe(0);
    await alice.updateTransaction({ transactionId: tx.$id, commit: true });
    expect((await server.listRows({ databaseId: D, tableId: "vault" })).rows.map((r) => [r.$id, r.v])).toEqual([["k1", 1], ["k2", 2], ["mine", 3]]);
  });

  it("a row whose permissions changed since staging fails the commit, nothing is written; staging it again → 401", async () => {
    const tx = await alice.createTransaction();
    await alice.updateRow({ databaseId: D, tableId: "vault", rowId: "mine", data: { v: 30 }, transactionId: tx.$id });
    await alice.createRow({ databaseId: D, tableId: "vault", rowId: "fresh", data: { v: 4 }, transactionId: tx.$id });
    await server.updateRow({ databaseId: D, tableId: "vault", rowId: "mine", permissions: [Permission.read(Role.user(aliceId))] });
    expect(await outcome(alice.updateTransaction({ transactionId: tx.$id, commit: true }))).toBe("409 transaction_conflict");
    const t2 = await alice.createTransaction();
    expect(await outcome(alice.updateRow({ databaseId: D, tableId: "vault", rowId: "mine", data: { v: 31 }, transactionId: t2.$id }))).toBe("401 user_unauthorized");
    expect((await server.getRow({ databaseId: D, tableId: "vault", rowId: "mine" })).v).toBe(3);
    expect(await outcome(server.getRow({ databaseId: D, tableId: "vault", rowId: "fresh" }))).toBe("404 row_not_found");
  });

  it("the commit authorizes again: a create staged while allowed, committed after the table's create permission went → 401", async () => {
    await server.updateRow({ databaseId: D, tableId: "vault", rowId: "mine", permissions: [Permission.read(Role.user(aliceId)), Permission.update(Role.user(aliceId))] });
    const tx = await alice.createTransaction();
    await alice.createRow({ databaseId: D, tableId: "vault", rowId: "fresh2", data: { v: 5 }, transactionId: tx.$id });
    // Table create permission goes away after staging: the commit must refuse the staged create.
    await server.updateTable({ databaseId: D, tableId: "vault", name: "vault", permissions: [], rowSecurity: true });
    expect(await outcome(alice.updateTransaction({ transactionId: tx.$id, commit: true }))).toBe("401 user_unauthorized");
    expect(await outcome(server.getRow({ databaseId: D, tableId: "vault", rowId: "fresh2" }))).toBe("404 row_not_found");
    await server.updateTable({ databaseId: D, tableId: "vault", name: "vault", permissions: [Permission.create(Role.users())], rowSecurity: true });
  });
});

describe("a transaction belongs to its creator", () => {
  let txId = "";
  beforeAll(async () => {
    await server.createTable({ databaseId: D, tableId: "ledger", name: "ledger", permissions: [Permission.read(Role.any())], columns: [{ key: "v", type: "integer", required: false }] });
    await server.createRow({ databaseId: D, tableId: "ledger", rowId: "l1", data: { v: 1 } });
    const tx = await server.createTransaction();
    txId = tx.$id;
    await server.updateRow({ databaseId: D, tableId: "ledger", rowId: "l1", data: { v: 2 }, transactionId: txId });
  });

  it("guests, other users and other keys of the project get transaction_not_found on every route", async () => {
    const intruders = { guest, bob, secondKey };
    for (const [who, db] of Object.entries(intruders)) {
      const seen = [
        await outcome(db.getTransaction({ transactionId: txId })),
        await outcome(db.updateTransaction({ transactionId: txId, rollback: true })),
        await outcome(db.updateTransaction({ transactionId: txId, commit: true })),
        await outcome(db.createOperations({ transactionId: txId, operations: [{ action: "delete", databaseId: D, tableId: "ledger", rowId: "l1" }] })),
        await outcome(db.listRows({ databaseId: D, tableId: "ledger", transactionId: txId })),
        await outcome(db.getRow({ databaseId: D, tableId: "ledger", rowId: "l1", transactionId: txId })),
        await outcome(db.deleteTransaction({ transactionId: txId })),
      ];
      expect([who, ...seen]).toEqual([who, ...Array(7).fill("404 transaction_not_found")]);
      expect((await db.listTransactions()).transactions.map((t) => t.$id)).not.toContain(txId);
    }
    // A second project's key is not even a caller of this project.
    expect(await outcome(asKey(project.projectId, other.key).getTransaction({ transactionId: txId }))).toBe("401 user_unauthorized");
    // Untouched: still pending with its one operation, the owner commits it.
    expect(await server.getTransaction({ transactionId: txId })).toMatchObject({ status: "pending", operations: 1 });
    expect((await server.listTransactions()).transactions.map((t) => t.$id)).toContain(txId);
    await server.updateTransaction({ transactionId: txId, commit: true });
    expect((await server.getRow({ databaseId: D, tableId: "ledger", rowId: "l1" })).v).toBe(2);
  });

  it("a user's transaction is invisible to another user and to a guest", async () => {
    const tx = await alice.createTransaction();
    expect((await alice.getTransaction({ transactionId: tx.$id })).status).toBe("pending");
    expect(await outcome(bob.getTransaction({ transactionId: tx.$id }))).toBe("404 transaction_not_found");
    expect(await outcome(guest.updateTransaction({ transactionId: tx.$id, rollback: true }))).toBe("404 transaction_not_found");
    expect((await bob.listTransactions()).transactions).toEqual([]);
    expect((await alice.getTransaction({ transactionId: tx.$id })).status).toBe("pending");
  });
});

describe("related-row filters and orders see only related rows the caller may read", () => {
  beforeAll(async () => {
    const open = [Permission.read(Role.any())];
    await server.createTable({ databaseId: D, tableId: "profiles", name: "profiles", permissions: open, columns: [{ key: "name", type: "varchar", size: 20, required: false }] });
    // No read for anyone but API keys; `mixed` lets row permissions grant reads.
    await server.createTable({ databaseId: D, tableId: "secrets", name: "secrets", permissions: [], columns: [{ key: "code", type: "varchar", size: 40, required: false }] });
    await server.createTable({ databaseId: D, tableId: "mixed", name: "mixed", permissions: [], rowSecurity: true, columns: [{ key: "code", type: "varchar", size: 40, required: false }] });
    await server.createIndex({ databaseId: D, tableId: "secrets", key: "code_ft", type: "fulltext" as never, columns: ["code"] });
    await server.createRelationshipColumn({ databaseId: D, tableId: "profiles", relatedTableId: "secrets", type: RelationshipType.ManyToOne, key: "secret", twoWayKey: "profiles", twoWay: false, onDelete: RelationMutate.SetNull });
    await server.createRelationshipColumn({ databaseId: D, tableId: "profiles", relatedTableId: "mixed", type: RelationshipType.ManyToOne, key: "mixed", twoWayKey: "profiles", twoWay: false, onDelete: RelationMutate.SetNull });
    await server.createRow({ databaseId: D, tableId: "secrets", rowId: "s1", data: { code: "hunter2" } });
    await server.createRow({ databaseId: D, tableId: "secrets", rowId: "s2", data: { code: "zebra" } });
    await server.createRow({ databaseId: D, tableId: "mixed", rowId: "hidden", data: { code: "hunter2" }, permissions: [] });
    await server.createRow({ databaseId: D, tableId: "mixed", rowId: "shown", data: { code: "public" }, permissions: open });
    // p1 (created first) holds the later code, so ordering by the secret would reverse the sequence order.
    await server.createRow({ databaseId: D, tableId: "profiles", rowId: "p1", data: { name: "one", secret: "s2", mixed: "hidden" } });
    await server.createRow({ databaseId: D, tableId: "profiles", rowId: "p2", data: { name: "two", secret: "s1", mixed: "shown" } });
  });

  it("an API key filters through the relationship (the oracle exists for it, so the test can fail)", async () => {
    expect(await rowIds(server, "profiles", [Query.startsWith("secret.code", "hun")])).toEqual(["p2"]);
    expect(await rowIds(server, "profiles", [Query.orderAsc("secret.code")])).toEqual(["p2", "p1"]);
    expect(await rowIds(server, "profiles", [Query.startsWith("mixed.code", "hun")])).toEqual(["p1"]);
  });

  it("a guest learns nothing: a matching prefix answers like a non-matching one, orders do not move", async () => {
    for (const db of [guest, bob]) {
      const hit = await db.listRows({ databaseId: D, tableId: "profiles", queries: [Query.startsWith("secret.code", "h")] });
      const miss = await db.listRows({ databaseId: D, tableId: "profiles", queries: [Query.startsWith("secret.code", "qqq")] });
      expect([hit.total, hit.rows]).toEqual([miss.total, miss.rows]);
      expect(await rowIds(db, "profiles", [Query.equal("secret.code", "hunter2")])).toEqual([]);
      // unreadable related values behave as absent
      expect(await rowIds(db, "profiles", [Query.isNull("secret.code")])).toEqual(["p1", "p2"]);
      // ordering by it is ordering by nothing: ties fall back to $sequence
      expect(await rowIds(db, "profiles", [Query.orderAsc("secret.code")])).toEqual(["p1", "p2"]);
      expect(await rowIds(db, "profiles", [Query.orderDesc("secret.code")])).toEqual(["p2", "p1"]);
      expect(await rowIds(db, "profiles", [Query.orderAsc("mixed.code")])).toEqual(["p1", "p2"]);
      // row security on the related table: only the readable row's value is seen
      expect(await rowIds(db, "profiles", [Query.startsWith("mixed.code", "hun")])).toEqual([]);
      expect(await rowIds(db, "profiles", [Query.equal("mixed.code", "public")])).toEqual(["p2"]);
      expect(await rowIds(db, "profiles", [Query.equal("mixed.$id", "hidden")])).toEqual([]);
      // no fulltext probe of the related table either
      expect(await outcome(db.listRows({ databaseId: D, tableId: "profiles", queries: [Query.search("secret.code", "hunter2")] }))).toBe("400 general_query_invalid");
      // loading the related rows leaves the unreadable ones out
      const loaded = await db.listRows({ databaseId: D, tableId: "profiles", queries: [Query.select(["$id", "secret.*", "mixed.*"]), Query.orderAsc("$id")] });
      expect(loaded.rows.map((r) => [r.secret, (r.mixed as { code?: string } | null)?.code ?? null])).toEqual([[null, null], [null, "public"]]);
    }
  });

  it("a cursor over a related order treats the unreadable value as absent, whichever row it starts from", async () => {
    const cursor = (db: TablesDB, id: string) => outcome(db.listRows({ databaseId: D, tableId: "profiles", queries: [Query.orderAsc("secret.code"), Query.cursorAfter(id)] }));
    expect([await cursor(guest, "p1"), await cursor(guest, "p2")]).toEqual(["400 database_query_order_null", "400 database_query_order_null"]);
    expect(await rowIds(server, "profiles", [Query.orderAsc("secret.code"), Query.cursorAfter("p2")])).toEqual(["p1"]);
  });
});

describe("linking a related row by ID changes that row only with update permission on it", () => {
  beforeAll(async () => {
    const userTable = [Permission.create(Role.users()), Permission.read(Role.any())];
    await server.createTable({ databaseId: D, tableId: "owners", name: "owners", permissions: userTable, rowSecurity: true, columns: [{ key: "name", type: "varchar", size: 20, required: false }] });
    await server.createTable({ databaseId: D, tableId: "pets", name: "pets", permissions: [Permission.read(Role.any())], rowSecurity: true, columns: [{ key: "name", type: "varchar", size: 20, required: false }] });
    await server.createTable({ databaseId: D, tableId: "desks", name: "desks", permissions: [Permission.read(Role.any())], rowSecurity: true, columns: [{ key: "name", type: "varchar", size: 20, required: false }] });
    await server.createRelationshipColumn({ databaseId: D, tableId: "owners", relatedTableId: "pets", type: RelationshipType.OneToMany, key: "pets", twoWayKey: "owner", twoWay: true, onDelete: RelationMutate.SetNull });
    await server.createRelationshipColumn({ databaseId: D, tableId: "owners", relatedTableId: "desks", type: RelationshipType.OneToOne, key: "desk", twoWayKey: "holder", twoWay: true, onDelete: RelationMutate.SetNull });
    await server.createRow({ databaseId: D, tableId: "pets", rowId: "rex", data: { name: "Rex" }, permissions: [Permission.read(Role.any())] });
    await server.createRow({ databaseId: D, tableId: "pets", rowId: "fido", data: { name: "Fido" }, permissions: [Permission.read(Role.any()), Permission.update(Role.user(aliceId))] });
    await server.createRow({ databaseId: D, tableId: "desks", rowId: "oak", data: { name: "Oak" }, permissions: [Permission.read(Role.any())] });
    await alice.createRow({ databaseId: D, tableId: "owners", rowId: "o1", data: { name: "Alice" } });
  });

  it("without update permission on the partner row → 401, and the partner row is unchanged", async () => {
    const before = await server.getRow({ databaseId: D, tableId: "pets", rowId: "rex" });
    const desk = await server.getRow({ databaseId: D, tableId: "desks", rowId: "oak" });
    expect(await outcome(alice.updateRow({ databaseId: D, tableId: "owners", rowId: "o1", data: { pets: ["rex"] } }))).toBe("401 user_unauthorized");
    expect(await outcome(alice.updateRow({ databaseId: D, tableId: "owners", rowId: "o1", data: { desk: "oak" } }))).toBe("401 user_unauthorized");
    expect(await outcome(alice.createRow({ databaseId: D, tableId: "owners", rowId: "o2", data: { pets: ["rex"] } }))).toBe("401 user_unauthorized");
    expect(await server.getRow({ databaseId: D, tableId: "pets", rowId: "rex" })).toEqual(before);
    expect(await server.getRow({ databaseId: D, tableId: "desks", rowId: "oak" })).toEqual(desk);
    expect(await outcome(server.getRow({ databaseId: D, tableId: "owners", rowId: "o2" }))).toBe("404 row_not_found");
    expect((await server.getRow({ databaseId: D, tableId: "owners", rowId: "o1", queries: [Query.select(["*", "pets.*"])] })).pets).toEqual([]);
  });

  it("with update permission: the partner's $updatedAt moves and its update event carries the row as written", async () => {
    const before = await server.getRow({ databaseId: D, tableId: "pets", rowId: "fido" });
    const { ws, next } = await openRealtime(project.projectId, aliceSecret);
    try {
      await next("connected");
      ws.send(JSON.stringify({ type: "subscribe", data: [{ subscriptionId: "fido", channels: [`databases.${D}.tables.pets.rows.fido`] }] }));
      expect((await next("response")).data.success).toBe(true);
      await alice.updateRow({ databaseId: D, tableId: "owners", rowId: "o1", data: { pets: ["fido"] } });
      const after = await server.getRow({ databaseId: D, tableId: "pets", rowId: "fido" });
      expect(after.owner).toBe("o1");
      expect(Date.parse(after.$updatedAt)).toBeGreaterThan(Date.parse(before.$updatedAt));
      const event = await next("event");
      expect(event.data.events).toContain(`databases.${D}.tables.pets.rows.fido.update`);
      expect(event.data.payload).toEqual(after);
      // unlinking changes it again
      await alice.updateRow({ databaseId: D, tableId: "owners", rowId: "o1", data: { pets: [] } });
      const unlinked = await next("event");
      expect(unlinked.data.payload.owner).toBeNull();
      expect((await server.getRow({ databaseId: D, tableId: "pets", rowId: "fido" })).owner).toBeNull();
    } finally {
      ws.close();
    }
  });
});

describe("deleting a row cascades only as far as the caller may delete", () => {
  it("a cascade into a row the caller may not delete → 401, and nothing is deleted", async () => {
    const users = [Permission.create(Role.users()), Permission.read(Role.any())];
    await server.createTable({ databaseId: D, tableId: "folders", name: "folders", permissions: users, rowSecurity: true, columns: [{ key: "name", type: "varchar", size: 20, required: false }] });
    await server.createTable({ databaseId: D, tableId: "files", name: "files", permissions: [Permission.read(Role.any())], rowSecurity: true, columns: [{ key: "name", type: "varchar", size: 20, required: false }] });
    await server.createRelationshipColumn({ databaseId: D, tableId: "folders", relatedTableId: "files", type: RelationshipType.OneToMany, key: "files", twoWayKey: "folder", twoWay: true, onDelete: RelationMutate.Cascade });
    await alice.createRow({ databaseId: D, tableId: "folders", rowId: "f1", data: { name: "mine" } });
    await server.createRow({ databaseId: D, tableId: "files", rowId: "theirs", data: { name: "theirs", folder: "f1" }, permissions: [Permission.read(Role.any())] });
    expect(await outcome(alice.deleteRow({ databaseId: D, tableId: "folders", rowId: "f1" }))).toBe("401 user_unauthorized");
    expect((await server.getRow({ databaseId: D, tableId: "files", rowId: "theirs" })).folder).toBe("f1");
    expect((await server.getRow({ databaseId: D, tableId: "folders", rowId: "f1" })).name).toBe("mine");
  });
});

describe("concurrent writes of one row", () => {
  const cols = Array.from({ length: 40 }, (_, i) => `c${i}`);
  beforeAll(async () => {
    await server.createTable({
      databaseId: D, tableId: "hot", name: "hot", permissions: [Permission.read(Role.users())], rowSecurity: true,
      columns: [{ key: "n", type: "integer", required: false, default: 0 }, ...cols.map((key) => ({ key, type: "integer", required: false }))],
    });
    await server.createRow({ databaseId: D, tableId: "hot", rowId: "h", data: { n: 0 }, permissions: [Permission.update(Role.user(aliceId))] });
  });

  it("40 concurrent increments all succeed and none is lost", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => outcome(alice.incrementRowColumn({ databaseId: D, tableId: "hot", rowId: "h", column: "n", value: 1 }))));
    expect(results).toEqual(Array(40).fill("ok"));
    expect((await server.getRow({ databaseId: D, tableId: "hot", rowId: "h" })).n).toBe(40);
  });

  it("each increment answers the row as it wrote it; bounds hold under contention", async () => {
    const values = await Promise.all(Array.from({ length: 20 }, () => alice.incrementRowColumn({ databaseId: D, tableId: "hot", rowId: "h", column: "n", value: 1, max: 50 }).then((r) => r.n as number, (e: AppwriteException) => e.type)));
    const ok = values.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
    expect(ok).toEqual(Array.from({ length: 10 }, (_, i) => 41 + i));
    expect(values.filter((v) => v === "column_limit_exceeded")).toHaveLength(10);
    expect((await server.getRow({ databaseId: D, tableId: "hot", rowId: "h" })).n).toBe(50);
  });

  it("40 concurrent updates of different columns all succeed and all are kept", async () => {
    const results = await Promise.all(cols.map((key, i) => outcome(alice.updateRow({ databaseId: D, tableId: "hot", rowId: "h", data: { [key]: i + 1 } }))));
    expect(results).toEqual(Array(40).fill("ok"));
    const row = await server.getRow({ databaseId: D, tableId: "hot", rowId: "h" });
    expect(cols.map((k) => row[k])).toEqual(cols.map((_, i) => i + 1));
    expect(row.n).toBe(50);
  });

  it("another user cannot increment or update it, and gets 401", async () => {
    expect(await outcome(bob.incrementRowColumn({ databaseId: D, tableId: "hot", rowId: "h", column: "n" }))).toBe("401 user_unauthorized");
    expect(await outcome(bob.updateRow({ databaseId: D, tableId: "hot", rowId: "h", data: { n: 0 } }))).toBe("401 user_unauthorized");
    expect(await outcome(bob.updateRow({ databaseId: D, tableId: "hot", rowId: "h", data: { n: "zero" } }))).toBe("401 user_unauthorized");
    expect(await outcome(bob.incrementRowColumn({ databaseId: D, tableId: "hot", rowId: "missing", column: "n" }))).toBe("404 row_not_found");
    expect((await server.getRow({ databaseId: D, tableId: "hot", rowId: "h" })).n).toBe(50);
  });
});

describe("queries with hostile values", () => {
  beforeAll(async () => {
    await server.createTable({ databaseId: D, tableId: "plain", name: "plain", permissions: [Permission.read(Role.any()), Permission.create(Role.any())], columns: [{ key: "title", type: "varchar", size: 20, required: false }] });
    await server.createRow({ databaseId: D, tableId: "plain", rowId: "x", data: { title: "x" } });
  });
  const list = (queries: string[]) => raw("GET", `/tablesdb/${D}/tables/plain/rows?${queries.map((q) => `queries[]=${encodeURIComponent(q)}`).join("&")}`, { headers: { "x-appwrite-project": project.projectId } });

  it("an offset above 2^63 → 400 general_query_invalid with Appwrite's message; a large valid one → an empty page", async () => {
    const huge = await list(['{"method":"offset","values":[10000000000000000000]}']);
    expect([huge.status, huge.body.type, huge.body.message]).toEqual([400, "general_query_invalid", "Invalid query: Invalid offset: Value must be a valid range between 0 and 9,223,372,036,854,775,807"]);
    expect((await list(['{"method":"offset","values":[-1]}'])).body.type).toBe("general_query_invalid");
    expect((await list(['{"method":"offset","values":["ten"]}'])).status).toBe(400);
    const far = await list(['{"method":"offset","values":[4611686018427387904]}']);
    expect([far.status, far.body.rows]).toEqual([200, []]);
    const limit = await list(['{"method":"limit","values":[0]}']);
    expect([limit.status, limit.body.message]).toEqual([400, "Invalid query: Invalid limit: Value must be a valid range between 1 and 5,000"]);
    expect((await raw("GET", `/tablesdb/transactions?queries[]=${encodeURIComponent('{"method":"offset","values":[1e300]}')}`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } })).status).toBe(400);
  });

  it("attribute names like constructor or __proto__ are unknown attributes (400), never a 500", async () => {
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "secret.constructor"]) {
      const r = await list([JSON.stringify({ method: "equal", attribute: name, values: ["x"] })]);
      expect([name, r.status, r.body.type]).toEqual([name, 400, "general_query_invalid"]);
      const o = await list([JSON.stringify({ method: "orderAsc", attribute: name })]);
      expect([name, o.status]).toEqual([name, 400]);
    }
    const dbs = await raw("GET", `/tablesdb?queries[]=${encodeURIComponent('{"method":"equal","attribute":"constructor","values":["x"]}')}`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
    expect(dbs.status).toBe(400);
    const tables = await raw("GET", `/tablesdb/${D}/tables?queries[]=${encodeURIComponent('{"method":"orderAsc","attribute":"__proto__"}')}`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
    expect(tables.status).toBe(400);
  });

  it("a row written with __proto__ or constructor keys is refused by the wire layer and not created", async () => {
    const body = '{"rowId":"proto","data":{"__proto__":{"title":"smuggled"},"constructor":1}}';
    const r = await raw("POST", `/tablesdb/${D}/tables/plain/rows`, { headers: { "content-type": "application/json", "x-appwrite-project": project.projectId }, body });
    expect([r.status, r.body.type, r.body.message]).toEqual([400, "general_argument_invalid", 'Invalid param: the key "__proto__" is not allowed.']);
    expect(await outcome(server.getRow({ databaseId: D, tableId: "plain", rowId: "proto" }))).toBe("404 row_not_found");
  });
});
