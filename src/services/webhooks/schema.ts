import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** drizzle mirror of migrations/0006_events.sql (webhooks + attempt log). */
export const webhooks = sqliteTable("webhooks", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  url: text("url").notNull(),
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  tls: integer("tls", { mode: "boolean" }).notNull().default(false),
  authUsername: text("auth_username").notNull().default(""),
  authPasswordEnc: text("auth_password_enc").notNull().default(""),
  secretEnc: text("secret_enc").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  attempts: integer("attempts").notNull().default(0),
  logs: text("logs").notNull().default(""),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const webhookAttempts = sqliteTable("webhook_attempts", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  webhookId: text("webhook_id").notNull(),
  eventSeq: integer("event_seq").notNull(),
  event: text("event").notNull(),
  attempt: integer("attempt").notNull(),
  success: integer("success", { mode: "boolean" }).notNull(),
  statusCode: integer("status_code").notNull().default(0),
  error: text("error").notNull().default(""),
  duration: integer("duration").notNull().default(0),
  createdAt: integer("created_at").notNull(),
});

export type Webhook = typeof webhooks.$inferSelect;
export type WebhookAttempt = typeof webhookAttempts.$inferSelect;

/** migrations/0014_durability-security.sql: deliveries (webhook × event) that have no outcome yet. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    projectId: text("project_id").notNull(),
    webhookId: text("webhook_id").notNull(),
    eventSeq: integer("event_seq").notNull(),
    attempts: integer("attempts").notNull().default(0),
    dueAt: integer("due_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.webhookId, t.eventSeq] })],
);
