import { signJWT } from "../../platform/caller";
import { batch } from "../../db/client";
/** Users service (server SDK, API key; scopes users.read / users.write). Shapes: wire doc §3.2. */
import { Hono } from "hono";
import { and, desc, eq, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { AppwriteError } from "../../core/errors";
import { hashSecret } from "../../core/crypto";
import { resolveId, uniqueId } from "../../core/ids";
import { p, params } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import type { Field } from "../../core/query/sql";
import { prepareQueries, runList, systemFields } from "../../db/list";
import { authenticators, challenges, identities, memberships, sessions, teams, tokens, users, type Token, type User } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { hashPassword, importedOptions, SHA_VERSIONS } from "../auth/passwords";
import { authPolicy, checkEmailPolicy, checkHistory, checkPasswordFormat, checkPersonalData, nextHistory } from "../auth/policy";
import { createSession } from "../account/sessions";
import { prefsObject, sessionModel, tokenModel, userModel } from "./models";
import { commitNewUser, PHONE, PHONE_DESCRIPTION, prepareUser, publicUser, requireUser, rethrowUserConflict, userWhere } from "./users";
import { assertNoTarget, contactTargetStatements, deleteUserTargets, targetsFor, targetsForMany, usersTargetsRoutes, type TargetModel } from "./targets";
import { deleteUserLogs, listLogs } from "../auth/audit";
import { lookup } from "../../core/input";
import { emailMetadata } from "../auth/email-meta";
import { invalidateSessionsEnabled } from "../auth/settings";

export const usersRoutes = new Hono<AppEnv>();

const read = (c: Ctx) => requireScope(c, "users.read");
const write = (c: Ctx) => requireScope(c, "users.write");

/**
 * Appwrite admits `users.write` OR `sessions.write` to a user's sessions, and every guest holds `sessions.write`;
 * its authorization layer then hides every user from anyone but the server. So do we, answering alike.
 */
function writeSessions(c: Ctx): void {
  if (!requireScope(c, "users.write", "sessions.write").privileged) throw new AppwriteError("user_not_found");
}

export function checkPhone(value: string | undefined | null, param = "phone"): void {
  if (value && !PHONE.test(value)) throw new AppwriteError("general_argument_invalid", `Invalid \`${param}\` param: ${PHONE_DESCRIPTION}`);
}

const roles = (u: { id: string }) => [`user:${u.id}`];

/**
 * The User model as this caller may see it: impersonators reach the Users API with `users.read` but are not
 * API keys, so password material stays hidden from them (Appwrite shows it to every `users.read` holder).
 */
function userView(c: Ctx, u: User, targets: TargetModel[]) {
  const m = userModel(u, targets);
  return c.var.caller.privileged ? m : { ...m, password: "", hash: "", hashOptions: {} };
}

/** The User model with its targets loaded (one extra read). */
export async function userOut(c: Ctx, u: User) {
  return userView(c, u, await targetsFor(c.var.db, c.var.project.id, u.id));
}

/** Record `users.[userId].<action>` with the User payload (no password material). */
export function userEvent(c: Ctx, u: User, action: string) {
  return recordEvent(c.var.db, { projectId: c.var.project.id, pattern: `users.[userId].${action}`, params: { userId: u.id }, payload: publicUser(u), roles: roles(u), userId: u.id });
}

// ---- create (plain and imported hashes) ---------------------------------------------------------

const base = {
  userId: p.customId(),
  email: p.optional(p.email()),
  name: p.optional(p.string({ max: 128 })),
};

async function create(c: Ctx, n: Parameters<typeof prepareUser>[3]) {
  const { user, statements, targets } = await prepareUser(c.var.db, c.var.project.id, authPolicy(c.var.project), n);
  await commitNewUser(c.var.db, statements);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, userModel(user, targets), 201);
}

