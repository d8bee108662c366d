-- Migration number: 0002 	 auth: abuse counters, local message outbox (emails/SMS when no provider is configured)

-- Fixed-window abuse counters: one row per (project, route, subject, window start). Rows past `expire`
-- are swept opportunistically by the rate limiter.
CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  expire INTEGER NOT NULL
);
CREATE INDEX rate_limits_expire ON rate_limits (expire);

-- Messages the local "outbox" transport kept instead of sending (magic links, OTP codes, invitations).
-- Listed to the console admin at GET /v1/projects/{projectId}/outbox.
CREATE TABLE message_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  content TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX message_outbox_project ON message_outbox (project_id, seq);
