import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { AppwriteError } from "../../src/core/errors";
import { isValidId, resolveId, uniqueId } from "../../src/core/ids";
import { fromSearchParams, p, validate } from "../../src/core/params";
import { lookup, parseJson } from "../../src/core/input";
import { assertGrantable, isAllowed, isValidRole, normalizePermissions, ITEM_ACTIONS } from "../../src/core/permissions";
import { groupQueries, parseQueries, parseQuery } from "../../src/core/query/parse";
import { Binder, compileFilters, type Resolver } from "../../src/core/query/sql";
import { formatDate, parseDate } from "../../src/core/time";
import { runList, prepareQueries } from "../../src/db/list";
import { SPATIAL_WORK_MAX, spatialLeaf } from "../../src/core/query/spatial";
import * as schema from "../../src/db/schema";
import { NOT_MOVED, PLATFORM_TABLES } from "../../src/services/shards/move";
import { channelsFor, convertChannels } from "../../src/events/channels";
import { refusal } from "../../src/services/avatars/remote";
import { initialsOf } from "../../src/services/avatars/initials";
import { generateEvents } from "../../src/events/names";
import { allowedOrigins, checkOrigin } from "../../src/platform/origin";
import { compileQueries, matchesQueries } from "../../src/services/realtime/queries";
import { multipartField, wantsMultipart } from "../../src/services/functions/payload";
import { compareVersions, formatsFor, lowerModel } from "../../src/platform/formats";
import { convertOldQuery } from "../../src/platform/formats/old-queries";

const fails = (fn: () => unknown, type: string) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppwriteError);
    expect((e as AppwriteError).type).toBe(type);
    return e as AppwriteError;
  }
  throw new Error("expected an AppwriteError");
};

describe("ids and dates", () => {
  it("unique() ids look like the SDK's: 20 lowercase hex chars, increasing", () => {
    const a = uniqueId();
    expect(a).toMatch(/^[0-9a-f]{20}$/);
    expect(uniqueId().slice(0, 8) >= a.slice(0, 8)).toBe(true);
  });
  it("custom ids follow Appwrite's Key validator", () => {
    for (const ok of ["a", "A.b-c_d", "1abc", "x".repeat(36)]) expect(isValidId(ok)).toBe(true);
    for (const bad of ["", "_a", ".a", "-a", "x".repeat(37), "a b", "a$b", "é"]) expect(isValidId(bad)).toBe(false);
    expect(resolveId("rowId", "unique()")).toMatch(/^[0-9a-f]{20}$/);
    expect(fails(() => resolveId("rowId", "_bad"), "general_argument_invalid").message).toMatch(/^Invalid `rowId` param: /);
  });
  it("formats dates the Appwrite way", () => {
    expect(formatDate(Date.UTC(2020, 9, 15, 6, 38))).toBe("2020-10-15T06:38:00.000+00:00");
  });
  it("reads datetimes with offsets and zone names as Appwrite does (DatabasesBase birthDay cases)", () => {
    const read = (v: string) => {
      const ms = parseDate(v);
      return ms === null ? null : formatDate(ms);
    };
    expect(read("1975-06-12 14:12:55+02:00")).toBe("1975-06-12T12:12:55.000+00:00");
    expect(read("1975-06-12T14:12:55.000+02:00")).toBe("1975-06-12T12:12:55.000+00:00");
    expect(read("1975-06-12 14:12:55 America/New_York")).toBe("1975-06-12T18:12:55.000+00:00"); // EDT
    expect(read("1975-01-12 14:12:55 America/New_York")).toBe("1975-01-12T19:12:55.000+00:00"); // EST
    expect(read("2024-03-10 12:00:00 Europe/Berlin")).toBe("2024-03-10T11:00:00.000+00:00");
    expect(read("2020-10-15T06:38:00.123456Z")).toBe("2020-10-15T06:38:00.123+00:00");
    expect(read("2020-10-15 06:38:00-0530")).toBe("2020-10-15T12:08:00.000+00:00");
    expect(read("2020-10-15")).toBe("2020-10-15T00:00:00.000+00:00");
    expect(read("0001-01-01 00:00:00")).toBe("0001-01-01T00:00:00.000+00:00");
    expect(read("2024-02-29 00:00:00")).toBe("2024-02-29T00:00:00.000+00:00");
    expect(read("2022-1-4 11:31")).toBe("2022-01-04T11:31:00.000+00:00"); // utopia's DatetimeValidator cases
    expect(read("2022-1-4 11:31:52.123456789")).toBe("2022-01-04T11:31:52.123+00:00");
    expect(read("2022-12-04 11:31:52.680+02:00")).toBe("2022-12-04T09:31:52.680+00:00");
    for (const bad of ["2020-10-10 27:30:10+01:00", "2023-02-29", "0000-00-00 00:00:00", "10000-01-01 00:00:00", "-0001-13-04 00:00:00", "2022-13-04 11:31:52.680", "2020-13-01", "1975-06-12 14:12:55 Mars/Olympus", "tomorrow", "1 2 3", "2020-10-15T06:38:00+02:00 trailing"]) {
      expect(parseDate(bad), bad).toBeNull();
    }
  });
});

