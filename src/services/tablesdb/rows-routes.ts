import type { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { resolveId } from "../../core/ids";
import { params, p, collectParams } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import { prepareQueries } from "../../db/list";
import { scheduleDispatch } from "../../events/outbox";
import { deferAccessFor } from "../../platform/access";
import { requireScope, scopeError } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import type { Flavor } from "./flavor";
import { withTable, guardStmt } from "./meta";
import {
  BATCH_MAX, bulkId, bumpColumn, createRows, deleteRow, deleteStatements, getRow, listRows, matchRows, rowModel, updateRow,
  updateStatements, upsertRow, withConflictRetry, writeError, readRawMany, insertStatements, prepareNew, modelOfPrepared, rowEvent, type Model,
} from "./rows";
import { stageOperation, readThroughTransaction } from "./transactions";
import { relationshipDeleteStatements, expandRelationships, writeRelationships, hasRelationships } from "./relationships";
import { parseJson } from "../../core/input";

/** Appwrite refuses bulk writes on tables with relationship columns (general_bad_request). */
function refuseBulk(fl: Flavor, t: { columns: { type: string; options: Record<string, unknown> }[] }, what: string, createWording = false): void {
  if (!hasRelationships(t as never)) return;
  const ns = fl.legacy ? "databases" : "tablesDB";
  throw new AppwriteError("general_bad_request", `Bulk ${what} is not supported for ${ns} with relationship ${createWording ? fl.columns : "attributes"}`);
}

const rowsKey = (fl: Flavor) => fl.rows;

/**
 * Bulk routes are for API keys: others get the scope refusal naming the route's scopes (Appwrite's SDKs offer bulk
 * to servers only; Appwrite itself would run it for a guest, permission-filtered).
 */
function requireKey(c: Ctx, fl: Flavor): void {
  if (!c.var.caller.privileged) throw scopeError(c, fl.scope.rowsWrite);
}

/** `data` may be an object or a JSON string; other types are Appwrite's structure error. */
function dataParam(fl: Flavor, v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  let d: unknown = v;
  if (typeof d === "string") {
    try {
      d = parseJson(d);
    } catch (e) {
      if (e instanceof AppwriteError) throw e;
      throw new AppwriteError("general_argument_invalid", "Invalid `data` param: Value must be a valid JSON object");
    }
  }
  if (!d || typeof d !== "object" || Array.isArray(d)) throw new AppwriteError("general_argument_invalid", "Invalid `data` param: Value must be a valid JSON object");
  void fl;
  return d as Record<string, unknown>;
}

export function registerRows(r: Hono<AppEnv>, fl: Flavor): void {
  const base = `/:databaseId/${fl.tables}/:${fl.tableParam}/${fl.rows}`;
  const ids = (c: Ctx) => [c.req.param("databaseId")!, c.req.param(fl.tableParam)!] as const;
  const txParam = { transactionId: p.optional(p.uid()) };
  // Row routes touch nothing but the data database (events go out after their commit), so they may run on
  // deferred access: the caller's key checked inside each of their batches (src/platform/access.ts).
  const path = new RegExp(`^/v1/${fl.legacy ? "databases" : "tablesdb"}/[^/]+/${fl.tables}/[^/]+/${fl.rows}(/[^/]+)?/?$`);
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) deferAccessFor(method, path);

  // list
  r.get(base, async (c) => {
    requireScope(c, ...fl.scope.rowsRead);
    const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true), ttl: p.optional(p.integer({ min: 0, max: 86400 })), ...txParam });
    const g = prepareQueries(a.queries);
    const [dbId, tId] = ids(c);
    const out = await withTable(c, fl, dbId, tId, async (t) => {
      if (a.transactionId) return readThroughTransaction(c, fl, t, a.transactionId, g, a.total);
      const res = await listRows(c, fl, t, g, a.total);
      await expandRelationships(c, fl, t, res.rows, g.select, 1);
      return res;
    });
    return json(c, list(rowsKey(fl), out.rows, out.total));
  });

  // create (single) / createRows (bulk)
  r.post(base, async (c) => {
    requireScope(c, ...fl.scope.rowsWrite);
    const raw = await collectParams(c);
    const a = await params(c, { [fl.rowParam]: p.optional(p.customId()), permissions: p.optional(p.strings()), rows: p.optional(p.array(p.object(), { max: BATCH_MAX })), ...txParam } as Record<string, ReturnType<typeof p.any>>);
    const data = dataParam(fl, raw.data);
    const rows = a.rows as Record<string, unknown>[] | undefined;
    const rowId = a[fl.rowParam] as string | undefined;
    const hasData = data !== undefined;
    if (hasData && rows) throw new AppwriteError("general_bad_request", `You can only send one of the following parameters: data, ${fl.rows}`);
    if (!hasData && !rows) throw new AppwriteError(fl.err.rowMissingData);
    if (hasData && !rowId) throw new AppwriteError(fl.err.rowMissingData, `${fl.word.Row} ID is required when creating a single ${fl.word.row}.`);
    if (rows && rowId) throw new AppwriteError("general_bad_request", `Param "${fl.rowParam}" is not allowed when creating multiple ${fl.rows}, set "$id" on each instead.`);
    if (rows && a.permissions) throw new AppwriteError("general_bad_request", `Param "permissions" is disallowed when creating multiple ${fl.rows}, set "$permissions" on each instead`);
    if (rows) requireKey(c, fl);
    const [dbId, tId] = ids(c);
    const created = await withTable(c, fl, dbId, tId, async (t) => {
      const items = rows
        ? rows.map((row) => {
            const { $id, $permissions, ...rest } = row;
            return { id: bulkId($id), data: rest, permissions: ($permissions as string[] | undefined) ?? null };
          })
        : [{ id: resolveId(fl.rowParam, rowId!), data: data!, permissions: (a.permissions as string[] | undefined) ?? null }];
      if (rows) refuseBulk(fl, t, "create", true);
      if (a.transactionId) return stageOperation(c, fl, t, a.transactionId as string, rows ? { action: "bulkCreate", data: items } : { action: "create", rowId: items[0]!.id, data: items[0]!.data, permissions: items[0]!.permissions });
      if (!rows) {
        const m = await writeRelationships(c, fl, t, items[0]!);
        if (m) return [m];
      }
      return createRows(c, fl, t, items);
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    if (rows) return json(c, list(rowsKey(fl), created as Model[], (created as Model[]).length), 201);
    return json(c, (created as Model[])[0], 201);
  });

  // upsertRows (bulk)
  r.put(base, async (c) => {
    requireScope(c, ...fl.scope.rowsWrite);
    const a = await params(c, { rows: p.array(p.object(), { max: BATCH_MAX }), ...txParam });
    requireKey(c, fl);
    const [dbId, tId] = ids(c);
    const out = await withTable(c, fl, dbId, tId, async (t) => {
      const items = a.rows.map((row) => {
        const { $id, $permissions, ...rest } = row;
        return { id: bulkId($id), data: rest, permissions: ($permissions as string[] | undefined) ?? null };
      });
      refuseBulk(fl, t, "upsert");
      if (a.transactionId) return stageOperation(c, fl, t, a.transactionId, { action: "bulkUpsert", data: items });
      return withConflictRetry(fl, async () => {
        const existing = await readRawMany(c, t, items.map((i) => i.id));
        const fresh = items.filter((i) => !existing.has(i.id));
        const prepared = prepareNew(c, fl, t, fresh);
        const stmts: D1PreparedStatement[] = [guardStmt(c.var.d1, t), ...(prepared.length ? insertStatements(c, t, prepared) : [])];
        const models: Model[] = [];
        const freshModels = new Map(prepared.map((pr) => [pr.id, modelOfPrepared(fl, t, pr)]));
        for (const m of freshModels.values()) stmts.push(rowEvent(c, fl, t, String(m.$id), "upsert"));
        for (const i of items) {
          const raw = existing.get(i.id);
          if (!raw) {
            models.push(freshModels.get(i.id)!);
            continue;
          }
          const u = updateStatements(c, fl, t, { raw, data: i.data, permissions: i.permissions }, "upsert");
          stmts.push(...u.stmts);
          models.push(u.model);
        }
        stmts.push(c.var.d1.prepare(`SELECT _uid, _seq FROM "${t.physical}" WHERE _uid IN (SELECT value FROM json_each(?1))`).bind(JSON.stringify(items.map((i) => i.id))));
        let res: D1Result<Record<string, unknown>>[];
        try {
          res = await c.var.d1.batch(stmts);
        } catch (e) {
          throw writeError(fl, e);
        }
        const seqs = new Map(res.at(-1)!.results.map((x) => [String(x._uid), String(x._seq)]));
        for (const m of models) m.$sequence = seqs.get(String(m.$id)) ?? m.$sequence;
        return models;
      });
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, list(rowsKey(fl), out as Model[], (out as Model[]).length), 201);
  });

  // updateRows (bulk)
  r.patch(base, async (c) => {
    requireScope(c, ...fl.scope.rowsWrite);
    const raw = await collectParams(c);
    const a = await params(c, { queries: p.optional(p.strings()), ...txParam });
    const data = dataParam(fl, raw.data) ?? {};
    requireKey(c, fl);
    prepareQueries(a.queries);
    const [dbId, tId] = ids(c);
    const out = await withTable(c, fl, dbId, tId, async (t) => {
      refuseBulk(fl, t, "update");
      if (a.transactionId) return stageOperation(c, fl, t, a.transactionId, { action: "bulkUpdate", data: { data, queries: a.queries ?? [] } });
      return withConflictRetry(fl, async () => {
        const raws = await matchRows(c, fl, t, a.queries ?? [], "update");
        const stmts: D1PreparedStatement[] = [guardStmt(c.var.d1, t)];
        const models: Model[] = [];
        for (const rw of raws) {
          const u = updateStatements(c, fl, t, { raw: rw, data });
          stmts.push(...u.stmts);
          models.push(u.model);
        }
        try {
          if (raws.length) await c.var.d1.batch(stmts);
        } catch (e) {
          throw writeError(fl, e);
        }
        return models;
      });
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, list(rowsKey(fl), out as Model[], (out as Model[]).length));
  });

  // deleteRows (bulk) → 200 with the deleted rows
  r.delete(base, async (c) => {
    requireScope(c, ...fl.scope.rowsWrite);
    const a = await params(c, { queries: p.optional(p.strings()), ...txParam });
    requireKey(c, fl);
    prepareQueries(a.queries);
    const [dbId, tId] = ids(c);
    const out = await withTable(c, fl, dbId, tId, async (t) => {
      refuseBulk(fl, t, "delete");
      if (a.transactionId) return stageOperation(c, fl, t, a.transactionId, { action: "bulkDelete", data: { queries: a.queries ?? [] } });
      return withConflictRetry(fl, async () => {
        const raws = await matchRows(c, fl, t, a.queries ?? [], "delete");
        const models = raws.map((x) => rowModel(fl, t, x));
        if (raws.length) {
          const rel = await relationshipDeleteStatements(c, fl, t, raws);
          await c.var.d1.batch([guardStmt(c.var.d1, t), ...rel, ...deleteStatements(c, fl, t, raws)]);
        }
        return models;
      });
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, list(rowsKey(fl), out as Model[], (out as Model[]).length));
  });

  // get
  r.get(`${base}/:${fl.rowParam}`, async (c) => {
    requireScope(c, ...fl.scope.rowsRead);
    const a = await params(c, { queries: p.optional(p.strings()), ...txParam });
    const g = prepareQueries(a.queries);
    const [dbId, tId] = ids(c);
    const rowId = c.req.param(fl.rowParam)!;
    const row = await withTable(c, fl, dbId, tId, async (t) => {
      if (a.transactionId) {
        const res = await readThroughTransaction(c, fl, t, a.transactionId, { ...g, filters: [{ method: "equal", attribute: "$id", values: [rowId] }], limit: 1, offset: 0, cursor: null }, false);
        if (!res.rows[0]) throw new AppwriteError(fl.err.rowNotFound, `${fl.word.Row} with the requested ID '${rowId}' could not be found.`);
        return res.rows[0];
      }
      const m = await getRow(c, fl, t, rowId, g.select);
      await expandRelationships(c, fl, t, [m], g.select, 1);
      return m;
    });
    return json(c, row);
  });

  // upsert (PUT) → 201
  r.put(`${base}/:${fl.rowParam}`, async (c) => {
    requireScope(c, ...fl.scope.rowsWrite);
    const raw = await collectParams(c);
    const a = await params(c, { permissions: p.optional(p.strings()), ...txParam });
    const data = dataParam(fl, raw.data);
    const [dbId, tId] = ids(c);
    const rowId = resolveId(fl.rowParam, c.req.param(fl.rowParam)!);
    const row = await withTable(c, fl, dbId, tId, async (t) => {
      if (a.transactionId) return stageOperation(c, fl, t, a.transactionId, { action: "upsert", rowId, data: data ?? {}, permissions: a.permissions ?? null });
      const m = await writeRelationships(c, fl, t, { id: rowId, data: data ?? {}, permissions: a.permissions }, "upsert");
      if (m) return m;
      return upsertRow(c, fl, t, rowId, data ?? {}, a.permissions);
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, row, 201);
  });

  // update (PATCH)
  r.patch(`${base}/:${fl.rowParam}`, async (c) => {
    requireScope(c, ...fl.scope.rowsWrite);
    const raw = await collectParams(c);
    const a = await params(c, { permissions: p.optional(p.strings()), ...txParam });
    const data = dataParam(fl, raw.data);
    if ((data === undefined || !Object.keys(data).length) && a.permissions === undefined) throw new AppwriteError(fl.err.rowMissingPayload);
    const [dbId, tId] = ids(c);
    const rowId = c.req.param(fl.rowParam)!;
    const row = await withTable(c, fl, dbId, tId, async (t) => {
      if (a.transactionId) return stageOperation(c, fl, t, a.transactionId, { action: "update", rowId, data: data ?? {}, permissions: a.permissions ?? null });
      const m = await writeRelationships(c, fl, t, { id: rowId, data: data ?? {}, permissions: a.permissions }, true);
      if (m) return m;
      return updateRow(c, fl, t, rowId, data ?? {}, a.permissions);
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, row);
  });

  // delete → 204
  r.delete(`${base}/:${fl.rowParam}`, async (c) => {
    requireScope(c, ...fl.scope.rowsWrite);
    const a = await params(c, txParam);
    const [dbId, tId] = ids(c);
    const rowId = c.req.param(fl.rowParam)!;
    await withTable(c, fl, dbId, tId, async (t) => {
      if (a.transactionId) return stageOperation(c, fl, t, a.transactionId, { action: "delete", rowId });
      return deleteRow(c, fl, t, rowId, (rw) => relationshipDeleteStatements(c, fl, t, [rw]));
    });
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return noContent(c);
  });

  for (const kind of ["increment", "decrement"] as const) {
    r.patch(`${base}/:${fl.rowParam}/:column/${kind}`, async (c) => {
      requireScope(c, ...fl.scope.rowsWrite);
      const a = await params(c, { value: p.default(p.number(), 1), [kind === "increment" ? "max" : "min"]: p.optional(p.number()), ...txParam } as Record<string, ReturnType<typeof p.any>>);
      const [dbId, tId] = ids(c);
      const rowId = c.req.param(fl.rowParam)!;
      const column = c.req.param("column")!;
      const bound = a[kind === "increment" ? "max" : "min"] as number | undefined;
      const row = await withTable(c, fl, dbId, tId, async (t) => {
        if (a.transactionId) return stageOperation(c, fl, t, a.transactionId as string, { action: kind, rowId, data: { column, value: a.value, bound } });
        return bumpColumn(c, fl, t, rowId, column, a.value as number, bound, kind);
      });
      scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
      return json(c, row);
    });
  }
}
