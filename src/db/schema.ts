/**
 * drizzle mirror of the platform tables. The SQL in migrations/ is the source of truth;
 * test/unit/schema.test.ts checks that every table and column here exists in the migrated database.
 */
import { integer, real, sqliteTable, text, primaryKey } from "drizzle-orm/sqlite-core";

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
  /** Binding name of the project's data database (migrations/0025); null or "" = `DB` (src/db/shards.ts). */
  database: text("database"),
  /** True while a move copies the project to another data database: writes are refused (src/services/shards). */
  moving: integer("moving", { mode: "boolean" }).notNull().default(false),
  ...stamps,
});

/** Per-project settings, kept as one JSON document; services add their own keys. */
export interface ProjectSettings {
  auth?: Record<string, unknown>;
  oauth2?: Record<string, { enabled?: boolean; appId?: string; secret?: string }>;
  [service: string]: unknown;
}

/** What project keys and organization keys share (the secret only as its hash). */
const keyColumns = {
  name: text("name").notNull(),
  scopes: json<string[]>("scopes").notNull().default([]),
  secretHash: text("secret_hash").notNull(),
  expire: integer("expire"),
  accessedAt: integer("accessed_at"),
  sdks: json<string[]>("sdks").notNull().default([]),
  ...stamps,
};

export const keys = sqliteTable(
  "keys",
  {
    projectId: text("project_id").notNull(),
    id: text("id").notNull(),
    ...keyColumns,
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);

/** Organization API keys (migrations/0021): like `keys`, owned by a console team (an organization). */
export const organizationKeys = sqliteTable(
  "organization_keys",
  {
    teamId: text("team_id").notNull(),
    id: text("id").notNull(),
    ...keyColumns,
  },
  (t) => [primaryKey({ columns: [t.teamId, t.id] })],
);
export type OrganizationKey = typeof organizationKeys.$inferSelect;

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
  impersonator: integer("impersonator", { mode: "boolean" }).notNull().default(false),
  emailCanonical: text("email_canonical"),
  emailIsCanonical: integer("email_is_canonical", { mode: "boolean" }),
  emailIsCorporate: integer("email_is_corporate", { mode: "boolean" }),
  emailIsDisposable: integer("email_is_disposable", { mode: "boolean" }),
  emailIsFree: integer("email_is_free", { mode: "boolean" }),
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
  /** migrations/0019: 1 until the realtime consumer has applied this event's role refresh. */
  roleChange: integer("role_change").notNull().default(0),
});

/** migrations/0006_events.sql, 0018: the dispatcher's cursor per (project, consumer) (src/events/dispatcher.ts). */
export const eventCursors = sqliteTable("event_cursors", {
  projectId: text("project_id").notNull(),
  consumer: text("consumer").notNull(),
  seq: integer("seq").notNull().default(0),
  failures: integer("failures").notNull().default(0),
  lastError: text("last_error").notNull().default(""),
  updatedAt: integer("updated_at").notNull(),
}, (t) => [primaryKey({ columns: [t.projectId, t.consumer] })]);

// ---- 0003_teams_mfa_oauth.sql (Auth B: MFA authenticators, MFA challenges, OAuth2 identities) ----
export const authenticators = sqliteTable(
  "authenticators",
  {
    projectId: text("project_id").notNull(),
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    verified: integer("verified", { mode: "boolean" }).notNull().default(false),
    secret: text("secret").notNull(),
    ...stamps,
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);

export const challenges = sqliteTable(
  "challenges",
  {
    projectId: text("project_id").notNull(),
    id: text("id").notNull(),
    userId: text("user_id").notNull(),
    type: text("type").notNull(),
    codeHash: text("code_hash").notNull().default(""),
    expire: integer("expire").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);

export const identities = sqliteTable("identities", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  userId: text("user_id").notNull(),
  provider: text("provider").notNull(),
  providerUid: text("provider_uid").notNull(),
  providerEmail: text("provider_email").notNull().default(""),
  providerAccessToken: text("provider_access_token").notNull().default(""),
  providerAccessTokenExpiry: integer("provider_access_token_expiry"),
  providerRefreshToken: text("provider_refresh_token").notNull().default(""),
  ...stamps,
});

// ---- 0012_auth-security.sql (OAuth2 flows in progress: single-use, expiring, bound to browser and session) ----
export const oauth2States = sqliteTable(
  "oauth2_states",
  {
    projectId: text("project_id").notNull(),
    /** sha256 of the `state` sent through the provider. */
    id: text("id").notNull(),
    provider: text("provider").notNull(),
    success: text("success").notNull().default(""),
    failure: text("failure").notNull().default(""),
    token: integer("token", { mode: "boolean" }).notNull().default(false),
    /** The session that started the flow: only it may have the identity linked to its user. */
    sessionId: text("session_id"),
    /** sha256 of the browser's binding cookie ("" for token flows, which a server may start). */
    browserHash: text("browser_hash").notNull().default(""),
    expire: integer("expire").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.id] })],
);

