import { batch } from "../../db/client";
import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { AppwriteError } from "../../core/errors";
import { hashSecret, randomHex, safeEqual, verifySecret } from "../../core/crypto";
import { uniqueId } from "../../core/ids";
import { p, params } from "../../core/params";
import { json, noContent } from "../../core/response";
import { formatDate } from "../../core/time";
import type { DB } from "../../db/client";
import { authenticators, challenges, sessions, users, type Authenticator, type Session, type User } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { rateLimit } from "../auth/rate-limit";
import { sendMessage } from "../messaging/transport";
import { codeMail, sms } from "../auth/mails";
import { requestAgent } from "./sessions";
import { accountModel, sessionModel } from "../users/models";
import { publicUser } from "../users/users";
import { newTotpSecret, provisioningUri, verifyTotp } from "./mfa-totp";

/**
 * Multi-factor authentication (Appwrite's Account MFA module): TOTP authenticators, recovery codes,
 * challenges (email, phone, totp, recoveryCode) and the factor list. Which routes a half-signed-in session
 * may reach is decided in one place: `mfa-gate.ts`.
 */
export const accountMfaRoutes = new Hono<AppEnv>();

/** Factor names as Appwrite stores them in `session.factors` (the SDK sends `recoverycode`). */
export const FACTORS = ["email", "phone", "totp", "recoveryCode"] as const;
export type Factor = (typeof FACTORS)[number];

/** Appwrite's MFA_RECENT_DURATION: a challenge passed in the last 30 minutes unlocks sensitive MFA routes. */
export const MFA_RECENT_MS = 1800 * 1000;
/** Appwrite's TOKEN_EXPIRATION_CONFIRM: challenges live one hour. */
const CHALLENGE_MS = 3600 * 1000;

export async function totpAuthenticator(db: DB, projectId: string, userId: string): Promise<Authenticator | undefined> {
  const [row] = await db
    .select()
    .from(authenticators)
    .where(and(eq(authenticators.projectId, projectId), eq(authenticators.userId, userId), eq(authenticators.type, "totp")))
    .limit(1);
  return row;
}

/** Which second factors the user can use (Appwrite's MfaFactors model). */
export function factorsOf(user: User, totp: Authenticator | undefined) {
  return {
    totp: !!totp?.verified,
    phone: !!user.phone && user.phoneVerification,
    email: !!user.email && user.emailVerification,
    recoveryCode: user.mfaRecoveryCodes.length > 0,
  };
}

/** Appwrite's six 10-character backup codes. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: 6 }, () => randomHex(5));
}

/** Constant-time membership test over every code (no early exit). */
export function matchRecoveryCode(codes: readonly string[], otp: string): number {
  let found = -1;
  codes.forEach((code, i) => {
    if (safeEqual(code, otp) && found < 0) found = i;
  });
  return found;
}

export const userEvent = (db: DB, projectId: string, user: User, action: string) =>
  recordEvent(db, { projectId, pattern: `users.[userId].${action}`, params: { userId: user.id }, payload: publicUser(user), roles: [`user:${user.id}`], userId: user.id });

/** The signed-in user and session of an account route (scope `account`). */
function me(c: Ctx): { user: User; session: Session } {
  const caller = requireScope(c, "account");
  if (!caller.user || !caller.session) throw new AppwriteError("user_unauthorized");
  return { user: caller.user, session: caller.session };
}

/** Appwrite's `mfaProtected` group: a challenge must have been passed in this session within 30 minutes. */
export function requireRecentChallenge(session: Session): void {
  if (!session.mfaUpdatedAt || session.mfaUpdatedAt + MFA_RECENT_MS < Date.now()) throw new AppwriteError("user_challenge_required");
}

const sessionWhere = (s: Session) => and(eq(sessions.projectId, s.projectId), eq(sessions.id, s.id));
const userWhere = (projectId: string, userId: string) => and(eq(users.projectId, projectId), eq(users.id, userId));
const addFactors = (factors: readonly string[], more: string[]) => [...new Set([...factors, ...more])];

async function commit(c: Ctx, statements: BatchItem<"sqlite">[]) {
  await batch(c.var.db, statements);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
}

// PATCH /v1/account/mfa {mfa}
accountMfaRoutes.patch("/", async (c) => {
  const { user, session } = me(c);
  const a = await params(c, { mfa: p.boolean() });
  const db = c.var.db;
  const projectId = c.var.project.id;
  const now = Date.now();
  const updated: User = { ...user, mfa: a.mfa, updatedAt: now };
  const statements: BatchItem<"sqlite">[] = [db.update(users).set({ mfa: a.mfa, updatedAt: now }).where(userWhere(projectId, user.id))];
  if (a.mfa) {
    // Factors the user already holds count for the current session, so turning MFA on never locks it out.
    const f = factorsOf(user, await totpAuthenticator(db, projectId, user.id));
    const factors = addFactors(session.factors, [...(f.totp ? ["totp"] : []), ...(f.email ? ["email"] : []), ...(f.phone ? ["phone"] : [])]);
    statements.push(db.update(sessions).set({ factors, updatedAt: now }).where(sessionWhere(session)));
  }
  statements.push(userEvent(db, projectId, updated, "update.mfa"));
  await commit(c, statements);
  return json(c, accountModel(updated));
});

