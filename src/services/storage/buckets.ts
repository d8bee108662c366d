import { Hono } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { updatedAtAfter } from "../../core/time";
import { resolveId } from "../../core/ids";
import { p, params, pathParam } from "../../core/params";
import { CONTAINER_ACTIONS, normalizePermissions, rolesFor } from "../../core/permissions";
import { ftsTerm, type Field } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { isUniqueViolation } from "../../db/client";
import { prepareQueries, runList, systemFields } from "../../db/list";
import { buckets, files, resourceTokens, type Bucket } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { bucketPrefix, COMPRESSIONS, STORAGE_LIMIT } from "./constants";
import { discardObject, fileSideRows, purgePrefix } from "./cleanup";
import { bucketModel } from "./models";
import { bucketFromRow, findBucket, totalSizeSql } from "./store";
import { lookup } from "../../core/input";

/** Buckets: API keys only (scopes buckets.read / buckets.write), as in Appwrite. */
export const bucketRoutes = new Hono<AppEnv>();

const settings = {
  permissions: p.optional(p.strings({ max: 100 })),
  fileSecurity: p.default(p.boolean(), false),
  enabled: p.default(p.boolean(), true),
  maximumFileSize: p.optional(p.integer({ min: 1, max: STORAGE_LIMIT })),
  allowedFileExtensions: p.default(p.strings({ max: 100, maxLength: 64 }), []),
  compression: p.optional(p.enum(COMPRESSIONS)),
  encryption: p.optional(p.boolean()),
  antivirus: p.default(p.boolean(), true),
  transformations: p.default(p.boolean(), true),
};

async function withTotal(c: Ctx, bucket: Bucket) {
  const row = await c.var.d1.prepare(`SELECT ${totalSizeSql("?1")} AS total`).bind(bucket.seq).first<{ total: number }>();
  return bucketModel(bucket, Number(row?.total ?? 0));
}

async function adminBucket(c: Ctx): Promise<Bucket> {
  const bucket = await findBucket(c.var.db, c.var.project.id, pathParam(c, "bucketId", p.uid()));
  if (!bucket) throw new AppwriteError("storage_bucket_not_found");
  return bucket;
}

const bucketEvent = (c: Ctx, bucket: Bucket, action: "create" | "update" | "delete", payload: Record<string, unknown>) =>
  recordEvent(c.var.db, {
    projectId: c.var.project.id,
    pattern: `buckets.[bucketId].${action}`,
    params: { bucketId: bucket.id },
    payload,
    roles: rolesFor(bucket.permissions, "read"),
    userId: c.var.caller.user?.id,
  });

bucketRoutes.post("/", async (c) => {
  requireScope(c, "buckets.write");
  const a = await params(c, { bucketId: p.customId(), name: p.string({ min: 1, max: 128 }), ...settings });
  const id = resolveId("bucketId", a.bucketId);
  const now = Date.now();
  const values = {
    projectId: c.var.project.id,
    id,
    name: a.name,
    permissions: normalizePermissions(a.permissions ?? [], CONTAINER_ACTIONS),
    fileSecurity: a.fileSecurity,
    enabled: a.enabled,
    maximumFileSize: a.maximumFileSize ?? STORAGE_LIMIT,
    allowedFileExtensions: a.allowedFileExtensions,
    compression: a.compression ?? "none",
    encryption: a.encryption ?? true,
    antivirus: a.antivirus,
    transformations: a.transformations,
    search: `${id} ${a.name}`,
    createdAt: now,
    updatedAt: now,
  };
  const model = bucketModel({ seq: 0, ...values });
  const db = c.var.db;
  try {
    const [rows] = await db.batch([db.insert(buckets).values(values).returning(), bucketEvent(c, { seq: 0, ...values }, "create", model)]);
    scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
    return json(c, bucketModel(rows[0]!), 201);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("storage_bucket_already_exists");
    throw e;
  }
});

