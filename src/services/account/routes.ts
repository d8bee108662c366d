/** Account service (client SDK). Shapes and errors: wire doc §1.3 and §3.1; Appwrite app/controllers/api/account.php. */
import { Hono } from "hono";
import { and, desc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { AppwriteError } from "../../core/errors";
import { resolveId } from "../../core/ids";
import { p, params } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import { sessions, tokens, users, type Session, type Token, type User } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope, signJWT } from "../../platform/caller";
import type { AppEnv, Caller, Ctx } from "../../platform/context";
import { hashPassword, needsRehash, verifyPassword } from "../auth/passwords";
import { mockOtp } from "../project/config";
import { authPolicy, checkHistory, checkPasswordFormat, checkPersonalData, nextHistory } from "../auth/policy";
import { rateLimit } from "../auth/rate-limit";
import { clientIp, clientKey } from "../../platform/client";
import { assertRedirect, withQuery } from "../auth/oauth2/redirect";
import { sendMessage, type Message } from "../messaging/transport";
import { checkPhone, deleteUserStatements, sessionEvent, sessionsEndedByPasswordChange, updateUser } from "../users/routes";
import { accountModel, prefsObject, sessionModel, tokenModel } from "../users/models";
import { assertUserCapacity, commitNewUser, findUserByEmail, findUserById, findUserByPhone, prepareUser, userWhere } from "../users/users";
import { clearSessionCookies, createSession } from "./sessions";
import { accountTargetsRoutes } from "./targets";
import { batch } from "../../db/client";
import { audit, listLogs } from "../auth/audit";
import { assertAuthMethod, sessionAlertsEnabled } from "../auth/settings";
import { clientInfo, countryName } from "../auth/user-agent";
import { assertNoTarget, contactTargetStatements, targetsFor } from "../users/targets";
import { requestAgent, requestCountry, requestUserAgent } from "./sessions";
import { deleteToken, findToken, hexSecret, newToken, otpCode, phrase as makePhrase, supersedeTokens, TOKEN_LENGTH, TOKEN_TTL, type TokenType } from "./tokens";
import { codeMail, magicUrlMail, recoveryMail, sessionAlertMail, sms, verificationMail } from "../auth/mails";
import { formatDate } from "../../core/time";

export const accountRoutes = new Hono<AppEnv>();
accountRoutes.route("/", accountTargetsRoutes);


/** The signed-in user (scope `account`); guests get Appwrite's exact scope error. */
function me(c: Ctx): Caller & { user: User } {
  const caller = requireScope(c, "account");
  if (!caller.user) throw new AppwriteError("user_unauthorized");
  return caller as Caller & { user: User };
}

/** Session-creating routes refuse a caller who already has a session (401 user_session_already_exists). */
function noSession(c: Ctx): void {
  requireScope(c, "sessions.write");
  if (c.var.caller.user) throw new AppwriteError("user_session_already_exists");
}

const url = (c: Ctx) => new URL(c.req.url).pathname;

/** Apps call this to ask "am I signed in?": a guest gets `401 general_unauthorized_scope`. */
accountRoutes.get("/", async (c) => {
  const caller = me(c);
  return json(c, await accountOut(c, caller.user));
});

/** The Account model with the user's targets (and who impersonates them in this request). */
async function accountOut(c: Ctx, u: User) {
  return accountModel(u, await targetsFor(c.var.db, c.var.project.id, u.id), c.var.caller.impersonator?.id ?? null);
}

/** Update the signed-in user, audited as Appwrite's `user.update`, and answer the Account model. */
async function updateMe(c: Ctx, u: User, changes: Partial<User>, attr: string, extra: BatchItem<"sqlite">[] = [], conflict?: Parameters<typeof updateUser>[5]) {
  const next = { ...u, ...changes };
  return accountOut(c, await updateUser(c, u, changes, attr, [...extra, audit(c, next, "user.update")], conflict));
}

/**
 * Session alert email (console: session-alerts), as Appwrite's Mails listener: only for users with an email,
 * not for email-token/magic-URL sessions, and not for a user's first session.
 */
