/**
 * Topics (/v1/messaging/topics …, server) and their subscribers. A subscriber is one user's target in one topic;
 * the topic's emailTotal/smsTotal/pushTotal move in the same batch as the subscriber (and with a deleted target,
 * migrations/0026's trigger). A signed-in user (scope subscribers.write/read, which Appwrite's users hold) may
 * subscribe only a target of their own, to a topic whose `subscribe` roles they hold, and sees and deletes only
 * their own subscribers.
 */
import { Hono } from "hono";
import { and, eq, inArray, sql } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { resolveId } from "../../core/ids";
import { lookup } from "../../core/input";
import { p, params } from "../../core/params";
import { isValidRole } from "../../core/permissions";
import type { Field } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { isUniqueViolation } from "../../db/client";
import { prepareQueries, runList, systemFields } from "../../db/list";
import { users } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { searchClause } from "../functions/store";
import { targets, type Target } from "../users/targets";
import { subscriberModel, topicModel } from "./models";
import { subscribers, topics, type Subscriber, type Topic } from "./tables";

export const topicRoutes = new Hono<AppEnv>();

function checkRoles(roles: string[]): string[] {
  for (const r of roles) {
    if (r.length > 64 || !isValidRole(r)) {
      throw new AppwriteError("general_argument_invalid", `Invalid \`subscribe\` param: Role "${r}" is not allowed. Must be one of: any, guests, users, user:[id], team:[id], member:[id], label:[name].`);
    }
  }
  return [...new Set(roles)];
}

export async function findTopic(c: Ctx, id: string): Promise<Topic> {
  const [t] = await c.var.db.select().from(topics).where(and(eq(topics.projectId, c.var.project.id), eq(topics.id, id))).limit(1);
  if (!t) throw new AppwriteError("topic_not_found");
  return t;
}

const topicEvent = (c: Ctx, t: Topic, action: string) =>
  recordEvent(c.var.db, { projectId: t.projectId, pattern: `topics.[topicId].${action}`, params: { topicId: t.id }, payload: topicModel(t), roles: [] });

const TOPIC_FIELDS = lookup<Field>({
  ...systemFields(),
  name: { sql: "name", type: "string" },
  emailTotal: { sql: "email_total", type: "integer" },
  smsTotal: { sql: "sms_total", type: "integer" },
  pushTotal: { sql: "push_total", type: "integer" },
});

