/**
 * Scopes per caller role, as in Appwrite 1.9.6's app/config/roles.php, and the scopes a project key may be
 * given (app/config/scopes/project.php). test/e2e/fixtures/appwrite-scopes.json holds the same facts, read
 * from Appwrite's source; the permission matrix checks these lists against it.
 */
const member = [
  "global", "public", "home", "console", "graphql", "sessions.write", "account", "teams.read", "teams.write",
  "presences.read", "presences.write", "documents.read", "documents.write", "rows.read", "rows.write",
  "files.read", "files.write", "projects.read", "locale.read", "avatars.read", "executions.read",
  "executions.write", "targets.read", "targets.write", "subscribers.write", "subscribers.read", "assistant.read",
  "rules.read",
];

const guests = [
  "global", "public", "home", "console", "graphql", "sessions.write", "documents.read", "documents.write",
  "rows.read", "rows.write", "files.read", "files.write", "locale.read", "avatars.read", "executions.write",
];

/** Appwrite's `$admins`: with `member`, what the console owner holds (here: the deployment admin). */
const admins = [
  "global", "graphql", "sessions.write", "teams.read", "teams.write", "documents.read", "documents.write",
  "rows.read", "rows.write", "files.read", "files.write", "buckets.read", "buckets.write", "users.read",
  "users.write", "presences.read", "presences.write", "databases.read", "databases.write", "collections.read",
  "collections.write", "tables.read", "tables.write", "platforms.read", "platforms.write", "oauth2.read",
  "oauth2.write", "mocks.read", "mocks.write", "project.policies.read", "project.policies.write", "templates.read",
  "templates.write", "projects.write", "keys.read", "keys.write", "devKeys.read", "devKeys.write", "webhooks.read",
  "webhooks.write", "project.read", "project.write", "locale.read", "avatars.read", "health.read", "functions.read",
  "functions.write", "sites.read", "sites.write", "log.read", "log.write", "executions.read", "executions.write",
  "rules.read", "rules.write", "migrations.read", "migrations.write", "vcs.read", "vcs.write", "targets.read",
  "targets.write", "providers.write", "providers.read", "messages.write", "messages.read", "topics.write",
  "topics.read", "subscribers.write", "subscribers.read", "tokens.read", "tokens.write", "schedules.read",
  "schedules.write", "insights.read", "insights.write", "reports.read", "reports.write",
];

/** Every API key holds these besides its own (Appwrite's `ROLE_KEYS` scopes). */
const keys = ["global", "health.read", "graphql"];

/** Every scope an API key may be given (validates a key's `scopes`). */
export const KEY_SCOPES = [
  "project.read", "project.write", "keys.read", "keys.write", "platforms.read", "platforms.write", "mocks.read",
  "mocks.write", "policies.read", "policies.write", "project.policies.read", "project.policies.write",
  "templates.read", "templates.write", "oauth2.read", "oauth2.write", "users.read", "users.write", "sessions.read",
  "sessions.write", "teams.read", "teams.write", "databases.read", "databases.write", "tables.read", "tables.write",
  "columns.read", "columns.write", "indexes.read", "indexes.write", "rows.read", "rows.write", "collections.read",
  "collections.write", "attributes.read", "attributes.write", "documents.read", "documents.write", "buckets.read",
  "buckets.write", "files.read", "files.write", "tokens.read", "tokens.write", "functions.read", "functions.write",
  "executions.read", "executions.write", "execution.read", "execution.write", "sites.read", "sites.write",
  "log.read", "log.write", "providers.read", "providers.write", "topics.read", "topics.write", "subscribers.read",
  "subscribers.write", "targets.read", "targets.write", "messages.read", "messages.write", "rules.read",
  "rules.write", "webhooks.read", "webhooks.write", "locale.read", "avatars.read", "health.read", "assistant.read",
  "migrations.read", "migrations.write", "schedules.read", "schedules.write", "vcs.read", "vcs.write",
  "insights.read", "insights.write", "reports.read", "reports.write", "presences.read", "presences.write",
] as const;

export const SCOPES = {
  guests: new Set(guests),
  users: new Set(member),
  owner: new Set([...member, ...admins, ...KEY_SCOPES]),
} as const;

/** An API key's scopes: its own and those of Appwrite's key role. */
export const keyScopes = (own: Iterable<string>): Set<string> => new Set([...own, ...keys]);
export const ROLE_SCOPES = { member, admins } as const;