async function sessionAlert(c: Ctx, user: User, provider: string, factors: string[]): Promise<BatchItem<"sqlite">[]> {
  if (!sessionAlertsEnabled(c.var.project) || !user.email) return [];
  if ((provider === "magic-url" || provider === "token") && factors.includes("email")) return [];
  const [row] = await c.var.db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, user.id))).limit(1);
  if (!row) return [];
  const ua = requestUserAgent(c);
  return sendMessage(c, sessionAlertMail(user.email, {
    user: user.name, project: projectName(c), device: clientInfo(ua).clientName || ua, ipAddress: clientIp(c), country: countryName(requestCountry(c)), at: new Date(),
  }));
}

// ---- sign-up --------------------------------------------------------------------------------------

accountRoutes.post("/", async (c) => {
  requireScope(c, "sessions.write");
  assertAuthMethod(c, "email-password");
  const a = await params(c, { userId: p.customId(), email: p.email(), password: p.string({ max: 512 }), name: p.optional(p.string({ max: 128 })) });
  await rateLimit(c, "account.create", { limit: 10, keys: [`url:${url(c)},${clientKey(c)}`] });
  const policy = authPolicy(c.var.project);
  checkPasswordFormat(a.password, policy);
  await assertUserCapacity(c.var.db, c.var.project.id, policy);
  const { user, statements, targets } = await prepareUser(c.var.db, c.var.project.id, policy, { id: resolveId("userId", a.userId), email: a.email, name: a.name, password: a.password });
  await commitNewUser(c.var.db, [...statements, audit(c, user, "user.create")]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, accountModel(user, targets), 201);
});

// ---- email/password and anonymous sessions ---------------------------------------------------------

async function emailPasswordSession(c: Ctx) {
  noSession(c);
  assertAuthMethod(c, "email-password");
  const a = await params(c, { email: p.email(), password: p.string({ max: 512 }) });
  const email = a.email.toLowerCase();
  await rateLimit(c, "sessions.email", { limit: 10, keys: [`url:${url(c)},email:${email}`] });
  if (a.password.length < 8 || a.password.length > 256) {
    throw new AppwriteError("general_argument_invalid", "Invalid `password` param: Password must be between 8 and 256 characters long.");
  }
  const user = await findUserByEmail(c.var.db, c.var.project.id, email);
  // Same error (and similar work) whether the email is unknown or the password wrong.
  const ok = user && user.passwordUpdate !== null ? await verifyPassword(a.password, user) : (await verifyPassword(a.password, { password: null, hash: null, hashOptions: {} }), false);
  if (!user || !ok) throw new AppwriteError("user_invalid_credentials");
  if (!user.status) throw new AppwriteError("user_blocked");
  const statements: BatchItem<"sqlite">[] = [];
  let current = user;
  if (needsRehash(user)) {
    const h = await hashPassword(a.password);
    current = { ...user, ...h };
    statements.push(c.var.db.update(users).set(h).where(userWhere(c.var.project.id, user.id)));
  }
  statements.push(...(await sessionAlert(c, current, "email", ["password"])), audit(c, current, "session.create"));
  const { model } = await createSession(c, { user: current, provider: "email", providerUid: email, factors: ["password"], statements });
  return json(c, model, 201);
}
accountRoutes.post("/sessions/email", emailPasswordSession);
accountRoutes.post("/sessions", emailPasswordSession);

accountRoutes.post("/sessions/anonymous", async (c) => {
  noSession(c);
  assertAuthMethod(c, "anonymous");
  await rateLimit(c, "sessions.anonymous", { limit: 50, keys: [clientKey(c)] });
  if (c.var.project.id === "console") throw new AppwriteError("user_anonymous_console_prohibited");
  const policy = authPolicy(c.var.project);
  await assertUserCapacity(c.var.db, c.var.project.id, policy);
  const { user, statements } = await prepareUser(c.var.db, c.var.project.id, policy, { id: resolveId("userId", "unique()") });
  const { model } = await createSession(c, { user, provider: "anonymous", factors: ["anonymous"], statements: [...statements, audit(c, user, "session.create")] });
  return json(c, model, 201);
});

