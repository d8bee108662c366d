-- Migration number: 0012 	 auth security: OAuth2 flows in progress

-- One row per started OAuth2 flow. The `state` sent through the provider is a random secret; only its
-- sha256 is kept (id). A row is consumed (deleted) by the redirect that uses it, and lives 10 minutes.
-- browser_hash binds a session flow to the browser that started it (the sha256 of an HttpOnly cookie);
-- session_id names the session that started it, the only one an identity may be linked into.
CREATE TABLE oauth2_states (
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  provider TEXT NOT NULL,
  success TEXT NOT NULL DEFAULT '',
  failure TEXT NOT NULL DEFAULT '',
  token INTEGER NOT NULL DEFAULT 0,
  session_id TEXT,
  browser_hash TEXT NOT NULL DEFAULT '',
  expire INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX oauth2_states_expire ON oauth2_states (expire);