usersRoutes.post("/", async (c) => {
  write(c);
  const a = await params(c, { ...base, phone: p.optional(p.string({ max: 16 })), password: p.optional(p.string({ max: 512 })) });
  checkPhone(a.phone);
  const policy = authPolicy(c.var.project);
  if (a.password !== undefined) checkPasswordFormat(a.password, policy);
  return create(c, { id: resolveId("userId", a.userId), email: a.email, phone: a.phone, name: a.name, password: a.password });
});

const hashedBase = { ...base, email: p.email(), password: p.string({ min: 1, max: 1024 }) };
const hashed = () => hashedBase;

usersRoutes.post("/argon2", async (c) => {
  write(c);
  const a = await params(c, hashed());
  return create(c, { id: resolveId("userId", a.userId), email: a.email, name: a.name, imported: { password: a.password, hash: "argon2", hashOptions: importedOptions.argon2() } });
});
usersRoutes.post("/bcrypt", async (c) => {
  write(c);
  const a = await params(c, hashed());
  return create(c, { id: resolveId("userId", a.userId), email: a.email, name: a.name, imported: { password: a.password, hash: "bcrypt", hashOptions: importedOptions.bcrypt() } });
});
usersRoutes.post("/md5", async (c) => {
  write(c);
  const a = await params(c, hashed());
  return create(c, { id: resolveId("userId", a.userId), email: a.email, name: a.name, imported: { password: a.password, hash: "md5", hashOptions: importedOptions.md5() } });
});
usersRoutes.post("/phpass", async (c) => {
  write(c);
  const a = await params(c, hashed());
  return create(c, { id: resolveId("userId", a.userId), email: a.email, name: a.name, imported: { password: a.password, hash: "phpass", hashOptions: importedOptions.phpass() } });
});
usersRoutes.post("/sha", async (c) => {
  write(c);
  const a = await params(c, { ...hashed(), passwordVersion: p.optional(p.enum(SHA_VERSIONS)) });
  return create(c, { id: resolveId("userId", a.userId), email: a.email, name: a.name, imported: { password: a.password, hash: "sha", hashOptions: importedOptions.sha(a.passwordVersion ?? "sha3-512") } });
});
usersRoutes.post("/scrypt", async (c) => {
  write(c);
  const a = await params(c, {
    ...hashed(),
    passwordSalt: p.string({ max: 128 }),
    passwordCpu: p.integer({ min: 2, max: 2 ** 20 }),
    passwordMemory: p.integer({ min: 1, max: 64 }),
    passwordParallel: p.integer({ min: 1, max: 16 }),
    passwordLength: p.integer({ min: 8, max: 256 }),
  });
  const opts = importedOptions.scrypt({ salt: a.passwordSalt, cpu: a.passwordCpu, memory: a.passwordMemory, parallel: a.passwordParallel, length: a.passwordLength });
  return create(c, { id: resolveId("userId", a.userId), email: a.email, name: a.name, imported: { password: a.password, hash: "scrypt", hashOptions: opts } });
});
usersRoutes.post("/scrypt-modified", async (c) => {
  write(c);
  const a = await params(c, { ...hashed(), passwordSalt: p.string({ max: 128 }), passwordSaltSeparator: p.string({ max: 128 }), passwordSignerKey: p.string({ max: 128 }) });
  const opts = importedOptions.scryptMod({ salt: a.passwordSalt, saltSeparator: a.passwordSaltSeparator, signerKey: a.passwordSignerKey });
  return create(c, { id: resolveId("userId", a.userId), email: a.email, name: a.name, imported: { password: a.password, hash: "scryptMod", hashOptions: opts } });
});

// ---- list / get ----------------------------------------------------------------------------------

const USER_FIELDS = lookup<Field>({
  ...systemFields(),
  name: { sql: "name", type: "string" },
  email: { sql: "email", type: "string" },
  phone: { sql: "phone", type: "string" },
  status: { sql: "status", type: "boolean" },
  passwordUpdate: { sql: "password_update", type: "datetime" },
  registration: { sql: "created_at", type: "datetime" },
  emailVerification: { sql: "email_verification", type: "boolean" },
  phoneVerification: { sql: "phone_verification", type: "boolean" },
  labels: { sql: "labels", type: "string", array: true },
  accessedAt: { sql: "accessed_at", type: "datetime" },
  impersonator: { sql: "impersonator", type: "boolean" },
});