// ---- token → session (custom tokens, magic URL, email/phone OTP, OAuth2 tokens) ------------------

async function tokenSession(c: Ctx) {
  noSession(c);
  const a = await params(c, { userId: p.uid(), secret: p.string({ min: 1, max: 512 }) });
  // Appwrite keys this by ip+userId; by the account alone, rotating addresses buys no extra guesses at its secret.
  await rateLimit(c, "sessions.token", { limit: 10, keys: [`userId:${a.userId}`] });
  const user = await findUserById(c.var.db, c.var.project.id, a.userId);
  if (!user) throw new AppwriteError("user_invalid_token");
  const token = await findToken(c.var.db, c.var.project.id, user.id, ["magic-url", "email", "phone", "generic", "oauth2"], a.secret);
  if (!user.status) throw new AppwriteError("user_blocked");
  const db = c.var.db;
  const statements: BatchItem<"sqlite">[] = [deleteToken(db, token)];
  let next = user;
  let provider = "token";
  let factors = ["token"];
  if (token.type === "magic-url" || token.type === "email") {
    provider = token.type === "magic-url" ? "magic-url" : "token";
    factors = ["email"];
    next = { ...user, emailVerification: true };
  } else if (token.type === "phone") {
    provider = "phone";
    factors = ["phone"];
    next = { ...user, phoneVerification: true };
  } else if (token.type === "oauth2") {
    // The most recently linked identity names the provider (Appwrite carries it inside a JWT secret).
    const row = await c.var.d1.prepare("SELECT provider FROM identities WHERE project_id = ?1 AND user_id = ?2 ORDER BY updated_at DESC LIMIT 1").bind(c.var.project.id, user.id).first<{ provider: string }>();
    if (!row) throw new AppwriteError("user_invalid_token");
    provider = row.provider;
    factors = ["email", "oauth2"];
  }
  if (next !== user) {
    statements.push(db.update(users).set({ emailVerification: next.emailVerification, phoneVerification: next.phoneVerification, updatedAt: Date.now() }).where(userWhere(c.var.project.id, user.id)));
  }
  statements.push(...(await sessionAlert(c, next, provider, factors)), audit(c, next, "session.create"));
  const { model } = await createSession(c, { user: next, provider, factors, statements });
  return json(c, model, 201);
}
accountRoutes.post("/sessions/token", tokenSession);
accountRoutes.put("/sessions/magic-url", tokenSession);
accountRoutes.put("/sessions/phone", tokenSession);

// ---- token creation (unknown email/phone → the user is created) -----------------------------------

/** The user with this email, or a new one (prepared, not yet committed) when unknown. */
async function userForEmail(c: Ctx, userId: string, email: string): Promise<{ user: User; statements: BatchItem<"sqlite">[] }> {
  const existing = await findUserByEmail(c.var.db, c.var.project.id, email);
  if (existing) {
    if (!existing.status) throw new AppwriteError("user_blocked");
    return { user: existing, statements: [] };
  }
  const policy = authPolicy(c.var.project);
  await assertUserCapacity(c.var.db, c.var.project.id, policy);
  return prepareUser(c.var.db, c.var.project.id, policy, { id: resolveId("userId", userId), email });
}

/**
 * Store a one-time token (revoking the user's older ones of its type) with its event, audit row and message —
 * and `prelude` (e.g. the user a token flow creates) — in one batch, then dispatch. `kind` names Appwrite's
 * event family for it.
 */
