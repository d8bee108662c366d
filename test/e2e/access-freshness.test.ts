import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Client, ID, Permission, Query, Role, TablesDB } from "node-appwrite";
import { consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";

/**
 * Row routes may run on a key resolution this isolate remembers, checked inside the request's own batches
 * (src/platform/access.ts), and on per-isolate table metadata (src/services/tablesdb/meta.ts). Whatever is
 * remembered, a change takes effect on the very next request: these tests use a key, table or platform first
 * (so it is remembered), change it, and expect the next request to see the change.
 */
let project: TestProject;
let db: TablesDB;

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected the call to fail"); }, (e) => e as AppwriteException);
const rowsPath = (tableId: string) => `/tablesdb/main/tables/${tableId}/rows`;

async function newKey(p: TestProject, scopes: string[]): Promise<{ id: string; secret: string; client: TablesDB }> {
  const k = await consoleCall("POST", `/projects/${p.projectId}/keys`, { name: "second", scopes });
  expect(k.status).toBe(201);
  return { id: k.json.$id, secret: k.json.secret, client: new TablesDB(new Client().setEndpoint(endpoint).setProject(p.projectId).setKey(k.json.secret)) };
}

beforeAll(async () => {
  project = await createProject("access-freshness");
  db = new TablesDB(project.server());
  await db.create({ databaseId: "main", name: "Main" });
  await db.createTable({
    databaseId: "main", tableId: "items", name: "Items", permissions: [Permission.read(Role.any())],
    columns: [{ key: "title", type: "varchar", size: 64, required: false }],
  });
});

/**
 * The key, platform and project tests run twice: as this server's isolate makes the change (its memory is dropped
 * at once), and as another isolate would — the test hook keeps the memory, so only the guard inside each request's
 * batch (the access stamp on the project's data database, migration 0030) can see the change.
 */
for (const remote of [false, true]) {
  describe(remote ? "remembered access stays fresh when another isolate makes the change" : "remembered access stays fresh", () => {
    if (remote) {
      beforeAll(async () => expect((await consoleCall("POST", "/_edgewrite/test/access/memory", { keep: true })).status).toBe(200));
      afterAll(async () => void (await consoleCall("POST", "/_edgewrite/test/access/memory", { keep: false })));
    }
    it("a deleted key is refused on the next read and the next write, after it was used", async () => {
      const k = await newKey(project, ["rows.read", "rows.write"]);
      const row = await k.client.createRow({ databaseId: "main", tableId: "items", rowId: ID.unique(), data: { title: "by second key" } });
      for (let i = 0; i < 3; i++) expect((await k.client.getRow({ databaseId: "main", tableId: "items", rowId: row.$id })).title).toBe("by second key");
      await k.client.updateRow({ databaseId: "main", tableId: "items", rowId: row.$id, data: { title: "updated" } });
      expect((await k.client.listRows({ databaseId: "main", tableId: "items" })).total).toBeGreaterThan(0);

      expect((await consoleCall("DELETE", `/projects/${project.projectId}/keys/${k.id}`)).status).toBe(204);
      const before = (await db.listRows({ databaseId: "main", tableId: "items" })).total;
      for (const call of [
        () => k.client.getRow({ databaseId: "main", tableId: "items", rowId: row.$id }),
        () => k.client.listRows({ databaseId: "main", tableId: "items" }),
        () => k.client.createRow({ databaseId: "main", tableId: "items", rowId: ID.unique(), data: { title: "must not exist" } }),
        () => k.client.updateRow({ databaseId: "main", tableId: "items", rowId: row.$id, data: { title: "must not change" } }),
      ]) {
        const e = await fail(call());
        expect([e.code, e.type]).toEqual([401, "user_unauthorized"]);
      }
      // Nothing the deleted key sent was written.
      expect((await db.listRows({ databaseId: "main", tableId: "items" })).total).toBe(before);
      expect((await db.getRow({ databaseId: "main", tableId: "items", rowId: row.$id })).title).toBe("updated");
      expect((await db.listRows({ databaseId: "main", tableId: "items", queries: [Query.equal("title", "must not exist")] })).total).toBe(0);
    });

    it("a key without rows scopes is refused with Appwrite's scope error, every time", async () => {
      const k = await newKey(project, ["rows.read"]);
      await k.client.listRows({ databaseId: "main", tableId: "items" });
      for (let i = 0; i < 2; i++) {
        const e = await fail(k.client.createRow({ databaseId: "main", tableId: "items", rowId: ID.unique(), data: { title: "x" } }));
        expect([e.code, e.type]).toEqual([401, "general_unauthorized_scope"]);
        expect(e.message).toContain('missing scopes (["rows.write","documents.write"])');
      }
    });

    it("a removed platform stops the CORS echo on the next row request", async () => {
      const origin = "https://app.freshness.example";
      const made = await consoleCall("POST", `/projects/${project.projectId}/platforms`, { type: "web", name: "web", hostname: "app.freshness.example" });
      expect(made.status).toBe(201);
      const get = () => raw("GET", `${rowsPath("items")}`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, origin } });
      for (let i = 0; i < 2; i++) {
        const r = await get();
        expect(r.status).toBe(200);
        expect(r.headers.get("access-control-allow-origin")).toBe(origin);
      }
      expect((await consoleCall("DELETE", `/projects/${project.projectId}/platforms/${made.json.$id}`)).status).toBe(204);
      const after = await get();
      expect(after.status).toBe(200); // keys are exempt from the Origin check, as in Appwrite
      expect(after.headers.get("access-control-allow-origin")).toBeNull();
      // A guest from that origin is now refused.
      const guestRead = await raw("GET", `${rowsPath("items")}`, { headers: { "x-appwrite-project": project.projectId, origin } });
      expect([guestRead.status, guestRead.body.type]).toEqual([403, "general_unknown_origin"]);
    });

    it("a key's scopes narrowed are applied on the next write, after it was used", async () => {
      const k = await newKey(project, ["rows.read", "rows.write"]);
      const row = await k.client.createRow({ databaseId: "main", tableId: "items", rowId: ID.unique(), data: { title: "narrow me" } });
      await k.client.getRow({ databaseId: "main", tableId: "items", rowId: row.$id });
      expect((await consoleCall("PUT", `/projects/${project.projectId}/keys/${k.id}`, { name: "second", scopes: ["rows.read"] })).status).toBe(200);
      const e = await fail(k.client.updateRow({ databaseId: "main", tableId: "items", rowId: row.$id, data: { title: "must not change" } }));
      expect([e.code, e.type]).toEqual([401, "general_unauthorized_scope"]);
      expect((await k.client.getRow({ databaseId: "main", tableId: "items", rowId: row.$id })).title).toBe("narrow me");
    });

    it("a deleted project is not found on the next row request with its key", async () => {
      const p = await createProject("access-freshness-gone");
      const t = new TablesDB(p.server());
      await t.create({ databaseId: "main", name: "Main" });
      await t.createTable({ databaseId: "main", tableId: "items", name: "Items", columns: [{ key: "title", type: "varchar", size: 64, required: false }] });
      await t.listRows({ databaseId: "main", tableId: "items" });
      await t.listRows({ databaseId: "main", tableId: "items" });
      expect((await consoleCall("DELETE", `/projects/${p.projectId}`)).status).toBe(204);
      const e = await fail(t.listRows({ databaseId: "main", tableId: "items" }));
      expect([e.code, e.type]).toEqual([404, "project_not_found"]);
    });
  });
}

