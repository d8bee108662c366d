-- Auth messages (OTPs, magic links, verification, recovery, invitations) that go to a real provider — the
-- project's SMTP server (or the deployment's) or its default SMS messaging provider — are staged in
-- message_outbox in the mutation's batch and sent from the edgewrite-messages queue (src/services/messaging/auth-delivery.ts).
-- status: 'outbox' (kept for the console admin: no provider, the dev inbox), 'pending', 'sent', 'failed'.
-- A sent or failed row's subject, content and html are emptied: no OTP or link stays at rest once a provider
-- had it (a custom subject may hold {{otp}}); meta.template still says which mail it was.
ALTER TABLE message_outbox ADD COLUMN transport TEXT NOT NULL DEFAULT 'outbox';
ALTER TABLE message_outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'outbox';
ALTER TABLE message_outbox ADD COLUMN provider_id TEXT NOT NULL DEFAULT '';
-- meta: the mail's sender and reply-to, and which of Appwrite's templates it is (kept after redaction).
ALTER TABLE message_outbox ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
ALTER TABLE message_outbox ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE message_outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE message_outbox ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
-- The cron sweep finds pending rows whose queue message was lost.
CREATE INDEX message_outbox_pending ON message_outbox (updated_at) WHERE status = 'pending';
