import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { p, params } from "../../core/params";
import type { Field } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { parseDate } from "../../core/time";
import { prepareQueries, runList, systemFields } from "../../db/list";
import { resourceTokens, type ResourceToken } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { bucketGrants, fileGrants, loadBucket, readableFile } from "../storage/access";
import { resourceTokenModel } from "./models";
import { tokenSecret } from "./jwt";
import { lookup } from "../../core/input";

/** Resource tokens (`/v1/tokens`): shareable read access to one file, by `?token=` on its URL endpoints. */
export const tokenRoutes = new Hono<AppEnv>();

/** Appwrite's nullable Datetime(requireDateInFuture) param. */
const expireParam = p.optional(p.string({ max: 64 }));
function parseExpire(value: string | undefined): number | null {
  if (value === undefined || value === "") return null;
  const ms = parseDate(value);
  if (ms === null || ms <= Date.now()) throw new AppwriteError("general_argument_invalid", "Invalid `expire` param: Value must be valid date in the future.");
  return ms;
}

/** Appwrite's getFileAndBucket: bucket read is required, and with fileSecurity the file must be readable. */
async function fileAndBucket(c: Ctx) {
  const bucket = await loadBucket(c, c.req.param("bucketId")!);
  if (!bucketGrants(c.var.caller, bucket, "read")) throw new AppwriteError("user_unauthorized");
  const file = await readableFile(c, bucket, c.req.param("fileId")!);
  return { bucket, file };
}

const model = async (c: Ctx, t: ResourceToken) => resourceTokenModel(t, await tokenSecret(c.env, t));

const tokenEvent = (c: Ctx, t: ResourceToken, action: "create" | "update" | "delete", payload: Record<string, unknown>) =>
  recordEvent(c.var.db, { projectId: c.var.project.id, pattern: `tokens.[tokenId].${action}`, params: { tokenId: t.id }, payload, roles: [], userId: c.var.caller.user?.id });

tokenRoutes.post("/buckets/:bucketId/files/:fileId", async (c) => {
  requireScope(c, "tokens.write");
  const a = await params(c, { expire: expireParam });
  const expire = parseExpire(a.expire);
  const { bucket, file } = await fileAndBucket(c);
  const allowed = bucketGrants(c.var.caller, bucket, "update") || (bucket.fileSecurity && fileGrants(c.var.caller, file, "update"));
  if (!allowed) throw new AppwriteError("user_unauthorized");
  const now = Date.now();
  const values = {
    projectId: c.var.project.id,
    id: uniqueId(),
    resourceType: "files",
    resourceId: `${bucket.id}:${file.id}`,
    resourceInternalId: `${bucket.seq}:${file.seq}`,
    expire,
    accessedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const db = c.var.db;
  const [rows] = await db.batch([db.insert(resourceTokens).values(values).returning(), tokenEvent(c, { seq: 0, ...values }, "create", resourceTokenModel({ seq: 0, ...values }, ""))]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, await model(c, rows[0]!), 201);
});

const TOKEN_FIELDS = lookup<Field>({
  ...systemFields("t."),
  expire: { sql: "t.expire", type: "datetime" },
});

tokenRoutes.get("/buckets/:bucketId/files/:fileId", async (c) => {
  requireScope(c, "tokens.read");
  const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  const { bucket, file } = await fileAndBucket(c);
  const projectId = c.var.project.id;
  const { rows, total } = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "resource_tokens t",
      columns: "t.*",
      base: (b) => `t.project_id = ${b.bind(projectId)} AND t.resource_type = 'files' AND t.resource_internal_id = ${b.bind(`${bucket.seq}:${file.seq}`)}`,
      resolve: (attr) => TOKEN_FIELDS[attr],
      sequence: "t.seq",
      id: "t.id",
    },
    prepareQueries(a.queries),
    a.total,
  );
  const tokens = rows.map(
    (r): ResourceToken => ({
      seq: Number(r.seq),
      projectId: String(r.project_id),
      id: String(r.id),
      resourceType: String(r.resource_type),
      resourceId: String(r.resource_id),
      resourceInternalId: String(r.resource_internal_id),
      expire: r.expire === null ? null : Number(r.expire),
      accessedAt: r.accessed_at === null ? null : Number(r.accessed_at),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
    }),
  );
  return json(c, list("tokens", await Promise.all(tokens.map((t) => model(c, t))), total));
});

async function loadToken(c: Ctx): Promise<ResourceToken> {
  const [row] = await c.var.db.select().from(resourceTokens).where(and(eq(resourceTokens.projectId, c.var.project.id), eq(resourceTokens.id, c.req.param("tokenId")!))).limit(1);
  if (!row) throw new AppwriteError("token_not_found");
  return row;
}

tokenRoutes.get("/:tokenId", async (c) => {
  requireScope(c, "tokens.read");
  return json(c, await model(c, await loadToken(c)));
});

tokenRoutes.patch("/:tokenId", async (c) => {
  requireScope(c, "tokens.write");
  const a = await params(c, { expire: expireParam });
  const expire = parseExpire(a.expire);
  const token = await loadToken(c);
  const next = { ...token, expire, updatedAt: Date.now() };
  const db = c.var.db;
  await db.batch([db.update(resourceTokens).set({ expire, updatedAt: next.updatedAt }).where(eq(resourceTokens.seq, token.seq)), tokenEvent(c, next, "update", resourceTokenModel(next, ""))]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, await model(c, next));
});

tokenRoutes.delete("/:tokenId", async (c) => {
  requireScope(c, "tokens.write");
  const token = await loadToken(c);
  const db = c.var.db;
  await db.batch([db.delete(resourceTokens).where(eq(resourceTokens.seq, token.seq)), tokenEvent(c, token, "delete", resourceTokenModel(token, ""))]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});