describe("params", () => {
  it("decodes GET arrays as key[0]=, key[]= and key=", () => {
    const sp = new URLSearchParams("queries[0]=a&queries[1]=b&tags[]=x&tags[]=y&one=z&total=false");
    expect(fromSearchParams(sp)).toEqual({ queries: ["a", "b"], tags: ["x", "y"], one: "z", total: "false" });
  });
  it("coerces by declared type and words errors like Appwrite", () => {
    const shape = { total: p.optional(p.boolean()), limit: p.integer({ min: 1, max: 10 }), ids: p.strings() };
    expect(validate({ total: "false", limit: "5", ids: "solo" }, shape)).toEqual({ total: false, limit: 5, ids: ["solo"] });
    expect(fails(() => validate({ ids: [] }, shape), "general_argument_invalid").message).toBe('Param "limit" is not optional.');
    expect(fails(() => validate({ limit: "11", ids: [] }, shape), "general_argument_invalid").message).toBe("Invalid `limit` param: Value must be a valid range between 1 and 10");
    fails(() => validate({ limit: 1, ids: Array(101).fill("a") }, shape), "general_argument_invalid");
    expect(validate({ email: null }, { email: p.optional(p.email()) })).toEqual({ email: undefined });
  });
  it("builds null-prototype objects and refuses prototype keys at every depth", () => {
    const parsed = fromSearchParams(new URLSearchParams("a[b][0]=x&c=y"));
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    expect(Object.getPrototypeOf(parsed.a)).toBeNull();
    for (const q of ["a[__proto__][x]=1", "__proto__[x]=1", "a[b][constructor][prototype][x]=1", "prototype=1", "a[0][__proto__]=1"]) {
      fails(() => fromSearchParams(new URLSearchParams(q)), "general_argument_invalid");
    }
    for (const text of ['{"__proto__":{"x":1}}', '{"a":[{"b":{"constructor":{"prototype":{"x":1}}}}]}', '{"\\u005f_proto__":1}']) {
      fails(() => parseJson(text), "general_argument_invalid");
    }
    const body = parseJson('{"data":{"toString":"a","list":[{"valueOf":1}]}}') as Record<string, any>;
    expect(Object.getPrototypeOf(body.data)).toBeNull();
    expect(Object.getPrototypeOf(body.data.list[0])).toBeNull();
    expect(body.data.toString).toBe("a");
    fails(() => parseJson("[".repeat(600) + "]".repeat(600)), "general_argument_invalid");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    // A table indexed by a client's name never answers with an inherited member.
    const table = lookup({ a: 1 });
    expect([table.a, table.constructor, table.toString, table.__proto__]).toEqual([1, undefined, undefined, undefined]);
    // Query attributes naming prototype machinery are refused before any resolver sees them.
    fails(() => parseQuery('{"method":"equal","attribute":"constructor","values":[1]}'), "general_query_invalid");
    fails(() => parseQuery('{"__proto__":{"method":"limit"},"method":"equal","attribute":"a","values":[1]}'), "general_query_invalid");
  });
});

describe("permissions", () => {
  it("validates roles and normalises write", () => {
    for (const r of ["any", "guests", "users", "users/verified", "user:u1", "user:u1/unverified", "team:t1", "team:t1/owner", "member:m1", "label:vip"]) expect(isValidRole(r)).toBe(true);
    for (const r of ["anyone", "user:", "users/admin", "team:t1/a/b", "guests/x", "label:"]) expect(isValidRole(r)).toBe(false);
    expect(normalizePermissions(['write("user:u1")', 'read("any")', 'read("any")'], ITEM_ACTIONS)).toEqual(['update("user:u1")', 'delete("user:u1")', 'read("any")']);
    expect(normalizePermissions(['write("users")'])).toEqual(['create("users")', 'update("users")', 'delete("users")']);
    fails(() => normalizePermissions(['create("any")'], ITEM_ACTIONS), "general_argument_invalid");
    fails(() => normalizePermissions(["read(any)"]), "general_argument_invalid");
  });
  it("a caller passes only with a held role, and may grant only roles it holds", () => {
    const roles = ["any", "users", "user:u1", "team:t1", "team:t1/owner"];
    expect(isAllowed(roles, ['read("team:t1/owner")'], "read")).toBe(true);
    expect(isAllowed(roles, ['read("team:t2")', 'update("user:u1")'], "read")).toBe(false);
    assertGrantable(roles, false, ['read("user:u1")', 'delete("team:t1")']);
    expect(fails(() => assertGrantable(roles, false, ['read("user:u2")']), "user_unauthorized").code).toBe(401);
    assertGrantable(["any"], true, ['read("user:u2")']);
  });
});

