import booleanContains from "@turf/boolean-contains";
import booleanCrosses from "@turf/boolean-crosses";
import booleanIntersects from "@turf/boolean-intersects";
import booleanOverlap from "@turf/boolean-overlap";
import booleanTouches from "@turf/boolean-touches";
import type { Geometry as GeoJson } from "geojson";

/**
 * Spatial values as Appwrite's API carries them (point `[x, y]`, linestring `[[x, y], …]`, polygon
 * `[[[x, y], …], …]`, x = longitude, y = latitude), their validation (utopia's Spatial validator, its
 * messages) and the predicates of spatial queries. Relations are planar, as MariaDB's ST_* functions are;
 * distances are in coordinate units, or metres on the sphere (ST_Distance_Sphere) when asked.
 */
export type SpatialType = "point" | "linestring" | "polygon";
export type Coord = [number, number];
export type Geometry =
  | { type: "point"; coords: Coord }
  | { type: "linestring"; coords: Coord[] }
  | { type: "polygon"; coords: Coord[][] };
/** [minX, minY, maxX, maxY] */
export type BBox = [number, number, number, number];

const SPATIAL_TYPES: readonly string[] = ["point", "linestring", "polygon"];
export const isSpatialType = (t: string): t is SpatialType => SPATIAL_TYPES.includes(t);

/** Database::EARTH_RADIUS */
const EARTH_RADIUS = 6371000;

/** PHP's is_numeric: a finite number or a numeric string. */
const isNumeric = (v: unknown) =>
  (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)));

class Invalid extends Error {}

function coordinate(x: unknown, y: unknown): Coord {
  const lon = Number(x), lat = Number(y);
  if (lon < -180 || lon > 180) throw new Invalid(`Longitude (x) must be between -180 and 180, got ${lon}`);
  if (lat < -90 || lat > 90) throw new Invalid(`Latitude (y) must be between -90 and 90, got ${lat}`);
  return [lon, lat];
}

const isPair = (v: unknown): v is [unknown, unknown] => Array.isArray(v) && v.length === 2;

function point(v: unknown[]): Coord {
  if (v.length !== 2) throw new Invalid("Point must be an array of two numeric values [x, y]");
  if (!isNumeric(v[0]) || !isNumeric(v[1])) throw new Invalid("Point coordinates must be numeric values");
  return coordinate(v[0], v[1]);
}

function line(v: unknown[]): Coord[] {
  if (v.length < 2) throw new Invalid("LineString must contain at least two points");
  return v.map((p, n) => {
    if (!isPair(p)) throw new Invalid("Each point in LineString must be an array of two values [x, y]");
    if (!isNumeric(p[0]) || !isNumeric(p[1])) throw new Invalid("Each point in LineString must have numeric coordinates");
    try {
      return coordinate(p[0], p[1]);
    } catch (e) {
      throw new Invalid(`Invalid coordinates at point #${n}: ${(e as Error).message}`);
    }
  });
}

function polygon(v: unknown[]): Coord[][] {
  if (!v.length) throw new Invalid("Polygon must contain at least one ring");
  // A single ring ([[x, y], …]) stands for a polygon of one ring, as in utopia.
  const rings = isPair(v[0]) && isNumeric(v[0][0]) && isNumeric(v[0][1]) ? [v] : v;
  return rings.map((ring, r) => {
    if (!Array.isArray(ring) || !ring.length) throw new Invalid(`Ring #${r} must be an array of points`);
    if (ring.length < 4) throw new Invalid(`Ring #${r} must contain at least 4 points to form a closed polygon`);
    const out = ring.map((p: unknown, n: number) => {
      if (!isPair(p)) throw new Invalid(`Point #${n} in ring #${r} must be an array of two values [x, y]`);
      if (!isNumeric(p[0]) || !isNumeric(p[1])) throw new Invalid(`Coordinates of point #${n} in ring #${r} must be numeric`);
      try {
        return coordinate(p[0], p[1]);
      } catch (e) {
        throw new Invalid(`Invalid coordinates at point #${n} in ring #${r}: ${(e as Error).message}`);
      }
    });
    const [first, last] = [out[0]!, out.at(-1)!];
    if (first[0] !== last[0] || first[1] !== last[1]) throw new Invalid(`Ring #${r} must be closed (first point must equal last point)`);
    return out;
  });
}

/** WKT text of `type` (`POINT(1 2)`, `LINESTRING(0 0, 1 1)`, `POLYGON((0 0, …), …)`) as the array form; null when it is not. */
function fromWkt(type: SpatialType, text: string): unknown[] | null {
  const m = /^\s*(POINT|LINESTRING|POLYGON)\s*\((.*)\)\s*$/is.exec(text);
  if (!m || m[1]!.toLowerCase() !== type) return null;
  const pair = (s: string) => s.trim().split(/\s+/).map(Number);
  const path = (s: string) => s.split(",").map(pair);
  if (type === "point") return pair(m[2]!);
  if (type === "linestring") return path(m[2]!);
  const rings = m[2]!.trim();
  if (!/^\([^()]*\)(\s*,\s*\([^()]*\))*$/.test(rings)) return null;
  return [...rings.matchAll(/\(([^()]*)\)/g)].map((r) => path(r[1]!));
}