export type Authenticator = typeof authenticators.$inferSelect;
export type Challenge = typeof challenges.$inferSelect;
export type Identity = typeof identities.$inferSelect;

export type Project = typeof projects.$inferSelect;
export type Key = typeof keys.$inferSelect;
export type Platform = typeof platforms.$inferSelect;
export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Token = typeof tokens.$inferSelect;
export type Team = typeof teams.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;

// ---- TablesDB metadata (migrations/0004_tablesdb.sql; rows live in per-table physical tables) ----
export const tdbDatabases = sqliteTable("tdb_databases", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  type: text("type").notNull().default("tablesdb"),
  ...stamps,
});

export const tdbTables = sqliteTable("tdb_tables", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  databaseSeq: integer("database_seq").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  rowSecurity: integer("row_security", { mode: "boolean" }).notNull().default(false),
  permissions: json<string[]>("permissions").notNull().default([]),
  physical: text("physical").notNull(),
  ...stamps,
});

export const tdbColumns = sqliteTable("tdb_columns", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  tableSeq: integer("table_seq").notNull(),
  key: text("key").notNull(),
  type: text("type").notNull(),
  format: text("format").notNull().default(""),
  size: integer("size").notNull().default(0),
  required: integer("required", { mode: "boolean" }).notNull().default(false),
  array: integer("array", { mode: "boolean" }).notNull().default(false),
  defaultValue: text("default_value"),
  options: json<Record<string, unknown>>("options").notNull().default({}),
  status: text("status").notNull().default("available"),
  error: text("error").notNull().default(""),
  ...stamps,
});

export const tdbIndexes = sqliteTable("tdb_indexes", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  tableSeq: integer("table_seq").notNull(),
  key: text("key").notNull(),
  type: text("type").notNull(),
  columns: json<string[]>("columns").notNull().default([]),
  orders: json<string[]>("orders").notNull().default([]),
  lengths: json<number[]>("lengths").notNull().default([]),
  status: text("status").notNull().default("available"),
  error: text("error").notNull().default(""),
  ...stamps,
});

export const tdbTransactions = sqliteTable("tdb_transactions", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  status: text("status").notNull().default("pending"),
  operations: json<unknown[]>("operations").notNull().default([]),
  userId: text("user_id").notNull().default(""),
  /** 0010: `user:<id>` / `key:<keyId>` / `admin`; only the owner reaches the transaction. */
  owner: text("owner").notNull().default(""),
  expiresAt: integer("expires_at").notNull(),
  ...stamps,
});

// ---- Functions (migrations/0007_functions.sql; code in R2) ----
export const functions = sqliteTable("functions", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  runtime: text("runtime").notNull(),
  execute: json<string[]>("execute").notNull().default([]),
  events: json<string[]>("events").notNull().default([]),
  schedule: text("schedule").notNull().default(""),
  timeout: integer("timeout").notNull().default(15),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  logging: integer("logging", { mode: "boolean" }).notNull().default(true),
  entrypoint: text("entrypoint").notNull().default(""),
  commands: text("commands").notNull().default(""),
  scopes: json<string[]>("scopes").notNull().default([]),
  deploymentId: text("deployment_id").notNull().default(""),
  deploymentCreatedAt: integer("deployment_created_at"),
  latestDeploymentId: text("latest_deployment_id").notNull().default(""),
  latestDeploymentCreatedAt: integer("latest_deployment_created_at"),
  latestDeploymentStatus: text("latest_deployment_status").notNull().default(""),
  deploymentRetention: integer("deployment_retention").notNull().default(0),
  buildSpecification: text("build_specification").notNull().default("s-1vcpu-512mb"),
  runtimeSpecification: text("runtime_specification").notNull().default("s-1vcpu-512mb"),
  provider: json<Record<string, unknown>>("provider").notNull().default({}),
  ...stamps,
});

export const functionDeployments = sqliteTable("function_deployments", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  functionId: text("function_id").notNull(),
  type: text("type").notNull().default("manual"),
  entrypoint: text("entrypoint").notNull().default(""),
  commands: text("commands").notNull().default(""),
  activate: integer("activate", { mode: "boolean" }).notNull().default(false),
  status: text("status").notNull().default("waiting"),
  sourceSize: integer("source_size").notNull().default(0),
  buildSize: integer("build_size").notNull().default(0),
  chunksTotal: integer("chunks_total").notNull().default(1),
  chunks: json<number[]>("chunks").notNull().default([]),
  buildLogs: text("build_logs").notNull().default(""),
  buildDuration: integer("build_duration").notNull().default(0),
  ...stamps,
});

