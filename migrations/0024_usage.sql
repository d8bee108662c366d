-- Migration number: 0024 	 usage: flow metrics (requests, bandwidth, executions, realtime connections) per period
-- Project data (it lives on the project's data database). Written by src/services/usage/recorder.ts: deltas are
-- summed in memory per isolate and flushed as one batch of upserts at most every USAGE_FLUSH_MS, never per request.
-- `period` is Appwrite's: '1h', '1d' (buckets starting at `time`, epoch ms, UTC) and 'inf' (all time, time = 0).
-- Stock figures (users, rows, files, functions …) are counted from their own tables when read.
CREATE TABLE usage_stats (
  project_id TEXT NOT NULL,
  metric TEXT NOT NULL,
  period TEXT NOT NULL,
  time INTEGER NOT NULL,
  value INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, metric, period, time)
) WITHOUT ROWID;