/** A value of a `type` column (array or WKT), or the validator's description of what is wrong (`Value must be a valid point: …`). */
export function parseSpatial(type: SpatialType, value: unknown): Geometry | string {
  try {
    const v = typeof value === "string" ? fromWkt(type, value) : value;
    if (!Array.isArray(v)) throw new Invalid("Spatial value must be array or WKT string");
    if (type === "point") return { type, coords: point(v) };
    if (type === "linestring") return { type, coords: line(v) };
    return { type, coords: polygon(v) };
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    return `Value must be a valid ${type}: ${e.message}`;
  }
}

/** A query's geometry, its type told by nesting depth (utopia's convertArrayToWKT); null when it is none. */
export function queryGeometry(v: unknown): Geometry | null {
  if (!Array.isArray(v) || !v.length) return null;
  const type: SpatialType | null = isNumeric(v[0]) ? "point" : isPair(v[0]) && isNumeric(v[0][0]) ? "linestring" : Array.isArray(v[0]) && isPair(v[0][0]) ? "polygon" : null;
  if (!type) return null;
  const g = parseSpatial(type, v);
  return typeof g === "string" ? null : g;
}

/** The stored JSON text of a validated value → its geometry. */
export function storedGeometry(type: SpatialType, text: unknown): Geometry | null {
  if (typeof text !== "string") return null;
  const coords = JSON.parse(text) as never;
  return { type, coords } as Geometry;
}

const allCoords = (g: Geometry): Coord[] => (g.type === "point" ? [g.coords] : g.type === "linestring" ? g.coords : g.coords.flat());

/** How many points a geometry has: what an exact test between two geometries costs grows with their product. */
export const pointCount = (g: Geometry): number => (g.type === "point" ? 1 : g.type === "linestring" ? g.coords.length : g.coords.reduce((n, ring) => n + ring.length, 0));

export function bbox(g: Geometry): BBox {
  const cs = allCoords(g);
  return [Math.min(...cs.map((c) => c[0])), Math.min(...cs.map((c) => c[1])), Math.max(...cs.map((c) => c[0])), Math.max(...cs.map((c) => c[1]))];
}

const toGeoJson = (g: Geometry): GeoJson =>
  g.type === "point" ? { type: "Point", coordinates: g.coords } : g.type === "linestring" ? { type: "LineString", coordinates: g.coords } : { type: "Polygon", coordinates: g.coords };

/**
 * turf refuses the pairs for which a relation cannot hold (a point crossing, overlapping or containing
 * something larger; areas crossing); in OGC's terms the relation is false for them.
 */
function relation(fn: (a: GeoJson, b: GeoJson) => boolean, a: Geometry, b: Geometry): boolean {
  try {
    return fn(toGeoJson(a), toGeoJson(b));
  } catch (e) {
    if (/not supported|same type/.test(String((e as Error)?.message))) return false;
    throw e;
  }
}

export const RELATIONS = {
  intersects: (a: Geometry, b: Geometry) => relation(booleanIntersects, a, b),
  crosses: (a: Geometry, b: Geometry) => relation(booleanCrosses, a, b),
  overlaps: (a: Geometry, b: Geometry) => relation(booleanOverlap, a, b),
  touches: (a: Geometry, b: Geometry) => relation(booleanTouches, a, b),
  contains: (a: Geometry, b: Geometry) => relation(booleanContains, a, b),
  /** ST_Equals: the same point set, i.e. each contains the other. */
  equal: (a: Geometry, b: Geometry) => a.type === b.type && relation(booleanContains, a, b) && relation(booleanContains, b, a),
};
export type Relation = keyof typeof RELATIONS;

/** Planar distance from point p to segment ab. */
function pointSegment(p: Coord, a: Coord, b: Coord): number {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** The segments of a geometry (a point is one degenerate segment). */
function segments(g: Geometry): [Coord, Coord][] {
  const out: [Coord, Coord][] = [];
  const path = (cs: Coord[]) => {
    for (let i = 1; i < cs.length; i++) out.push([cs[i - 1]!, cs[i]!]);
  };
  if (g.type === "point") out.push([g.coords, g.coords]);
  else if (g.type === "linestring") path(g.coords);
  else g.coords.forEach(path);
  return out;
}

/** ST_Distance: planar, 0 when the geometries meet, else the least distance between their boundaries. */
export function planarDistance(a: Geometry, b: Geometry): number {
  if (RELATIONS.intersects(a, b)) return 0;
  let best = Infinity;
  for (const [p, q] of segments(a)) {
    for (const [r, s] of segments(b)) best = Math.min(best, pointSegment(p, r, s), pointSegment(q, r, s), pointSegment(r, p, q), pointSegment(s, p, q));
  }
  return best;
}

/** ST_Distance_Sphere between two points, in metres. */
export function sphereDistance(a: Coord, b: Coord): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad, dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Degrees of latitude per metre on the sphere. */
export const DEGREES_PER_METRE = 180 / (Math.PI * EARTH_RADIUS);
