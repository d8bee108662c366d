import { beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Client, ID, Permission, Query, Role, TablesDB, Teams, Users } from "node-appwrite";
import { createProject, endpoint, type TestProject, openRealtime } from "./harness";

/**
 * Permission matrix of wire doc §3.4 "Row permission checks": guest, user, other user, team member
 * and API key × table permissions × rowSecurity, on get, list (rows and total), update and delete.
 */
let project: TestProject;
let server: TablesDB;
const clients: Record<string, TablesDB> = {};
let aliceId = "";
let aliceSecret = "";
let teamId = "";
const D = "perm";

const outcome = (p: Promise<unknown>) => p.then(() => "ok", (e: AppwriteException) => `${e.code} ${e.type}`);

beforeAll(async () => {
  project = await createProject("tablesdb-permissions");
  server = new TablesDB(project.server());
  const users = new Users(project.server());
  const teams = new Teams(project.server());
  const mk = async (name: string) => {
    const u = await users.create({ userId: ID.unique(), email: `${name}-${Date.now()}@example.com`, password: "password-123456", name });
    const s = await users.createSession({ userId: u.$id });
    return { id: u.$id, secret: s.secret, client: new TablesDB(new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(s.secret)) };
  };
  const alice = await mk("alice");
  aliceSecret = alice.secret;
  const bob = await mk("bob");
  const carol = await mk("carol");
  aliceId = alice.id;
  const team = await teams.create({ teamId: ID.unique(), name: "Crew" });
  teamId = team.$id;
  await teams.createMembership({ teamId, roles: ["member"], userId: carol.id });
  clients.guest = new TablesDB(project.guest());
  clients.alice = alice.client;
  clients.bob = bob.client;
  clients.carol = carol.client;
  clients.key = server;
  await server.create({ databaseId: D, name: "Permissions" });
});

/** A table with one row "r" owned by alice (row permissions: alice all, team read). */
async function setup(tableId: string, tablePerms: string[], rowSecurity: boolean) {
  await server.createTable({ databaseId: D, tableId, name: tableId, permissions: tablePerms, rowSecurity, columns: [{ key: "v", type: "integer", required: false }] });
  await server.createRow({
    databaseId: D, tableId, rowId: "r", data: { v: 1 },
    permissions: [Permission.read(Role.user(aliceId)), Permission.update(Role.user(aliceId)), Permission.delete(Role.user(aliceId)), Permission.read(Role.team(teamId))],
  });
  await server.createRow({ databaseId: D, tableId, rowId: "hidden", data: { v: 2 }, permissions: [] });
}

async function matrix(tableId: string) {
  const out: Record<string, Record<string, string>> = {};
  for (const [who, c] of Object.entries(clients)) {
    const list = await c.listRows({ databaseId: D, tableId }).then((l) => `${l.total}:${l.rows.map((r) => r.$id).sort().join(",")}`, (e: AppwriteException) => `${e.code} ${e.type}`);
    out[who] = {
      get: await outcome(c.getRow({ databaseId: D, tableId, rowId: "r" })),
      list,
      update: await outcome(c.updateRow({ databaseId: D, tableId, rowId: "r", data: { v: 3 } })),
    };
  }
  return out;
}

