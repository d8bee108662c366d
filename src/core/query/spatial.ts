import { AppwriteError } from "../errors";
import { bbox, DEGREES_PER_METRE, planarDistance, pointCount, queryGeometry, RELATIONS, sphereDistance, storedGeometry, type BBox, type Geometry, type Relation, type SpatialType } from "../geometry";
import type { Query } from "./parse";
import type { Binder } from "./sql";

/**
 * Spatial queries. SQLite has no geometry, so each one is a coarse SQL prefilter (the stored bounding
 * boxes of a spatial index, when the column has one) and an exact test of the stored value in the Worker.
 * A row whose value is null matches none of them, negated ones included (SQL's NOT NULL is not true).
 */
export interface SpatialField {
  type: SpatialType;
  /** SQL true for rows whose bounding box meets `box` (from the column's spatial index). */
  meets?: (box: BBox, b: Binder) => string;
}

export interface SpatialLeaf {
  prefilter: string;
  test: (stored: unknown) => boolean;
}

const invalid = (msg: string) => new AppwriteError("general_query_invalid", `Invalid query: ${msg}`);

/** Query method → [relation, negated]; equal and contains mean ST_Equals / ST_Contains on a spatial column. */
const RELATION_OF = new Map<string, [Relation, boolean]>([
  ["equal", ["equal", false]], ["notEqual", ["equal", true]],
  ["contains", ["contains", false]], ["notContains", ["contains", true]],
  ["intersects", ["intersects", false]], ["notIntersects", ["intersects", true]],
  ["crosses", ["crosses", false]], ["notCrosses", ["crosses", true]],
  ["overlaps", ["overlaps", false]], ["notOverlaps", ["overlaps", true]],
  ["touches", ["touches", false]], ["notTouches", ["touches", true]],
]);

const COMPARE = new Map<string, (d: number, limit: number) => boolean>([
  ["distanceEqual", (d, l) => d === l],
  ["distanceNotEqual", (d, l) => d !== l],
  ["distanceGreaterThan", (d, l) => d > l],
  ["distanceLessThan", (d, l) => d < l],
]);

const ucfirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Exact tests cost about (stored points × query points) each — ~5 ns a pair in turf — and stored shapes have no
 * size cap, so one request could hold a Worker's CPU for minutes. Each query gets a budget of point pairs for the
 * whole request (~5 s at worst; 50,000 rows of 100-point shapes against a 50-point query use a quarter of it).
 * Keyed by the parsed query, which every chunk of a scan shares.
 */
export const SPATIAL_WORK_MAX = 1_000_000_000;
const spent = new WeakMap<Query, number>();

function spend(q: Query, pairs: number): void {
  const total = (spent.get(q) ?? 0) + pairs;
  if (total > SPATIAL_WORK_MAX) throw invalid(`spatial queries may compare at most ${SPATIAL_WORK_MAX} point pairs per request; use a spatial index, simpler geometries or other filters to narrow the query.`);
  spent.set(q, total);
}

function geometryOf(v: unknown): Geometry {
  if (!Array.isArray(v)) throw invalid("Spatial data must be an array");
  const g = queryGeometry(v);
  if (!g) throw invalid("Spatial data must be a valid point, linestring or polygon");
  return g;
}

/** A box grown by `d` coordinate units. */
const grow = (box: BBox, dx: number, dy: number): BBox => [box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy];

/** The box around a point holding every point within `metres` of it on the sphere, or null near a pole or the antimeridian. */
function metresBox(p: [number, number], metres: number): BBox | null {
  const dLat = metres * DEGREES_PER_METRE;
  const lat = Math.abs(p[1]) + dLat;
  if (lat >= 90) return null;
  const dLon = dLat / Math.cos((lat * Math.PI) / 180);
  if (p[0] - dLon < -180 || p[0] + dLon > 180) return null;
  return [p[0] - dLon, p[1] - dLat, p[0] + dLon, p[1] + dLat];
}

export function spatialLeaf(q: Query, f: SpatialField, b: Binder): SpatialLeaf {
  const meets = (box: BBox | null) => (box && f.meets ? f.meets(box, b) : "1");
  const stored = (v: unknown) => storedGeometry(f.type, v);

  const rel = RELATION_OF.get(q.method);
  if (rel) {
    if (!q.values.length) throw invalid(`${ucfirst(q.method)} queries require at least one value.`);
    const [name, negated] = rel;
    const g = geometryOf(q.values[0]);
    const points = pointCount(g);
    const holds = RELATIONS[name];
    return {
      // A relation that holds needs the boxes to meet; a negated one can hold anywhere.
      prefilter: negated ? "1" : meets(bbox(g)),
      test: (v) => {
        const s = stored(v);
        if (!s) return false;
        spend(q, pointCount(s) * points);
        return holds(s, g) !== negated;
      },
    };
  }

  const compare = COMPARE.get(q.method);
  if (compare) {
    const arg = q.values[0];
    if (q.values.length !== 1 || !Array.isArray(arg) || arg.length !== 3) throw invalid("Distance query requires [[geometry, distance]] parameters");
    const g = geometryOf(arg[0]);
    const points = pointCount(g);
    const limit = arg[1];
    if (typeof limit !== "number" || !Number.isFinite(limit)) throw invalid("Distance must be a number");
    const metres = arg[2] === true;
    if (metres && (f.type !== "point" || g.type !== "point")) throw invalid(`Distance in meters is not supported between ${f.type} and ${g.type}`);
    const near = q.method === "distanceLessThan" || q.method === "distanceEqual";
    const box = !near ? null : metres ? metresBox(g.coords as [number, number], limit) : grow(bbox(g), limit, limit);
    return {
      prefilter: meets(box),
      test: (v) => {
        const s = stored(v);
        if (!s) return false;
        spend(q, pointCount(s) * points);
        const d = metres ? sphereDistance(s.coords as [number, number], g.coords as [number, number]) : planarDistance(s, g);
        return compare(d, limit);
      },
    };
  }

  throw invalid(`Cannot query ${q.method} on attribute "${q.attribute}" because it is a spatial attribute`);
}