async function issueToken(c: Ctx, o: { user: User; token: Token; kind: "tokens" | "recovery" | "verification"; audit: string; message: Message | null; prelude?: BatchItem<"sqlite">[] }): Promise<void> {
  const db = c.var.db;
  const { user, token } = o;
  await commitNewUser(db, [
    ...(o.prelude ?? []),
    supersedeTokens(db, c.var.project.id, user.id, token.type as TokenType),
    db.insert(tokens).values(token),
    recordEvent(db, { projectId: c.var.project.id, pattern: `users.[userId].${o.kind}.[tokenId].create`, params: { userId: user.id, tokenId: token.id }, payload: tokenModel(token), roles: [`user:${user.id}`], userId: user.id }),
    audit(c, user, o.audit),
    ...(o.message ? await sendMessage(c, o.message) : []),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
}

const projectName = (c: Ctx) => c.var.project.name;

async function createMagicURLToken(c: Ctx) {
  requireScope(c, "sessions.write");
  assertAuthMethod(c, "magic-url");
  const a = await params(c, { userId: p.customId(), email: p.email(), url: p.optional(p.url()), phrase: p.default(p.boolean(), false) });
  const email = a.email.toLowerCase();
  await rateLimit(c, "tokens.magic-url", { limit: 60, keys: [`url:${url(c)},email:${email}`, `url:${url(c)},${clientKey(c)}`] });
  await assertRedirect(c, "url", a.url);
  const { user, statements } = await userForEmail(c, a.userId, email);
  const secret = hexSecret(TOKEN_LENGTH.magicUrl);
  const phrase = a.phrase ? makePhrase() : "";
  const token = newToken(c.var.project.id, user.id, "magic-url", secret, TOKEN_TTL.magicUrl);
  const base = a.url ?? `${new URL(c.req.url).origin}/console/auth/magic-url`;
  const link = withQuery(base, { userId: user.id, secret, expire: formatDate(token.expire), project: c.var.project.id });
  const message = magicUrlMail(email, { user: user.name, project: projectName(c), link, phrase, agent: requestAgent(c) });
  await issueToken(c, { user, token, kind: "tokens", audit: "session.create", prelude: statements, message });
  return json(c, tokenModel(token, c.var.caller.privileged ? secret : "", phrase), 201);
}
accountRoutes.post("/tokens/magic-url", createMagicURLToken);
accountRoutes.post("/sessions/magic-url", createMagicURLToken);

accountRoutes.post("/tokens/email", async (c) => {
  requireScope(c, "sessions.write");
  assertAuthMethod(c, "email-otp");
  const a = await params(c, { userId: p.customId(), email: p.email(), phrase: p.default(p.boolean(), false) });
  const email = a.email.toLowerCase();
  await rateLimit(c, "tokens.email", { limit: 10, keys: [`url:${url(c)},email:${email}`, `url:${url(c)},${clientKey(c)}`] });
  const { user, statements } = await userForEmail(c, a.userId, email);
  const code = otpCode();
  const phrase = a.phrase ? makePhrase() : "";
  const token = newToken(c.var.project.id, user.id, "email", code, TOKEN_TTL.otp);
  const message = codeMail("otpSession", email, { user: user.name, project: projectName(c), otp: code, phrase, agent: requestAgent(c) });
  await issueToken(c, { user, token, kind: "tokens", audit: "session.create", prelude: statements, message });
  return json(c, tokenModel(token, c.var.caller.privileged ? code : "", phrase), 201);
});

async function createPhoneToken(c: Ctx) {
  requireScope(c, "sessions.write");
  assertAuthMethod(c, "phone");
  const a = await params(c, { userId: p.customId(), phone: p.string({ max: 16 }) });
  checkPhone(a.phone);
  await rateLimit(c, "tokens.phone", { limit: 10, keys: [`url:${url(c)},phone:${a.phone}`, `url:${url(c)},${clientKey(c)}`] });
  let user = await findUserByPhone(c.var.db, c.var.project.id, a.phone);
  let statements: BatchItem<"sqlite">[] = [];
  if (user && !user.status) throw new AppwriteError("user_blocked");
  if (!user) {
    const policy = authPolicy(c.var.project);
    await assertUserCapacity(c.var.db, c.var.project.id, policy);
    ({ user, statements } = await prepareUser(c.var.db, c.var.project.id, policy, { id: resolveId("userId", a.userId), phone: a.phone }));
  }
  // A mock number (Project.createMockPhone) signs in with its fixed code, and no SMS goes out.
  const mock = mockOtp(c.var.project, a.phone);
  const code = mock ?? otpCode();
  const token = newToken(c.var.project.id, user.id, "phone", code, TOKEN_TTL.otp);
  await issueToken(c, { user, token, kind: "tokens", audit: "session.create", prelude: statements, message: mock ? null : sms(a.phone, code) });
  return json(c, tokenModel(token, c.var.caller.privileged ? code : ""), 201);
}
accountRoutes.post("/tokens/phone", createPhoneToken);
accountRoutes.post("/sessions/phone", createPhoneToken);

// ---- JWT ----------------------------------------------------------------------------------------

async function createJWT(c: Ctx) {
  const caller = me(c);
  assertAuthMethod(c, "jwt");
  if (caller.jwt) throw new AppwriteError("user_jwt_creation_denied");
  const a = await params(c, { duration: p.default(p.integer({ min: 0, max: 3600 }), 900) });
  await rateLimit(c, "jwts", { limit: 100, keys: [`url:${url(c)},userId:${caller.user.id}`] });
  const session = caller.session;
  if (!session) throw new AppwriteError("user_session_not_found");
  const jwt = await signJWT(c.env, { userId: caller.user.id, sessionId: session.id, projectId: c.var.project.id }, a.duration);
  return json(c, { jwt }, 201);
}
accountRoutes.post("/jwts", createJWT);
accountRoutes.post("/jwt", createJWT);

// ---- profile updates -----------------------------------------------------------------------------

accountRoutes.get("/prefs", (c) => json(c, prefsObject(me(c).user.prefs)));

accountRoutes.patch("/prefs", async (c) => {
  const { user } = me(c);
  const a = await params(c, { prefs: p.prefs() });
  return json(c, await updateMe(c, user, { prefs: a.prefs }, "prefs"));
});

accountRoutes.patch("/name", async (c) => {
  const { user } = me(c);
  const a = await params(c, { name: p.string({ max: 128 }) });
  return json(c, await updateMe(c, user, { name: a.name }, "name"));
});

/** Email/phone changes need the current password, unless the user never set one (anonymous, OAuth2). */
async function assertCurrentPassword(user: User, password: string): Promise<void> {
  if (user.passwordUpdate !== null && !(await verifyPassword(password, user))) throw new AppwriteError("user_invalid_credentials");
}

/** Converting an account that never had a password (anonymous, OAuth2): the given one becomes its password. */
async function firstPassword(c: Ctx, user: User, password: string, next: Pick<User, "id" | "email" | "name" | "phone">): Promise<Partial<User>> {
  if (user.passwordUpdate !== null) return {};
  const policy = authPolicy(c.var.project);
  checkPersonalData(password, policy, next);
  const h = await hashPassword(password);
  return { ...h, passwordUpdate: Date.now(), passwordHistory: nextHistory(policy, user.passwordHistory, h.password) };
}

accountRoutes.patch("/email", async (c) => {
  const { user } = me(c);
  const a = await params(c, { email: p.email(), password: p.string({ max: 512 }) });
  if (a.password.length < 8 || a.password.length > 256) throw new AppwriteError("general_argument_invalid", "Invalid `password` param: Password must be between 8 and 256 characters long.");
  await assertCurrentPassword(user, a.password);
  const email = a.email.toLowerCase();
  // Appwrite refuses an address another target (so another user) already has: 409 user_target_already_exists.
  await assertNoTarget(c, email);
  const changes: Partial<User> = { email, emailVerification: false, ...(await firstPassword(c, user, a.password, { ...user, email })) };
  try {
    return json(c, await updateMe(c, user, changes, "email", contactTargetStatements(c, user, "email", user.email, email), "user_email_already_exists"));
  } catch (e) {
    // Appwrite answers a generic bad request so the call cannot probe for existing accounts.
    if (e instanceof AppwriteError && e.type === "user_email_already_exists") throw new AppwriteError("general_bad_request");
    throw e;
  }
});

accountRoutes.patch("/phone", async (c) => {
  const { user } = me(c);
  const a = await params(c, { phone: p.string({ max: 16 }), password: p.string({ max: 512 }) });
  checkPhone(a.phone);
  await assertCurrentPassword(user, a.password);
  await assertNoTarget(c, a.phone);
  const changes: Partial<User> = { phone: a.phone, phoneVerification: false, ...(await firstPassword(c, user, a.password, { ...user, phone: a.phone })) };
  return json(c, await updateMe(c, user, changes, "phone", contactTargetStatements(c, user, "sms", user.phone, a.phone), "user_phone_already_exists"));
});

accountRoutes.patch("/password", async (c) => {
  const { user } = me(c);
  const a = await params(c, { password: p.string({ max: 512 }), oldPassword: p.optional(p.string({ max: 512 })) });
  await rateLimit(c, "account.password", { limit: 10, keys: [`url:${url(c)},userId:${user.id}`] });
  const policy = authPolicy(c.var.project);
  checkPasswordFormat(a.password, policy);
  if (user.passwordUpdate !== null && !(await verifyPassword(a.oldPassword ?? "", user))) throw new AppwriteError("user_invalid_credentials");
  checkPersonalData(a.password, policy, user);
  await checkHistory(a.password, policy, user.passwordHistory);
  const h = await hashPassword(a.password);
  const changes: Partial<User> = { ...h, passwordUpdate: Date.now(), passwordHistory: nextHistory(policy, user.passwordHistory, h.password) };
  // Appwrite ends the user's other sessions, and only for a caller signed in with a session (not a JWT).
  const { session, jwt } = c.var.caller;
  const ended = session && !jwt ? await sessionsEndedByPasswordChange(c, user.id, session.id) : [];
  return json(c, await updateMe(c, user, changes, "password", ended));
});

/** Delete one's own account and everything it owns (Appwrite's account.delete); cookies stay as Appwrite leaves them. */
accountRoutes.delete("/", async (c) => {
  const { user } = me(c);
  await batch(c.var.db, deleteUserStatements(c, user));
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});

/** Block one's own account: status false, every session revoked, cookies cleared. */
accountRoutes.patch("/status", async (c) => {
  const { user } = me(c);
  const db = c.var.db;
  const rows = await userSessions(c, user.id);
  const next = await updateMe(c, user, { status: false }, "status", [
    db.delete(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, user.id))),
    ...rows.map((s) => sessionEvent(c, s, "delete")),
  ]);
  clearSessionCookies(c);
  return json(c, next);
});

