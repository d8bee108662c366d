/** drizzle mirrors of migrations/0026_messaging.sql (the SQL is the source of truth). */
import { eq } from "drizzle-orm";
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { onProjectDelete } from "../../platform/projects";

const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();

export const providers = sqliteTable("messaging_providers", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  provider: text("provider").notNull(),
  type: text("type").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  /** The credentials that are not secrets (shown in the model). */
  credentials: json<Record<string, unknown>>("credentials").notNull(),
  /** Sealed JSON of the secret credentials (never shown). */
  secrets: text("secrets").notNull(),
  options: json<Record<string, unknown>>("options").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
export type Provider = typeof providers.$inferSelect;

export const topics = sqliteTable("messaging_topics", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  subscribe: json<string[]>("subscribe").notNull(),
  emailTotal: integer("email_total").notNull(),
  smsTotal: integer("sms_total").notNull(),
  pushTotal: integer("push_total").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
export type Topic = typeof topics.$inferSelect;

export const subscribers = sqliteTable("messaging_subscribers", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  topicId: text("topic_id").notNull(),
  targetId: text("target_id").notNull(),
  userId: text("user_id").notNull(),
  providerType: text("provider_type").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
export type Subscriber = typeof subscribers.$inferSelect;

export const MESSAGE_STATUSES = ["draft", "scheduled", "processing", "sent", "failed"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const messages = sqliteTable("messaging_messages", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  providerType: text("provider_type").notNull(),
  topics: json<string[]>("topics").notNull(),
  users: json<string[]>("users").notNull(),
  targets: json<string[]>("targets").notNull(),
  data: json<Record<string, unknown>>("data").notNull(),
  status: text("status").$type<MessageStatus>().notNull(),
  scheduledAt: integer("scheduled_at"),
  deliveredAt: integer("delivered_at"),
  deliveryErrors: json<string[]>("delivery_errors").notNull(),
  deliveredTotal: integer("delivered_total").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
export type Message = typeof messages.$inferSelect;

export const deliveries = sqliteTable(
  "messaging_deliveries",
  {
    projectId: text("project_id").notNull(),
    messageId: text("message_id").notNull(),
    identifier: text("identifier").notNull(),
    targetId: text("target_id").notNull(),
    providerId: text("provider_id").notNull(),
    status: text("status").$type<"sent" | "failed">().notNull(),
    error: text("error").notNull(),
    attempts: integer("attempts").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.messageId, t.identifier] })],
);

onProjectDelete(async (_env, db, projectId) => {
  await db.batch([
    db.delete(providers).where(eq(providers.projectId, projectId)),
    db.delete(topics).where(eq(topics.projectId, projectId)),
    db.delete(subscribers).where(eq(subscribers.projectId, projectId)),
    db.delete(messages).where(eq(messages.projectId, projectId)),
    db.delete(deliveries).where(eq(deliveries.projectId, projectId)),
  ]);
});