const BUCKET_FIELDS = lookup<Field>({
  ...systemFields("b."),
  enabled: { sql: "b.enabled", type: "boolean" },
  name: { sql: "b.name", type: "string" },
  fileSecurity: { sql: "b.file_security", type: "boolean" },
  maximumFileSize: { sql: "b.maximum_file_size", type: "integer" },
  encryption: { sql: "b.encryption", type: "boolean" },
  antivirus: { sql: "b.antivirus", type: "boolean" },
  transformations: { sql: "b.transformations", type: "boolean" },
});
/** Internal attribute for the `search` param (Appwrite's fulltext `search` = "id name"). */
const SEARCH = "\u0000search";
const BUCKET_SEARCH: Field = { sql: "b.search", type: "string", search: (param) => `b.seq IN (SELECT rowid FROM buckets_fts WHERE buckets_fts MATCH ${param})` };

bucketRoutes.get("/", async (c) => {
  requireScope(c, "buckets.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const g = prepareQueries(a.queries);
  if (a.search && ftsTerm(a.search) !== '""') g.filters.push({ method: "search", attribute: SEARCH, values: [a.search] });
  const projectId = c.var.project.id;
  const { rows, total } = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "buckets b",
      columns: `b.*, ${totalSizeSql("b.seq")} AS total_size`,
      base: (b) => `b.project_id = ${b.bind(projectId)}`,
      resolve: (attr) => (attr === SEARCH ? BUCKET_SEARCH : BUCKET_FIELDS[attr]),
      sequence: "b.seq",
      id: "b.id",
    },
    g,
    a.total,
  );
  return json(c, list("buckets", rows.map((r) => bucketModel(bucketFromRow(r), Number(r.total_size ?? 0))), total));
});

bucketRoutes.get("/:bucketId", async (c) => {
  requireScope(c, "buckets.read");
  return json(c, await withTotal(c, await adminBucket(c)));
});

bucketRoutes.put("/:bucketId", async (c) => {
  requireScope(c, "buckets.write");
  const a = await params(c, { name: p.string({ min: 1, max: 128 }), ...settings });
  const bucket = await adminBucket(c);
  const set = {
    name: a.name,
    permissions: a.permissions === undefined ? bucket.permissions : normalizePermissions(a.permissions, CONTAINER_ACTIONS),
    fileSecurity: a.fileSecurity,
    enabled: a.enabled,
    maximumFileSize: a.maximumFileSize ?? bucket.maximumFileSize,
    allowedFileExtensions: a.allowedFileExtensions,
    compression: a.compression ?? bucket.compression,
    encryption: a.encryption ?? bucket.encryption,
    antivirus: a.antivirus,
    transformations: a.transformations,
    search: `${bucket.id} ${a.name}`,
  };
  const next: Bucket = { ...bucket, ...set, updatedAt: updatedAtAfter(bucket, set) };
  const db = c.var.db;
  await db.batch([db.update(buckets).set({ ...set, updatedAt: next.updatedAt }).where(eq(buckets.seq, bucket.seq)), bucketEvent(c, next, "update", bucketModel(next))]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, await withTotal(c, next));
});

bucketRoutes.delete("/:bucketId", async (c) => {
  requireScope(c, "buckets.write");
  const bucket = await adminBucket(c);
  const db = c.var.db;
  const pending = await db.select({ objectKey: files.objectKey, uploadId: files.uploadId }).from(files).where(and(eq(files.bucketSeq, bucket.seq), sql`${files.uploadId} IS NOT NULL`));
  const seqs = sql`(SELECT seq FROM files WHERE bucket_seq = ${bucket.seq})`;
  await db.batch([
    ...fileSideRows(db, seqs),
    db.delete(resourceTokens).where(and(eq(resourceTokens.projectId, bucket.projectId), eq(resourceTokens.resourceType, "files"), sql`${resourceTokens.resourceInternalId} LIKE ${`${bucket.seq}:%`}`)),
    db.delete(files).where(eq(files.bucketSeq, bucket.seq)),
    db.delete(buckets).where(eq(buckets.seq, bucket.seq)),
    bucketEvent(c, bucket, "delete", bucketModel(bucket)),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  // The bucket's objects go in the background; its seq never repeats, so nothing new can land there.
  c.executionCtx.waitUntil(
    (async () => {
      for (const f of pending) await discardObject(c.env.BUCKET, f.objectKey, f.uploadId);
      await purgePrefix(c.env.BUCKET, bucketPrefix(bucket.projectId, bucket.seq));
    })().catch((e) => console.error("bucket purge failed", e)),
  );
  return noContent(c);
});
