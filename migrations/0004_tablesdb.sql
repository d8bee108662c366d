-- Migration number: 0004 	 TablesDB metadata: databases, tables, columns, indexes, transactions.
-- Rows live in real per-table SQLite tables created at request time (see src/services/tablesdb/ddl.ts):
--   ut<projectSeq>_<tableSeq>        the rows (_seq, _uid, _createdAt, _updatedAt, _permissions, c<columnSeq>…)
--   ut<projectSeq>_<tableSeq>_perms  row permissions (item = _seq, action, role) for the row-security filter
--   ui<projectSeq>_<tableSeq>_<seq>  key/unique indexes;  uf<projectSeq>_<tableSeq>_<seq> FTS5 fulltext indexes
-- Physical names never come from user input. Times are epoch milliseconds.

CREATE TABLE tdb_databases (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  type TEXT NOT NULL DEFAULT 'tablesdb',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, id)
);

CREATE TABLE tdb_tables (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  database_seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  row_security INTEGER NOT NULL DEFAULT 0,
  permissions TEXT NOT NULL DEFAULT '[]',
  physical TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (database_seq, id)
);
CREATE INDEX tdb_tables_project ON tdb_tables (project_id);

CREATE TABLE tdb_columns (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  table_seq INTEGER NOT NULL,
  key TEXT NOT NULL,
  type TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT '',
  size INTEGER NOT NULL DEFAULT 0,
  required INTEGER NOT NULL DEFAULT 0,
  array INTEGER NOT NULL DEFAULT 0,
  default_value TEXT,
  options TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'available',
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (table_seq, key)
);

CREATE TABLE tdb_indexes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  table_seq INTEGER NOT NULL,
  key TEXT NOT NULL,
  type TEXT NOT NULL,
  columns TEXT NOT NULL DEFAULT '[]',
  orders TEXT NOT NULL DEFAULT '[]',
  lengths TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL DEFAULT 'available',
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (table_seq, key)
);

CREATE TABLE tdb_transactions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  operations TEXT NOT NULL DEFAULT '[]',
  user_id TEXT NOT NULL DEFAULT '',
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, id)
);
