-- Migration number: 0014 	 durability: pending webhook deliveries, sweep positions

-- One row per webhook delivery (webhook × event) that has no outcome yet. The dispatcher writes it in
-- the same D1 batch as the webhooks cursor, then sends the Queue message; the delivery deletes it once
-- it has an outcome (delivered, given up, webhook gone). A row whose next attempt is overdue by the
-- grace period lost its message (a crash, an in-memory local queue) and is sent again by the sweep
-- (src/services/webhooks/delivery.ts).
CREATE TABLE webhook_deliveries (
  project_id TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,    -- failed attempts so far
  due_at INTEGER NOT NULL,                -- when the next attempt should start (send or retry time)
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at);

-- Where a bounded periodic sweep stopped (the R2 orphan sweep: the last key it checked).
CREATE TABLE sweep_positions (
  name TEXT PRIMARY KEY,
  position TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
