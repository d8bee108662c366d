import { formatDate } from "../../core/time";
import type { Flavor } from "./flavor";
import type { ColumnMeta, DatabaseMeta, IndexMeta, TableMeta } from "./meta";

/** Response models (Appwrite's Database, Table/Collection, Column and Attribute models, ColumnIndex and Index). */
export function databaseModel(d: DatabaseMeta) {
  return {
    $id: d.id, name: d.name, $createdAt: formatDate(d.createdAt), $updatedAt: formatDate(d.updatedAt), enabled: d.enabled,
    type: d.type === "legacy" ? "legacy" : "tablesdb", policies: [], archives: [],
  };
}

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

/** Output form of a stored default (datetimes are stored as ms). */
function outDefault(col: ColumnMeta): unknown {
  if (col.default === null || col.default === undefined) return null;
  if (col.type === "datetime" && typeof col.default === "number") return formatDate(col.default);
  return col.default;
}

export function columnModel(col: ColumnMeta, fl: Flavor, statusOverride?: string) {
  const base: Record<string, unknown> = {
    key: col.key, type: col.type, status: statusOverride ?? col.status, error: col.error, required: col.required, array: col.array,
    $createdAt: formatDate(col.createdAt), $updatedAt: formatDate(col.updatedAt),
  };
  switch (col.type) {
    case "string": case "varchar": case "text": case "mediumtext": case "longtext":
      if (col.format) {
        base.type = "string";
        base.format = col.format;
        if (col.format === "enum") base.elements = (col.options.elements as string[]) ?? [];
      } else {
        base.size = col.size;
        base.encrypt = !!col.options.encrypt;
      }
      base.default = outDefault(col);
      break;
    case "integer": case "bigint": {
      const min = col.options.min, max = col.options.max;
      base.min = min ?? (col.type === "bigint" ? INT64_MIN : Number.MIN_SAFE_INTEGER);
      base.max = max ?? (col.type === "bigint" ? INT64_MAX : Number.MAX_SAFE_INTEGER);
      if (col.type === "integer" && min === undefined) base.min = INT64_MIN;
      if (col.type === "integer" && max === undefined) base.max = INT64_MAX;
      base.default = outDefault(col);
      break;
    }
    case "double":
      base.min = col.options.min ?? -Number.MAX_VALUE;
      base.max = col.options.max ?? Number.MAX_VALUE;
      base.default = outDefault(col);
      break;
    case "boolean": case "point": case "linestring": case "polygon":
      base.default = outDefault(col);
      break;
    case "datetime":
      base.format = "datetime";
      base.default = outDefault(col);
      break;
    case "relationship": {
      const o = col.options;
      base[fl.relatedKey] = o.relatedTable;
      base.relationType = o.relationType;
      base.twoWay = !!o.twoWay;
      base.twoWayKey = o.twoWayKey ?? "";
      base.onDelete = o.onDelete ?? "restrict";
      base.side = o.side ?? "parent";
      break;
    }
  }
  return base;
}

export function indexModel(i: IndexMeta, fl: Flavor, statusOverride?: string) {
  return {
    $id: i.key, $createdAt: formatDate(i.createdAt), $updatedAt: formatDate(i.updatedAt), key: i.key, type: i.type,
    status: statusOverride ?? i.status, error: i.error, [fl.indexColumns]: i.columns, lengths: i.lengths, orders: i.orders,
  };
}

export function tableModel(t: TableMeta, fl: Flavor) {
  return {
    $id: t.id, $createdAt: formatDate(t.createdAt), $updatedAt: formatDate(t.updatedAt), $permissions: t.permissions,
    databaseId: t.db.id, name: t.name, enabled: t.enabled, [fl.security]: t.rowSecurity,
    [fl.columns]: t.columns.filter((c) => !c.options.hidden).map((c) => columnModel(c, fl)),
    indexes: t.indexes.map((i) => indexModel(i, fl)), bytesMax: 0, bytesUsed: 0,
  };
}
