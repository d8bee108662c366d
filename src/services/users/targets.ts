/**
 * Messaging targets of a user (server SDK, API key): GET/POST /v1/users/{userId}/targets,
 * GET/PATCH/DELETE /v1/users/{userId}/targets/{targetId}. Appwrite's Modules/Users/Http/Users/Targets/*.
 *
 * An `email` target follows the user's email and an `sms` target the phone (created with the user, updated
 * or removed when they change, see `contactTargetStatements`). `identifier` is unique per project.
 * The User model's `targets` is filled from here (`targetsFor`).
 */
import { Hono } from "hono";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { AppwriteError } from "../../core/errors";
import { resolveId, uniqueId } from "../../core/ids";
import { p, params } from "../../core/params";
import type { Field } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { formatDate } from "../../core/time";
import { isUniqueViolation, type DB } from "../../db/client";
import { prepareQueries, runList, systemFields } from "../../db/list";
import type { User } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { onProjectDelete } from "../../platform/projects";
import { PHONE, requireUser } from "./users";
import { lookup } from "../../core/input";

/** drizzle mirror of migrations/0008_auth_logs_targets.sql `targets`. */
export const targets = sqliteTable("targets", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  userId: text("user_id").notNull(),
  providerType: text("provider_type").notNull(),
  identifier: text("identifier").notNull(),
  providerId: text("provider_id"),
  name: text("name"),
  expired: integer("expired", { mode: "boolean" }).notNull().default(false),
  /** The session that registered a push target (it goes with that session: migration 0015's trigger). */
  sessionId: text("session_id"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
export type Target = typeof targets.$inferSelect;

onProjectDelete(async (_env, db, projectId) => {
  await db.delete(targets).where(eq(targets.projectId, projectId));
});

export const PROVIDER_TYPES = ["email", "sms", "push"] as const;

/** The Target model. */
export function targetModel(t: Target) {
  return {
    $id: t.id,
    $createdAt: formatDate(t.createdAt),
    $updatedAt: formatDate(t.updatedAt),
    name: t.name ?? "",
    userId: t.userId,
    providerId: t.providerId ?? "",
    providerType: t.providerType,
    identifier: t.identifier,
    expired: t.expired,
  };
}
export type TargetModel = ReturnType<typeof targetModel>;

/** Targets of one user, oldest first (as Appwrite's subquery returns them). */
export async function targetsFor(db: DB, projectId: string, userId: string): Promise<TargetModel[]> {
  const rows = await db.select().from(targets).where(and(eq(targets.projectId, projectId), eq(targets.userId, userId))).orderBy(asc(targets.seq));
  return rows.map(targetModel);
}

/** Targets of several users at once (user lists): userId → models. */
export async function targetsForMany(db: DB, projectId: string, userIds: string[]): Promise<Map<string, TargetModel[]>> {
  const out = new Map<string, TargetModel[]>();
  if (!userIds.length) return out;
  const rows = await db.select().from(targets).where(and(eq(targets.projectId, projectId), inArray(targets.userId, userIds))).orderBy(asc(targets.seq));
  for (const r of rows) {
    const l = out.get(r.userId) ?? [];
    l.push(targetModel(r));
    out.set(r.userId, l);
  }
  return out;
}

/** The email/sms targets a new user gets (duplicates of another user's identifier are skipped, as in Appwrite). */
export function newUserTargets(db: DB, user: Pick<User, "projectId" | "id" | "email" | "phone" | "createdAt">): { targets: Target[]; statements: BatchItem<"sqlite">[] } {
  const rows: Target[] = [];
  const statements: BatchItem<"sqlite">[] = [];
  const add = (providerType: "email" | "sms", identifier: string | null) => {
    if (!identifier) return;
    const t: Target = { seq: 0, projectId: user.projectId, id: uniqueId(), userId: user.id, providerType, identifier, providerId: null, name: null, expired: false, sessionId: null, createdAt: user.createdAt, updatedAt: user.createdAt };
    const { seq: _s, ...values } = t;
    rows.push(t);
    statements.push(db.insert(targets).values(values).onConflictDoNothing());
  };
  add("email", user.email);
  add("sms", user.phone);
  return { targets: rows, statements };
}

/**
 * Keep the `email` (or `sms`) target in step with a changed email (phone): the target whose identifier was
 * the old value gets the new one; an empty new value removes it; none yet → one is created.
 */
export function contactTargetStatements(c: Ctx, user: User, providerType: "email" | "sms", oldValue: string | null, newValue: string | null): BatchItem<"sqlite">[] {
  const db = c.var.db;
  const projectId = c.var.project.id;
  if ((oldValue ?? "") === (newValue ?? "")) return [];
  const now = Date.now();
  const mine = and(eq(targets.projectId, projectId), eq(targets.userId, user.id), eq(targets.providerType, providerType));
  const out: BatchItem<"sqlite">[] = [];
  if (oldValue) {
    const old = and(mine, eq(targets.identifier, oldValue));
    out.push(newValue ? db.update(targets).set({ identifier: newValue, expired: false, updatedAt: now }).where(old) : db.delete(targets).where(old));
  }
  if (newValue) {
    // Created only when no target has that identifier yet (i.e. there was none for the old value).
    out.push(db.insert(targets).values({ projectId, id: uniqueId(), userId: user.id, providerType, identifier: newValue, createdAt: now, updatedAt: now }).onConflictDoNothing());
  }
  return out;
}

/** Appwrite refuses an email or phone that any target of the project already has (409 user_target_already_exists). */
export async function assertNoTarget(c: Ctx, identifier: string): Promise<void> {
  const [t] = await c.var.db.select({ id: targets.id }).from(targets).where(and(eq(targets.projectId, c.var.project.id), eq(targets.identifier, identifier))).limit(1);
  if (t) throw new AppwriteError("user_target_already_exists");
}

/** A user's targets go with the user. */
export function deleteUserTargets(c: Ctx, userId: string): BatchItem<"sqlite"> {
  return c.var.db.delete(targets).where(and(eq(targets.projectId, c.var.project.id), eq(targets.userId, userId)));
}

// ---- routes ----------------------------------------------------------------------------------------

export const usersTargetsRoutes = new Hono<AppEnv>();

export const TARGET_FIELDS = lookup<Field>({
  ...systemFields(),
  userId: { sql: "user_id", type: "string" },
  providerId: { sql: "provider_id", type: "string" },
  identifier: { sql: "identifier", type: "string" },
  providerType: { sql: "provider_type", type: "string" },
});

export function targetFromRaw(r: Record<string, unknown>): Target {
  return {
    seq: Number(r.seq),
    projectId: String(r.project_id),
    id: String(r.id),
    userId: String(r.user_id),
    providerType: String(r.provider_type),
    identifier: String(r.identifier),
    providerId: (r.provider_id as string | null) ?? null,
    name: (r.name as string | null) ?? null,
    expired: Number(r.expired) === 1,
    sessionId: (r.session_id as string | null) ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** Appwrite's per-type identifier checks: general_invalid_email / general_invalid_phone; push: any. */
function checkIdentifier(providerType: string, identifier: string): void {
  if (providerType === "email") {
    if (!p.email().safeParse(identifier).success) throw new AppwriteError("general_invalid_email");
  } else if (providerType === "sms") {
    if (!PHONE.test(identifier)) throw new AppwriteError("general_invalid_phone");
  } else if (providerType !== "push") {
    throw new AppwriteError("provider_incorrect_type");
  }
}

/** Is there a Messaging provider with this id in the caller's project (migrations/0026)? */
async function providerExists(c: Ctx, providerId: string): Promise<boolean> {
  return !!(await c.var.d1.prepare("SELECT 1 FROM messaging_providers WHERE project_id = ? AND id = ?").bind(c.var.project.id, providerId).first());
}

export async function findTarget(c: Ctx, userId: string, targetId: string): Promise<Target> {
  const [t] = await c.var.db.select().from(targets).where(and(eq(targets.projectId, c.var.project.id), eq(targets.id, targetId))).limit(1);
  if (!t || t.userId !== userId) throw new AppwriteError("user_target_not_found");
  return t;
}

export function targetEvent(c: Ctx, t: Target, action: string) {
  return recordEvent(c.var.db, {
    projectId: c.var.project.id,
    pattern: `users.[userId].targets.[targetId].${action}`,
    params: { userId: t.userId, targetId: t.id },
    payload: targetModel(t),
    roles: [`user:${t.userId}`],
    userId: t.userId,
  });
}

usersTargetsRoutes.get("/:userId/targets", async (c) => {
  requireScope(c, "users.read");
  const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const projectId = c.var.project.id;
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "targets",
      columns: "*",
      base: (b) => `project_id = ${b.bind(projectId)} AND user_id = ${b.bind(u.id)}`,
      resolve: (attr) => TARGET_FIELDS[attr],
      sequence: "seq",
      id: "id",
    },
    prepareQueries(a.queries),
    a.total,
  );
  return json(c, list("targets", result.rows.map((r) => targetModel(targetFromRaw(r))), result.total));
});

usersTargetsRoutes.post("/:userId/targets", async (c) => {
  requireScope(c, "users.write");
  const a = await params(c, {
    targetId: p.customId(),
    providerType: p.enum(PROVIDER_TYPES),
    identifier: p.string({ max: 255 }),
    providerId: p.optional(p.string({ max: 36 })),
    name: p.optional(p.string({ max: 128 })),
  });
  const id = resolveId("targetId", a.targetId);
  checkIdentifier(a.providerType, a.identifier);
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const now = Date.now();
  // Appwrite stores the provider only when it exists (an unknown id is kept as none).
  const providerId = a.providerId ? ((await providerExists(c, a.providerId)) ? a.providerId : null) : null;
  const t: Target = {
    seq: 0, projectId: c.var.project.id, id, userId: u.id, providerType: a.providerType, identifier: a.identifier,
    providerId, name: a.name || null, expired: false, sessionId: null, createdAt: now, updatedAt: now,
  };
  return insertTarget(c, t);
});

/** Write a target's identifier, expiry and name with its update event; an identifier already held is user_target_already_exists. */
export async function updateTarget(c: Ctx, t: Target, next: Target) {
  const db = c.var.db;
  try {
    await db.batch([
      db.update(targets).set({ identifier: next.identifier, expired: next.expired, name: next.name, providerId: next.providerId, updatedAt: next.updatedAt }).where(and(eq(targets.projectId, t.projectId), eq(targets.id, t.id))),
      targetEvent(c, next, "update"),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("user_target_already_exists");
    throw e;
  }
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, targetModel(next));
}

/** Delete a target with its delete event (one batch). */
export async function deleteTarget(c: Ctx, t: Target) {
  const db = c.var.db;
  await db.batch([db.delete(targets).where(and(eq(targets.projectId, t.projectId), eq(targets.id, t.id))), targetEvent(c, t, "delete")]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
}

/** Store a new target with its create event (one batch); an identifier already held is user_target_already_exists. */
export async function insertTarget(c: Ctx, t: Target) {
  const { seq: _s, ...values } = t;
  const db = c.var.db;
  try {
    await db.batch([db.insert(targets).values(values), targetEvent(c, t, "create")]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("user_target_already_exists");
    throw e;
  }
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, targetModel(t), 201);
}

usersTargetsRoutes.get("/:userId/targets/:targetId", async (c) => {
  requireScope(c, "users.read");
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  return json(c, targetModel(await findTarget(c, u.id, c.req.param("targetId"))));
});

usersTargetsRoutes.patch("/:userId/targets/:targetId", async (c) => {
  requireScope(c, "users.write");
  const a = await params(c, { identifier: p.optional(p.string({ max: 255 })), providerId: p.optional(p.string({ max: 36 })), name: p.optional(p.string({ max: 128 })) });
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const t = await findTarget(c, u.id, c.req.param("targetId"));
  const next: Target = { ...t };
  if (a.identifier) {
    checkIdentifier(t.providerType, a.identifier);
    next.identifier = a.identifier;
    next.expired = false;
  }
  if (a.providerId) {
    if (!(await providerExists(c, a.providerId))) throw new AppwriteError("provider_not_found");
    next.providerId = a.providerId;
  }
  if (a.name) next.name = a.name;
  next.updatedAt = Date.now();
  return updateTarget(c, t, next);
});

usersTargetsRoutes.delete("/:userId/targets/:targetId", async (c) => {
  requireScope(c, "users.write");
  const u = await requireUser(c.var.db, c.var.project.id, c.req.param("userId"));
  const t = await findTarget(c, u.id, c.req.param("targetId"));
  return deleteTarget(c, t);
});
