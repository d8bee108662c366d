/**
 * drizzle mirror of the platform tables. The SQL in migrations/ is the source of truth;
 * test/unit/schema.test.ts checks that every table and column here exists in the migrated database.
 */
import { integer, sqliteTable, text, primaryKey } from "drizzle-orm/sqlite-core";

const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
const stamps = {
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
};

export const projects = sqliteTable("projects", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  id: text("id").notNull().unique(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  teamId: text("team_id").notNull().default(""),
  settings: json<ProjectSettings>("settings").notNull().default({}),
  ...stamps,
});

/** Per-project settings, kept as one JSON document; services add their own keys. */
export interface ProjectSettings {
  auth?: Record<string, unknown>;
  oauth2?: Record<string, { enabled?: boolean; appId?: string; secret?: string }>;
  [service: string]: unknown;
}

export const keys = sqliteTable(
  "keys",
  {
    projectId: text("project_id").notNull(),
    id: text("id").notNull(),
    name: text("name").notNull(),
    scopes: json<string[]>("scopes").notNull().default([]),
    secretHash: text("secret_hash").notNull(),
    expire: integer("expire"),
    accessedAt: integer("accessed_at"),
    sdks: json<string[]>("sdks").notNull().default([]),
    ...stamps,
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);

export const platforms = sqliteTable(
  "platforms",
  {
    projectId: text("project_id").notNull(),
    id: text("id").notNull(),
    type: text("type").notNull(),
    name: text("name").notNull(),
    hostname: text("hostname").notNull().default(""),
    key: text("key").notNull().default(""),
    store: text("store").notNull().default(""),
    ...stamps,
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);

export const users = sqliteTable("users", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull().default(""),
  email: text("email"),
  phone: text("phone"),
  password: text("password"),
  hash: text("hash"),
  hashOptions: json<Record<string, unknown>>("hash_options").notNull().default({}),
  passwordHistory: json<string[]>("password_history").notNull().default([]),
  passwordUpdate: integer("password_update"),
  status: integer("status", { mode: "boolean" }).notNull().default(true),
  labels: json<string[]>("labels").notNull().default([]),
  emailVerification: integer("email_verification", { mode: "boolean" }).notNull().default(false),
  phoneVerification: integer("phone_verification", { mode: "boolean" }).notNull().default(false),
  mfa: integer("mfa", { mode: "boolean" }).notNull().default(false),
  mfaRecoveryCodes: json<string[]>("mfa_recovery_codes").notNull().default([]),
  prefs: json<Record<string, unknown>>("prefs").notNull().default({}),
  accessedAt: integer("accessed_at"),
  ...stamps,
});

export const sessions = sqliteTable(
  "sessions",
  {
    projectId: text("project_id").notNull(),
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    secretHash: text("secret_hash").notNull(),
    provider: text("provider").notNull(),
    providerUid: text("provider_uid").notNull().default(""),
    providerAccessToken: text("provider_access_token").notNull().default(""),
    providerAccessTokenExpiry: integer("provider_access_token_expiry"),
    providerRefreshToken: text("provider_refresh_token").notNull().default(""),
    ip: text("ip").notNull().default(""),
    userAgent: text("user_agent").notNull().default(""),
    countryCode: text("country_code").notNull().default("--"),
    factors: json<string[]>("factors").notNull().default([]),
    mfaUpdatedAt: integer("mfa_updated_at"),
    expire: integer("expire").notNull(),
    ...stamps,
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);

export const tokens = sqliteTable(
  "tokens",
  {
    projectId: text("project_id").notNull(),
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    secretHash: text("secret_hash").notNull(),
    phrase: text("phrase").notNull().default(""),
    expire: integer("expire").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);

export const teams = sqliteTable("teams", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  total: integer("total").notNull().default(0),
  prefs: json<Record<string, unknown>>("prefs").notNull().default({}),
  ...stamps,
});

export const memberships = sqliteTable("memberships", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  teamId: text("team_id").notNull(),
  userId: text("user_id").notNull(),
  roles: json<string[]>("roles").notNull().default([]),
  invited: integer("invited").notNull(),
  joined: integer("joined"),
  confirm: integer("confirm", { mode: "boolean" }).notNull().default(false),
  secretHash: text("secret_hash").notNull().default(""),
  ...stamps,
});

export const outbox = sqliteTable("outbox", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  event: text("event").notNull(),
  events: json<string[]>("events").notNull(),
  channels: json<string[]>("channels").notNull(),
  roles: json<string[]>("roles").notNull(),
  payload: json<Record<string, unknown>>("payload").notNull(),
  userId: text("user_id").notNull().default(""),
  createdAt: integer("created_at").notNull(),
  dispatchedAt: integer("dispatched_at"),
  attempts: integer("attempts").notNull().default(0),
});

export type Project = typeof projects.$inferSelect;
export type Key = typeof keys.$inferSelect;
export type Platform = typeof platforms.$inferSelect;
export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Token = typeof tokens.$inferSelect;
export type Team = typeof teams.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
