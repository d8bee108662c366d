-- Migration number: 0006 	 events: dispatcher cursors, webhooks, webhook attempt log

-- Delivery bookkeeping of the event dispatcher (src/events/dispatcher.ts): one cursor per consumer
-- (realtime, webhooks, functions …) = the highest outbox seq that consumer has taken. A consumer that
-- fails keeps its cursor and is retried alone, so the others never see duplicates because of it.
CREATE TABLE event_cursors (
  consumer TEXT PRIMARY KEY,
  seq INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);

-- Webhooks (Appwrite's project webhooks). The signature key and HTTP password are needed in clear to
-- sign and authenticate each delivery, so they are stored AES-GCM encrypted (src/services/webhooks/secrets.ts).
CREATE TABLE webhooks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  events TEXT NOT NULL DEFAULT '[]',
  tls INTEGER NOT NULL DEFAULT 0,
  auth_username TEXT NOT NULL DEFAULT '',
  auth_password_enc TEXT NOT NULL DEFAULT '',
  secret_enc TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  attempts INTEGER NOT NULL DEFAULT 0,
  logs TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX webhooks_id ON webhooks (project_id, id);

-- One row per delivery attempt (success or failure): the attempt log, and the dedupe key that keeps an
-- event that reached the dispatcher twice from being delivered twice.
CREATE TABLE webhook_attempts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  success INTEGER NOT NULL,
  status_code INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  duration INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (project_id, webhook_id, seq);
CREATE INDEX webhook_attempts_event ON webhook_attempts (webhook_id, event_seq, success);
