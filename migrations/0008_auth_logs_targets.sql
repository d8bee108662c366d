-- Migration number: 0008 	 auth: account activity logs (Appwrite's audits for account routes) and messaging targets

-- One row per audited account action (session.create, user.update, recovery.create …), keyed by the user who
-- acted. Listed newest first at GET /v1/account/logs and GET /v1/users/{userId}/logs. The user agent is
-- parsed on read (os/client/device fields of the Log model); no secrets are stored here.
CREATE TABLE auth_logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  event TEXT NOT NULL,
  resource TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL DEFAULT 'default',
  user_type TEXT NOT NULL DEFAULT 'user',
  user_email TEXT NOT NULL DEFAULT '',
  user_name TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  country_code TEXT NOT NULL DEFAULT '--',
  time INTEGER NOT NULL
);
CREATE INDEX auth_logs_user ON auth_logs (project_id, user_id, seq);

-- Messaging targets (Appwrite's `targets` collection): where a user can be reached. An `email` target is
-- created with the user's email and an `sms` target with the phone, and follow later changes of either.
-- `identifier` is unique per project, as in Appwrite.
CREATE TABLE targets (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  provider_type TEXT NOT NULL,
  identifier TEXT NOT NULL,
  provider_id TEXT,
  name TEXT,
  expired INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX targets_id ON targets (project_id, id);
CREATE UNIQUE INDEX targets_identifier ON targets (project_id, identifier);
CREATE INDEX targets_user ON targets (project_id, user_id, seq);

-- Existing users get their email and sms targets, as if created now.
INSERT OR IGNORE INTO targets (project_id, id, user_id, provider_type, identifier, created_at, updated_at)
  SELECT project_id, lower(hex(randomblob(10))), id, 'email', email, created_at, created_at FROM users WHERE email IS NOT NULL AND email != '';
INSERT OR IGNORE INTO targets (project_id, id, user_id, provider_type, identifier, created_at, updated_at)
  SELECT project_id, lower(hex(randomblob(10))), id, 'sms', phone, created_at, created_at FROM users WHERE phone IS NOT NULL AND phone != '';
