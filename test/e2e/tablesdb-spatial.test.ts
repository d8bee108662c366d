import { beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Databases, ID, Permission, Query, RelationMutate, RelationshipType, Role, TablesDB, Users } from "node-appwrite";
import { createProject, openRealtime, type TestProject } from "./harness";

/** Spatial columns, values, indexes and queries (Appwrite's DatabasesBase testSpatial* cases, through node-appwrite). */
let project: TestProject;
let db: TablesDB;

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected the call to fail"); }, (e) => e as AppwriteException);
const expectError = async (p: Promise<unknown>, code: number, type: string) => {
  const e = await fail(p);
  expect(e).toBeInstanceOf(AppwriteException);
  expect([e.code, e.type]).toEqual([code, type]);
  return e;
};

const D = "geo";
const square = (x0: number, y0: number, x1: number, y1: number) => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
const ids = (list: { rows: { $id: string }[] }) => list.rows.map((r) => r.$id).sort();

beforeAll(async () => {
  project = await createProject("spatial");
  db = new TablesDB(project.server());
  await db.create({ databaseId: D, name: "Geo" });
});

describe("spatial columns", () => {
  it("point, line and polygon columns: models, values round-trip, defaults, updates, validation", async () => {
    await db.createTable({ databaseId: D, tableId: "places", name: "Places", permissions: [Permission.read(Role.any())] });
    const point = await db.createPointColumn({ databaseId: D, tableId: "places", key: "location", required: true });
    expect(point).toMatchObject({ key: "location", type: "point", required: true, array: false, default: null });
    const line = await db.createLineColumn({ databaseId: D, tableId: "places", key: "route", required: false, xdefault: [[0, 0], [1, 1]] });
    expect(line).toMatchObject({ key: "route", type: "linestring", default: [[0, 0], [1, 1]] });
    const poly = await db.createPolygonColumn({ databaseId: D, tableId: "places", key: "area", required: false });
    expect(poly.type).toBe("polygon");

    const row = await db.createRow({ databaseId: D, tableId: "places", rowId: "nyc", data: { location: [40.7128, -74.006], area: square(0, 0, 1, 1) } });
    expect(row.location).toEqual([40.7128, -74.006]);
    expect(row.route).toEqual([[0, 0], [1, 1]]); // the column's default
    expect(row.area).toEqual(square(0, 0, 1, 1));
    expect((await db.getRow({ databaseId: D, tableId: "places", rowId: "nyc" })).location).toEqual([40.7128, -74.006]);
    // A single ring stands for a one-ring polygon, as in Appwrite.
    const updated = await db.updateRow({ databaseId: D, tableId: "places", rowId: "nyc", data: { location: [40.7589, -73.9851], area: square(0, 0, 2, 2)[0] } });
    expect([updated.location, updated.area]).toEqual([[40.7589, -73.9851], square(0, 0, 2, 2)]);
    // WKT text is accepted too, and read back as arrays.
    const wkt = await db.updateRow({ databaseId: D, tableId: "places", rowId: "nyc", data: { route: "LINESTRING(0 0, 1.5 -2)", area: "POLYGON((0 0, 3 0, 3 3, 0 0))" } });
    expect([wkt.route, wkt.area]).toEqual([[[0, 0], [1.5, -2]], [[[0, 0], [3, 0], [3, 3], [0, 0]]]]);
    await expectError(db.updateRow({ databaseId: D, tableId: "places", rowId: "nyc", data: { location: "LINESTRING(0 0, 1 1)" } }), 400, "row_invalid_structure");
    const upserted = await db.upsertRow({ databaseId: D, tableId: "places", rowId: "la", data: { location: [34.0522, -80], route: [[34.05, -80], [34.07, -90]] } });
    expect(upserted.route).toEqual([[34.05, -80], [34.07, -90]]);

    // utopia's Spatial validator decides, with its messages.
    const bad: [unknown, string][] = [
      [[1], "Point must be an array of two numeric values [x, y]"],
      [[200, 0], "Longitude (x) must be between -180 and 180, got 200"],
      [["a", 1], "Point coordinates must be numeric values"],
    ];
    for (const [value, message] of bad) {
      const e = await expectError(db.createRow({ databaseId: D, tableId: "places", rowId: "bad", data: { location: value } }), 400, "row_invalid_structure");
      expect(e.message).toBe(`Invalid row structure: Column "location" has invalid type. Value must be a valid point: ${message}`);
    }
    const open = await expectError(db.createRow({ databaseId: D, tableId: "places", rowId: "bad", data: { location: [0, 0], area: [[[0, 0], [1, 0], [1, 1], [0, 1]]] } }), 400, "row_invalid_structure");
    expect(open.message).toContain("Ring #0 must be closed (first point must equal last point)");
    await expectError(db.createRow({ databaseId: D, tableId: "places", rowId: "bad", data: { location: [0, 0], route: [[0, 0]] } }), 400, "row_invalid_structure");
    await expectError(db.createRow({ databaseId: D, tableId: "places", rowId: "bad", data: { route: [[0, 0], [1, 1]] } }), 400, "row_invalid_structure"); // required
    const badDefault = await expectError(db.createPointColumn({ databaseId: D, tableId: "places", key: "p2", required: false, xdefault: [1, 2, 3] }), 400, "general_argument_invalid");
    expect(badDefault.message).toBe("Invalid `default` param: Value must be a valid point: Point must be an array of two numeric values [x, y]");

    // Existing rows cannot get a required spatial value (Appwrite on MariaDB); an optional column is fine.
    const required = await expectError(db.createPolygonColumn({ databaseId: D, tableId: "places", key: "zone", required: true }), 400, "row_invalid_structure");
    expect(required.message).toBe("Failed to add required spatial column: existing rows present. Make the column optional.");

    const patched = await db.updatePointColumn({ databaseId: D, tableId: "places", key: "location", required: false, xdefault: [0, 0] });
    expect(patched).toMatchObject({ required: false, default: [0, 0] });
    const renamed = await db.updatePolygonColumn({ databaseId: D, tableId: "places", key: "area", required: false, xdefault: null, newKey: "coverage" });
    expect(renamed.key).toBe("coverage");
    const fresh = await db.createRow({ databaseId: D, tableId: "places", rowId: "dflt", data: {} });
    expect([fresh.location, fresh.route, fresh.coverage]).toEqual([[0, 0], [[0, 0], [1, 1]], null]);
    await expectError(db.updateLineColumn({ databaseId: D, tableId: "places", key: "location", required: false }), 400, "column_type_invalid");
  });

  it("the legacy Databases API has point/line/polygon attributes and documents with spatial values", async () => {
    const legacy = new Databases(project.server());
    await legacy.createCollection({ databaseId: D, collectionId: "legacy", name: "Legacy", permissions: [Permission.read(Role.any())] });
    const attr = await legacy.createPointAttribute({ databaseId: D, collectionId: "legacy", key: "loc", required: true });
    expect(attr).toMatchObject({ key: "loc", type: "point", required: true });
    await legacy.createPolygonAttribute({ databaseId: D, collectionId: "legacy", key: "area", required: false });
    const doc = await legacy.createDocument({ databaseId: D, collectionId: "legacy", documentId: "d1", data: { loc: [1, 2], area: square(0, 0, 10, 10) } });
    expect(doc.loc).toEqual([1, 2]);
    const found = await legacy.listDocuments({ databaseId: D, collectionId: "legacy", queries: [Query.contains("area", [[5, 5]])] });
    expect(found.documents.map((d) => d.$id)).toEqual(["d1"]);
    const e = await expectError(legacy.createDocument({ databaseId: D, collectionId: "legacy", documentId: "d2", data: { loc: "here" } }), 400, "document_invalid_structure");
    expect(e.message).toBe('Invalid document structure: Attribute "loc" has invalid type. Value must be a valid point: Spatial value must be array or WKT string');
  });
});