// GET /v1/account/mfa/factors
accountMfaRoutes.get("/factors", async (c) => {
  const { user } = me(c);
  return json(c, factorsOf(user, await totpAuthenticator(c.var.db, c.var.project.id, user.id)));
});

const typeParam = (c: Ctx) => {
  const type = c.req.param("type");
  if (type !== "totp") throw new AppwriteError("general_argument_invalid", "Invalid `type` param: Value must be one of (totp)");
  return type;
};

// POST /v1/account/mfa/authenticators/totp → {secret, uri}
accountMfaRoutes.post("/authenticators/:type", async (c) => {
  const { user } = me(c);
  typeParam(c);
  const db = c.var.db;
  const projectId = c.var.project.id;
  const existing = await totpAuthenticator(db, projectId, user.id);
  if (existing?.verified) throw new AppwriteError("user_authenticator_already_verified");
  const secret = newTotpSecret();
  const now = Date.now();
  await commit(c, [
    ...(existing ? [db.delete(authenticators).where(and(eq(authenticators.projectId, projectId), eq(authenticators.id, existing.id)))] : []),
    db.insert(authenticators).values({ projectId, id: uniqueId(), userId: user.id, type: "totp", verified: false, secret, createdAt: now, updatedAt: now }),
    userEvent(db, projectId, user, "update.mfa"),
  ]);
  return json(c, { secret, uri: provisioningUri(secret, user.email ?? "", c.var.project.name) });
});

// PUT /v1/account/mfa/authenticators/totp {otp} → User
accountMfaRoutes.put("/authenticators/:type", async (c) => {
  const { user, session } = me(c);
  typeParam(c);
  const a = await params(c, { otp: p.string({ max: 256 }) });
  const db = c.var.db;
  const projectId = c.var.project.id;
  const auth = await totpAuthenticator(db, projectId, user.id);
  if (!auth) throw new AppwriteError("user_authenticator_not_found");
  if (auth.verified) throw new AppwriteError("user_authenticator_already_verified");
  if (!verifyTotp(auth.secret, a.otp)) throw new AppwriteError("user_invalid_token");
  const now = Date.now();
  await commit(c, [
    db.update(authenticators).set({ verified: true, updatedAt: now }).where(and(eq(authenticators.projectId, projectId), eq(authenticators.id, auth.id))),
    db.update(sessions).set({ factors: addFactors(session.factors, ["totp"]), updatedAt: now }).where(sessionWhere(session)),
    userEvent(db, projectId, user, "update.mfa"),
  ]);
  return json(c, accountModel(user));
});

// DELETE /v1/account/mfa/authenticators/totp (needs a recent challenge)
accountMfaRoutes.delete("/authenticators/:type", async (c) => {
  const { user, session } = me(c);
  typeParam(c);
  requireRecentChallenge(session);
  const db = c.var.db;
  const projectId = c.var.project.id;
  const auth = await totpAuthenticator(db, projectId, user.id);
  if (!auth) throw new AppwriteError("user_authenticator_not_found");
  await commit(c, [db.delete(authenticators).where(and(eq(authenticators.projectId, projectId), eq(authenticators.id, auth.id))), userEvent(db, projectId, user, "delete.mfa")]);
  return noContent(c);
});

// ---- recovery codes -----------------------------------------------------------------------------

accountMfaRoutes.post("/recovery-codes", async (c) => {
  const { user } = me(c);
  if (user.mfaRecoveryCodes.length) throw new AppwriteError("user_recovery_codes_already_exists");
  return json(c, await replaceRecoveryCodes(c, user), 201);
});

accountMfaRoutes.get("/recovery-codes", async (c) => {
  const { user, session } = me(c);
  requireRecentChallenge(session);
  if (!user.mfaRecoveryCodes.length) throw new AppwriteError("user_recovery_codes_not_found");
  return json(c, { recoveryCodes: user.mfaRecoveryCodes });
});

accountMfaRoutes.patch("/recovery-codes", async (c) => {
  const { user, session } = me(c);
  requireRecentChallenge(session);
  if (!user.mfaRecoveryCodes.length) throw new AppwriteError("user_recovery_codes_not_found");
  return json(c, await replaceRecoveryCodes(c, user));
});

/** New codes for a user, committed with their event; shared with the Users API. */
export async function replaceRecoveryCodes(c: Ctx, user: User): Promise<{ recoveryCodes: string[] }> {
  const db = c.var.db;
  const projectId = c.var.project.id;
  const codes = newRecoveryCodes();
  const now = Date.now();
  await commit(c, [
    db.update(users).set({ mfaRecoveryCodes: codes, updatedAt: now }).where(userWhere(projectId, user.id)),
    userEvent(db, projectId, { ...user, mfaRecoveryCodes: codes, updatedAt: now }, "update.mfa"),
  ]);
  return { recoveryCodes: codes };
}

// ---- challenges ---------------------------------------------------------------------------------

