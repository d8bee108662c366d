-- Migration number: 0019 	 realtime in one hop: role-changing events fence the direct path

-- 1 on an outbox row whose event changes realtime roles (src/events/role-changes.ts) until the realtime
-- consumer has refreshed the affected sockets. While a project has such a row, events written after it
-- are not sent straight to the realtime shards (src/services/realtime/direct.ts) but only through the
-- outbox, in order, so they are filtered with the new roles.
ALTER TABLE outbox ADD COLUMN role_change INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_role_change ON outbox (project_id, seq) WHERE role_change = 1;