export const functionExecutions = sqliteTable("function_executions", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  functionId: text("function_id").notNull(),
  deploymentId: text("deployment_id").notNull().default(""),
  trigger: text("trigger").notNull(),
  status: text("status").notNull(),
  requestMethod: text("request_method").notNull().default("POST"),
  requestPath: text("request_path").notNull().default("/"),
  requestHeaders: json<{ name: string; value: string }[]>("request_headers").notNull().default([]),
  responseStatusCode: integer("response_status_code").notNull().default(0),
  responseBody: text("response_body").notNull().default(""),
  responseHeaders: json<{ name: string; value: string }[]>("response_headers").notNull().default([]),
  logs: text("logs").notNull().default(""),
  errors: text("errors").notNull().default(""),
  duration: real("duration").notNull().default(0),
  scheduledAt: integer("scheduled_at"),
  userId: text("user_id").notNull().default(""),
  ...stamps,
});

export const functionVariables = sqliteTable("function_variables", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  resourceType: text("resource_type").notNull(),
  resourceId: text("resource_id").notNull().default(""),
  key: text("key").notNull(),
  value: text("value").notNull().default(""),
  secret: integer("secret", { mode: "boolean" }).notNull().default(false),
  ...stamps,
});

export type Fn = typeof functions.$inferSelect;
export type FnDeployment = typeof functionDeployments.$inferSelect;
export type FnExecution = typeof functionExecutions.$inferSelect;
export type FnVariable = typeof functionVariables.$inferSelect;

/** Routing rules by hostname (function domains, migrations/0011): Appwrite's platform `rules`. */
export const rules = sqliteTable("rules", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  domain: text("domain").notNull(),
  type: text("type").notNull().default("deployment"),
  trigger: text("trigger").notNull().default("manual"),
  deploymentResourceType: text("deployment_resource_type").notNull().default("function"),
  deploymentResourceId: text("deployment_resource_id").notNull(),
  status: text("status").notNull().default("verified"),
  branch: text("branch").notNull().default(""), // 0015
  logs: text("logs").notNull().default(""), // 0015
  ...stamps,
});
export type Rule = typeof rules.$inferSelect;

// ---- Sites (migrations/0028_sites.sql; files and SSR builds in R2, variables in function_variables) ----
export const sites = sqliteTable("sites", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  logging: integer("logging", { mode: "boolean" }).notNull().default(true),
  framework: text("framework").notNull(),
  timeout: integer("timeout").notNull().default(30),
  installCommand: text("install_command").notNull().default(""),
  buildCommand: text("build_command").notNull().default(""),
  startCommand: text("start_command").notNull().default(""),
  outputDirectory: text("output_directory").notNull().default(""),
  buildRuntime: text("build_runtime").notNull().default(""),
  adapter: text("adapter").notNull().default("static"),
  fallbackFile: text("fallback_file").notNull().default(""),
  deploymentId: text("deployment_id").notNull().default(""),
  deploymentCreatedAt: integer("deployment_created_at"),
  latestDeploymentId: text("latest_deployment_id").notNull().default(""),
  latestDeploymentCreatedAt: integer("latest_deployment_created_at"),
  latestDeploymentStatus: text("latest_deployment_status").notNull().default(""),
  deploymentRetention: integer("deployment_retention").notNull().default(0),
  buildSpecification: text("build_specification").notNull().default("s-1vcpu-512mb"),
  runtimeSpecification: text("runtime_specification").notNull().default("s-1vcpu-512mb"),
  provider: json<Record<string, unknown>>("provider").notNull().default({}),
  ...stamps,
});

export const siteDeployments = sqliteTable("site_deployments", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  siteId: text("site_id").notNull(),
  type: text("type").notNull().default("manual"),
  activate: integer("activate", { mode: "boolean" }).notNull().default(false),
  status: text("status").notNull().default("waiting"),
  adapter: text("adapter").notNull().default("static"),
  fallbackFile: text("fallback_file").notNull().default(""),
  outputDirectory: text("output_directory").notNull().default(""),
  installCommand: text("install_command").notNull().default(""),
  buildCommand: text("build_command").notNull().default(""),
  sourceSize: integer("source_size").notNull().default(0),
  buildSize: integer("build_size").notNull().default(0),
  chunksTotal: integer("chunks_total").notNull().default(1),
  chunks: json<number[]>("chunks").notNull().default([]),
  buildLogs: text("build_logs").notNull().default(""),
  buildDuration: integer("build_duration").notNull().default(0),
  ...stamps,
});

