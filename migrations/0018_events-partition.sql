-- Migration number: 0018 	 events: one dispatcher per project — cursors per (project, consumer), outbox by project

-- The dispatcher runs one Durable Object per project (src/events/dispatcher.ts), so each project keeps its
-- own cursor per consumer: the highest outbox seq of THAT project the consumer has taken. Seqs stay the
-- outbox's global autoincrement, so they still order one project's events. Existing cursors carry over to
-- every project that has outbox rows: a global cursor at S means each project's rows up to S were taken.
CREATE TABLE event_cursors_by_project (
  project_id TEXT NOT NULL,
  consumer TEXT NOT NULL,
  seq INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, consumer)
);
INSERT INTO event_cursors_by_project (project_id, consumer, seq, failures, last_error, updated_at)
  SELECT p.project_id, c.consumer, c.seq, 0, c.last_error, c.updated_at
  FROM (SELECT DISTINCT project_id FROM outbox) p, event_cursors c;
DROP TABLE event_cursors;
ALTER TABLE event_cursors_by_project RENAME TO event_cursors;

-- A project's pass reads its rows after its lowest cursor.
CREATE INDEX outbox_project ON outbox (project_id, seq);
-- The cron sweep's "which projects have undispatched rows": a small index over the pending tail only.
CREATE INDEX outbox_undispatched ON outbox (project_id) WHERE dispatched_at IS NULL;