describe("queries", () => {
  it("parses every SDK shape, nested logic included", () => {
    const q = parseQuery('{"method":"or","values":[{"method":"equal","attribute":"a","values":[1]},{"method":"isNull","attribute":"b"}]}');
    expect(q.queries?.map((c) => c.method)).toEqual(["equal", "isNull"]);
    const g = groupQueries(parseQueries(['{"method":"limit","values":[5]}', '{"method":"limit","values":[9]}', '{"method":"offset","values":[2]}', '{"method":"orderDesc","attribute":"n"}', '{"method":"cursorAfter","values":["r1"]}']));
    expect([g.limit, g.offset, g.orders, g.cursor]).toEqual([5, 2, [{ attribute: "n", direction: "DESC" }], { direction: "after", id: "r1" }]);
  });
  it("rejects malformed queries with general_query_invalid", () => {
    for (const bad of ["{", "[]", '{"method":"drop"}', '{"method":"equal","attribute":1}', '{"method":"equal","values":"x"}', '{"method":"or","values":[]}', '{"method":"limit","values":[0]}', "x".repeat(4097)]) {
      fails(() => groupQueries(parseQueries([bad])), "general_query_invalid");
    }
    fails(() => parseQueries(Array(101).fill('{"method":"limit","values":[1]}')), "general_query_invalid");
  });
});

describe("older response formats", () => {
  it("turns 1.4 query strings into the JSON queries Appwrite's 1.4 parser would have produced", () => {
    const cases: [string, unknown][] = [
      ['equal("title", ["a", "b"])', { method: "equal", attribute: "title", values: ["a", "b"] }],
      ['equal("n", [1,2.5,true,null])', { method: "equal", attribute: "n", values: [1, 2.5, true, null] }],
      ['equal("title", ["a, b [c]", \'it"s\'])', { method: "equal", attribute: "title", values: ["a, b [c]", 'it"s'] }],
      ['equal("title", ["say \\"hi\\""])', { method: "equal", attribute: "title", values: ['say "hi"'] }],
      ['search("title", "x")', { method: "search", attribute: "title", values: ["x"] }],
      ['equal("title", [])', { method: "equal", attribute: "title" }],
      ['between("n", 1, 5)', { method: "between", attribute: "n", values: [1, 5] }],
      ['select(["title","n"])', { method: "select", values: ["title", "n"] }],
      ['orderDesc("$createdAt")', { method: "orderDesc", attribute: "$createdAt" }],
      ["limit(25)", { method: "limit", values: [25] }],
      ['cursorAfter("r1")', { method: "cursorAfter", values: ["r1"] }],
      ['isNull("x")', { method: "isNull", attribute: "x" }],
    ];
    for (const [text, json] of cases) {
      const converted = convertOldQuery(text);
      expect(JSON.parse(converted), text).toEqual(json);
      parseQuery(converted); // and today's parser takes it
    }
    expect(fails(() => convertOldQuery("limit"), "general_query_invalid").message).toBe("Invalid query");
    expect(fails(() => convertOldQuery("Query.limit(1)"), "general_query_invalid").message).toBe("Invalid query method");
  });
  it("lowers today's models through every older format in Appwrite's order", () => {
    expect(formatsFor("1.9.6")).toEqual([]);
    const v13 = formatsFor("1.0.0");
    const execution = lowerModel(v13, "execution", {
      $id: "e", status: "completed", responseStatusCode: 404, responseBody: "nope", logs: "l", errors: "e", scheduledAt: null,
    });
    expect(execution).toEqual({ $id: "e", status: "completed", statusCode: 404, response: "nope", stdout: "l", stderr: "e" });
    const deployment = lowerModel(v13, "deployment", { $id: "d", sourceSize: 10, buildSize: 5, totalSize: 15, buildDuration: 3, buildLogs: "ok", screenshotLight: "" });
    expect(deployment).toEqual({ $id: "d", size: 15, buildTime: 3, buildStdout: "ok", buildStderr: "" });
    const fn = lowerModel(v13, "function", { $id: "f", deploymentId: "d", latestDeploymentId: "d", scopes: [], schedule: "0 * * * *", buildSpecification: "s", runtimeSpecification: "s" });
    expect(fn).toMatchObject({ $id: "f", deployment: "d", schedule: "0 * * * *" });
    expect(Object.keys(fn)).not.toContain("specification");
    expect(Date.parse(String(fn.scheduleNext)) - Date.parse(String(fn.schedulePrevious))).toBe(3600_000);
    const webhook = lowerModel(formatsFor("1.9.0"), "webhook", { tls: false, authUsername: "u", authPassword: "p", secret: "s", enabled: true });
    expect(webhook).toEqual({ security: false, httpUser: "u", httpPass: "p", signatureKey: "s", enabled: true });
    const row = lowerModel(formatsFor("1.8.0"), "row", { $id: "r", $sequence: "7", author: { $id: "a", $sequence: "2" }, tags: [{ $id: "t", $sequence: "3" }] });
    expect(row).toEqual({ $id: "r", $sequence: 7, author: { $id: "a", $sequence: 2 }, tags: [{ $id: "t", $sequence: 3 }] });
  });
  it("orders versions as PHP's version_compare does", () => {
    expect([compareVersions("1.0.0", "1.4.0"), compareVersions("1.4.0", "1.4.0"), compareVersions("1.9.5", "1.9.6")]).toEqual([-1, 0, -1]);
    expect([compareVersions("2.0.0", "1.9.6"), compareVersions("1.10.0", "1.9.0"), compareVersions("1.9", "1.9.0"), compareVersions("1.9.0-rc1", "1.9.0")]).toEqual([1, 1, -1, -1]);
  });
});

