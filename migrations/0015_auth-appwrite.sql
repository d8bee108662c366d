-- Migration number: 0015 	 auth as Appwrite 1.9.6: HTML mails in the outbox, impersonation, email metadata

-- The local outbox keeps both parts of a mail: `content` is the plain-text alternative, `html` the HTML body.
ALTER TABLE message_outbox ADD COLUMN html TEXT NOT NULL DEFAULT '';

-- Users that may act as other users of the project (PATCH /v1/users/{userId}/impersonator).
ALTER TABLE users ADD COLUMN impersonator INTEGER NOT NULL DEFAULT 0;

-- What Appwrite records about a user's address whenever it is set (src/services/auth/email-meta.ts);
-- NULL for users without an email and for users created before this migration.
ALTER TABLE users ADD COLUMN email_canonical TEXT;
ALTER TABLE users ADD COLUMN email_is_canonical INTEGER;
ALTER TABLE users ADD COLUMN email_is_corporate INTEGER;
ALTER TABLE users ADD COLUMN email_is_disposable INTEGER;
ALTER TABLE users ADD COLUMN email_is_free INTEGER;

-- A push target belongs to the session that registered it (account.createPushTarget) and goes when that
-- session ends, however it ends (sign-out, eviction, password change, blocking …), as Appwrite's delete worker.
ALTER TABLE targets ADD COLUMN session_id TEXT;
CREATE TRIGGER sessions_end_push_targets AFTER DELETE ON sessions BEGIN
  DELETE FROM targets WHERE project_id = OLD.project_id AND session_id = OLD.id AND provider_type = 'push';
END;