describe("remembered table metadata stays fresh", () => {
  it("a table permission removed takes effect on the next read", async () => {
    const guest = new TablesDB(project.guest());
    const row = await db.createRow({ databaseId: "main", tableId: "items", rowId: ID.unique(), data: { title: "public" } });
    expect((await guest.getRow({ databaseId: "main", tableId: "items", rowId: row.$id })).title).toBe("public");
    await db.updateTable({ databaseId: "main", tableId: "items", name: "Items", permissions: [] });
    const e = await fail(guest.getRow({ databaseId: "main", tableId: "items", rowId: row.$id }));
    expect([e.code, e.type]).toEqual([404, "row_not_found"]);
    await db.updateTable({ databaseId: "main", tableId: "items", name: "Items", permissions: [Permission.read(Role.any())] });
    expect((await guest.getRow({ databaseId: "main", tableId: "items", rowId: row.$id })).title).toBe("public");
  });

  it("a column added is accepted by the next write; an unknown one is still refused", async () => {
    await db.createRow({ databaseId: "main", tableId: "items", rowId: ID.unique(), data: { title: "before" } });
    const unknown = await fail(db.createRow({ databaseId: "main", tableId: "items", rowId: ID.unique(), data: { title: "x", extra: 1 } }));
    expect([unknown.code, unknown.type]).toEqual([400, "row_invalid_structure"]);
    await db.createIntegerColumn({ databaseId: "main", tableId: "items", key: "extra", required: false });
    const made = await db.createRow({ databaseId: "main", tableId: "items", rowId: ID.unique(), data: { title: "after", extra: 7 } });
    expect(made.extra).toBe(7);
    const updated = await db.updateRow({ databaseId: "main", tableId: "items", rowId: made.$id, data: { extra: 8 } });
    expect(updated.extra).toBe(8);
  });
});