// ---- logs ----------------------------------------------------------------------------------------

accountRoutes.get("/logs", async (c) => {
  const { user } = me(c);
  const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  return json(c, await listLogs(c, user.id, a.queries, a.total));
});

// ---- sessions ------------------------------------------------------------------------------------

async function userSessions(c: Ctx, userId: string): Promise<Session[]> {
  const rows = await c.var.db.select().from(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, userId))).orderBy(desc(sessions.createdAt));
  const now = Date.now();
  return rows.filter((s) => s.expire > now);
}

async function findOwnSession(c: Ctx, caller: Caller & { user: User }, sessionId: string): Promise<Session> {
  const id = sessionId === "current" ? caller.session?.id : sessionId;
  const found = id ? (await userSessions(c, caller.user.id)).find((s) => s.id === id) : undefined;
  if (!found) throw new AppwriteError("user_session_not_found");
  return found;
}

accountRoutes.get("/sessions", async (c) => {
  const caller = me(c);
  const rows = await userSessions(c, caller.user.id);
  return json(c, list("sessions", rows.map((s) => sessionModel(s, { current: s.id === caller.session?.id })), rows.length));
});

accountRoutes.get("/sessions/:sessionId", async (c) => {
  const caller = me(c);
  const s = await findOwnSession(c, caller, c.req.param("sessionId"));
  return json(c, sessionModel(s, { current: s.id === caller.session?.id }));
});

