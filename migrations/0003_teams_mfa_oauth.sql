-- Migration number: 0003 	 teams, MFA and OAuth2: authenticators, MFA challenges, OAuth2 identities
-- Teams and memberships live in 0001 (they feed every request's roles); this adds what Auth B needs on top.

-- MFA authenticators (type 'totp'). The TOTP secret must stay readable to compute codes, as in Appwrite;
-- it is returned only once, by the create call, and never logged.
CREATE TABLE authenticators (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  type TEXT NOT NULL,
  verified INTEGER NOT NULL DEFAULT 0,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX authenticators_user_type ON authenticators (project_id, user_id, type);

-- MFA challenges: email/phone codes are stored as sha256 digests; totp/recoverycode challenges hold none.
CREATE TABLE challenges (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  type TEXT NOT NULL,
  code_hash TEXT NOT NULL DEFAULT '',
  expire INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX challenges_user ON challenges (project_id, user_id);

-- OAuth2 identities: one row per (provider, provider user id) linked to a user.
CREATE TABLE identities (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  provider_uid TEXT NOT NULL,
  provider_email TEXT NOT NULL DEFAULT '',
  provider_access_token TEXT NOT NULL DEFAULT '',
  provider_access_token_expiry INTEGER,
  provider_refresh_token TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX identities_id ON identities (project_id, id);
CREATE UNIQUE INDEX identities_provider_uid ON identities (project_id, provider, provider_uid);
CREATE INDEX identities_user ON identities (project_id, user_id);
CREATE INDEX memberships_team ON memberships (project_id, team_id, seq);
