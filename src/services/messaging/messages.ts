/**
 * Messages: POST/PATCH /v1/messaging/messages/{email|sms|push}[/{messageId}], GET/DELETE /v1/messaging/messages/{messageId},
 * GET /v1/messaging/messages (+ /{messageId}/targets, /{messageId}/logs). Appwrite 1.9.6's rules for status
 * (draft → scheduled/processing → sent/failed) and their errors. The row and its event commit in one batch; then
 * a `processing` message is enqueued (send.ts) and a `scheduled` one armed on its MessageScheduler; a lost enqueue
 * is caught by send.ts's cron sweep.
 */
import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { resolveId } from "../../core/ids";
import { lookup } from "../../core/input";
import { p, params } from "../../core/params";
import type { Field } from "../../core/query/sql";
import { json, list, noContent } from "../../core/response";
import { parseDate } from "../../core/time";
import { isUniqueViolation } from "../../db/client";
import { prepareQueries, runList, systemFields } from "../../db/list";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { searchClause } from "../functions/store";
import { TARGET_FIELDS, targetFromRaw, targetModel } from "../users/targets";
import { messageModel } from "./models";
import { enqueueMessage } from "./send";
import { deliveries, messages, type Message, type MessageStatus } from "./tables";

export const messageRoutes = new Hono<AppEnv>();

type Kind = "email" | "sms" | "push";
const NOT_TYPE = lookup({ email: "message_target_not_email", sms: "message_target_not_sms", push: "message_target_not_push" } as const);

const ids = () => p.array(p.uid());

function scheduledAtOf(v: string | undefined): number | null {
  if (v === undefined) return null;
  const ms = parseDate(v);
  if (ms === null || ms <= Date.now()) throw new AppwriteError("general_argument_invalid", "Invalid `scheduledAt` param: Value must be valid date in the future.");
  return ms;
}

/** Every id must be a target of this type (Appwrite: message_target_not_<type>). */
async function checkTargets(c: Ctx, kind: Kind, list: string[]): Promise<void> {
  const unique = [...new Set(list)];
  if (!unique.length) return;
  const row = await c.var.d1
    .prepare("SELECT COUNT(*) AS n FROM targets WHERE project_id = ? AND provider_type = ? AND id IN (SELECT value FROM json_each(?))")
    .bind(c.var.project.id, kind, JSON.stringify(unique))
    .first<{ n: number }>();
  if (Number(row?.n ?? 0) !== unique.length) throw new AppwriteError(NOT_TYPE[kind]!);
}

/** `<bucketId>:<fileId>` of an existing file (Appwrite's CompoundUID + its bucket/file checks). */
async function fileRef(c: Ctx, ref: string, images = false): Promise<{ bucketId: string; fileId: string }> {
  const [bucketId = "", fileId = "", extra] = ref.split(":");
  if (extra !== undefined || !bucketId || !fileId) throw new AppwriteError("general_argument_invalid", "Invalid `attachments` param: Value must be a valid compound ID (<BUCKET_ID>:<FILE_ID>).");
  const projectId = c.var.project.id;
  const bucket = await c.var.d1.prepare("SELECT id FROM buckets WHERE project_id = ? AND id = ?").bind(projectId, bucketId).first();
  if (!bucket) throw new AppwriteError("storage_bucket_not_found");
  const file = await c.var.d1.prepare("SELECT mime_type FROM files WHERE project_id = ? AND bucket_id = ? AND id = ?").bind(projectId, bucketId, fileId).first<{ mime_type: string }>();
  if (!file) throw new AppwriteError(images ? "storage_bucket_not_found" : "storage_file_not_found");
  if (images && !["image/png", "image/jpeg"].includes(file.mime_type)) throw new AppwriteError("storage_file_type_unsupported");
  return { bucketId, fileId };
}

const scheduler = (env: Env, m: Pick<Message, "projectId" | "id">) => env.MESSAGE_SCHEDULER.get(env.MESSAGE_SCHEDULER.idFromName(`${m.projectId}/${m.id}`));

/** After the commit: hand the message to the queue or its alarm (or take it back from the alarm). */
async function dispatch(c: Ctx, m: Message, before: MessageStatus | null): Promise<void> {
  if (m.status === "processing") {
    if (before === "scheduled") await scheduler(c.env, m).cancel();
    await enqueueMessage(c.env, m.projectId, m.id).catch((e) => console.error("message enqueue failed (the sweep retries)", (e as Error)?.message));
  } else if (m.status === "scheduled" && m.scheduledAt !== null) {
    await scheduler(c.env, m).schedule({ projectId: m.projectId, messageId: m.id, at: m.scheduledAt });
  } else if (before === "scheduled") {
    await scheduler(c.env, m).cancel();
  }
}