// A real table to run compiled SQL against: the compiler is only right if D1 agrees.
const resolve: Resolver = (a) =>
  ({
    $id: { sql: "id", type: "string" },
    $sequence: { sql: "seq", type: "integer" },
    name: { sql: "name", type: "string" },
    n: { sql: "n", type: "integer" },
    score: { sql: "score", type: "float" },
    done: { sql: "done", type: "boolean" },
    at: { sql: "at", type: "datetime" },
    tags: { sql: "tags", type: "string", array: true },
  })[a] as ReturnType<Resolver>;

async function seed() {
  await env.DB.exec("CREATE TABLE IF NOT EXISTS qt (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT, name TEXT, n INTEGER, score REAL, done INTEGER, at INTEGER, tags TEXT)");
  await env.DB.exec("DELETE FROM qt");
  const rows = [
    ["r1", "apple", 1, 1.5, 1, Date.UTC(2024, 0, 1), '["red","green"]'],
    ["r2", "banana", 2, 2.5, 0, Date.UTC(2024, 5, 1), '["yellow"]'],
    ["r3", "cherry", 3, null, 1, Date.UTC(2025, 0, 1), "[]"],
    ["r4", "100%_pure", 4, 4.5, 0, null, '["red"]'],
  ];
  await env.DB.batch(rows.map((r) => env.DB.prepare("INSERT INTO qt (id,name,n,score,done,at,tags) VALUES (?,?,?,?,?,?,?)").bind(...r)));
}

async function ids(queries: string[]): Promise<string[]> {
  const b = new Binder();
  const { where } = compileFilters(parseQueries(queries), resolve, b);
  const { results } = await env.DB.prepare(`SELECT id FROM qt WHERE ${where} ORDER BY seq`).bind(...b.finish()).all<{ id: string }>();
  return results.map((r) => r.id);
}
const Q = (method: string, attribute: string, values?: unknown[]) => JSON.stringify({ method, attribute, values });

