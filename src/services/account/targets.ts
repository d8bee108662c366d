/**
 * Push targets of the signed-in user (Appwrite's account.createPushTarget / updatePushTarget / deletePushTarget):
 * POST /v1/account/targets/push, PUT|DELETE /v1/account/targets/{targetId}/push, scope `targets.write`.
 * The target is named after the device (user agent's brand and model) and ends with the session that registered
 * it (migration 0015's trigger), as Appwrite does.
 */
import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { resolveId } from "../../core/ids";
import { p, params } from "../../core/params";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { clientInfo } from "../auth/user-agent";
import { deleteTarget, findTarget, insertTarget, updateTarget, type Target } from "../users/targets";
import { requestUserAgent } from "./sessions";

export const accountTargetsRoutes = new Hono<AppEnv>();

function owner(c: Ctx) {
  const caller = requireScope(c, "targets.write");
  if (!caller.user) throw new AppwriteError("user_unauthorized");
  return { user: caller.user, session: caller.session };
}

accountTargetsRoutes.post("/targets/push", async (c) => {
  const { user, session } = owner(c);
  const a = await params(c, { targetId: p.customId(), identifier: p.string({ max: 255 }), providerId: p.optional(p.string({ max: 36 })) });
  // Appwrite stores the provider id as given (the sender falls back to the default provider when it is gone).
  const device = clientInfo(requestUserAgent(c));
  const now = Date.now();
  const t: Target = {
    seq: 0, projectId: c.var.project.id, id: resolveId("targetId", a.targetId), userId: user.id, providerType: "push", identifier: a.identifier,
    providerId: a.providerId || null, name: `${device.deviceBrand} ${device.deviceModel}`, expired: false, sessionId: session?.id ?? null, createdAt: now, updatedAt: now,
  };
  return insertTarget(c, t);
});

accountTargetsRoutes.put("/targets/:targetId/push", async (c) => {
  const { user } = owner(c);
  const a = await params(c, { identifier: p.string({ max: 255 }) });
  const t = await findTarget(c, user.id, c.req.param("targetId"));
  const next: Target = { ...t, ...(a.identifier ? { identifier: a.identifier, expired: false } : {}), updatedAt: Date.now() };
  return updateTarget(c, t, next);
});

accountTargetsRoutes.delete("/targets/:targetId/push", async (c) => {
  const { user } = owner(c);
  const t = await findTarget(c, user.id, c.req.param("targetId"));
  return deleteTarget(c, t);
});
