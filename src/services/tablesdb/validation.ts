import { AppwriteError, type ErrorType } from "../../core/errors";
import { formatDate, parseDate } from "../../core/time";
import type { Flavor } from "./flavor";
import type { ColumnMeta, TableMeta } from "./meta";
import { lookup } from "../../core/input";
import { isSpatialType, parseSpatial } from "../../core/geometry";

/** Column value validation (utopia Structure's checks and descriptions) and the stored encoding. */
const INT64_MIN = -9223372036854775808;
const INT64_MAX = 9223372036854775807;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const TEXT_SIZES = lookup<number>({ text: 65535, mediumtext: 16777215, longtext: 4294967295 });
export const FORMAT_SIZES = lookup<number>({ email: 254, ip: 39, url: 2000, enum: 255 });

function isIp(v: string): boolean {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(v)) return true;
  if (!v.includes(":") || !/^[0-9a-fA-F:.]+$/.test(v)) return false;
  try {
    new URL(`http://[${v}]/`);
    return true;
  } catch {
    return false;
  }
}

const isUrl = (v: string) => URL.canParse(v) && /^[a-z][a-z0-9+.-]*:\/\//i.test(v);

/** The validator description of one (scalar) value, or null when it is valid. */
function describe(col: ColumnMeta, v: unknown): string | null {
  switch (col.type) {
    case "string": case "varchar": case "text": case "mediumtext": case "longtext": {
      if (col.format === "enum") {
        const elements = (col.options.elements as string[]) ?? [];
        return typeof v === "string" && elements.includes(v) ? null : `Value must be one of (${elements.join(", ")})`;
      }
      if (col.format === "email") return typeof v === "string" && v.length <= 254 && EMAIL.test(v) ? null : "Value must be a valid email address";
      if (col.format === "ip") return typeof v === "string" && isIp(v) ? null : "Value must be a valid IP address";
      if (col.format === "url") return typeof v === "string" && isUrl(v) ? null : "Value must be a valid URL";
      const size = col.size || TEXT_SIZES[col.type] || 0;
      return typeof v === "string" && [...v].length <= size ? null : `Value must be a valid string and no longer than ${size} chars`;
    }
    case "integer": case "bigint": {
      if (typeof v !== "number" || !Number.isInteger(v)) return "Value must be a valid integer";
      const min = (col.options.min as number | undefined) ?? INT64_MIN;
      const max = (col.options.max as number | undefined) ?? INT64_MAX;
      return v >= min && v <= max ? null : `Value must be a valid range between ${fmt(min)} and ${fmt(max)}`;
    }
    case "double": {
      if (typeof v !== "number" || !Number.isFinite(v)) return "Value must be a valid float";
      const min = (col.options.min as number | undefined) ?? -Number.MAX_VALUE;
      const max = (col.options.max as number | undefined) ?? Number.MAX_VALUE;
      return v >= min && v <= max ? null : `Value must be a valid range between ${fmt(min)} and ${fmt(max)}`;
    }
    case "boolean":
      return typeof v === "boolean" ? null : "Value must be a valid boolean";
    case "datetime":
      return parseDate(v) !== null ? null : "Value must be valid date between 0000-01-01 00:00:00 and 9999-12-31 23:59:59.";
    case "relationship":
      return typeof v === "string" ? null : "Value must be a valid related row ID";
    default:
      return null;
  }
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString("en-US").replace(/,/g, ",") : String(n));

/** Encode a validated scalar for storage: booleans 1/0 (true/false inside JSON arrays), datetimes epoch ms. */
function encodeScalar(col: ColumnMeta, v: unknown, inArray: boolean): unknown {
  if (col.type === "boolean") return inArray ? v : v ? 1 : 0;
  if (col.type === "datetime") return parseDate(v);
  return v;
}

export class ValueError extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

/** Validate one value of a column; returns the stored form (JSON text for arrays and spatial values). Throws ValueError. */
export function encodeValue(col: ColumnMeta, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (isSpatialType(col.type)) {
    const g = parseSpatial(col.type, v);
    if (typeof g === "string") throw new ValueError(`Attribute "${col.key}" has invalid type. ${g}`);
    return JSON.stringify(g.coords);
  }
  if (col.array) {
    if (!Array.isArray(v)) throw new ValueError(`Attribute "${col.key}" must be an array`);
    const out = v.map((item, n) => {
      const d = describe(col, item);
      if (d) throw new ValueError(`Attribute "${col.key}[${n}]" has invalid type. ${d}`);
      return encodeScalar(col, item, true);
    });
    return JSON.stringify(out);
  }
  const d = describe(col, v);
  if (d) throw new ValueError(`Attribute "${col.key}" has invalid ${col.format && col.format !== "enum" ? "format" : "type"}. ${d}`);
  return encodeScalar(col, v, false);
}

/** Check a default value at column create/update: `column_value_invalid` with the validator's text. */
export function checkDefault(fl: Flavor, col: ColumnMeta, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (isSpatialType(col.type)) {
    // Appwrite checks a spatial default as a param (its Spatial validator), not as a column value.
    const g = parseSpatial(col.type, v);
    if (typeof g === "string") throw new AppwriteError("general_argument_invalid", `Invalid \`default\` param: ${g}`);
    return g.coords;
  }
  const d = describe(col, v);
  if (d) throw new AppwriteError(fl.err.columnValueInvalid, d);
  return col.type === "datetime" ? parseDate(v) : v;
}

/** A column's default as stored in a new row. */
export function storedDefault(col: ColumnMeta): unknown {
  if (col.type === "boolean") return col.default ? 1 : 0;
  return isSpatialType(col.type) ? JSON.stringify(col.default) : col.default;
}

/** Stored value → API value. */
export function decodeValue(col: ColumnMeta, raw: unknown): unknown {
  if (raw === null || raw === undefined) return col.array ? null : null;
  if (isSpatialType(col.type)) return typeof raw === "string" ? JSON.parse(raw) : null;
  if (col.array) {
    let arr: unknown[];
    try {
      arr = typeof raw === "string" ? JSON.parse(raw) : [];
    } catch {
      return [];
    }
    if (col.type === "datetime") return arr.map((x) => (typeof x === "number" ? formatDate(x) : x));
    if (col.type === "boolean") return arr.map((x) => !!x);
    return arr;
  }
  switch (col.type) {
    case "boolean":
      return !!raw;
    case "datetime":
      return typeof raw === "number" ? formatDate(raw) : raw;
    case "double":
      return typeof raw === "number" ? raw : Number(raw);
    default:
      return raw;
  }
}

/** Appwrite's structure error for rows/documents. */
export function structureError(fl: Flavor, detail: string, type?: ErrorType): AppwriteError {
  const text = fl.legacy ? detail : detail.replace(/Attribute/g, "Column").replace(/attribute/g, "column");
  return new AppwriteError(type ?? fl.err.rowInvalid, `Invalid ${fl.word.row} structure: ${text}`);
}

export const dataColumns = (t: TableMeta) => t.columns.filter((c) => c.sql && c.status === "available");