describe("query compiler on D1", () => {
  it("filters as Appwrite does", async () => {
    await seed();
    expect(await ids([Q("equal", "name", ["apple", "cherry"])])).toEqual(["r1", "r3"]);
    expect(await ids([Q("notEqual", "name", ["apple"])])).toEqual(["r2", "r3", "r4"]);
    expect(await ids([Q("greaterThan", "n", [1]), Q("lessThanEqual", "n", [3])])).toEqual(["r2", "r3"]);
    expect(await ids([Q("between", "score", [1.5, 2.5])])).toEqual(["r1", "r2"]);
    expect(await ids([Q("isNull", "score")])).toEqual(["r3"]);
    expect(await ids([Q("equal", "done", [true])])).toEqual(["r1", "r3"]);
    expect(await ids([Q("startsWith", "name", ["100%_"])])).toEqual(["r4"]);
    expect(await ids([Q("startsWith", "name", ["1%"])])).toEqual([]);
    expect(await ids([Q("endsWith", "name", ["rry"])])).toEqual(["r3"]);
    expect(await ids([Q("contains", "name", ["an"])])).toEqual(["r2"]);
    expect(await ids([Q("contains", "tags", ["red"])])).toEqual(["r1", "r4"]);
    expect(await ids([Q("containsAll", "tags", ["red", "green"])])).toEqual(["r1"]);
    expect(await ids([Q("notContains", "tags", ["red"])])).toEqual(["r2", "r3"]);
    expect(await ids([Q("lessThan", "at", ["2024-03-01T00:00:00.000+00:00"])])).toEqual(["r1"]);
    expect(await ids([JSON.stringify({ method: "or", values: [{ method: "equal", attribute: "n", values: [1] }, { method: "greaterThan", attribute: "n", values: [3] }] })])).toEqual(["r1", "r4"]);
    expect(await ids([JSON.stringify({ method: "exists", values: ["score", "at"] })])).toEqual(["r1", "r2"]);
  });

  it("rejects unknown attributes, wrong value types and unsupported methods", async () => {
    await expect(ids([Q("equal", "nope", [1])])).rejects.toMatchObject({ type: "general_query_invalid" });
    await expect(ids([Q("equal", "n", ["x"])])).rejects.toMatchObject({ type: "general_query_invalid" });
    await expect(ids([Q("search", "name", ["x"])])).rejects.toMatchObject({ type: "general_query_invalid" });
    await expect(ids([JSON.stringify({ method: "distanceLessThan", attribute: "name", values: [[[1, 2], 3, true]] })])).rejects.toMatchObject({ type: "general_query_invalid" });
  });

  it("stays under D1's 100 bound parameters however many values a query carries", async () => {
    await seed();
    const many = Array.from({ length: 120 }, (_, i) => Q("notEqual", "name", [`x${i}`]));
    expect(await ids(many.slice(0, 100))).toEqual(["r1", "r2", "r3", "r4"]);
    expect(await ids([Q("equal", "name", [...Array.from({ length: 400 }, (_, i) => `v${i}`), "banana"])])).toEqual(["r2"]);
  });

  it("pages with limit, offset, orders and cursors in both directions; totals cap and can be skipped", async () => {
    await seed();
    const spec = { from: "qt", columns: "id", base: () => "1", resolve, sequence: "seq", id: "id" };
    const page = (qs: string[], total = true) => runList<{ id: string }>(env.DB, spec, prepareQueries(qs), total);
    const r = await page(['{"method":"limit","values":[2]}', '{"method":"orderDesc","attribute":"n"}']);
    expect([r.rows.map((x) => x.id), r.total]).toEqual([["r4", "r3"], 4]);
    const after = await page(['{"method":"limit","values":[2]}', '{"method":"orderDesc","attribute":"n"}', '{"method":"cursorAfter","values":["r3"]}']);
    expect(after.rows.map((x) => x.id)).toEqual(["r2", "r1"]);
    const before = await page(['{"method":"limit","values":[2]}', '{"method":"cursorBefore","values":["r3"]}']);
    expect(before.rows.map((x) => x.id)).toEqual(["r1", "r2"]);
    expect((await page(['{"method":"offset","values":[3]}'], false))).toEqual({ rows: [{ id: "r4" }], total: 0 });
    await expect(page(['{"method":"cursorAfter","values":["missing"]}'])).rejects.toMatchObject({ type: "general_cursor_not_found" });
    await expect(page(['{"method":"orderAsc","attribute":"score"}', '{"method":"cursorAfter","values":["r3"]}'])).rejects.toMatchObject({ type: "database_query_order_null" });
  });
});

describe("events and channels", () => {
  it("expands a row create into every wildcard form and both database families", () => {
    const e = generateEvents("databases.[databaseId].tables.[tableId].rows.[rowId].create", { databaseId: "db1", tableId: "t1", rowId: "r1" });
    expect(e[0]).toBe("databases.db1.tables.t1.rows.r1.create");
    for (const name of ["databases.*.tables.*.rows.*.create", "databases.db1.collections.t1.documents.r1.create", "tablesdb.db1.tables.t1.rows.r1.create", "tablesdb.*.tables.*.rows.*", "databases.db1.tables.t1", "databases.*", "tablesdb.db1"]) expect(e).toContain(name);
  });
  it("matches Appwrite's examples for files and prefs", () => {
    expect(new Set(generateEvents("buckets.[bucketId].files.[fileId].create", { bucketId: "B", fileId: "F" }))).toEqual(new Set(["buckets.B.files.F.create", "buckets.*.files.*.create", "buckets.B.files.*.create", "buckets.*.files.F.create", "buckets.B.files.F", "buckets.*.files.*", "buckets.B.files.*", "buckets.*.files.F", "buckets.B", "buckets.*"]));
    expect(new Set(generateEvents("users.[userId].update.prefs", { userId: "U" }))).toEqual(new Set(["users.U.update.prefs", "users.*.update.prefs", "users.U.update", "users.*.update", "users.U", "users.*"]));
  });
  it("publishes a row create on Appwrite's 16 channels, and converts account channels per user", () => {
    expect(channelsFor("databases.D.tables.T.rows.R.create")).toHaveLength(16);
    expect(channelsFor("users.U.sessions.S.create")).toEqual(["account", "account.U"]);
    expect(channelsFor("users.U.update.prefs")).toEqual(["account", "account.U", "account.update", "account.U.update"]);
    // Deployment events go on Appwrite's `console` channel only (no read roles: console watchers alone get them).
    expect(channelsFor("functions.F.deployments.D.update")).toEqual(["console"]);
    expect(convertChannels(["account", "account.create", "account.other", "files"], "U")).toEqual(["account", "account.U", "account.U.create", "files"]);
    // Guests keep `account` and `account.<action>` (Appwrite's convertChannels); they just never match.
    expect(convertChannels(["account", "account.update", "account.other", "files"], undefined)).toEqual(["account", "account.update", "files"]);
  });
});

