-- Transactions belong to their creator: `user:<id>`, `key:<keyId>`, `admin` (the deployment key).
-- Transactions created before this migration by API keys or guests (user_id '') stay owned by no one.
ALTER TABLE tdb_transactions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
UPDATE tdb_transactions SET owner = 'user:' || user_id WHERE user_id <> '';
CREATE INDEX tdb_transactions_owner ON tdb_transactions (project_id, owner, seq);