/** Extend the session to a full session length from now (OAuth2 provider refresh is Auth B's). */
accountRoutes.patch("/sessions/:sessionId", async (c) => {
  const caller = me(c);
  const s = await findOwnSession(c, caller, c.req.param("sessionId"));
  const now = Date.now();
  const next: Session = { ...s, expire: now + authPolicy(c.var.project).duration * 1000, updatedAt: now };
  const db = c.var.db;
  await db.batch([db.update(sessions).set({ expire: next.expire, updatedAt: now }).where(and(eq(sessions.projectId, s.projectId), eq(sessions.id, s.id))), sessionEvent(c, next, "update"), audit(c, caller.user, "session.update")]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, sessionModel(next, { current: s.id === caller.session?.id }));
});

accountRoutes.delete("/sessions/:sessionId", async (c) => {
  const caller = me(c);
  const s = await findOwnSession(c, caller, c.req.param("sessionId"));
  const db = c.var.db;
  await db.batch([db.delete(sessions).where(and(eq(sessions.projectId, s.projectId), eq(sessions.id, s.id))), sessionEvent(c, s, "delete"), audit(c, caller.user, "session.delete")]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  if (s.id === caller.session?.id) clearSessionCookies(c);
  return noContent(c);
});

accountRoutes.delete("/sessions", async (c) => {
  const caller = me(c);
  const rows = await userSessions(c, caller.user.id);
  const db = c.var.db;
  await db.batch([db.delete(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, caller.user.id))), ...rows.map((s) => sessionEvent(c, s, "delete")), audit(c, caller.user, "session.delete")]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  clearSessionCookies(c);
  return noContent(c);
});