describe("realtime subscription queries (Appwrite's RuntimeQuery)", () => {
  const q = (method: string, attribute: string, values: unknown[] = []) => JSON.stringify({ method, attribute, values });
  const match = (queries: string[], payload: Record<string, unknown>) => matchesQueries(compileQueries(queries).parsed, payload);
  it("compares as PHP 8 does: numeric strings as numbers, other strings in order, never null or arrays", () => {
    expect(match([q("greaterThan", "n", ["9"])], { n: "10" })).toBe(true);
    expect(match([q("greaterThan", "n", [9])], { n: "10" })).toBe(true);
    expect(match([q("lessThan", "s", ["b"])], { s: "abc" })).toBe(true);
    expect(match([q("greaterThan", "n", [1, 100])], { n: 50 })).toBe(true); // any value
    expect(match([q("lessThan", "n", [5])], { n: null })).toBe(false);
    expect(match([q("greaterThan", "n", [0])], { n: [1] })).toBe(false);
  });
  it("equal is strict, a missing attribute never matches, select(*) means everything", () => {
    expect(match([q("equal", "n", ["5"])], { n: 5 })).toBe(false);
    expect(match([q("equal", "tags", ["a"])], { tags: ["a"] })).toBe(false);
    expect(match([q("notEqual", "x", ["a"])], {})).toBe(false);
    expect(match([q("isNull", "x")], {})).toBe(false);
    expect(match([q("isNull", "x")], { x: null })).toBe(true);
    expect(match([q("select", "", ["*"]), q("equal", "x", ["never"])], { x: "y" })).toBe(true);
    expect(() => compileQueries([q("contains", "tags", ["a"])])).toThrow("Query method 'contains' is not supported in Realtime queries. Allowed: equal,");
  });
});

describe("multipart execution bodies", () => {
  it("takes a field's bytes exactly, a boundary-like run inside included; none for an absent field", () => {
    const enc = new TextEncoder();
    const bytes = Uint8Array.from([0, 255, 13, 10, 45, 45, 120]);
    const body = new Uint8Array([...enc.encode('--XB\r\nContent-Disposition: form-data; name="path"\r\n\r\n/x\r\n--XB\r\nContent-Disposition: form-data; name="body"\r\n\r\n'), ...bytes, ...enc.encode("\r\n--XB--\r\n")]);
    expect([...multipartField(body, "multipart/form-data; boundary=XB", "body")!]).toEqual([...bytes]);
    expect(new TextDecoder().decode(multipartField(body, 'multipart/form-data; boundary="XB"', "path")!)).toBe("/x");
    expect(multipartField(body, "multipart/form-data; boundary=XB", "headers")).toBeNull();
    expect([wantsMultipart("multipart/form-data"), wantsMultipart("application/json, multipart/form-data"), wantsMultipart(undefined)]).toEqual([true, false, false]);
  });
});

describe("platform schema", () => {
  it("every drizzle table and column exists in the migrated database", async () => {
    for (const t of Object.values(schema).filter((v) => typeof v === "object" && v && "getSQL" in (v as object))) {
      const { name, columns } = getTableConfig(t as Parameters<typeof getTableConfig>[0]);
      const { results } = await env.DB.prepare(`SELECT name FROM pragma_table_info(?)`).bind(name).all<{ name: string }>();
      const actual = new Set(results.map((r) => r.name));
      for (const c of columns) expect(actual.has(c.name), `${name}.${c.name}`).toBe(true);
    }
  });

  it("a shard move copies every table holding a project's rows, or says why it stays", async () => {
    const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
    const withProject: string[] = [];
    for (const { name } of tables) {
      const { results } = await env.DB.prepare("SELECT name FROM pragma_table_info(?)").bind(name).all<{ name: string }>();
      if (results.some((c) => c.name === "project_id")) withProject.push(name);
    }
    expect(withProject.length).toBeGreaterThan(30);
    const classified = new Set([...PLATFORM_TABLES.map(([t]) => t), ...NOT_MOVED]);
    expect(withProject.filter((t) => !classified.has(t))).toEqual([]);
  });
});