describe("spatial queries", () => {
  beforeAll(async () => {
    await db.createTable({ databaseId: D, tableId: "shapes", name: "Shapes", permissions: [Permission.read(Role.any())] });
    await db.createVarcharColumn({ databaseId: D, tableId: "shapes", key: "name", size: 64, required: true });
    await db.createPointColumn({ databaseId: D, tableId: "shapes", key: "pointAttr", required: true });
    await db.createLineColumn({ databaseId: D, tableId: "shapes", key: "lineAttr", required: true });
    await db.createPolygonColumn({ databaseId: D, tableId: "shapes", key: "polyAttr", required: true });
    await db.createRows({
      databaseId: D, tableId: "shapes", rows: [
        { $id: "doc1", name: "Test Document 1", pointAttr: [6, 6], lineAttr: [[1, 1], [1.1, 1.1], [2, 2]], polyAttr: square(0, 0, 10, 10) },
        { $id: "doc2", name: "Test Document 2", pointAttr: [7, 6], lineAttr: [[10, 10], [20, 20]], polyAttr: square(20, 20, 30, 30) },
        { $id: "doc3", name: "Test Document 3", pointAttr: [25, 25], lineAttr: [[25, 25], [35, 35]], polyAttr: square(40, 40, 50, 50) },
      ],
    });
  });

  const list = (...queries: string[]) => db.listRows({ databaseId: D, tableId: "shapes", queries });

  it("relations: equal, contains, intersects, overlaps, crosses, touches and their negations", async () => {
    expect(ids(await list(Query.equal("polyAttr", [square(0, 0, 10, 10)] as never)))).toEqual(["doc1"]);
    expect((await list(Query.notEqual("pointAttr", [[6, 6]] as never))).total).toBe(2);
    expect(ids(await list(Query.contains("lineAttr", [[1.1, 1.1]] as never)))).toEqual(["doc1"]);
    expect(ids(await list(Query.contains("polyAttr", [[5, 5]] as never)))).toEqual(["doc1"]);
    expect((await list(Query.notContains("polyAttr", [[15, 15]] as never))).total).toBe(3);
    const hit = await list(Query.intersects("polyAttr", [5, 5]));
    expect([hit.total, ids(hit)]).toEqual([1, ["doc1"]]);
    expect((await list(Query.notIntersects("polyAttr", [60, 60]))).total).toBe(3);
    expect(ids(await list(Query.overlaps("polyAttr", square(5, 5, 12, 12))))).toEqual(["doc1"]);
    expect((await list(Query.notOverlaps("polyAttr", square(60, 60, 70, 70)))).total).toBe(3);
    expect(ids(await list(Query.crosses("lineAttr", [[1, 2], [2, 1]])))).toEqual(["doc1"]);
    expect((await list(Query.notCrosses("lineAttr", [[0, 1], [0, 2]]))).total).toBe(3);
    // The square [10,10]-[20,20] meets doc1's and doc2's areas at one corner each.
    expect(ids(await list(Query.touches("polyAttr", square(10, 10, 20, 20))))).toEqual(["doc1", "doc2"]);
    expect((await list(Query.notTouches("polyAttr", square(60, 60, 70, 70)))).total).toBe(3);
    // Pairs for which a relation cannot hold (OGC): a point crosses nothing, a line overlaps no area, a point contains no area.
    expect((await list(Query.crosses("pointAttr", [[0, 0], [10, 10]]))).total).toBe(0);
    expect((await list(Query.overlaps("lineAttr", square(0, 0, 10, 10)))).total).toBe(0);
    expect((await list(Query.contains("pointAttr", [square(0, 0, 10, 10)] as never))).total).toBe(0);
    expect((await list(Query.notCrosses("pointAttr", [[0, 0], [10, 10]]))).total).toBe(3);
  });

  it("distances in coordinate units (meters=false), combined with other filters inside and/or", async () => {
    expect(ids(await list(Query.distanceEqual("pointAttr", [6, 6], 1, false)))).toEqual(["doc2"]);
    expect((await list(Query.distanceNotEqual("pointAttr", [6, 6], 1, false))).total).toBe(2);
    expect(ids(await list(Query.distanceGreaterThan("pointAttr", [6, 6], 5, false)))).toEqual(["doc3"]);
    expect(ids(await list(Query.distanceLessThan("pointAttr", [6, 6], 0.5, false)))).toEqual(["doc1"]);
    // Point-to-polygon distance: [10,10] is on doc1's boundary (0) and 10·√2 from doc2's nearest corner.
    expect(ids(await list(Query.distanceLessThan("polyAttr", [10, 10], 1, false)))).toEqual(["doc1"]);
    const either = await list(Query.or([Query.equal("name", ["Test Document 3"]), Query.intersects("polyAttr", [5, 5])]));
    expect([either.total, ids(either)]).toEqual([2, ["doc1", "doc3"]]);
    const both = await list(Query.and([Query.startsWith("name", "Test"), Query.distanceLessThan("pointAttr", [6, 6], 2, false)]), Query.notEqual("name", ["Test Document 1"]));
    expect(ids(both)).toEqual(["doc2"]);
  });

  it("pages and totals count only rows that pass the exact test (limit/offset after the check)", async () => {
    const near = [Query.distanceLessThan("pointAttr", [6, 6], 2, false), Query.orderDesc("name")];
    const first = await list(...near, Query.limit(1));
    expect([first.total, first.rows.map((r) => r.$id)]).toEqual([2, ["doc2"]]);
    const second = await list(...near, Query.limit(1), Query.offset(1));
    expect([second.total, second.rows.map((r) => r.$id)]).toEqual([2, ["doc1"]]);
    expect((await list(...near, Query.limit(1), Query.offset(2))).rows).toEqual([]);
    const after = await list(...near, Query.cursorAfter("doc2"));
    expect(after.rows.map((r) => r.$id)).toEqual(["doc1"]);
    const selected = await list(Query.intersects("polyAttr", [5, 5]), Query.select(["name", "pointAttr"]));
    expect(selected.rows[0]).toMatchObject({ name: "Test Document 1", pointAttr: [6, 6] });
    expect(selected.rows[0]).not.toHaveProperty("polyAttr");
    expect(Object.keys(selected.rows[0]!).filter((k) => k.startsWith("_"))).toEqual([]);
    expect((await db.listRows({ databaseId: D, tableId: "shapes", queries: [Query.intersects("polyAttr", [5, 5])], total: false })).total).toBe(0);
  });

  it("bad spatial queries are 400 general_query_invalid with the validator's reason", async () => {
    const cases: [string, string][] = [
      [Query.intersects("name", [1, 1]), 'Spatial query "intersects" cannot be applied on non-spatial attribute: name'],
      [Query.distanceLessThan("lineAttr", [1, 1], 10, true), "Distance in meters is not supported between linestring and point"],
      [JSON.stringify({ method: "distanceLessThan", attribute: "pointAttr", values: [[[1, 1], 10]] }), "Distance query requires [[geometry, distance]] parameters"],
      [Query.lessThan("pointAttr", 3), 'Cannot query lessThan on attribute "pointAttr" because it is a spatial attribute'],
      [Query.intersects("polyAttr", "x" as never), "Spatial data must be an array"],
    ];
    for (const [query, message] of cases) {
      const e = await expectError(list(query), 400, "general_query_invalid");
      expect(e.message).toBe(`Invalid query: ${message}`);
    }
  });

  it("bulk update and delete select rows with spatial queries", async () => {
    const res = await db.updateRows({ databaseId: D, tableId: "shapes", data: { name: "Near" }, queries: [Query.distanceLessThan("pointAttr", [6, 6], 2, false)] });
    expect(res.rows.map((r) => r.$id).sort()).toEqual(["doc1", "doc2"]);
    expect(ids(await list(Query.equal("name", ["Near"])))).toEqual(["doc1", "doc2"]);
  });
});

