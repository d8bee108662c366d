import { batch } from "../../db/client";
import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import { json, noContent } from "../../core/response";
import { authenticators, users } from "../../db/schema";
import { scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { factorsOf, newRecoveryCodes, totpAuthenticator, userEvent } from "../account/mfa";
import { userModel } from "./models";
import { requireUser } from "./users";

/** Users API side of MFA (API key): `/v1/users/{userId}/mfa…`. */
export const usersMfaRoutes = new Hono<AppEnv>();

async function commit(c: Ctx, statements: BatchItem<"sqlite">[]) {
  await batch(c.var.db, statements);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
}

const userWhere = (projectId: string, userId: string) => and(eq(users.projectId, projectId), eq(users.id, userId));

usersMfaRoutes.patch("/:userId/mfa", async (c) => {
  requireScope(c, "users.write");
  const a = await params(c, { mfa: p.boolean() });
  const user = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const now = Date.now();
  const updated = { ...user, mfa: a.mfa, updatedAt: now };
  await commit(c, [c.var.db.update(users).set({ mfa: a.mfa, updatedAt: now }).where(userWhere(c.var.project.id, user.id)), userEvent(c.var.db, c.var.project.id, updated, "update.mfa")]);
  return json(c, userModel(updated));
});

usersMfaRoutes.get("/:userId/mfa/factors", async (c) => {
  requireScope(c, "users.read");
  const user = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, factorsOf(user, await totpAuthenticator(c.var.db, c.var.project.id, user.id)));
});

usersMfaRoutes.delete("/:userId/mfa/authenticators/:type", async (c) => {
  requireScope(c, "users.write");
  if (c.req.param("type") !== "totp") throw new AppwriteError("general_argument_invalid", "Invalid `type` param: Value must be one of (totp)");
  const db = c.var.db;
  const projectId = c.var.project.id;
  const user = await requireUser(db, projectId, c.req.param("userId"));
  const auth = await totpAuthenticator(db, projectId, user.id);
  if (!auth) throw new AppwriteError("user_authenticator_not_found");
  await commit(c, [db.delete(authenticators).where(and(eq(authenticators.projectId, projectId), eq(authenticators.id, auth.id))), userEvent(db, projectId, user, "delete.mfa")]);
  return noContent(c);
});

usersMfaRoutes.get("/:userId/mfa/recovery-codes", async (c) => {
  requireScope(c, "users.read");
  const user = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  if (!user.mfaRecoveryCodes.length) throw new AppwriteError("user_recovery_codes_not_found");
  return json(c, { recoveryCodes: user.mfaRecoveryCodes });
});

/** PATCH creates (none may exist yet); PUT regenerates (some must exist) — Appwrite's Users routes. */
async function setCodes(c: Ctx, mustExist: boolean, event: string) {
  requireScope(c, "users.write");
  const db = c.var.db;
  const projectId = c.var.project.id;
  const user = await requireUser(db, projectId, c.req.param("userId")!);
  if (mustExist && !user.mfaRecoveryCodes.length) throw new AppwriteError("user_recovery_codes_not_found");
  if (!mustExist && user.mfaRecoveryCodes.length) throw new AppwriteError("user_recovery_codes_already_exists");
  const codes = newRecoveryCodes();
  const now = Date.now();
  await commit(c, [db.update(users).set({ mfaRecoveryCodes: codes, updatedAt: now }).where(userWhere(projectId, user.id)), userEvent(db, projectId, { ...user, mfaRecoveryCodes: codes, updatedAt: now }, event)]);
  return { recoveryCodes: codes };
}

usersMfaRoutes.patch("/:userId/mfa/recovery-codes", async (c) => json(c, await setCodes(c, false, "create.mfa.recovery-codes"), 201));
usersMfaRoutes.put("/:userId/mfa/recovery-codes", async (c) => json(c, await setCodes(c, true, "update.mfa.recovery-codes")));
