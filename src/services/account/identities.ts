import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import type { Resolver } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { formatDate } from "../../core/time";
import type { Binder } from "../../core/query/sql";
import { prepareQueries, runList } from "../../db/list";
import { identities, type Identity } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";

/** OAuth2 identities: `GET/DELETE /v1/account/identities…` (own) and the Users API versions (API key). */
export const accountIdentitiesRoutes = new Hono<AppEnv>();
export const usersIdentitiesRoutes = new Hono<AppEnv>();

export function identityModel(i: Identity) {
  return {
    $id: i.id,
    $createdAt: formatDate(i.createdAt),
    $updatedAt: formatDate(i.updatedAt),
    userId: i.userId,
    provider: i.provider,
    providerUid: i.providerUid,
    providerEmail: i.providerEmail,
    providerAccessToken: i.providerAccessToken,
    providerAccessTokenExpiry: i.providerAccessTokenExpiry === null ? "" : formatDate(i.providerAccessTokenExpiry),
    providerRefreshToken: i.providerRefreshToken,
  };
}

const fromRaw = (r: Record<string, unknown>): Identity => ({
  seq: Number(r.seq),
  projectId: String(r.project_id),
  id: String(r.id),
  userId: String(r.user_id),
  provider: String(r.provider),
  providerUid: String(r.provider_uid),
  providerEmail: String(r.provider_email ?? ""),
  providerAccessToken: String(r.provider_access_token ?? ""),
  providerAccessTokenExpiry: r.provider_access_token_expiry === null ? null : Number(r.provider_access_token_expiry),
  providerRefreshToken: String(r.provider_refresh_token ?? ""),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

/** Appwrite's Identities query validator: userId, provider, providerUid, providerEmail, providerAccessTokenExpiry. */
const resolver: Resolver = (a) => {
  const cols: Record<string, [string, "string" | "datetime" | "integer"]> = {
    $id: ["i.id", "string"], $createdAt: ["i.created_at", "datetime"], $updatedAt: ["i.updated_at", "datetime"], $sequence: ["i.seq", "integer"],
    userId: ["i.user_id", "string"], provider: ["i.provider", "string"], providerUid: ["i.provider_uid", "string"],
    providerEmail: ["i.provider_email", "string"], providerAccessTokenExpiry: ["i.provider_access_token_expiry", "datetime"],
  };
  const f = cols[a];
  return f ? { sql: f[0], type: f[1] } : undefined;
};

async function listIdentities(c: Ctx, userId: string | null, search: string | undefined, queries: string[] | undefined, total: boolean) {
  const projectId = c.var.project.id;
  const words = (search ?? "").match(/[\p{L}\p{N}_.@+-]+/gu) ?? [];
  const searchSql = (b: Binder) =>
    words.length ? `(${words.map((w) => `(i.id || ' ' || i.user_id || ' ' || i.provider || ' ' || i.provider_uid || ' ' || i.provider_email) LIKE ${b.bind(`%${w.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)} ESCAPE '\\'`).join(" OR ")})` : "1";
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "identities i",
      columns: "i.*",
      base: (b) => [`i.project_id = ${b.bind(projectId)}`, userId ? `i.user_id = ${b.bind(userId)}` : "1", searchSql(b)].join(" AND "),
      resolve: resolver,
      sequence: "i.seq",
      id: "i.id",
    },
    prepareQueries(queries),
    total,
  );
  return json(c, list("identities", result.rows.map((r) => identityModel(fromRaw(r))), result.total));
}

async function deleteIdentity(c: Ctx, ownerId: string | null) {
  const db = c.var.db;
  const projectId = c.var.project.id;
  const [identity] = await db.select().from(identities).where(and(eq(identities.projectId, projectId), eq(identities.id, c.req.param("identityId")!))).limit(1);
  if (!identity || (ownerId && identity.userId !== ownerId)) throw new AppwriteError("user_identity_not_found");
  await db.batch([
    db.delete(identities).where(and(eq(identities.projectId, projectId), eq(identities.id, identity.id))),
    recordEvent(db, {
      projectId, pattern: "users.[userId].identities.[identityId].delete", params: { userId: identity.userId, identityId: identity.id },
      payload: identityModel(identity), roles: [`user:${identity.userId}`], userId: identity.userId,
    }),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
}

accountIdentitiesRoutes.get("/identities", async (c) => {
  const caller = requireScope(c, "account");
  const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  return listIdentities(c, caller.user!.id, undefined, a.queries, a.total);
});

accountIdentitiesRoutes.delete("/identities/:identityId", async (c) => {
  const caller = requireScope(c, "account");
  return deleteIdentity(c, caller.user!.id);
});

usersIdentitiesRoutes.get("/identities", async (c) => {
  requireScope(c, "users.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  return listIdentities(c, null, a.search, a.queries, a.total);
});

usersIdentitiesRoutes.delete("/identities/:identityId", async (c) => {
  requireScope(c, "users.write");
  return deleteIdentity(c, null);
});