const topicFromRaw = (r: Record<string, unknown>): Topic => ({
  seq: Number(r.seq), projectId: String(r.project_id), id: String(r.id), name: String(r.name), subscribe: JSON.parse(String(r.subscribe)),
  emailTotal: Number(r.email_total), smsTotal: Number(r.sms_total), pushTotal: Number(r.push_total), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

topicRoutes.post("/", async (c) => {
  requireScope(c, "topics.write");
  const a = await params(c, { topicId: p.customId(), name: p.string({ max: 128 }), subscribe: p.default(p.strings({ maxLength: 64 }), ["users"]) });
  const now = Date.now();
  const t: Topic = { seq: 0, projectId: c.var.project.id, id: resolveId("topicId", a.topicId), name: a.name, subscribe: checkRoles(a.subscribe), emailTotal: 0, smsTotal: 0, pushTotal: 0, createdAt: now, updatedAt: now };
  const { seq: _s, ...values } = t;
  const db = c.var.db;
  try {
    await db.batch([db.insert(topics).values(values), topicEvent(c, t, "create")]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("topic_already_exists");
    throw e;
  }
  scheduleDispatch(c.env, c.executionCtx, t.projectId);
  return json(c, topicModel(t), 201);
});

topicRoutes.get("/", async (c) => {
  requireScope(c, "topics.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    { from: "messaging_topics", columns: "*", base: (b) => `project_id = ${b.bind(projectId)} AND ${searchClause(b, ["id", "name"], a.search)}`, resolve: (x) => TOPIC_FIELDS[x], sequence: "seq", id: "id" },
    prepareQueries(a.queries),
    a.total,
  );
  return json(c, list("topics", result.rows.map((r) => topicModel(topicFromRaw(r))), result.total));
});

topicRoutes.get("/:topicId/logs", async (c) => {
  requireScope(c, "topics.read");
  await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  await findTopic(c, c.req.param("topicId")!);
  return json(c, list("logs", [], 0)); // Messaging audit logs are not recorded (docs/STATUS.md)
});

topicRoutes.get("/:topicId", async (c) => {
  requireScope(c, "topics.read");
  return json(c, topicModel(await findTopic(c, c.req.param("topicId")!)));
});

topicRoutes.patch("/:topicId", async (c) => {
  requireScope(c, "topics.write");
  const a = await params(c, { name: p.optional(p.string({ max: 128 })), subscribe: p.optional(p.strings({ maxLength: 64 })) });
  const old = await findTopic(c, c.req.param("topicId")!);
  const t: Topic = { ...old, name: a.name ?? old.name, subscribe: a.subscribe ? checkRoles(a.subscribe) : old.subscribe, updatedAt: Date.now() };
  const db = c.var.db;
  await db.batch([
    db.update(topics).set({ name: t.name, subscribe: [...t.subscribe], updatedAt: t.updatedAt }).where(and(eq(topics.projectId, t.projectId), eq(topics.id, t.id))),
    topicEvent(c, t, "update"),
  ]);
  scheduleDispatch(c.env, c.executionCtx, t.projectId);
  return json(c, topicModel(t));
});

topicRoutes.delete("/:topicId", async (c) => {
  requireScope(c, "topics.write");
  const t = await findTopic(c, c.req.param("topicId")!);
  const db = c.var.db;
  await db.batch([
    db.delete(subscribers).where(and(eq(subscribers.projectId, t.projectId), eq(subscribers.topicId, t.id))),
    db.delete(topics).where(and(eq(topics.projectId, t.projectId), eq(topics.id, t.id))),
    topicEvent(c, t, "delete"),
  ]);
  scheduleDispatch(c.env, c.executionCtx, t.projectId);
  return noContent(c);
});

// ---- subscribers -------------------------------------------------------------------------------------

const TOTAL = lookup({ email: "emailTotal", sms: "smsTotal", push: "pushTotal" } as const);

/** The topic total a subscriber of this provider type counts in, moved by `delta`. */
function totalStatement(c: Ctx, s: Subscriber, delta: 1 | -1) {
  const key = TOTAL[s.providerType];
  if (!key) throw new AppwriteError("target_provider_invalid_type");
  const column = topics[key];
  return c.var.db.update(topics).set({ [key]: sql`${column} + ${delta}` }).where(and(eq(topics.projectId, s.projectId), eq(topics.id, s.topicId)));
}

async function modelsFor(c: Ctx, rows: Subscriber[]) {
  const projectId = c.var.project.id;
  const targetIds = [...new Set(rows.map((s) => s.targetId))];
  const userIds = [...new Set(rows.map((s) => s.userId))];
  const [ts, us] = await Promise.all([
    targetIds.length ? c.var.db.select().from(targets).where(and(eq(targets.projectId, projectId), inArray(targets.id, targetIds))) : Promise.resolve([] as Target[]),
    userIds.length ? c.var.db.select({ id: users.id, name: users.name }).from(users).where(and(eq(users.projectId, projectId), inArray(users.id, userIds))) : Promise.resolve([]),
  ]);
  const byTarget = new Map(ts.map((t) => [t.id, t]));
  const names = new Map(us.map((u) => [u.id, u.name]));
  return rows.map((s) => subscriberModel(s, byTarget.get(s.targetId) ?? null, names.get(s.userId) ?? ""));
}

/** The event of a subscriber write; `model` is computed before the batch (the event insert must not run on its own). */
const subscriberEvent = (c: Ctx, s: Subscriber, model: unknown, action: string) =>
  recordEvent(c.var.db, {
    projectId: s.projectId, pattern: `topics.[topicId].subscribers.[subscriberId].${action}`, params: { topicId: s.topicId, subscriberId: s.id },
    payload: model as Record<string, unknown>, roles: [`user:${s.userId}`], userId: s.userId,
  });

/** The subscriber of this topic, as the caller may see it (a user: only their own). */
async function findSubscriber(c: Ctx, topicId: string, id: string): Promise<Subscriber> {
  const [s] = await c.var.db.select().from(subscribers).where(and(eq(subscribers.projectId, c.var.project.id), eq(subscribers.id, id))).limit(1);
  const caller = c.var.caller;
  if (!s || s.topicId !== topicId || (!caller.privileged && s.userId !== caller.user?.id)) throw new AppwriteError("subscriber_not_found");
  return s;
}

topicRoutes.post("/:topicId/subscribers", async (c) => {
  requireScope(c, "subscribers.write");
  const a = await params(c, { subscriberId: p.customId(), targetId: p.uid() });
  const caller = c.var.caller;
  const topic = await findTopic(c, c.req.param("topicId")!);
  if (!caller.privileged && !topic.subscribe.some((r) => caller.roles.includes(r))) {
    throw new AppwriteError("user_unauthorized", `No permissions provided for action 'subscribe'`);
  }
  const [target] = await c.var.db.select().from(targets).where(and(eq(targets.projectId, topic.projectId), eq(targets.id, a.targetId))).limit(1);
  // A user subscribes their own targets only; anyone else's is as good as absent to them.
  if (!target || (!caller.privileged && target.userId !== caller.user?.id)) throw new AppwriteError("user_target_not_found");
  const now = Date.now();
  const s: Subscriber = { seq: 0, projectId: topic.projectId, id: resolveId("subscriberId", a.subscriberId), topicId: topic.id, targetId: target.id, userId: target.userId, providerType: target.providerType, createdAt: now, updatedAt: now };
  const { seq: _s, ...values } = s;
  const db = c.var.db;
  const model = subscriberModel(s, target, (await db.select({ name: users.name }).from(users).where(and(eq(users.projectId, s.projectId), eq(users.id, s.userId))).limit(1))[0]?.name ?? "");
  try {
    await db.batch([db.insert(subscribers).values(values), totalStatement(c, s, 1), subscriberEvent(c, s, model, "create")]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("subscriber_already_exists");
    throw e;
  }
  scheduleDispatch(c.env, c.executionCtx, s.projectId);
  return json(c, model, 201);
});

const SUBSCRIBER_FIELDS = lookup<Field>({
  ...systemFields(),
  targetId: { sql: "target_id", type: "string" },
  topicId: { sql: "topic_id", type: "string" },
  userId: { sql: "user_id", type: "string" },
  providerType: { sql: "provider_type", type: "string" },
});

const subscriberFromRaw = (r: Record<string, unknown>): Subscriber => ({
  seq: Number(r.seq), projectId: String(r.project_id), id: String(r.id), topicId: String(r.topic_id), targetId: String(r.target_id), userId: String(r.user_id),
  providerType: String(r.provider_type), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

topicRoutes.get("/:topicId/subscribers", async (c) => {
  requireScope(c, "subscribers.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const topic = await findTopic(c, c.req.param("topicId")!);
  const caller = c.var.caller;
  const own = caller.privileged ? null : (caller.user?.id ?? "");
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "messaging_subscribers", columns: "*", resolve: (x) => SUBSCRIBER_FIELDS[x], sequence: "seq", id: "id",
      base: (b) => `project_id = ${b.bind(topic.projectId)} AND topic_id = ${b.bind(topic.id)}${own === null ? "" : ` AND user_id = ${b.bind(own)}`} AND ${searchClause(b, ["id", "target_id", "user_id", "provider_type"], a.search)}`,
    },
    prepareQueries(a.queries),
    a.total,
  );
  return json(c, list("subscribers", await modelsFor(c, result.rows.map(subscriberFromRaw)), result.total));
});

topicRoutes.get("/:topicId/subscribers/:subscriberId", async (c) => {
  requireScope(c, "subscribers.read");
  const topic = await findTopic(c, c.req.param("topicId")!);
  const s = await findSubscriber(c, topic.id, c.req.param("subscriberId")!);
  return json(c, (await modelsFor(c, [s]))[0]);
});

topicRoutes.delete("/:topicId/subscribers/:subscriberId", async (c) => {
  requireScope(c, "subscribers.write");
  const topic = await findTopic(c, c.req.param("topicId")!);
  const s = await findSubscriber(c, topic.id, c.req.param("subscriberId")!);
  const db = c.var.db;
  const model = (await modelsFor(c, [s]))[0];
  await db.batch([
    db.delete(subscribers).where(and(eq(subscribers.projectId, s.projectId), eq(subscribers.id, s.id))),
    totalStatement(c, s, -1),
    subscriberEvent(c, s, model, "delete"),
  ]);
  scheduleDispatch(c.env, c.executionCtx, s.projectId);
  return noContent(c);
});

/** GET /v1/messaging/subscribers/{subscriberId}/logs (mounted by routes.ts). */
export const subscriberLogRoutes = new Hono<AppEnv>();
subscriberLogRoutes.get("/:subscriberId/logs", async (c) => {
  requireScope(c, "subscribers.read");
  await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  const [s] = await c.var.db.select().from(subscribers).where(and(eq(subscribers.projectId, c.var.project.id), eq(subscribers.id, c.req.param("subscriberId")!))).limit(1);
  if (!s || (!c.var.caller.privileged && s.userId !== c.var.caller.user?.id)) throw new AppwriteError("subscriber_not_found");
  return json(c, list("logs", [], 0));
});