const messageEvent = (c: Ctx, m: Message, action: string) =>
  recordEvent(c.var.db, { projectId: m.projectId, pattern: `messages.[messageId].${action}`, params: { messageId: m.id }, payload: messageModel(m), roles: [] });

async function insertMessage(c: Ctx, m: Message) {
  const { seq: _s, ...values } = m;
  const db = c.var.db;
  try {
    await db.batch([db.insert(messages).values(structuredClone(values)), messageEvent(c, m, "create")]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("message_already_exists");
    throw e;
  }
  scheduleDispatch(c.env, c.executionCtx, m.projectId);
  await dispatch(c, m, null);
  return json(c, messageModel(m), 201);
}

function newMessage(c: Ctx, kind: Kind, a: { messageId: string; topics: string[]; users: string[]; targets: string[]; draft: boolean; scheduledAt?: string }, data: Record<string, unknown>): Message {
  const scheduledAt = scheduledAtOf(a.scheduledAt);
  const status: MessageStatus = a.draft ? "draft" : scheduledAt === null ? "processing" : "scheduled";
  if (status !== "draft" && !a.topics.length && !a.users.length && !a.targets.length) throw new AppwriteError("message_missing_target");
  const now = Date.now();
  return {
    seq: 0, projectId: c.var.project.id, id: resolveId("messageId", a.messageId), providerType: kind, topics: a.topics, users: a.users, targets: a.targets,
    data, status, scheduledAt, deliveredAt: null, deliveryErrors: [], deliveredTotal: 0, createdAt: now, updatedAt: now,
  };
}

const recipients = () => ({ topics: p.default(ids(), [] as string[]), users: p.default(ids(), [] as string[]), targets: p.default(ids(), [] as string[]) });

messageRoutes.post("/email", async (c) => {
  requireScope(c, "messages.write");
  const a = await params(c, {
    messageId: p.customId(), subject: p.string({ max: 998 }), content: p.string({ max: 64230 }), ...recipients(),
    cc: p.default(ids(), [] as string[]), bcc: p.default(ids(), [] as string[]), attachments: p.default(p.strings(), [] as string[]),
    draft: p.default(p.boolean(), false), html: p.default(p.boolean(), false), scheduledAt: p.optional(p.string({ max: 96 })),
  });
  const m = newMessage(c, "email", a, {});
  await checkTargets(c, "email", [...a.targets, ...a.cc, ...a.bcc]);
  const attachments = [];
  for (const ref of a.attachments) attachments.push(await fileRef(c, ref));
  m.data = { subject: a.subject, content: a.content, html: a.html, cc: a.cc, bcc: a.bcc, attachments };
  return insertMessage(c, m);
});

messageRoutes.post("/sms", async (c) => {
  requireScope(c, "messages.write");
  const a = await params(c, { messageId: p.customId(), content: p.string({ max: 64230 }), ...recipients(), draft: p.default(p.boolean(), false), scheduledAt: p.optional(p.string({ max: 96 })) });
  const m = newMessage(c, "sms", a, { content: a.content });
  await checkTargets(c, "sms", a.targets);
  return insertMessage(c, m);
});

const pushShape = (create: boolean) => {
  const o = <T>(s: Parameters<typeof p.optional<T>>[0]) => p.optional(s);
  return {
    title: o(p.string({ max: 256 })), body: o(p.string({ max: 64230 })), data: o(p.object()), action: o(p.string({ max: 256 })), image: o(p.string({ max: 512 })),
    icon: o(p.string({ max: 256 })), sound: o(p.string({ max: 256 })), color: o(p.string({ max: 256 })), tag: o(p.string({ max: 256 })),
    badge: o(p.integer()), contentAvailable: o(p.boolean()), critical: o(p.boolean()), priority: o(p.enum(["normal", "high"] as const)),
    ...(create ? {} : {}),
  };
};

type PushInput = { [K in keyof ReturnType<typeof pushShape>]?: unknown };

/** Appwrite keeps only what was given (non-empty strings, badge ≥ 0, true flags). */
async function pushData(c: Ctx, a: PushInput, into: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out = { ...into };
  for (const k of ["title", "body", "action", "icon", "sound", "color", "tag"] as const) if (typeof a[k] === "string" && a[k] !== "") out[k] = a[k];
  if (a.data && Object.keys(a.data as object).length) out.data = structuredClone(a.data);
  if (typeof a.image === "string" && a.image !== "") out.image = await fileRef(c, a.image, true);
  if (typeof a.badge === "number") {
    if (a.badge >= 0) out.badge = a.badge;
    else delete out.badge;
  }
  for (const k of ["contentAvailable", "critical"] as const) if (typeof a[k] === "boolean") a[k] ? (out[k] = true) : delete out[k];
  if (typeof a.priority === "string") out.priority = a.priority;
  return out;
}

messageRoutes.post("/push", async (c) => {
  requireScope(c, "messages.write");
  const a = await params(c, { messageId: p.customId(), ...recipients(), ...pushShape(true), draft: p.default(p.boolean(), false), scheduledAt: p.optional(p.string({ max: 96 })) });
  const m = newMessage(c, "push", a, {});
  await checkTargets(c, "push", a.targets);
  m.data = await pushData(c, { ...a, priority: a.priority ?? "high" }, {});
  return insertMessage(c, m);
});

export async function findMessage(c: Ctx, id: string): Promise<Message> {
  const [m] = await c.var.db.select().from(messages).where(and(eq(messages.projectId, c.var.project.id), eq(messages.id, id))).limit(1);
  if (!m) throw new AppwriteError("message_not_found");
  return m;
}

/** Appwrite's update rules: the status the message moves to and the errors of the one it is in. */
async function updateMessage(c: Ctx, kind: Kind, a: { topics?: string[]; users?: string[]; targets?: string[]; draft?: boolean; scheduledAt?: string }, data: (m: Message) => Promise<Record<string, unknown>>) {
  const old = await findMessage(c, c.req.param("messageId")!);
  if (old.providerType !== kind) throw new AppwriteError("message_not_found");
  const scheduledAt = scheduledAtOf(a.scheduledAt);
  const status: MessageStatus = a.draft !== undefined || scheduledAt !== null ? (a.draft ? "draft" : scheduledAt === null ? "processing" : "scheduled") : old.status;
  const topics = a.topics ?? old.topics;
  const users = a.users ?? old.users;
  const targets = a.targets ?? old.targets;
  if (status !== "draft" && !topics.length && !users.length && !targets.length) throw new AppwriteError("message_missing_target");
  if (old.status === "processing") throw new AppwriteError("message_already_processing");
  if (old.status === "sent") throw new AppwriteError("message_already_sent");
  if (old.status === "failed") throw new AppwriteError("message_already_failed");
  if (status === "scheduled" && scheduledAt === null && old.scheduledAt === null) throw new AppwriteError("message_missing_schedule");
  if (old.scheduledAt !== null && old.scheduledAt < Date.now()) throw new AppwriteError("message_already_scheduled");
  if (a.targets) await checkTargets(c, kind, a.targets);
  const m: Message = { ...old, topics, users, targets, status, scheduledAt: scheduledAt ?? old.scheduledAt, data: await data(old), updatedAt: Date.now() };
  const db = c.var.db;
  await db.batch([
    db.update(messages).set(structuredClone({ topics: m.topics, users: m.users, targets: m.targets, status: m.status, scheduledAt: m.scheduledAt, data: m.data, updatedAt: m.updatedAt })).where(and(eq(messages.projectId, m.projectId), eq(messages.id, m.id))),
    messageEvent(c, m, "update"),
  ]);
  scheduleDispatch(c.env, c.executionCtx, m.projectId);
  await dispatch(c, m, old.status);
  return json(c, messageModel(m));
}

const optionalRecipients = () => ({ topics: p.optional(ids()), users: p.optional(ids()), targets: p.optional(ids()) });

messageRoutes.patch("/email/:messageId", async (c) => {
  requireScope(c, "messages.write");
  const a = await params(c, {
    ...optionalRecipients(), subject: p.optional(p.string({ max: 998 })), content: p.optional(p.string({ max: 64230 })), draft: p.optional(p.boolean()), html: p.optional(p.boolean()),
    cc: p.optional(ids()), bcc: p.optional(ids()), scheduledAt: p.optional(p.string({ max: 96 })), attachments: p.optional(p.strings()),
  });
  return updateMessage(c, "email", a, async (old) => {
    const d = { ...old.data };
    if (a.subject !== undefined) d.subject = a.subject;
    if (a.content !== undefined) d.content = a.content;
    if (a.html !== undefined) d.html = a.html;
    if (a.cc || a.bcc) await checkTargets(c, "email", [...(a.cc ?? []), ...(a.bcc ?? [])]);
    if (a.cc) d.cc = a.cc;
    if (a.bcc) d.bcc = a.bcc;
    if (a.attachments) {
      const out = [];
      for (const ref of a.attachments) out.push(await fileRef(c, ref));
      d.attachments = out;
    }
    return d;
  });
});

messageRoutes.patch("/sms/:messageId", async (c) => {
  requireScope(c, "messages.write");
  const a = await params(c, { ...optionalRecipients(), content: p.optional(p.string({ max: 64230 })), draft: p.optional(p.boolean()), scheduledAt: p.optional(p.string({ max: 96 })) });
  return updateMessage(c, "sms", a, async (old) => (a.content !== undefined ? { ...old.data, content: a.content } : { ...old.data }));
});

messageRoutes.patch("/push/:messageId", async (c) => {
  requireScope(c, "messages.write");
  const a = await params(c, { ...optionalRecipients(), ...pushShape(false), draft: p.optional(p.boolean()), scheduledAt: p.optional(p.string({ max: 96 })) });
  return updateMessage(c, "push", a, (old) => pushData(c, a, old.data));
});

const MESSAGE_FIELDS = lookup<Field>({
  ...systemFields(),
  scheduledAt: { sql: "scheduled_at", type: "datetime" },
  deliveredAt: { sql: "delivered_at", type: "datetime" },
  deliveredTotal: { sql: "delivered_total", type: "integer" },
  status: { sql: "status", type: "string" },
  providerType: { sql: "provider_type", type: "string" },
});

const messageFromRaw = (r: Record<string, unknown>): Message => ({
  seq: Number(r.seq), projectId: String(r.project_id), id: String(r.id), providerType: String(r.provider_type),
  topics: JSON.parse(String(r.topics)), users: JSON.parse(String(r.users)), targets: JSON.parse(String(r.targets)), data: JSON.parse(String(r.data)),
  status: String(r.status) as MessageStatus, scheduledAt: r.scheduled_at === null ? null : Number(r.scheduled_at), deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
  deliveryErrors: JSON.parse(String(r.delivery_errors)), deliveredTotal: Number(r.delivered_total), createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
});

messageRoutes.get("/", async (c) => {
  requireScope(c, "messages.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    { from: "messaging_messages", columns: "*", base: (b) => `project_id = ${b.bind(projectId)} AND ${searchClause(b, ["id", "provider_type", "status"], a.search)}`, resolve: (x) => MESSAGE_FIELDS[x], sequence: "seq", id: "id" },
    prepareQueries(a.queries),
    a.total,
  );
  return json(c, list("messages", result.rows.map((r) => messageModel(messageFromRaw(r))), result.total));
});

messageRoutes.get("/:messageId/logs", async (c) => {
  requireScope(c, "messages.read");
  await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  await findMessage(c, c.req.param("messageId")!);
  return json(c, list("logs", [], 0)); // Messaging audit logs are not recorded (docs/STATUS.md)
});

/** The message's `targets` (not the ones its topics and users resolve to), as Appwrite lists them. */
messageRoutes.get("/:messageId/targets", async (c) => {
  requireScope(c, "messages.read");
  const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  const m = await findMessage(c, c.req.param("messageId")!);
  if (!m.targets.length) return json(c, list("targets", [], 0));
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    { from: "targets", columns: "*", base: (b) => `project_id = ${b.bind(m.projectId)} AND id IN (SELECT value FROM json_each(${b.bind(JSON.stringify(m.targets))}))`, resolve: (x) => TARGET_FIELDS[x], sequence: "seq", id: "id" },
    prepareQueries(a.queries),
    a.total,
  );
  return json(c, list("targets", result.rows.map((r) => targetModel(targetFromRaw(r))), result.total));
});

messageRoutes.get("/:messageId", async (c) => {
  requireScope(c, "messages.read");
  return json(c, messageModel(await findMessage(c, c.req.param("messageId")!)));
});

messageRoutes.delete("/:messageId", async (c) => {
  requireScope(c, "messages.write");
  const m = await findMessage(c, c.req.param("messageId")!);
  if (m.status === "processing") throw new AppwriteError("message_already_scheduled");
  if (m.status === "scheduled" && m.scheduledAt !== null && m.scheduledAt < Date.now()) throw new AppwriteError("message_already_scheduled");
  const db = c.var.db;
  await db.batch([
    db.delete(messages).where(and(eq(messages.projectId, m.projectId), eq(messages.id, m.id))),
    db.delete(deliveries).where(and(eq(deliveries.projectId, m.projectId), eq(deliveries.messageId, m.id))),
    messageEvent(c, m, "delete"),
  ]);
  scheduleDispatch(c.env, c.executionCtx, m.projectId);
  if (m.status === "scheduled") await scheduler(c.env, m).cancel();
  return noContent(c);
});
