/** Scopes per caller role, as in Appwrite's app/config/roles.php. API keys carry their own scopes. */
const member = [
  "global", "public", "home", "console", "graphql", "sessions.write", "account", "teams.read", "teams.write",
  "presences.read", "presences.write", "documents.read", "documents.write", "rows.read", "rows.write",
  "embeddings.write", "files.read", "files.write", "projects.read", "locale.read", "avatars.read",
  "executions.read", "executions.write", "targets.read", "targets.write", "subscribers.write",
  "subscribers.read", "assistant.read", "rules.read",
];

const guests = [
  "global", "public", "home", "console", "graphql", "sessions.write", "documents.read", "documents.write",
  "rows.read", "rows.write", "embeddings.write", "files.read", "files.write", "locale.read", "avatars.read",
  "executions.write",
];

/** Every scope an API key may be given (the console's list, for validating `scopes`). */
export const KEY_SCOPES = [
  "sessions.write", "users.read", "users.write", "teams.read", "teams.write", "databases.read", "databases.write",
  "collections.read", "collections.write", "tables.read", "tables.write", "attributes.read", "attributes.write",
  "columns.read", "columns.write", "indexes.read", "indexes.write", "documents.read", "documents.write",
  "rows.read", "rows.write", "files.read", "files.write", "buckets.read", "buckets.write", "functions.read",
  "functions.write", "sites.read", "sites.write", "log.read", "log.write", "execution.read", "execution.write",
  "executions.read", "executions.write", "locale.read", "avatars.read", "health.read", "providers.read",
  "providers.write", "messages.read", "messages.write", "topics.read", "topics.write", "subscribers.read",
  "subscribers.write", "targets.read", "targets.write", "rules.read", "rules.write", "migrations.read",
  "migrations.write", "vcs.read", "vcs.write", "assistant.read", "tokens.read", "tokens.write",
  "presences.read", "presences.write", "webhooks.read", "webhooks.write", "project.read", "project.write",
  "policies.read", "policies.write", "embeddings.write", "platforms.read", "platforms.write",
] as const;

export const SCOPES = {
  guests: new Set(guests),
  users: new Set(member),
} as const;
