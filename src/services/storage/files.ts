import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { p, params, pathParam } from "../../core/params";
import { assertGrantable, ITEM_ACTIONS, normalizePermissions } from "../../core/permissions";
import { ftsTerm, type Field } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { prepareQueries, runList, systemFields } from "../../db/list";
import { fileParts, filePermissions, files, resourceTokens, type Bucket, type StoredFile } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { fileEventRoles, gate, loadBucket, readableFile, writableFile } from "./access";
import { discardObject } from "./cleanup";
import { fileModel } from "./models";
import { fileFromRow, filePermissionClause, replaceFilePermissions } from "./store";
import { createFile } from "./upload";
import { lookup } from "../../core/input";

/** Files in a bucket: create (upload.ts), list, get, update, delete. */
export const fileRoutes = new Hono<AppEnv>();

const FILE_FIELDS = lookup<Field>({
  ...systemFields("f."),
  name: { sql: "f.name", type: "string" },
  folder: { sql: "f.folder", type: "string" },
  signature: { sql: "f.signature", type: "string" },
  mimeType: { sql: "f.mime_type", type: "string" },
  sizeOriginal: { sql: "f.size_original", type: "integer" },
  chunksTotal: { sql: "f.chunks_total", type: "integer" },
  chunksUploaded: { sql: "f.chunks_uploaded", type: "integer" },
});
const SEARCH = "\u0000search";
const FILE_SEARCH: Field = { sql: "f.search", type: "string", search: (param) => `f.seq IN (SELECT rowid FROM files_fts WHERE files_fts MATCH ${param})` };

function fileEvent(c: Ctx, bucket: Bucket, file: StoredFile, action: "update" | "delete") {
  return recordEvent(c.var.db, {
    projectId: c.var.project.id,
    pattern: `buckets.[bucketId].files.[fileId].${action}`,
    params: { bucketId: bucket.id, fileId: file.id },
    payload: fileModel(file),
    roles: fileEventRoles(bucket, file),
    userId: c.var.caller.user?.id,
  });
}

fileRoutes.post("/:bucketId/files", createFile);

fileRoutes.get("/:bucketId/files", async (c) => {
  requireScope(c, "files.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const bucket = await loadBucket(c, pathParam(c, "bucketId", p.uid()));
  const { needFilePermission } = gate(c.var.caller, bucket, "read");
  const g = prepareQueries(a.queries);
  if (a.search && ftsTerm(a.search) !== '""') g.filters.push({ method: "search", attribute: SEARCH, values: [a.search] });
  const projectId = c.var.project.id;
  const roles = c.var.caller.roles;
  const { rows, total } = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "files f",
      columns: "f.*",
      base: (b) => {
        const scope = `f.project_id = ${b.bind(projectId)} AND f.bucket_seq = ${b.bind(bucket.seq)}`;
        return needFilePermission ? `${scope} AND ${filePermissionClause(b, "f.seq", "read", roles)}` : scope;
      },
      resolve: (attr) => (attr === SEARCH ? FILE_SEARCH : FILE_FIELDS[attr]),
      sequence: "f.seq",
      id: "f.id",
    },
    g,
    a.total,
  );
  return json(c, list("files", rows.map((r) => fileModel(fileFromRow(r))), total));
});

fileRoutes.get("/:bucketId/files/:fileId", async (c) => {
  requireScope(c, "files.read");
  const bucket = await loadBucket(c, pathParam(c, "bucketId", p.uid()));
  return json(c, fileModel(await readableFile(c, bucket, pathParam(c, "fileId", p.uid()))));
});

fileRoutes.put("/:bucketId/files/:fileId", async (c) => {
  requireScope(c, "files.write");
  const a = await params(c, { name: p.optional(p.string({ min: 1, max: 128 })), permissions: p.optional(p.strings({ max: 100 })) });
  const bucket = await loadBucket(c, pathParam(c, "bucketId", p.uid()));
  const file = await writableFile(c, bucket, pathParam(c, "fileId", p.uid()), "update");
  const permissions = a.permissions === undefined ? file.permissions : normalizePermissions(a.permissions, ITEM_ACTIONS);
  if (a.permissions !== undefined) assertGrantable(c.var.caller.roles, c.var.caller.privileged, permissions);
  const name = a.name ?? file.name;
  const next: StoredFile = { ...file, name, permissions, search: `${file.id} ${name}`, updatedAt: Date.now() };
  const db = c.var.db;
  await db.batch([
    db.update(files).set({ name, permissions, search: next.search, updatedAt: next.updatedAt }).where(eq(files.seq, file.seq)),
    ...replaceFilePermissions(db, file.seq, permissions),
    fileEvent(c, bucket, next, "update"),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, fileModel(next));
});

fileRoutes.delete("/:bucketId/files/:fileId", async (c) => {
  requireScope(c, "files.write");
  const bucket = await loadBucket(c, pathParam(c, "bucketId", p.uid()));
  const file = await writableFile(c, bucket, pathParam(c, "fileId", p.uid()), "delete");
  const db = c.var.db;
  // Record first (one batch with the event), then the bytes: a failure can leave an unreferenced
  // object under a never-reused key, never a record pointing at nothing.
  await db.batch([
    db.delete(files).where(eq(files.seq, file.seq)),
    db.delete(filePermissions).where(eq(filePermissions.item, file.seq)),
    db.delete(fileParts).where(eq(fileParts.file, file.seq)),
    db.delete(resourceTokens).where(and(eq(resourceTokens.projectId, file.projectId), eq(resourceTokens.resourceType, "files"), eq(resourceTokens.resourceInternalId, `${bucket.seq}:${file.seq}`))),
    fileEvent(c, bucket, file, "delete"),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  await discardObject(c.env.BUCKET, file.objectKey, file.status === "ready" ? null : file.uploadId);
  return noContent(c);
});