describe("origin rules (Appwrite's OriginTest)", () => {
  const allowed = { hostnames: ["appwrite.io", "appwrite.test", "localhost", "appwrite.flutter"], schemes: ["exp", "appwrite-callback-123"] };
  const ok = (origin: string) => checkOrigin(origin, allowed).allowed;
  const why = (origin: string) => checkOrigin(origin, allowed).description;

  it("matches web schemes by hostname, other schemes by the allowed list", () => {
    for (const o of ["https://localhost", "http://localhost:80", "http://appwrite.io", "https://appwrite.flutter", "exp://", "exp:///", "exp://index", "appwrite-callback-123://", "tauri://localhost"]) expect(ok(o), o).toBe(true);
    for (const o of ["", "/", "https://example.com", "http://example.com:80", "appwrite-callback-456://", "appwrite-ios://com.company.appname", "tauri://example.com"]) expect(ok(o), o).toBe(false);
  });

  it("describes a refusal the way Appwrite does", () => {
    const names = { "appwrite-ios": "iOS", "appwrite-android": "Android", "appwrite-macos": "macOS", "appwrite-linux": "Linux", "appwrite-windows": "Windows", "chrome-extension": "Web (Chrome Extension)", "moz-extension": "Web (Firefox Extension)", "safari-web-extension": "Web (Safari Extension)", "ms-browser-extension": "Web (Edge Extension)" };
    for (const [scheme, name] of Object.entries(names)) {
      expect(why(`${scheme}://com.company.appname`)).toBe(`Invalid Origin. Register your new client (com.company.appname) as a new ${name} platform on your project console dashboard`);
    }
    expect(why("tauri://example.com")).toBe("Invalid Origin. Register your new client (example.com) as a new Web (Tauri) platform on your project console dashboard");
    expect(why("random-scheme://localhost")).toBe("Invalid Scheme. The scheme used (random-scheme) in the Origin (random-scheme://localhost) is not supported. If you are using a custom scheme, please change it to `appwrite-callback-<PROJECT_ID>`");
    expect(checkOrigin("https://example.com/cb", allowed, "URI").description).toBe("Invalid URI. Register your new client (example.com) as a new Web platform on your project console dashboard");
  });

  it("off loopback the API's own hostname is the only built-in one: localhost needs a platform", () => {
    const prod = allowedOrigins("https://api.example.com/v1/account", "p1", [{ type: "react-native-ios", hostname: "", key: "Com.Example.App" }]);
    expect(prod.hostnames).toEqual(["api.example.com", "com.example.app"]);
    expect(prod.schemes).toEqual(["exp", "appwrite-callback-p1", "appwrite-watchos", "appwrite-macos", "appwrite-tvos", "appwrite-ios"]);
    expect(checkOrigin("http://localhost:3000", prod).allowed).toBe(false);
    expect(checkOrigin("https://api.example.com", prod).allowed).toBe(true);
    expect(allowedOrigins("http://127.0.0.1:8787/v1", "console", []).schemes).toEqual([]);
  });
});

describe("spatial work budget", () => {
  // A 361-point query polygon (it fits in a 4,096-character query) against a stored line of 2.9 M points:
  // over a billion point pairs, beyond the per-request budget — refused before any exact test runs.
  const ring = [...Array.from({ length: 180 }, (_, x) => [x, 0]), ...Array.from({ length: 180 }, (_, x) => [179 - x, 1]), [0, 0]];
  const query = () => prepareQueries([JSON.stringify({ method: "intersects", attribute: "l", values: [[ring]] })]).filters[0]!;
  const line = (n: number) => `[${"[0,0],".repeat(n - 1)}[1,1]]`;

  it("refuses a request whose exact tests would compare more than SPATIAL_WORK_MAX point pairs", () => {
    expect(ring.length * 2_900_000).toBeGreaterThan(SPATIAL_WORK_MAX);
    const leaf = spatialLeaf(query(), { type: "linestring" }, new Binder());
    expect(() => leaf.test(line(2_900_000))).toThrow(/at most 1000000000 point pairs per request/);
    // Small shapes are tested exactly, as before.
    expect(spatialLeaf(query(), { type: "linestring" }, new Binder()).test(line(3))).toBe(true);
  });
});

