-- Migration number: 0005 	 storage: buckets, files (+ permissions side table, upload parts, search), resource tokens
-- Times are epoch milliseconds. R2 objects live under `storage/<projectId>/<bucketSeq>/…`; a bucket's
-- seq never repeats, so a re-created bucket with the same id never meets the old one's objects.

CREATE TABLE buckets (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  permissions TEXT NOT NULL DEFAULT '[]',
  file_security INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  maximum_file_size INTEGER NOT NULL,
  allowed_file_extensions TEXT NOT NULL DEFAULT '[]',
  compression TEXT NOT NULL DEFAULT 'none',
  encryption INTEGER NOT NULL DEFAULT 1,
  antivirus INTEGER NOT NULL DEFAULT 0,
  transformations INTEGER NOT NULL DEFAULT 1,
  search TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX buckets_id ON buckets (project_id, id);

CREATE VIRTUAL TABLE buckets_fts USING fts5(search, content='buckets', content_rowid='seq');
CREATE TRIGGER buckets_fts_insert AFTER INSERT ON buckets BEGIN
  INSERT INTO buckets_fts (rowid, search) VALUES (new.seq, new.search);
END;
CREATE TRIGGER buckets_fts_delete AFTER DELETE ON buckets BEGIN
  INSERT INTO buckets_fts (buckets_fts, rowid, search) VALUES ('delete', old.seq, old.search);
END;
CREATE TRIGGER buckets_fts_update AFTER UPDATE OF search ON buckets BEGIN
  INSERT INTO buckets_fts (buckets_fts, rowid, search) VALUES ('delete', old.seq, old.search);
  INSERT INTO buckets_fts (rowid, search) VALUES (new.seq, new.search);
END;

-- status: 'pending' (chunks arriving), 'finalizing' (one request is completing the upload), 'ready'.
-- chunks_uploaded reaches chunks_total only when the file is ready, as Appwrite reports it.
CREATE TABLE files (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  bucket_seq INTEGER NOT NULL,
  bucket_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  folder TEXT NOT NULL DEFAULT '',
  permissions TEXT NOT NULL DEFAULT '[]',
  signature TEXT NOT NULL DEFAULT '',
  mime_type TEXT NOT NULL DEFAULT '',
  size_original INTEGER NOT NULL,
  size_actual INTEGER NOT NULL DEFAULT 0,
  chunks_total INTEGER NOT NULL,
  chunks_uploaded INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'ready',
  algorithm TEXT NOT NULL DEFAULT 'none',
  cipher TEXT,
  iv TEXT,
  key_version INTEGER,
  object_key TEXT NOT NULL,
  upload_id TEXT,
  search TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX files_id ON files (project_id, bucket_seq, id);
CREATE INDEX files_pending ON files (status, updated_at) WHERE status <> 'ready';

CREATE VIRTUAL TABLE files_fts USING fts5(search, content='files', content_rowid='seq');
CREATE TRIGGER files_fts_insert AFTER INSERT ON files BEGIN
  INSERT INTO files_fts (rowid, search) VALUES (new.seq, new.search);
END;
CREATE TRIGGER files_fts_delete AFTER DELETE ON files BEGIN
  INSERT INTO files_fts (files_fts, rowid, search) VALUES ('delete', old.seq, old.search);
END;
CREATE TRIGGER files_fts_update AFTER UPDATE OF search ON files BEGIN
  INSERT INTO files_fts (files_fts, rowid, search) VALUES ('delete', old.seq, old.search);
  INSERT INTO files_fts (rowid, search) VALUES (new.seq, new.search);
END;

-- One row per (file, action, role) for SQL list filtering (permissionPredicate).
CREATE TABLE file_permissions (
  item INTEGER NOT NULL,
  action TEXT NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (item, action, role)
) WITHOUT ROWID;
CREATE INDEX file_permissions_role ON file_permissions (role, action, item);

-- Parts of an unfinished chunked upload (R2 multipart): each chunk records its part's etag.
CREATE TABLE file_parts (
  file INTEGER NOT NULL,
  part INTEGER NOT NULL,
  etag TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (file, part)
) WITHOUT ROWID;

-- Resource tokens (`/v1/tokens/buckets/{b}/files/{f}`). The secret handed out is a JWT over these
-- fields, signed with the deployment key, so nothing secret is stored here.
CREATE TABLE resource_tokens (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  resource_internal_id TEXT NOT NULL,
  expire INTEGER,
  accessed_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX resource_tokens_id ON resource_tokens (project_id, id);
CREATE INDEX resource_tokens_resource ON resource_tokens (project_id, resource_type, resource_internal_id);
