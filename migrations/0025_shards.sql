-- Migration number: 0025 	 shards: a project's data database, read-only while it moves, and moves
-- Control data (this file runs on every database; the tables below stay empty on data databases).
-- `database`: the binding name of the project's data database (docs/SCALING.md); NULL or '' = `DB`, where every
-- project created before this migration has its data. `moving`: 1 while a move copies the project's rows
-- (src/services/shards): writes are refused, reads are served from the source.
ALTER TABLE projects ADD COLUMN "database" TEXT;
ALTER TABLE projects ADD COLUMN moving INTEGER NOT NULL DEFAULT 0;

-- One row per move (POST /v1/edgewrite/shards/moves): progress is rows copied of the rows counted up front.
CREATE TABLE shard_moves (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  project_id TEXT NOT NULL,
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  status TEXT NOT NULL,          -- settling | copying | switching | cleaning | done | failed
  rows_total INTEGER NOT NULL DEFAULT 0,
  rows_copied INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  position TEXT NOT NULL DEFAULT '', -- JSON: the table being copied and how far (src/services/shards/move.ts)
  resume_at INTEGER NOT NULL DEFAULT 0, -- settling: the step waits until then for requests in flight to end
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX shard_moves_project ON shard_moves (project_id, seq);