describe("spatial indexes", () => {
  it("a spatial index needs one required spatial column; queries through it match the unindexed answer in meters", async () => {
    await db.createTable({ databaseId: D, tableId: "pins", name: "Pins", permissions: [Permission.read(Role.any()), Permission.create(Role.any()), Permission.update(Role.any()), Permission.delete(Role.any())] });
    await db.createPointColumn({ databaseId: D, tableId: "pins", key: "loc", required: true });
    await db.createPointColumn({ databaseId: D, tableId: "pins", key: "opt", required: false });
    await db.createVarcharColumn({ databaseId: D, tableId: "pins", key: "tag", size: 16, required: false });
    for (const [id, loc] of [["p0", [0, 0]], ["p1", [0.009, 0]], ["far", [10, 10]]] as const) {
      await db.createRow({ databaseId: D, tableId: "pins", rowId: id, data: { loc } });
    }
    const idx = await db.createIndex({ databaseId: D, tableId: "pins", key: "idx_loc", type: "spatial" as never, columns: ["loc"] });
    expect(idx).toMatchObject({ key: "idx_loc", type: "spatial", columns: ["loc"] });

    const nullable = await expectError(db.createIndex({ databaseId: D, tableId: "pins", key: "idx_opt", type: "spatial" as never, columns: ["opt"] }), 400, "column_index_invalid");
    expect(nullable.message).toBe('Spatial indexes do not allow null values. Mark the attribute "opt" as required or create the index on a column with no null values.');
    const notSpatial = await expectError(db.createIndex({ databaseId: D, tableId: "pins", key: "idx_tag", type: "spatial" as never, columns: ["tag"] }), 400, "column_index_invalid");
    expect(notSpatial.message).toContain('Spatial index can only be created on spatial attributes (point, linestring, polygon). Attribute "tag" is of type');
    const optional = await expectError(db.updatePointColumn({ databaseId: D, tableId: "pins", key: "loc", required: false }), 400, "column_index_invalid");
    expect(optional.message).toBe('Spatial indexes do not allow null values. Mark the attribute "loc" as required or create the index on a column with no null values.');
    const keyOnPoint = await expectError(db.createIndex({ databaseId: D, tableId: "pins", key: "idx_k", type: "key" as never, columns: ["loc"] }), 400, "column_index_invalid");
    expect(keyOnPoint.message).toBe('Cannot create key index on spatial attribute "loc". Spatial attributes require spatial indexes.');

    // p1 is ~1,000 m east of p0 (0.009° of longitude at the equator).
    const pins = (...queries: string[]) => db.listRows({ databaseId: D, tableId: "pins", queries });
    expect(ids(await pins(Query.distanceLessThan("loc", [0, 0], 1500)))).toEqual(["p0", "p1"]);
    expect(ids(await pins(Query.distanceLessThan("loc", [0, 0], 500)))).toEqual(["p0"]);
    expect(ids(await pins(Query.distanceGreaterThan("loc", [0, 0], 500)))).toEqual(["far", "p1"]);
    expect(ids(await pins(Query.distanceEqual("loc", [0, 0], 0)))).toEqual(["p0"]);
    expect(ids(await pins(Query.distanceNotEqual("loc", [0, 0], 0)))).toEqual(["far", "p1"]);
    expect(ids(await pins(Query.intersects("loc", square(-1, -1, 1, 1))))).toEqual(["p0", "p1"]);

    // The index follows writes: moved, added and deleted rows.
    await db.updateRow({ databaseId: D, tableId: "pins", rowId: "far", data: { loc: [0.001, 0.001] } });
    await db.createRow({ databaseId: D, tableId: "pins", rowId: "new", data: { loc: [-0.001, 0] } });
    await db.deleteRow({ databaseId: D, tableId: "pins", rowId: "p0" });
    expect(ids(await pins(Query.distanceLessThan("loc", [0, 0], 500)))).toEqual(["far", "new"]);
    expect(ids(await pins(Query.intersects("loc", square(-1, -1, 1, 1))))).toEqual(["far", "new", "p1"]);

    // Inline in createTable: spatial column types and a spatial index.
    const inline = await db.createTable({
      databaseId: D, tableId: "inline", name: "Inline", permissions: [Permission.read(Role.any())],
      columns: [{ key: "spot", type: "point", required: true }, { key: "path", type: "linestring", required: false }],
      indexes: [{ key: "by_spot", type: "spatial", attributes: ["spot"] }],
    });
    expect(inline.columns.map((c: any) => [c.key, c.type])).toEqual([["spot", "point"], ["path", "linestring"]]);
    expect(inline.indexes[0]).toMatchObject({ key: "by_spot", type: "spatial", columns: ["spot"], orders: [] });
    await db.createRow({ databaseId: D, tableId: "inline", rowId: "a", data: { spot: [1, 1], path: [[0, 0], [2, 2]] } });
    const inlined = await db.listRows({ databaseId: D, tableId: "inline", queries: [Query.intersects("spot", square(0, 0, 2, 2))] });
    expect(inlined.rows.map((r) => r.$id)).toEqual(["a"]);

    // Without the index, queries still answer (by scanning).
    await db.deleteIndex({ databaseId: D, tableId: "pins", key: "idx_loc" });
    expect(ids(await pins(Query.distanceLessThan("loc", [0, 0], 500)))).toEqual(["far", "new"]);
  });
});

