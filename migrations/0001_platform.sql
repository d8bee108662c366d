-- Migration number: 0001 	 platform: projects, keys, platforms, users, sessions, tokens, teams, memberships, event outbox
-- Every project-scoped table is keyed by (project_id, id): Appwrite ids are unique per project only.
-- Times are epoch milliseconds; JSON columns hold arrays/objects as text.

CREATE TABLE projects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  team_id TEXT NOT NULL DEFAULT '',
  settings TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE keys (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL DEFAULT '[]',
  secret_hash TEXT NOT NULL,
  expire INTEGER,
  accessed_at INTEGER,
  sdks TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX keys_secret ON keys (secret_hash);

CREATE TABLE platforms (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  hostname TEXT NOT NULL DEFAULT '',
  key TEXT NOT NULL DEFAULT '',
  store TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);

CREATE TABLE users (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  email TEXT,
  phone TEXT,
  password TEXT,
  hash TEXT,
  hash_options TEXT NOT NULL DEFAULT '{}',
  password_history TEXT NOT NULL DEFAULT '[]',
  password_update INTEGER,
  status INTEGER NOT NULL DEFAULT 1,
  labels TEXT NOT NULL DEFAULT '[]',
  email_verification INTEGER NOT NULL DEFAULT 0,
  phone_verification INTEGER NOT NULL DEFAULT 0,
  mfa INTEGER NOT NULL DEFAULT 0,
  mfa_recovery_codes TEXT NOT NULL DEFAULT '[]',
  prefs TEXT NOT NULL DEFAULT '{}',
  accessed_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_id ON users (project_id, id);
CREATE UNIQUE INDEX users_email ON users (project_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_phone ON users (project_id, phone) WHERE phone IS NOT NULL;

CREATE TABLE sessions (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  provider TEXT NOT NULL,
  provider_uid TEXT NOT NULL DEFAULT '',
  provider_access_token TEXT NOT NULL DEFAULT '',
  provider_access_token_expiry INTEGER,
  provider_refresh_token TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  country_code TEXT NOT NULL DEFAULT '--',
  factors TEXT NOT NULL DEFAULT '[]',
  mfa_updated_at INTEGER,
  expire INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX sessions_user ON sessions (project_id, user_id);

-- One-time secrets: magic URL, email/phone OTP, recovery, verification, custom tokens, OAuth2 tokens.
CREATE TABLE tokens (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  type TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  phrase TEXT NOT NULL DEFAULT '',
  expire INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX tokens_user ON tokens (project_id, user_id, type);

CREATE TABLE teams (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  total INTEGER NOT NULL DEFAULT 0,
  prefs TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX teams_id ON teams (project_id, id);

CREATE TABLE memberships (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  roles TEXT NOT NULL DEFAULT '[]',
  invited INTEGER NOT NULL,
  joined INTEGER,
  confirm INTEGER NOT NULL DEFAULT 0,
  secret_hash TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX memberships_id ON memberships (project_id, id);
CREATE UNIQUE INDEX memberships_team_user ON memberships (project_id, team_id, user_id);
CREATE INDEX memberships_user ON memberships (project_id, user_id);

-- Event outbox: written in the same D1 batch as the mutation it describes, so no event is ever lost.
-- The dispatcher marks rows dispatched after realtime, webhooks and function triggers have them.
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  event TEXT NOT NULL,
  events TEXT NOT NULL,
  channels TEXT NOT NULL,
  roles TEXT NOT NULL,
  payload TEXT NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  dispatched_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (dispatched_at, seq);
