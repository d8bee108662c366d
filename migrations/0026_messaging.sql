-- Migration number: 0026 	 messaging: providers, topics, subscribers, messages and per-target deliveries (issue #14)

-- Appwrite's `providers` collection. `credentials` holds only the fields that are not secrets (domain, host, port,
-- username, region, account SID …), returned in the Provider model; `secrets` is the sealed JSON of the rest
-- (API keys, passwords, tokens, the FCM service account) — src/core/secrets.ts, purpose "messaging-provider",
-- never returned to anyone.
CREATE TABLE messaging_providers (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  provider TEXT NOT NULL,
  type TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 0,
  credentials TEXT NOT NULL DEFAULT '{}',
  secrets TEXT NOT NULL DEFAULT '',
  options TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX messaging_providers_id ON messaging_providers (project_id, id);
CREATE INDEX messaging_providers_type ON messaging_providers (project_id, type, enabled, seq);

-- Appwrite's `topics`: `subscribe` is the role list allowed to subscribe (default ["users"]); the totals count
-- subscribers per provider type, kept in step by the subscriber writes and the trigger below.
CREATE TABLE messaging_topics (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  subscribe TEXT NOT NULL DEFAULT '["users"]',
  email_total INTEGER NOT NULL DEFAULT 0,
  sms_total INTEGER NOT NULL DEFAULT 0,
  push_total INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX messaging_topics_id ON messaging_topics (project_id, id);

-- Appwrite's `subscribers`: one target in one topic (a target subscribes to a topic at most once).
CREATE TABLE messaging_subscribers (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  topic_id TEXT NOT NULL,
  target_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  provider_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX messaging_subscribers_id ON messaging_subscribers (project_id, id);
CREATE UNIQUE INDEX messaging_subscribers_target ON messaging_subscribers (project_id, topic_id, target_id);
CREATE INDEX messaging_subscribers_by_target ON messaging_subscribers (project_id, target_id);

-- A target that goes (deleted, its user deleted, its push session ended) leaves every topic it was in, as
-- Appwrite's delete worker does, and the topics' totals follow.
CREATE TRIGGER targets_leave_topics AFTER DELETE ON targets BEGIN
  UPDATE messaging_topics SET
    email_total = email_total - (SELECT COUNT(*) FROM messaging_subscribers s WHERE s.project_id = OLD.project_id AND s.target_id = OLD.id AND s.topic_id = messaging_topics.id AND s.provider_type = 'email'),
    sms_total = sms_total - (SELECT COUNT(*) FROM messaging_subscribers s WHERE s.project_id = OLD.project_id AND s.target_id = OLD.id AND s.topic_id = messaging_topics.id AND s.provider_type = 'sms'),
    push_total = push_total - (SELECT COUNT(*) FROM messaging_subscribers s WHERE s.project_id = OLD.project_id AND s.target_id = OLD.id AND s.topic_id = messaging_topics.id AND s.provider_type = 'push')
  WHERE project_id = OLD.project_id AND id IN (SELECT topic_id FROM messaging_subscribers WHERE project_id = OLD.project_id AND target_id = OLD.id);
  DELETE FROM messaging_subscribers WHERE project_id = OLD.project_id AND target_id = OLD.id;
END;

-- Appwrite's `messages`. `topics`/`users`/`targets`/`data`/`delivery_errors` are JSON; status is one of
-- draft, scheduled, processing, sent, failed; `scheduled_at` (epoch ms) waits on a MessageScheduler alarm.
CREATE TABLE messaging_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  provider_type TEXT NOT NULL,
  topics TEXT NOT NULL DEFAULT '[]',
  users TEXT NOT NULL DEFAULT '[]',
  targets TEXT NOT NULL DEFAULT '[]',
  data TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL,
  scheduled_at INTEGER,
  delivered_at INTEGER,
  delivery_errors TEXT NOT NULL DEFAULT '[]',
  delivered_total INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX messaging_messages_id ON messaging_messages (project_id, id);
CREATE INDEX messaging_messages_status ON messaging_messages (status, updated_at);

-- One row per (message, recipient address) the consumer resolved: how its delivery went. Edgewrite's own
-- record (Appwrite keeps only the message's totals and errors); it also makes a redelivered queue message
-- skip recipients already reached.
CREATE TABLE messaging_deliveries (
  project_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  identifier TEXT NOT NULL,
  target_id TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, message_id, identifier)
);