export const siteLogs = sqliteTable("site_logs", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  siteId: text("site_id").notNull(),
  deploymentId: text("deployment_id").notNull().default(""),
  requestMethod: text("request_method").notNull().default("GET"),
  requestPath: text("request_path").notNull().default("/"),
  requestHeaders: json<{ name: string; value: string }[]>("request_headers").notNull().default([]),
  responseStatusCode: integer("response_status_code").notNull().default(0),
  responseHeaders: json<{ name: string; value: string }[]>("response_headers").notNull().default([]),
  logs: text("logs").notNull().default(""),
  errors: text("errors").notNull().default(""),
  duration: real("duration").notNull().default(0),
  ...stamps,
});

export type Site = typeof sites.$inferSelect;
export type SiteDeployment = typeof siteDeployments.$inferSelect;
export type SiteLog = typeof siteLogs.$inferSelect;

// ---- storage (migrations/0005_storage.sql) -----------------------------------------------------

export const buckets = sqliteTable("buckets", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  permissions: json<string[]>("permissions").notNull().default([]),
  fileSecurity: integer("file_security", { mode: "boolean" }).notNull().default(false),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  maximumFileSize: integer("maximum_file_size").notNull(),
  allowedFileExtensions: json<string[]>("allowed_file_extensions").notNull().default([]),
  compression: text("compression").notNull().default("none"),
  encryption: integer("encryption", { mode: "boolean" }).notNull().default(true),
  antivirus: integer("antivirus", { mode: "boolean" }).notNull().default(false),
  transformations: integer("transformations", { mode: "boolean" }).notNull().default(true),
  search: text("search").notNull().default(""),
  ...stamps,
});

export const files = sqliteTable("files", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  bucketSeq: integer("bucket_seq").notNull(),
  bucketId: text("bucket_id").notNull(),
  id: text("id").notNull(),
  name: text("name").notNull(),
  folder: text("folder").notNull().default(""),
  permissions: json<string[]>("permissions").notNull().default([]),
  signature: text("signature").notNull().default(""),
  mimeType: text("mime_type").notNull().default(""),
  sizeOriginal: integer("size_original").notNull(),
  sizeActual: integer("size_actual").notNull().default(0),
  chunksTotal: integer("chunks_total").notNull(),
  chunksUploaded: integer("chunks_uploaded").notNull().default(0),
  status: text("status").$type<"pending" | "finalizing" | "ready">().notNull().default("ready"),
  algorithm: text("algorithm").notNull().default("none"),
  cipher: text("cipher"),
  iv: text("iv"),
  keyVersion: integer("key_version"),
  objectKey: text("object_key").notNull(),
  uploadId: text("upload_id"),
  search: text("search").notNull().default(""),
  creator: text("creator").notNull().default(""), // 0013: keyed hash of who started a chunked upload
  ...stamps,
});

export const filePermissions = sqliteTable(
  "file_permissions",
  { item: integer("item").notNull(), action: text("action").notNull(), role: text("role").notNull() },
  (t) => [primaryKey({ columns: [t.item, t.action, t.role] })],
);

export const fileParts = sqliteTable(
  "file_parts",
  { file: integer("file").notNull(), part: integer("part").notNull(), etag: text("etag").notNull(), size: integer("size").notNull() },
  (t) => [primaryKey({ columns: [t.file, t.part] })],
);

export const resourceTokens = sqliteTable("resource_tokens", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  id: text("id").notNull(),
  resourceType: text("resource_type").notNull(),
  resourceId: text("resource_id").notNull(),
  resourceInternalId: text("resource_internal_id").notNull(),
  expire: integer("expire"),
  accessedAt: integer("accessed_at"),
  ...stamps,
});

export type Bucket = typeof buckets.$inferSelect;
export type StoredFile = typeof files.$inferSelect;
export type ResourceToken = typeof resourceTokens.$inferSelect;

// ---- 0014_durability-security.sql ----------------------------------------------------------------
/** Where a bounded periodic sweep stopped (the R2 orphan sweep keeps the last key it checked). */
export const sweepPositions = sqliteTable("sweep_positions", {
  name: text("name").primaryKey(),
  position: text("position").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

// ---- 0024_usage.sql ------------------------------------------------------------------------------
/** Flow metrics per (project, metric, period, bucket start); written only by src/services/usage/recorder.ts. */
export const usageStats = sqliteTable(
  "usage_stats",
  {
    projectId: text("project_id").notNull(),
    metric: text("metric").notNull(),
    period: text("period").notNull(),
    time: integer("time").notNull(),
    value: integer("value").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.metric, t.period, t.time] })],
);