const challengeModel = (ch: { id: string; createdAt: number; userId: string; expire: number }) => ({
  $id: ch.id,
  $createdAt: formatDate(ch.createdAt),
  userId: ch.userId,
  expire: formatDate(ch.expire),
});

// POST /v1/account/mfa/challenges {factor} → 201 MfaChallenge
async function createChallenge(c: Ctx) {
  const { user } = me(c);
  const a = await params(c, { factor: p.string({ max: 32 }) });
  const factor = FACTORS.find((f) => f.toLowerCase() === a.factor.toLowerCase());
  if (!factor) throw new AppwriteError("general_argument_invalid", `Invalid \`factor\` param: Value must be one of (email, phone, totp, recoverycode)`);
  await rateLimit(c, "mfa.challenges.create", { limit: 10, keys: [`userId:${user.id}`] });
  const db = c.var.db;
  const projectId = c.var.project.id;
  const now = Date.now();
  const challenge = { projectId, id: uniqueId(), userId: user.id, type: factor, codeHash: "", expire: now + CHALLENGE_MS, createdAt: now };
  const statements: BatchItem<"sqlite">[] = [];
  if (factor === "email" || factor === "phone") {
    const code = String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000).padStart(6, "0");
    challenge.codeHash = hashSecret(code);
    const project = c.var.project.name;
    if (factor === "email") {
      if (!user.email) throw new AppwriteError("user_email_not_found");
      if (!user.emailVerification) throw new AppwriteError("user_email_not_verified");
      statements.push(...(await sendMessage(c, codeMail("mfaChallenge", user.email, { user: user.name, project, otp: code, agent: requestAgent(c) }))));
    } else {
      if (!user.phone) throw new AppwriteError("user_phone_not_found");
      if (!user.phoneVerification) throw new AppwriteError("user_phone_not_verified");
      statements.push(...(await sendMessage(c, sms(user.phone, code))));
    }
  }
  const model = challengeModel(challenge);
  statements.unshift(db.insert(challenges).values(challenge));
  statements.push(
    recordEvent(db, { projectId, pattern: "users.[userId].challenges.[challengeId].create", params: { userId: user.id, challengeId: challenge.id }, payload: model, roles: [`user:${user.id}`], userId: user.id }),
  );
  await commit(c, statements);
  return json(c, model, 201);
}
accountMfaRoutes.post("/challenges", createChallenge);
accountMfaRoutes.post("/challenge", createChallenge);


// PUT /v1/account/mfa/challenges {challengeId, otp} → Session (factor added; no new cookie)
async function updateChallenge(c: Ctx) {
  const { user, session } = me(c);
  const a = await params(c, { challengeId: p.string({ max: 256 }), otp: p.string({ max: 256 }) });
  // Per challenge (Appwrite) and per user, so opening more challenges buys no extra guesses.
  await rateLimit(c, "mfa.challenges.update", { limit: 10, keys: [`challengeId:${a.challengeId}`, `userId:${user.id}`] });
  const db = c.var.db;
  const projectId = c.var.project.id;
  const [challenge] = await db.select().from(challenges).where(and(eq(challenges.projectId, projectId), eq(challenges.id, a.challengeId))).limit(1);
  if (!challenge || challenge.userId !== user.id || challenge.expire < Date.now()) throw new AppwriteError("user_invalid_token");
  const now = Date.now();
  const statements: BatchItem<"sqlite">[] = [];
  let ok = false;
  switch (challenge.type) {
    case "totp": {
      const auth = await totpAuthenticator(db, projectId, user.id);
      ok = !!auth?.verified && verifyTotp(auth.secret, a.otp);
      break;
    }
    case "email":
    case "phone":
      ok = !!challenge.codeHash && verifySecret(a.otp, challenge.codeHash);
      break;
    case "recoveryCode": {
      const i = matchRecoveryCode(user.mfaRecoveryCodes, a.otp);
      if (i >= 0) {
        ok = true;
        // A recovery code works once.
        statements.push(db.update(users).set({ mfaRecoveryCodes: user.mfaRecoveryCodes.filter((_, j) => j !== i), updatedAt: now }).where(userWhere(projectId, user.id)));
      }
      break;
    }
  }
  if (!ok) throw new AppwriteError("user_invalid_token");
  const updated: Session = { ...session, factors: addFactors(session.factors, [challenge.type]), mfaUpdatedAt: now, updatedAt: now };
  const model = sessionModel(updated, { current: true });
  statements.push(
    db.delete(challenges).where(and(eq(challenges.projectId, projectId), eq(challenges.id, challenge.id))),
    db.update(sessions).set({ factors: updated.factors, mfaUpdatedAt: now, updatedAt: now }).where(sessionWhere(session)),
    recordEvent(db, { projectId, pattern: "users.[userId].sessions.[sessionId].create", params: { userId: user.id, sessionId: session.id }, payload: model, roles: [`user:${user.id}`], userId: user.id }),
  );
  await commit(c, statements);
  return json(c, model);
}
accountMfaRoutes.put("/challenges", updateChallenge);
accountMfaRoutes.put("/challenge", updateChallenge);

