import type { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import type { Flavor } from "./flavor";
import type { ColumnMeta, TableMeta } from "./meta";

/**
 * Relationship columns. Not implemented yet: creating one answers a clear 400
 * (`general_feature_unsupported`); the row hooks below are no-ops until they exist.
 */
export const relationshipShape = {};

export function registerRelationshipRoutes(r: Hono<AppEnv>, fl: Flavor, base: string): void {
  r.post(`${base}/relationship`, async (c) => {
    requireScope(c, fl.scope.columnsWrite);
    throw new AppwriteError("general_feature_unsupported", `Relationship ${fl.word.column}s are not supported by this server yet.`);
  });
  r.patch(`${base}/:key/relationship`, async (c) => {
    requireScope(c, fl.scope.columnsWrite);
    throw new AppwriteError("general_feature_unsupported", `Relationship ${fl.word.column}s are not supported by this server yet.`);
  });
}

export async function relationshipColumnStatements(c: Ctx, _fl: Flavor, _t: TableMeta, col: ColumnMeta, _action: "delete"): Promise<D1PreparedStatement[]> {
  return [c.env.DB.prepare("DELETE FROM tdb_columns WHERE seq = ?1").bind(col.seq)];
}

/** onDelete handling of related rows (restrict/cascade/setNull) for rows about to be deleted. */
export async function relationshipDeleteStatements(_c: Ctx, _fl: Flavor, _t: TableMeta, _raws: Record<string, unknown>[]): Promise<D1PreparedStatement[]> {
  return [];
}

/** `select(["rel.*"])` loading of related rows. */
export async function expandRelationships(_c: Ctx, _fl: Flavor, _t: TableMeta, _rows: Record<string, unknown>[], _select: string[] | null, _depth: number): Promise<void> {}

/** Nested create/update of related rows; returns true when it handled the write itself. */
export async function writeRelationships(_c: Ctx, _fl: Flavor, _t: TableMeta, _row: { id: string; data: Record<string, unknown>; permissions?: string[] | null }, _update = false): Promise<boolean> {
  return false;
}