describe("lists with spatial filters (decided in the Worker)", () => {
  // Every third row (i = 3k) is a point at x = k/100, the others sit at x = 170: `distanceLessThan([0,0], d)`
  // keeps the rows i = 3k with k < 100·d, spread over the 5,000-row read chunks.
  const geo: Resolver = (a) =>
    ({ $id: { sql: "id", type: "string" }, $sequence: { sql: "seq", type: "integer" }, p: { sql: "p", type: "string", spatial: { type: "point" } } })[a] as ReturnType<Resolver>;
  const spec = { from: "gt", columns: "id", base: () => "1", resolve: geo, sequence: "seq", id: "id" };
  const near = (d: number) => JSON.stringify({ method: "distanceLessThan", attribute: "p", values: [[[0, 0], d, false]] });
  const page = (qs: string[], total = true) => runList<{ id: string }>(env.DB, spec, prepareQueries(qs), total);
  const idsOf = (r: { rows: { id: string }[] }) => r.rows.map((x) => x.id);
  const seedPoints = async (n: number) => {
    await env.DB.exec("CREATE TABLE IF NOT EXISTS gt (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT, p TEXT)");
    await env.DB.exec("DELETE FROM gt");
    await env.DB.prepare("WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1) INSERT INTO gt (id, p) SELECT 'r' || i, json_array(CASE WHEN i % 3 = 0 THEN i / 300.0 ELSE 170 END, 0) FROM k").bind(n).run();
  };

  it("offset, limit, cursors and the capped total apply to the rows that pass, across read chunks", async () => {
    await seedPoints(12_000);
    const across = await page([near(35.005), '{"method":"limit","values":[5]}', '{"method":"offset","values":[1664]}']);
    expect([across.total, idsOf(across)]).toEqual([3500, ["r4995", "r4998", "r5001", "r5004", "r5007"]]);
    const odd = JSON.stringify({ method: "or", values: [JSON.parse(near(0.035)), { method: "equal", attribute: "$id", values: ["r12000"] }] });
    const mixed = await page([odd, '{"method":"orderDesc","attribute":"$sequence"}']);
    expect([mixed.total, idsOf(mixed)]).toEqual([4, ["r12000", "r9", "r6", "r3"]]);
    const after = await page([near(0.035), '{"method":"cursorAfter","values":["r3"]}', '{"method":"limit","values":[1]}'], false);
    expect([after.total, idsOf(after)]).toEqual([0, ["r6"]]);
    expect(Object.keys(after.rows[0]!)).toEqual(["id"]);
    const back = await page([near(35.005), '{"method":"limit","values":[3]}', '{"method":"cursorBefore","values":["r6000"]}'], false);
    expect(idsOf(back)).toEqual(["r5991", "r5994", "r5997"]);
  });

  it("totals stop at 5,000; a query that would read more than 50,000 candidates is refused", async () => {
    await seedPoints(50_001);
    expect((await page([near(1000)])).total).toBe(5000);
    // One match: neither the total nor a page of 25 is settled before the cap; a page of 1 is, at once.
    await expect(page([near(0.015)])).rejects.toMatchObject({ type: "general_query_invalid" });
    await expect(page([near(0.015)], false)).rejects.toMatchObject({ type: "general_query_invalid" });
    expect(idsOf(await page([near(0.015), '{"method":"limit","values":[1]}'], false))).toEqual(["r3"]);
  });
});

describe("avatars: outbound URL guard and initials", () => {
  it("refuses loopback by default, private and special-use hosts always; public hosts pass", () => {
    const off = {}, on = { AVATARS_ALLOW_LOOPBACK: "enabled" };
    for (const u of ["http://127.0.0.1:8080/a.png", "http://localhost/", "http://app.localhost/", "http://[::1]/", "http://2130706433/"]) {
      expect(refusal(u, off), u).toMatch(/not a public address/);
      expect(refusal(u, on), u).toBeNull();
    }
    for (const u of ["http://10.0.0.1/", "http://0x0a000001/", "http://[::ffff:192.168.0.1]/", "http://169.254.169.254/", "http://intranet/", "http://nas.local/", "http://x.internal/", "ftp://example.com/", "http://u:p@example.com/"]) {
      expect(refusal(u, on), u).not.toBeNull();
    }
    for (const u of ["https://appwrite.io/images/x.png", "http://93.184.215.14/", "https://[2606:4700::1111]/"]) expect(refusal(u, off), u).toBeNull();
  });

  it("picks initials and the palette colour as Appwrite", () => {
    // Colour: the last digit of the summed character codes, modulo the five themes (Avatars/Http/Initials/Get.php).
    expect(initialsOf("Walter White")).toEqual({ initials: "WW", color: "#85DBD8" }); // 87 + 87 = 174 → 4
    expect(initialsOf("W (Hello) W")).toEqual({ initials: "WW", color: "#85DBD8" }); // a skipped 2nd word lets the 3rd in
    expect(initialsOf("a - b c")).toEqual({ initials: "ABC", color: "#68A3FE" }); // 198 → 8 → 8 % 5 = 3
    expect(initialsOf("john_doe")).toEqual({ initials: "JD", color: "#7C67FE" }); // no space: split on _; 142 → 2
    expect(initialsOf("ö Zed")).toEqual({ initials: "Z", color: "#FD366E" }); // non-ASCII first letters are skipped
    expect(initialsOf("")).toEqual({ initials: "", color: "#FD366E" });
  });
});
