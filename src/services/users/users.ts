import { batch } from "../../db/client";
/**
 * User lookups and creation shared by Users (server), Account (client) and Auth B (teams invites, OAuth2).
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { AppwriteError } from "../../core/errors";
import { isUniqueViolation, type DB } from "../../db/client";
import { users, type User } from "../../db/schema";
import { recordEvent } from "../../events/outbox";
import { hashPassword } from "../auth/passwords";
import { type AuthPolicy, checkEmailPolicy, checkPersonalData, nextHistory } from "../auth/policy";
import { emailMetadata } from "../auth/email-meta";
import { userModel } from "./models";
import { newUserTargets, targetModel, type TargetModel } from "./targets";

export async function findUserById(db: DB, projectId: string, userId: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.id, userId))).limit(1);
  return row ?? null;
}

/** Emails are stored lower-cased (Appwrite lower-cases on every write and lookup). */
export async function findUserByEmail(db: DB, projectId: string, email: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.email, email.toLowerCase()))).limit(1);
  return row ?? null;
}

export async function findUserByPhone(db: DB, projectId: string, phone: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.phone, phone))).limit(1);
  return row ?? null;
}

/** `user_not_found` unless the user exists. */
export async function requireUser(db: DB, projectId: string, userId: string): Promise<User> {
  const u = await findUserById(db, projectId, userId);
  if (!u) throw new AppwriteError("user_not_found");
  return u;
}

export const userWhere = (projectId: string, userId: string) => and(eq(users.projectId, projectId), eq(users.id, userId));

export interface NewUser {
  id: string;
  email?: string | null;
  phone?: string | null;
  name?: string;
  /** A plain password: checked against the personal-data policy and hashed natively. */
  password?: string | null;
  /** An already-hashed (imported) password, stored as given. */
  imported?: { password: string; hash: string; hashOptions: Record<string, unknown> };
}

/**
 * Build a user row plus its insert, its email/sms targets and `users.[userId].create` event, for the caller's batch.
 * Commit with `commitNewUser` (or include `statements` in a larger batch and map unique violations with
 * `rethrowUserConflict`).
 */
export async function prepareUser(db: DB, projectId: string, policy: AuthPolicy, n: NewUser): Promise<{ user: User; statements: BatchItem<"sqlite">[]; targets: TargetModel[] }> {
  const now = Date.now();
  const email = n.email ? n.email.toLowerCase() : null;
  checkEmailPolicy(email, policy);
  const phone = n.phone || null;
  let pw: { password: string | null; hash: string | null; hashOptions: Record<string, unknown> } = { password: null, hash: "pbkdf2", hashOptions: {} };
  if (n.imported) pw = n.imported;
  else if (n.password) {
    checkPersonalData(n.password, policy, { id: n.id, email, name: n.name ?? "", phone });
    pw = await hashPassword(n.password);
  }
  const user: User = {
    seq: 0,
    projectId,
    id: n.id,
    name: n.name ?? "",
    email,
    phone,
    password: pw.password,
    hash: pw.hash,
    hashOptions: pw.hashOptions,
    passwordHistory: pw.password && !n.imported ? nextHistory(policy, [], pw.password) : [],
    passwordUpdate: pw.password ? now : null,
    status: true,
    labels: [],
    emailVerification: false,
    phoneVerification: false,
    mfa: false,
    mfaRecoveryCodes: [],
    prefs: {},
    accessedAt: now,
    impersonator: false,
    ...emailMetadata(email),
    createdAt: now,
    updatedAt: now,
  };
  const { seq: _seq, ...values } = user;
  // Appwrite gives every user an email target (and an sms target for a phone) when it is created.
  const t = newUserTargets(db, user);
  return {
    user,
    targets: t.targets.map(targetModel),
    statements: [
      db.insert(users).values(values),
      ...t.statements,
      recordEvent(db, { projectId, pattern: "users.[userId].create", params: { userId: n.id }, payload: publicUser(user), roles: [`user:${n.id}`], userId: n.id }),
    ],
  };
}

/** The User model without password/hash material: for event payloads. */
export function publicUser(u: User) {
  const { password: _p, hash: _h, hashOptions: _o, ...rest } = userModel(u);
  return rest;
}

/** Map a users UNIQUE violation to Appwrite's 409 (`kind` picks the specific type on updates). */
export function rethrowUserConflict(e: unknown, kind: "user_already_exists" | "user_email_already_exists" | "user_phone_already_exists" = "user_already_exists"): never {
  if (isUniqueViolation(e)) throw new AppwriteError(kind);
  throw e;
}

export async function commitNewUser(db: DB, statements: BatchItem<"sqlite">[]): Promise<void> {
  try {
    await batch(db, statements);
  } catch (e) {
    rethrowUserConflict(e);
  }
}

/**
 * Project user cap (auth `limit`, 0 = none) → 400 user_count_exceeded. Every path that lets a caller create
 * their own user (sign-up, email/phone tokens, magic URL, OAuth2, invites) asks here first. Console users are
 * owners, so the console takes none this way — not even a first one (Appwrite's `_APP_CONSOLE_WHITELIST_ROOT`
 * first-comer would be anyone who reaches a fresh deployment): the deployment admin adds them with POST /v1/users.
 */
export async function assertUserCapacity(db: DB, projectId: string, policy: AuthPolicy): Promise<void> {
  if (projectId === "console") {
    throw new AppwriteError("user_console_count_exceeded", "Sign up to the console is restricted. Console accounts are created by the deployment admin (POST /v1/users in the console project with the admin key; locally: npm run console:user -- <email> <password>).");
  }
  if (policy.limit <= 0) return;
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(users).where(eq(users.projectId, projectId));
  if (Number(row?.n ?? 0) >= policy.limit) throw new AppwriteError("user_count_exceeded");
}

/** Appwrite's Phone validator: `+` then up to 15 digits. */
export const PHONE = /^\+[1-9]\d{5,14}$/;
export const PHONE_DESCRIPTION = "Phone number must start with a '+' can have a maximum of fifteen digits.";
