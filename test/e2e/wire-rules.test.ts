import { beforeAll, describe, expect, it } from "vitest";
import { Functions, Query, Storage, TablesDB, Tokens, Users } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { createProject, raw, type TestProject } from "./harness";

/** Rules every route shares (Edgewrite issue #17): empty `[]` bodies, datetimes with offsets and zone names. */
let project: TestProject;
const server = () => ({ "x-appwrite-project": project.projectId, "x-appwrite-key": project.key, "content-type": "application/json" });

beforeAll(async () => {
  project = await createProject("wire-rules");
  const users = new Users(project.server());
  await users.create({ userId: "u1", email: "u1@example.com", password: "password123" });
  await users.createSession({ userId: "u1" }); // a user JWT is minted for a session
  const storage = new Storage(project.server());
  await storage.createBucket({ bucketId: "b", name: "B" });
  await storage.createFile({ bucketId: "b", fileId: "f", file: InputFile.fromBuffer(new Uint8Array([1, 2, 3]), "f.bin") });
  await new Functions(project.server()).create({ functionId: "fn", name: "Fn", runtime: "node-22" as never });
});

describe("an empty JSON array body means no parameters (what Appwrite's PHP SDK sends)", () => {
  const created = [
    ["POST", "/tablesdb/transactions", "status"],
    ["POST", "/databases/transactions", "status"],
    ["POST", "/tokens/buckets/b/files/f", "expire"],
    ["POST", "/users/u1/jwts", "jwt"],
    ["POST", "/users/u1/tokens", "secret"],
  ] as const;

  it.each(created)("%s %s with [] is created with the defaults", async (method, path, field) => {
    const res = await raw(method, path, { headers: server(), body: "[]" });
    expect([res.status, res.body[field] !== undefined]).toEqual([201, true]);
  });

  it("answers [] exactly as {} where the route refuses for another reason (an execution without a deployment)", async () => {
    const path = "/functions/fn/executions";
    const [empty, object] = await Promise.all(["[]", "{}"].map((body) => raw("POST", path, { headers: server(), body })));
    expect(empty.body.type).not.toBe("general_argument_invalid");
    expect([empty.status, empty.body.type]).toEqual([object.status, object.body.type]);
  });

  it("still refuses a non-empty array or a scalar body (400)", async () => {
    for (const body of ["[1]", "[{}]", "3", '"x"', "null"]) {
      const res = await raw("POST", "/tablesdb/transactions", { headers: server(), body });
      expect([body, res.status, res.body.type]).toEqual([body, 400, "general_argument_invalid"]);
    }
  });

  it("keeps the user's own account routes working with [] (JWT from a session)", async () => {
    const login = await raw("POST", "/account/sessions/email", {
      headers: { "x-appwrite-project": project.projectId, "content-type": "application/json" },
      body: JSON.stringify({ email: "u1@example.com", password: "password123" }),
    });
    const session = /a_session_[^=]+=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
    const jwt = await raw("POST", "/account/jwts", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-session": session, "content-type": "application/json" }, body: "[]" });
    expect([jwt.status, typeof jwt.body.jwt]).toEqual([201, "string"]);
  });
});

describe("datetimes with an offset or a zone name", () => {
  let db: TablesDB;
  const base = { databaseId: "d", tableId: "people" };

  beforeAll(async () => {
    db = new TablesDB(project.server());
    await db.create({ databaseId: "d", name: "D" });
    await db.createTable({ ...base, name: "People" });
    await db.createDatetimeColumn({ ...base, key: "birthDay", required: false });
  });

  it("stores and reads back UTC, as Appwrite's DatabasesBase does", async () => {
    const offset = await db.createRow({ ...base, rowId: "offset", data: { birthDay: "1975-06-12 14:12:55+02:00" } });
    const iso = await db.createRow({ ...base, rowId: "iso", data: { birthDay: "1975-06-12T14:12:55.000+02:00" } });
    const zone = await db.createRow({ ...base, rowId: "zone", data: { birthDay: "1975-06-12 14:12:55 America/New_York" } });
    expect([offset.birthDay, iso.birthDay, zone.birthDay]).toEqual(["1975-06-12T12:12:55.000+00:00", "1975-06-12T12:12:55.000+00:00", "1975-06-12T18:12:55.000+00:00"]);
    expect((await db.getRow({ ...base, rowId: "zone" })).birthDay).toBe("1975-06-12T18:12:55.000+00:00");
    const updated = await db.updateRow({ ...base, rowId: "iso", data: { birthDay: "1975-01-12 14:12:55 America/New_York" } }); // EST: -05:00
    expect(updated.birthDay).toBe("1975-01-12T19:12:55.000+00:00");
  });

  it("refuses impossible datetimes and unknown zones (400)", async () => {
    for (const birthDay of ["2020-10-10 27:30:10+01:00", "1975-06-12 14:12:55 Mars/Olympus", "next tuesday"]) {
      const e = await db.createRow({ ...base, rowId: "bad", data: { birthDay } }).then(() => null, (x) => x);
      expect([birthDay, e?.code]).toEqual([birthDay, 400]);
    }
  });

  it("compares query values given with an offset in UTC", async () => {
    // 16:00+02:00 is 14:00 UTC: after "offset" (12:12 UTC), before "zone" (18:12 UTC).
    const after = await db.listRows({ ...base, queries: [Query.greaterThan("birthDay", "1975-06-12 16:00:00+02:00"), Query.orderAsc("$id")] });
    expect(after.rows.map((r) => r.$id)).toEqual(["zone"]);
    const before = await db.listRows({ ...base, queries: [Query.lessThan("birthDay", "1975-06-12T10:00:00-04:00"), Query.orderAsc("$id")] });
    expect(before.rows.map((r) => r.$id)).toEqual(["iso", "offset"]);
  });

  it("reads an `expire` given with a zone name in UTC (file tokens)", async () => {
    const token = await new Tokens(project.server()).createFileToken({ bucketId: "b", fileId: "f", expire: "2099-01-01 02:00:00 Europe/Berlin" });
    expect(token.expire).toBe("2099-01-01T01:00:00.000+00:00");
  });
});