describe("spatial values through relationships", () => {
  it("a nested related row keeps its point, and select reaches it (Appwrite's testSpatialRelationshipOneToOne)", async () => {
    const perms = [Permission.read(Role.any()), Permission.create(Role.any()), Permission.update(Role.any()), Permission.delete(Role.any())];
    await db.createTable({ databaseId: D, tableId: "museums", name: "Museums", permissions: perms });
    await db.createTable({ databaseId: D, tableId: "sites", name: "Sites", permissions: perms });
    await db.createVarcharColumn({ databaseId: D, tableId: "museums", key: "name", size: 64, required: true });
    await db.createPointColumn({ databaseId: D, tableId: "sites", key: "coordinates", required: true });
    await db.createRelationshipColumn({
      databaseId: D, tableId: "museums", relatedTableId: "sites", type: RelationshipType.OneToOne, key: "site", twoWay: true, twoWayKey: "museum", onDelete: RelationMutate.Cascade,
    });
    const doc = await db.createRow({ databaseId: D, tableId: "museums", rowId: "amnh", data: { name: "Museum", site: { $id: "s1", coordinates: [40.7794, -73.9632] } } });
    expect(doc.site.coordinates).toEqual([40.7794, -73.9632]);
    const fetched = await db.getRow({ databaseId: D, tableId: "museums", rowId: "amnh", queries: [Query.select(["name", "site.coordinates"])] });
    expect(fetched.site.coordinates).toEqual([40.7794, -73.9632]);
    const bad = await expectError(db.createRow({ databaseId: D, tableId: "museums", rowId: "bad", data: { name: "x", site: { $id: "s2", coordinates: [0, 100] } } }), 400, "row_invalid_structure");
    expect(bad.message).toContain("Latitude (y) must be between -90 and 90, got 100");
  });
});

describe("spatial values in events", () => {
  it("a row's realtime event carries its geometry as the API returns it (arrays, not text)", async () => {
    const users = new Users(project.server());
    const u = await users.create({ userId: ID.unique(), email: `geo${Date.now()}@example.com`, password: "password1234" });
    const { secret } = await users.createSession({ userId: u.$id });
    const { ws, next } = await openRealtime(project.projectId, secret);
    try {
      await next("connected");
      ws.send(JSON.stringify({ type: "subscribe", data: [{ subscriptionId: "geo", channels: [`databases.${D}.tables.places.rows`] }] }));
      expect((await next("response")).data.success).toBe(true);
      const row = await db.createRow({ databaseId: D, tableId: "places", rowId: "evt", data: { location: [1.5, 2.5], route: [[0, 0], [3, 4]], coverage: square(0, 0, 1, 1) } });
      const event = await next("event");
      expect(event.data.events).toContain(`databases.${D}.tables.places.rows.evt.create`);
      expect(event.data.payload).toMatchObject({ location: [1.5, 2.5], route: [[0, 0], [3, 4]], coverage: square(0, 0, 1, 1) });
      expect(event.data.payload).toEqual(row);
    } finally {
      ws.close();
    }
  });
});
