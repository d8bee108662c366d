-- Migration number: 0030 	 access stamps: row routes of projects on a data database skip the control read
-- One row per project on each data database (this file runs on every database; `DB` leaves it empty): a random
-- stamp replaced after every change to the project's row, keys or platforms on the control database
-- (src/platform/access.ts `touchAccess`). An isolate that remembers a key's resolution checks the stamp inside the
-- request's own batch on the data database, so a change there is seen by the very next statement. Not moved with
-- a project (every data database is stamped on every change).
CREATE TABLE access_stamps (
  project_id TEXT PRIMARY KEY,
  stamp TEXT NOT NULL
) WITHOUT ROWID;
