/** drizzle mirrors of the tables in migrations/0002_auth.sql (auth-owned, so kept out of the shared schema.ts). */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const rateLimits = sqliteTable("rate_limits", {
  key: text("key").primaryKey(),
  count: integer("count").notNull(),
  expire: integer("expire").notNull(),
});

export const messageOutbox = sqliteTable("message_outbox", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  channel: text("channel").notNull(),
  recipient: text("recipient").notNull(),
  subject: text("subject").notNull().default(""),
  content: text("content").notNull(),
  html: text("html").notNull().default(""),
  createdAt: integer("created_at").notNull(),
  /** migrations/0027: how it leaves (outbox | smtp | sms), where it is, what the provider said. */
  transport: text("transport").$type<"outbox" | "smtp" | "sms">().notNull().default("outbox"),
  status: text("status").$type<"outbox" | "pending" | "sent" | "failed">().notNull().default("outbox"),
  providerId: text("provider_id").notNull().default(""),
  meta: text("meta", { mode: "json" }).$type<Partial<Record<"fromEmail" | "fromName" | "replyToEmail" | "replyToName" | "template", string>>>().notNull().default({}),
  error: text("error").notNull().default(""),
  attempts: integer("attempts").notNull().default(0),
  updatedAt: integer("updated_at").notNull().default(0),
});

export type OutboxMessage = typeof messageOutbox.$inferSelect;