const storedJson = <T>(v: unknown, d: T): T => {
  if (typeof v !== "string") return d;
  try {
    return JSON.parse(v) as T;
  } catch {
    return d;
  }
};

const nullableBool = (v: unknown) => (v === null || v === undefined ? null : !!v);

/** A raw `SELECT * FROM users` row → the drizzle User shape. */
export function userFromRaw(r: Record<string, unknown>): User {
  return {
    seq: Number(r.seq),
    projectId: String(r.project_id),
    id: String(r.id),
    name: String(r.name ?? ""),
    email: (r.email as string | null) ?? null,
    phone: (r.phone as string | null) ?? null,
    password: (r.password as string | null) ?? null,
    hash: (r.hash as string | null) ?? null,
    hashOptions: storedJson(r.hash_options, {}),
    passwordHistory: storedJson(r.password_history, []),
    passwordUpdate: (r.password_update as number | null) ?? null,
    status: !!r.status,
    labels: storedJson(r.labels, []),
    emailVerification: !!r.email_verification,
    phoneVerification: !!r.phone_verification,
    mfa: !!r.mfa,
    mfaRecoveryCodes: storedJson(r.mfa_recovery_codes, []),
    prefs: storedJson(r.prefs, {}),
    accessedAt: (r.accessed_at as number | null) ?? null,
    impersonator: !!r.impersonator,
    emailCanonical: (r.email_canonical as string | null) ?? null,
    emailIsCanonical: nullableBool(r.email_is_canonical),
    emailIsCorporate: nullableBool(r.email_is_corporate),
    emailIsDisposable: nullableBool(r.email_is_disposable),
    emailIsFree: nullableBool(r.email_is_free),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

usersRoutes.get("/", async (c) => {
  read(c);
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const grouped = prepareQueries(a.queries);
  const projectId = c.var.project.id;
  const words = (a.search ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 10);
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "users",
      columns: "*",
      base: (b) => {
        let where = `project_id = ${b.bind(projectId)}`;
        if (words.length) {
          const ors = words.map((w) => {
            const like = b.bind(`%${w.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
            return ["id", "email", "phone", "name"].map((col) => `${col} LIKE ${like} ESCAPE '\\'`).join(" OR ");
          });
          where += ` AND (${ors.join(" OR ")})`;
        }
        return where;
      },
      resolve: (attr) => USER_FIELDS[attr],
      sequence: "seq",
      id: "id",
    },
    grouped,
    a.total,
  );
  const found = result.rows.map(userFromRaw);
  const targets = await targetsForMany(c.var.db, projectId, found.map((u) => u.id));
  return json(c, list("users", found.map((u) => userView(c, u, targets.get(u.id) ?? [])), result.total));
});

usersRoutes.get("/:userId", async (c) => {
  read(c);
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, await userOut(c, u));
});

usersRoutes.get("/:userId/prefs", async (c) => {
  read(c);
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, prefsObject(u.prefs));
});

// ---- delete --------------------------------------------------------------------------------------

/** Everything a user owns, as statements for one batch (Auth B's tables included). */
export function deleteUserStatements(c: Ctx, u: User): BatchItem<"sqlite">[] {
  const db = c.var.db;
  const projectId = c.var.project.id;
  return [
    // Teams keep a count of confirmed members: recount without this user, before the memberships go.
    db
      .update(teams)
      .set({ total: sql`(SELECT COUNT(*) FROM memberships m WHERE m.project_id = ${teams.projectId} AND m.team_id = ${teams.id} AND m.confirm = 1 AND m.user_id != ${u.id})` })
      .where(and(eq(teams.projectId, projectId), sql`${teams.id} IN (SELECT team_id FROM memberships WHERE project_id = ${projectId} AND user_id = ${u.id})`)),
    db.delete(users).where(userWhere(projectId, u.id)),
    db.delete(sessions).where(and(eq(sessions.projectId, projectId), eq(sessions.userId, u.id))),
    db.delete(tokens).where(and(eq(tokens.projectId, projectId), eq(tokens.userId, u.id))),
    db.delete(memberships).where(and(eq(memberships.projectId, projectId), eq(memberships.userId, u.id))),
    db.delete(identities).where(and(eq(identities.projectId, projectId), eq(identities.userId, u.id))),
    db.delete(authenticators).where(and(eq(authenticators.projectId, projectId), eq(authenticators.userId, u.id))),
    db.delete(challenges).where(and(eq(challenges.projectId, projectId), eq(challenges.userId, u.id))),
    deleteUserTargets(c, u.id),
    deleteUserLogs(c, u.id),
    userEvent(c, u, "delete"),
  ];
}

usersRoutes.delete("/:userId", async (c) => {
  write(c);
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  await batch(c.var.db, deleteUserStatements(c, u));
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});

// ---- updates -------------------------------------------------------------------------------------

/** Apply `changes` to the user, commit with the `users.[userId].update.<attr>` event, return the new row. */
export async function updateUser(c: Ctx, u: User, given: Partial<User>, attr: string, extra: BatchItem<"sqlite">[] = [], conflict?: Parameters<typeof rethrowUserConflict>[1]): Promise<User> {
  const now = Date.now();
  // A new email brings its metadata along (emailCanonical, emailIsFree …), on every path that sets one.
  if (given.email) checkEmailPolicy(given.email, authPolicy(c.var.project));
  const changes = given.email !== undefined ? { ...given, ...emailMetadata(given.email) } : given;
  const next: User = { ...u, ...changes, updatedAt: now };
  const { seq: _s, projectId: _p, id: _i, createdAt: _c, ...set } = { ...changes, updatedAt: now } as User;
  try {
    await c.var.db.batch([c.var.db.update(users).set(set).where(userWhere(c.var.project.id, u.id)), ...extra, userEvent(c, next, `update.${attr}`)]);
  } catch (e) {
    rethrowUserConflict(e, conflict);
  }
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return next;
}

usersRoutes.patch("/:userId/name", async (c) => {
  write(c);
  const a = await params(c, { name: p.string({ max: 128 }) });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, await userOut(c, await updateUser(c, u, { name: a.name }, "name")));
});

usersRoutes.patch("/:userId/email", async (c) => {
  write(c);
  const a = await params(c, { email: p.string({ max: 255 }) });
  if (a.email !== "" && !p.email().safeParse(a.email).success) throw new AppwriteError("general_argument_invalid", "Invalid `email` param: Value must be a valid email address");
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const email = a.email ? a.email.toLowerCase() : null;
  if (email) await assertNoTarget(c, email);
  const changes: Partial<User> = { email, emailVerification: email === u.email ? u.emailVerification : false };
  return json(c, await userOut(c, await updateUser(c, u, changes, "email", contactTargetStatements(c, u, "email", u.email, email), "user_email_already_exists")));
});

usersRoutes.patch("/:userId/phone", async (c) => {
  write(c);
  const a = await params(c, { number: p.string({ max: 16 }) });
  checkPhone(a.number, "number");
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const phone = a.number || null;
  if (phone) await assertNoTarget(c, phone);
  return json(c, await userOut(c, await updateUser(c, u, { phone, phoneVerification: phone === u.phone ? u.phoneVerification : false }, "phone", contactTargetStatements(c, u, "sms", u.phone, phone), "user_phone_already_exists")));
});

usersRoutes.patch("/:userId/password", async (c) => {
  write(c);
  const a = await params(c, { password: p.string({ max: 512 }) });
  const policy = authPolicy(c.var.project);
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  if (a.password === "") {
    return json(c, await userOut(c, await updateUser(c, u, { password: null, passwordUpdate: Date.now() }, "password", await sessionsEndedByPasswordChange(c, u.id))));
  }
  checkPasswordFormat(a.password, policy);
  checkPersonalData(a.password, policy, u);
  await checkHistory(a.password, policy, u.passwordHistory);
  const h = await hashPassword(a.password);
  const changes: Partial<User> = { ...h, passwordHistory: nextHistory(policy, u.passwordHistory, h.password), passwordUpdate: Date.now() };
  return json(c, await userOut(c, await updateUser(c, u, changes, "password", await sessionsEndedByPasswordChange(c, u.id))));
});

usersRoutes.patch("/:userId/status", async (c) => {
  write(c);
  const a = await params(c, { status: p.boolean() });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, await userOut(c, await updateUser(c, u, { status: a.status }, "status")));
});

const LABEL = /^[A-Za-z0-9]{1,36}$/;
usersRoutes.put("/:userId/labels", async (c) => {
  write(c);
  const a = await params(c, { labels: p.array(p.string({ max: 36 }), { max: 1000, itemDescription: "Value must be a valid string and at least 1 chars and no longer than 36 chars" }) });
  for (const l of a.labels) {
    if (!LABEL.test(l)) throw new AppwriteError("general_argument_invalid", "Invalid `labels` param: Value must a valid array no longer than 1000 items and Value must be a valid string and at least 1 chars and no longer than 36 chars");
  }
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, await userOut(c, await updateUser(c, u, { labels: [...new Set(a.labels)] }, "labels")));
});

usersRoutes.patch("/:userId/prefs", async (c) => {
  write(c);
  const a = await params(c, { prefs: p.prefs() });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const next = await updateUser(c, u, { prefs: a.prefs }, "prefs");
  return json(c, prefsObject(next.prefs));
});

/** Whether the user may act as other users (src/platform/impersonation.ts); event `users.[userId].update.impersonator`. */
usersRoutes.patch("/:userId/impersonator", async (c) => {
  write(c);
  const a = await params(c, { impersonator: p.boolean() });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, await userOut(c, await updateUser(c, u, { impersonator: a.impersonator }, "impersonator")));
});

usersRoutes.patch("/:userId/verification", async (c) => {
  write(c);
  const a = await params(c, { emailVerification: p.boolean() });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, await userOut(c, await updateUser(c, u, { emailVerification: a.emailVerification }, "verification")));
});

usersRoutes.patch("/:userId/verification/phone", async (c) => {
  write(c);
  const a = await params(c, { phoneVerification: p.boolean() });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, await userOut(c, await updateUser(c, u, { phoneVerification: a.phoneVerification }, "verification")));
});

// ---- logs and targets ------------------------------------------------------------------------------

/** The user's own account activity (actions taken with an API key are the key's, as in Appwrite). */
usersRoutes.get("/:userId/logs", async (c) => {
  read(c);
  const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, await listLogs(c, u.id, a.queries, a.total));
});

usersRoutes.route("/", usersTargetsRoutes);

// ---- sessions ------------------------------------------------------------------------------------

usersRoutes.get("/:userId/sessions", async (c) => {
  requireScope(c, "users.read", "sessions.read");
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const rows = await c.var.db.select().from(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, u.id))).orderBy(desc(sessions.createdAt));
  const now = Date.now();
  const live = rows.filter((s) => s.expire > now);
  return json(c, list("sessions", live.map((s) => sessionModel(s)), live.length));
});

usersRoutes.post("/:userId/sessions", async (c) => {
  writeSessions(c);
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const { model } = await createSession(c, { user: u, provider: "server", factors: ["server"], cookies: false, showSecret: true });
  return json(c, model, 201);
});

/**
 * Server-side JWT for a user: for the session `sessionId`, or the most recent one with "recent". An unknown or
 * omitted session gives a JWT with an empty `sessionId`, which acts as the user without a session (Appwrite's).
 */
usersRoutes.post("/:userId/jwts", async (c) => {
  write(c);
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const a = await params(c, { sessionId: p.optional(p.string({ max: 36 })), duration: p.default(p.integer({ min: 0, max: 3600 }), 900) });
  const rows = await c.var.db.select().from(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, u.id))).orderBy(desc(sessions.createdAt));
  const now = Date.now();
  const live = rows.filter((s) => s.expire > now);
  const session = a.sessionId === "recent" ? live[0] : live.find((s) => s.id === a.sessionId);
  const jwt = await signJWT(c.env, { userId: u.id, sessionId: session?.id ?? "", projectId: c.var.project.id }, a.duration);
  return json(c, { jwt }, 201);
});

usersRoutes.delete("/:userId/sessions", async (c) => {
  writeSessions(c);
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const db = c.var.db;
  const rows = await db.select().from(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, u.id)));
  await db.batch([
    db.delete(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, u.id))),
    ...rows.map((s) => sessionEvent(c, s, "delete")),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});

usersRoutes.delete("/:userId/sessions/:sessionId", async (c) => {
  writeSessions(c);
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const db = c.var.db;
  const [s] = await db.select().from(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, u.id), eq(sessions.id, c.req.param("sessionId")))).limit(1);
  if (!s) throw new AppwriteError("user_session_not_found");
  await db.batch([db.delete(sessions).where(and(eq(sessions.projectId, c.var.project.id), eq(sessions.id, s.id))), sessionEvent(c, s, "delete")]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});

/**
 * Appwrite's session invalidation on a password change (policy on by default): the user's sessions are
 * deleted, all of them or all but `keep` (the caller's own, on account.updatePassword), with their events.
 */
export async function sessionsEndedByPasswordChange(c: Ctx, userId: string, keep?: string): Promise<BatchItem<"sqlite">[]> {
  if (!invalidateSessionsEnabled(c.var.project)) return [];
  const db = c.var.db;
  const mine = and(eq(sessions.projectId, c.var.project.id), eq(sessions.userId, userId));
  const where = keep ? and(mine, ne(sessions.id, keep)) : mine;
  const rows = await db.select().from(sessions).where(where);
  return [db.delete(sessions).where(where), ...rows.map((s) => sessionEvent(c, s, "delete"))];
}

export function sessionEvent(c: Ctx, s: Parameters<typeof sessionModel>[0], action: string) {
  return recordEvent(c.var.db, {
    projectId: c.var.project.id,
    pattern: `users.[userId].sessions.[sessionId].${action}`,
    params: { userId: s.userId, sessionId: s.id },
    payload: sessionModel(s),
    roles: [`user:${s.userId}`],
    userId: s.userId,
  });
}

// ---- tokens (custom token flow: users.createToken → account.createSession) ------------------------

/** Generic token secrets: `length` characters of [a-z0-9] (Appwrite's proof Token). */
export function randomToken(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
  let out = "";
  for (const b of bytes) {
    if (b >= 252) continue; // 252 = 7 * 36: reject to stay uniform
    out += alphabet[b % 36];
    if (out.length === length) break;
  }
  return out.length === length ? out : out + randomToken(length - out.length);
}

usersRoutes.post("/:userId/tokens", async (c) => {
  write(c);
  const a = await params(c, { length: p.default(p.integer({ min: 4, max: 128 }), 6), expire: p.default(p.integer({ min: 60, max: 31536000 }), 900) });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const secret = randomToken(a.length);
  const now = Date.now();
  const token: Token = { projectId: c.var.project.id, id: uniqueId(), userId: u.id, type: "generic", secretHash: hashSecret(secret), phrase: "", expire: now + a.expire * 1000, createdAt: now };
  const db = c.var.db;
  await db.batch([
    db.insert(tokens).values(token),
    recordEvent(db, { projectId: c.var.project.id, pattern: "users.[userId].tokens.[tokenId].create", params: { userId: u.id, tokenId: token.id }, payload: tokenModel(token), roles: roles(u), userId: u.id }),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, tokenModel(token, secret), 201);
});

