import { beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Operator, Permission, Query, Role, TablesDB } from "node-appwrite";
import { createProject, type TestProject } from "./harness";

let project: TestProject;
let db: TablesDB;
const base = { databaseId: "tx", tableId: "acc" };
const outcome = (p: Promise<unknown>) => p.then(() => "ok", (e: AppwriteException) => `${e.code} ${e.type}`);

beforeAll(async () => {
  project = await createProject("tablesdb-transactions");
  db = new TablesDB(project.server());
  await db.create({ databaseId: "tx", name: "Tx" });
  await db.createTable({
    ...base, name: "Accounts", permissions: [Permission.read(Role.any())],
    columns: [{ key: "owner", type: "varchar", size: 20, required: true }, { key: "balance", type: "integer", required: false, default: 0 }],
    indexes: [{ key: "owner_u", type: "unique", attributes: ["owner"] }],
  });
  await db.createRows({ ...base, rows: [{ $id: "a", owner: "ann", balance: 100 }, { $id: "b", owner: "bob", balance: 0 }] });
});

describe("transactions", () => {
  it("stages writes (rows unchanged until commit), reads through the transaction, commits all at once", async () => {
    const tx = await db.createTransaction({ ttl: 120 });
    expect(tx).toMatchObject({ status: "pending", operations: 0 });
    await db.decrementRowColumn({ ...base, rowId: "a", column: "balance", value: 30, transactionId: tx.$id });
    await db.updateRow({ ...base, rowId: "b", data: { balance: Operator.increment(30) }, transactionId: tx.$id });
    await db.createRow({ ...base, rowId: "c", data: { owner: "cat", balance: 5 }, transactionId: tx.$id });
    const t2 = await db.createOperations({ transactionId: tx.$id, operations: [{ action: "update", databaseId: "tx", tableId: "acc", rowId: "c", data: { balance: 6 } }] });
    expect(t2.operations).toBe(4);
    expect((await db.getRow({ ...base, rowId: "a" })).balance).toBe(100);
    await expect(db.getRow({ ...base, rowId: "c" })).rejects.toMatchObject({ code: 404 });
    expect((await db.getRow({ ...base, rowId: "c", transactionId: tx.$id })).balance).toBe(6);
    expect((await db.listRows({ ...base, transactionId: tx.$id })).rows.map((r) => [r.$id, r.balance])).toEqual([["a", 70], ["b", 30], ["c", 6]]);
    const done = await db.updateTransaction({ transactionId: tx.$id, commit: true });
    expect(done.status).toBe("committed");
    const rows = await db.listRows({ ...base, queries: [Query.orderAsc("$id")] });
    expect(rows.rows.map((r) => [r.$id, r.balance])).toEqual([["a", 70], ["b", 30], ["c", 6]]);
    expect(await outcome(db.updateTransaction({ transactionId: tx.$id, commit: true }))).toBe("400 transaction_invalid");
  });

  it("all or nothing: a failing operation at commit writes nothing", async () => {
    const tx = await db.createTransaction();
    await db.updateRow({ ...base, rowId: "a", data: { balance: 0 }, transactionId: tx.$id });
    await db.createRow({ ...base, rowId: "d", data: { owner: "bob" }, transactionId: tx.$id }); // unique owner clash
    expect(await outcome(db.updateTransaction({ transactionId: tx.$id, commit: true }))).toBe("409 row_unique_constraint_violation");
    expect((await db.getRow({ ...base, rowId: "a" })).balance).toBe(70);
    expect(await outcome(db.getRow({ ...base, rowId: "d" }))).toBe("404 row_not_found");
  });

  it("a row changed outside the transaction after staging → 409 transaction_conflict", async () => {
    const tx = await db.createTransaction();
    await db.updateRow({ ...base, rowId: "b", data: { balance: 1 }, transactionId: tx.$id });
    await db.updateRow({ ...base, rowId: "b", data: { balance: 2 } });
    expect(await outcome(db.updateTransaction({ transactionId: tx.$id, commit: true }))).toBe("409 transaction_conflict");
    expect((await db.getRow({ ...base, rowId: "b" })).balance).toBe(2);
  });

  it("rollback discards; deleteTransaction; unknown → 404; bad ttl → 400", async () => {
    const tx = await db.createTransaction();
    await db.deleteRow({ ...base, rowId: "a", transactionId: tx.$id });
    expect((await db.updateTransaction({ transactionId: tx.$id, rollback: true })).status).toBe("rolled_back");
    expect((await db.getRow({ ...base, rowId: "a" })).$id).toBe("a");
    expect(await outcome(db.getTransaction({ transactionId: "nope" }))).toBe("404 transaction_not_found");
    expect(await outcome(db.createTransaction({ ttl: 5 }))).toBe("400 general_argument_invalid");
    const t2 = await db.createTransaction();
    expect((await db.listTransactions()).transactions.some((t) => t.$id === t2.$id)).toBe(true);
    await db.deleteTransaction({ transactionId: t2.$id });
    expect(await outcome(db.getTransaction({ transactionId: t2.$id }))).toBe("404 transaction_not_found");
  });

  it("an update must commit or roll back, not both nor neither (Appwrite's 400s); the transaction stays pending", async () => {
    const tx = await db.createTransaction();
    await db.deleteRow({ ...base, rowId: "b", transactionId: tx.$id });
    const refusal = (p: Promise<unknown>) => p.then(() => "ok", (e: AppwriteException) => `${e.code} ${e.type} ${e.message}`);
    expect(await refusal(db.updateTransaction({ transactionId: tx.$id }))).toBe("400 general_bad_request Either commit or rollback must be true");
    expect(await refusal(db.updateTransaction({ transactionId: tx.$id, commit: true, rollback: true }))).toBe("400 general_bad_request Cannot commit and rollback at the same time");
    expect((await db.getTransaction({ transactionId: tx.$id })).status).toBe("pending");
    expect((await db.getRow({ ...base, rowId: "b" })).$id).toBe("b");
    await db.updateTransaction({ transactionId: tx.$id, rollback: true });
  });
});
