-- Migration number: 0028 	 sites (issue #16): Appwrite's Sites — static sites and SSR Worker bundles on `<label>.<SITES_DOMAIN>`
-- Variables live in function_variables (resource_type 'site'), hostnames in rules (deployment_resource_type 'site').
CREATE TABLE sites (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  logging INTEGER NOT NULL DEFAULT 1,
  framework TEXT NOT NULL,
  timeout INTEGER NOT NULL DEFAULT 30,
  install_command TEXT NOT NULL DEFAULT '',
  build_command TEXT NOT NULL DEFAULT '',
  start_command TEXT NOT NULL DEFAULT '',
  output_directory TEXT NOT NULL DEFAULT '',
  build_runtime TEXT NOT NULL DEFAULT '',
  adapter TEXT NOT NULL DEFAULT 'static',
  fallback_file TEXT NOT NULL DEFAULT '',
  deployment_id TEXT NOT NULL DEFAULT '',
  deployment_created_at INTEGER,
  latest_deployment_id TEXT NOT NULL DEFAULT '',
  latest_deployment_created_at INTEGER,
  latest_deployment_status TEXT NOT NULL DEFAULT '',
  deployment_retention INTEGER NOT NULL DEFAULT 0,
  build_specification TEXT NOT NULL DEFAULT 's-1vcpu-512mb',
  runtime_specification TEXT NOT NULL DEFAULT 's-1vcpu-512mb',
  provider TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX sites_id ON sites (project_id, id);

-- One row per upload. `adapter`, `fallback_file` and `output_directory` are the site's at upload time (what was built).
CREATE TABLE site_deployments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'manual',
  activate INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'waiting',
  adapter TEXT NOT NULL DEFAULT 'static',
  fallback_file TEXT NOT NULL DEFAULT '',
  output_directory TEXT NOT NULL DEFAULT '',
  install_command TEXT NOT NULL DEFAULT '',
  build_command TEXT NOT NULL DEFAULT '',
  source_size INTEGER NOT NULL DEFAULT 0,
  build_size INTEGER NOT NULL DEFAULT 0,
  chunks_total INTEGER NOT NULL DEFAULT 1,
  chunks TEXT NOT NULL DEFAULT '[]',
  build_logs TEXT NOT NULL DEFAULT '',
  build_duration INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX site_deployments_id ON site_deployments (project_id, id);
CREATE INDEX site_deployments_site ON site_deployments (project_id, site_id);

-- Appwrite's site logs: one `http` execution per visitor request (the Execution model, resourceType 'sites').
CREATE TABLE site_logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL DEFAULT '',
  request_method TEXT NOT NULL DEFAULT 'GET',
  request_path TEXT NOT NULL DEFAULT '/',
  request_headers TEXT NOT NULL DEFAULT '[]',
  response_status_code INTEGER NOT NULL DEFAULT 0,
  response_headers TEXT NOT NULL DEFAULT '[]',
  logs TEXT NOT NULL DEFAULT '',
  errors TEXT NOT NULL DEFAULT '',
  duration REAL NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX site_logs_id ON site_logs (project_id, id);
CREATE INDEX site_logs_site ON site_logs (project_id, site_id, seq);