// ---- password recovery ---------------------------------------------------------------------------

accountRoutes.post("/recovery", async (c) => {
  requireScope(c, "sessions.write");
  const a = await params(c, { email: p.email(), url: p.url() });
  const email = a.email.toLowerCase();
  await rateLimit(c, "recovery", { limit: 10, keys: [`url:${url(c)},email:${email}`, `url:${url(c)},${clientKey(c)}`] });
  await assertRedirect(c, "url", a.url);
  const user = await findUserByEmail(c.var.db, c.var.project.id, email);
  if (!user) throw new AppwriteError("user_not_found");
  if (!user.status) throw new AppwriteError("user_blocked");
  const secret = hexSecret(TOKEN_LENGTH.recovery);
  const token = newToken(c.var.project.id, user.id, "recovery", secret, TOKEN_TTL.recovery);
  const link = withQuery(a.url, { userId: user.id, secret, expire: formatDate(token.expire) });
  await issueToken(c, { user, token, kind: "recovery", audit: "recovery.create", message: recoveryMail(email, { user: user.name, project: projectName(c), link }) });
  return json(c, tokenModel(token, c.var.caller.privileged ? secret : ""), 201);
});

accountRoutes.put("/recovery", async (c) => {
  requireScope(c, "sessions.write");
  const a = await params(c, { userId: p.uid(), secret: p.string({ min: 1, max: 512 }), password: p.string({ max: 512 }) });
  await rateLimit(c, "recovery.update", { limit: 10, keys: [`url:${url(c)},userId:${a.userId}`] });
  const policy = authPolicy(c.var.project);
  checkPasswordFormat(a.password, policy);
  const user = await findUserById(c.var.db, c.var.project.id, a.userId);
  if (!user) throw new AppwriteError("user_invalid_token");
  const token = await findToken(c.var.db, c.var.project.id, user.id, ["recovery"], a.secret);
  checkPersonalData(a.password, policy, user);
  await checkHistory(a.password, policy, user.passwordHistory);
  const h = await hashPassword(a.password);
  const db = c.var.db;
  const changes: Partial<User> = { ...h, passwordUpdate: Date.now(), passwordHistory: nextHistory(policy, user.passwordHistory, h.password), emailVerification: true };
  await updateUser(c, user, changes, "password", [
    ...(await sessionsEndedByPasswordChange(c, user.id)),
    deleteToken(db, token),
    recordEvent(db, { projectId: c.var.project.id, pattern: "users.[userId].recovery.[tokenId].update", params: { userId: user.id, tokenId: token.id }, payload: tokenModel(token), roles: [`user:${user.id}`], userId: user.id }),
    audit(c, user, "recovery.update"),
  ]);
  return json(c, tokenModel(token));
});