describe("row permission matrix (node-appwrite sessions, teams, API key)", () => {
  it("rowSecurity on, no table permissions: only row grants count; lists filter and totals count only readable rows", async () => {
    await setup("rs", [], true);
    expect(await matrix("rs")).toEqual({
      guest: { get: "404 row_not_found", list: "0:", update: "401 user_unauthorized" },
      alice: { get: "ok", list: "1:r", update: "ok" },
      bob: { get: "404 row_not_found", list: "0:", update: "401 user_unauthorized" },
      carol: { get: "ok", list: "1:r", update: "401 user_unauthorized" },
      key: { get: "ok", list: "2:hidden,r", update: "ok" },
    });
    // Filters and totals never reveal unreadable rows.
    const f = await clients.alice!.listRows({ databaseId: D, tableId: "rs", queries: [Query.greaterThan("v", 0)] });
    expect(f.total).toBe(1);
    expect(await outcome(clients.bob!.deleteRow({ databaseId: D, tableId: "rs", rowId: "r" }))).toBe("401 user_unauthorized");
    expect(await outcome(clients.carol!.deleteRow({ databaseId: D, tableId: "rs", rowId: "r" }))).toBe("401 user_unauthorized");
    expect(await outcome(clients.alice!.deleteRow({ databaseId: D, tableId: "rs", rowId: "r" }))).toBe("ok");
  });

  it("rowSecurity off: row permissions are ignored; table permissions decide; lists without table read are 401", async () => {
    await setup("tbl", [Permission.read(Role.users()), Permission.update(Role.team(teamId))], false);
    expect(await matrix("tbl")).toEqual({
      guest: { get: "404 row_not_found", list: "401 user_unauthorized", update: "401 user_unauthorized" },
      alice: { get: "ok", list: "2:hidden,r", update: "401 user_unauthorized" },
      bob: { get: "ok", list: "2:hidden,r", update: "401 user_unauthorized" },
      carol: { get: "ok", list: "2:hidden,r", update: "ok" },
      key: { get: "ok", list: "2:hidden,r", update: "ok" },
    });
    expect(await outcome(clients.carol!.deleteRow({ databaseId: D, tableId: "tbl", rowId: "r" }))).toBe("401 user_unauthorized");
  });

  it("rowSecurity on plus table permissions: either grant is enough (OR)", async () => {
    await setup("both", [Permission.read(Role.any())], true);
    const m = await matrix("both");
    expect(m.guest).toEqual({ get: "ok", list: "2:hidden,r", update: "401 user_unauthorized" });
    expect(m.bob).toEqual({ get: "ok", list: "2:hidden,r", update: "401 user_unauthorized" });
    expect(m.alice!.update).toBe("ok");
  });

  it("create needs table create; default row permissions go to the creator; grants are limited to held roles", async () => {
    await server.createTable({ databaseId: D, tableId: "cr", name: "cr", permissions: [Permission.create(Role.users())], rowSecurity: true, columns: [{ key: "v", type: "integer", required: false }] });
    expect(await outcome(clients.guest!.createRow({ databaseId: D, tableId: "cr", rowId: "g", data: {} }))).toBe("401 user_unauthorized");
    const mine = await clients.bob!.createRow({ databaseId: D, tableId: "cr", rowId: "b1", data: { v: 1 } });
    expect(mine.$permissions.sort()).toEqual(["delete", "read", "update"].map((a) => `${a}("user:${mine.$permissions[0]!.match(/user:([^"]+)/)![1]}")`).sort());
    expect((await clients.bob!.getRow({ databaseId: D, tableId: "cr", rowId: "b1" })).v).toBe(1);
    expect(await outcome(clients.alice!.getRow({ databaseId: D, tableId: "cr", rowId: "b1" }))).toBe("404 row_not_found");
    expect(await outcome(clients.bob!.createRow({ databaseId: D, tableId: "cr", rowId: "b2", data: {}, permissions: [Permission.read(Role.user(aliceId))] }))).toBe("401 user_unauthorized");
    expect(await outcome(clients.bob!.createRow({ databaseId: D, tableId: "cr", rowId: "b3", data: {}, permissions: [Permission.read(Role.any())] }))).toBe("ok");
    expect(await outcome(clients.alice!.getRow({ databaseId: D, tableId: "cr", rowId: "b3" }))).toBe("ok");
  });

  it("a disabled database looks not-found to clients, not to the API key", async () => {
    await server.create({ databaseId: "off", name: "Off" });
    await server.createTable({ databaseId: "off", tableId: "t", name: "t", permissions: [Permission.read(Role.any())] });
    await server.update({ databaseId: "off", name: "Off", enabled: false });
    expect(await outcome(clients.guest!.listRows({ databaseId: "off", tableId: "t" }))).toBe("404 database_not_found");
    expect(await outcome(server.listRows({ databaseId: "off", tableId: "t" }))).toBe("ok");
  });
});

describe("row events (realtime, recorded in the same batch as the write)", () => {
  it("a reader receives create/update/delete with the Row payload; rows it cannot read are not delivered", async () => {
    await server.createTable({ databaseId: D, tableId: "ev", name: "ev", permissions: [Permission.create(Role.users())], rowSecurity: true, columns: [{ key: "v", type: "integer", required: false }] });
    const { ws, frames, next } = await openRealtime(project.projectId, aliceSecret);
    try {
      await next("connected");
      ws.send(JSON.stringify({ type: "subscribe", data: [{ subscriptionId: "s", channels: [`databases.${D}.tables.ev.rows`] }] }));
      expect((await next("response")).data.success).toBe(true);
      await server.createRow({ databaseId: D, tableId: "ev", rowId: "hidden", data: { v: 0 }, permissions: [] });
      const mine = await clients.alice!.createRow({ databaseId: D, tableId: "ev", rowId: "mine", data: { v: 1 } });
      const created = await next("event");
      expect(created.data.events).toEqual(expect.arrayContaining([`databases.${D}.tables.ev.rows.mine.create`, `tablesdb.${D}.tables.ev.rows.mine.create`, `databases.${D}.collections.ev.documents.mine.create`]));
      expect(created.data.payload).toEqual(mine);
      expect(created.data.payload.$sequence).toMatch(/^\d+$/);
      await clients.alice!.updateRow({ databaseId: D, tableId: "ev", rowId: "mine", data: { v: 2 } });
      const updated = await next("event");
      expect(updated.data.events).toContain(`databases.${D}.tables.ev.rows.mine.update`);
      expect(updated.data.payload.v).toBe(2);
      await clients.alice!.deleteRow({ databaseId: D, tableId: "ev", rowId: "mine" });
      expect((await next("event")).data.events).toContain(`databases.${D}.tables.ev.rows.mine.delete`);
      expect(frames.filter((f) => f.type === "event")).toEqual([]);
    } finally {
      ws.close();
    }
  });
});