// ---- email and phone verification ----------------------------------------------------------------

async function createEmailVerification(c: Ctx) {
  const { user } = me(c);
  const a = await params(c, { url: p.url() });
  await rateLimit(c, "verification.email", { limit: 10, keys: [`url:${url(c)},userId:${user.id}`] });
  await assertRedirect(c, "url", a.url);
  if (!user.email) throw new AppwriteError("user_email_not_found");
  if (user.emailVerification) throw new AppwriteError("user_email_already_verified");
  const secret = hexSecret(TOKEN_LENGTH.verification);
  const token = newToken(c.var.project.id, user.id, "verification", secret, TOKEN_TTL.verification);
  const link = withQuery(a.url, { userId: user.id, secret, expire: formatDate(token.expire) });
  await issueToken(c, { user, token, kind: "verification", audit: "verification.create", message: verificationMail(user.email, { user: user.name, project: projectName(c), link }) });
  return json(c, tokenModel(token), 201);
}

/** Confirming needs no session, only the secret: Appwrite labels it `public`. */
async function confirmVerification(c: Ctx, type: TokenType, field: "emailVerification" | "phoneVerification") {
  requireScope(c, "public");
  const a = await params(c, { userId: p.uid(), secret: p.string({ min: 1, max: 512 }) });
  await rateLimit(c, `verification.${type}.update`, { limit: 10, keys: [`url:${url(c)},userId:${a.userId}`] });
  const user = await findUserById(c.var.db, c.var.project.id, a.userId);
  if (!user) throw new AppwriteError("user_invalid_token");
  const token = await findToken(c.var.db, c.var.project.id, user.id, [type], a.secret);
  const db = c.var.db;
  await updateUser(c, user, { [field]: true }, "verification", [
    deleteToken(db, token),
    recordEvent(db, { projectId: c.var.project.id, pattern: "users.[userId].verification.[tokenId].update", params: { userId: user.id, tokenId: token.id }, payload: tokenModel(token), roles: [`user:${user.id}`], userId: user.id }),
    audit(c, user, "verification.update"),
  ]);
  return json(c, tokenModel(token));
}

accountRoutes.post("/verifications/email", createEmailVerification);
accountRoutes.post("/verification", createEmailVerification);
accountRoutes.put("/verifications/email", (c) => confirmVerification(c, "verification", "emailVerification"));
accountRoutes.put("/verification", (c) => confirmVerification(c, "verification", "emailVerification"));

async function createPhoneVerification(c: Ctx) {
  const { user } = me(c);
  assertAuthMethod(c, "phone");
  await rateLimit(c, "verification.phone", { limit: 10, keys: [`url:${url(c)},userId:${user.id}`, `url:${url(c)},${clientKey(c)}`] });
  if (!user.phone) throw new AppwriteError("user_phone_not_found");
  if (user.phoneVerification) throw new AppwriteError("user_phone_already_verified");
  const code = otpCode();
  const token = newToken(c.var.project.id, user.id, "phone-verification", code, TOKEN_TTL.otp);
  await issueToken(c, { user, token, kind: "verification", audit: "verification.create", message: sms(user.phone, code) });
  return json(c, tokenModel(token), 201);
}
accountRoutes.post("/verifications/phone", createPhoneVerification);
accountRoutes.post("/verification/phone", createPhoneVerification);
accountRoutes.put("/verifications/phone", (c) => confirmVerification(c, "phone-verification", "phoneVerification"));
accountRoutes.put("/verification/phone", (c) => confirmVerification(c, "phone-verification", "phoneVerification"));

