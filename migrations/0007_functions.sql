-- Migration number: 0007 	 functions: functions, deployments, executions, variables
-- Code lives in R2 (BUCKET): functions/<projectId>/<functionId>/<deploymentId>/{source.tar.gz, chunks/N, build.json}.

CREATE TABLE functions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  runtime TEXT NOT NULL,
  execute TEXT NOT NULL DEFAULT '[]',
  events TEXT NOT NULL DEFAULT '[]',
  schedule TEXT NOT NULL DEFAULT '',
  timeout INTEGER NOT NULL DEFAULT 15,
  enabled INTEGER NOT NULL DEFAULT 1,
  logging INTEGER NOT NULL DEFAULT 1,
  entrypoint TEXT NOT NULL DEFAULT '',
  commands TEXT NOT NULL DEFAULT '',
  scopes TEXT NOT NULL DEFAULT '[]',
  deployment_id TEXT NOT NULL DEFAULT '',
  deployment_created_at INTEGER,
  latest_deployment_id TEXT NOT NULL DEFAULT '',
  latest_deployment_created_at INTEGER,
  latest_deployment_status TEXT NOT NULL DEFAULT '',
  deployment_retention INTEGER NOT NULL DEFAULT 0,
  build_specification TEXT NOT NULL DEFAULT 's-1vcpu-512mb',
  runtime_specification TEXT NOT NULL DEFAULT 's-1vcpu-512mb',
  -- VCS settings kept as given (installationId, providerRepositoryId, providerBranch …); no VCS builds here.
  provider TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX functions_id ON functions (project_id, id);
-- Event triggers look up the project's functions that subscribe to anything.
CREATE INDEX functions_with_events ON functions (project_id) WHERE events != '[]';

CREATE TABLE function_deployments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  function_id TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'manual',
  entrypoint TEXT NOT NULL DEFAULT '',
  commands TEXT NOT NULL DEFAULT '',
  activate INTEGER NOT NULL DEFAULT 0,
  -- waiting → processing → building → ready | failed | canceled; 'uploading' while chunks arrive.
  status TEXT NOT NULL DEFAULT 'waiting',
  source_size INTEGER NOT NULL DEFAULT 0,
  build_size INTEGER NOT NULL DEFAULT 0,
  chunks_total INTEGER NOT NULL DEFAULT 1,
  -- JSON array of the chunk numbers received (chunks may arrive concurrently and out of order).
  chunks TEXT NOT NULL DEFAULT '[]',
  build_logs TEXT NOT NULL DEFAULT '',
  build_duration INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX function_deployments_id ON function_deployments (project_id, id);
CREATE INDEX function_deployments_function ON function_deployments (project_id, function_id, seq);

CREATE TABLE function_executions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  function_id TEXT NOT NULL,
  deployment_id TEXT NOT NULL DEFAULT '',
  trigger TEXT NOT NULL,
  status TEXT NOT NULL,
  request_method TEXT NOT NULL DEFAULT 'POST',
  request_path TEXT NOT NULL DEFAULT '/',
  request_headers TEXT NOT NULL DEFAULT '[]',
  response_status_code INTEGER NOT NULL DEFAULT 0,
  response_body TEXT NOT NULL DEFAULT '',
  response_headers TEXT NOT NULL DEFAULT '[]',
  logs TEXT NOT NULL DEFAULT '',
  errors TEXT NOT NULL DEFAULT '',
  duration REAL NOT NULL DEFAULT 0,
  scheduled_at INTEGER,
  -- The user who triggered it ('' for keys, schedules, events); `$permissions` = read("user:<id>").
  user_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX function_executions_id ON function_executions (project_id, id);
CREATE INDEX function_executions_function ON function_executions (project_id, function_id, seq);

-- Project-wide (resource_type 'project', resource_id '') and per-function ('function', <functionId>)
-- variables. Secret values are stored AES-GCM encrypted and never returned.
CREATE TABLE function_variables (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL DEFAULT '',
  key TEXT NOT NULL,
  value TEXT NOT NULL DEFAULT '',
  secret INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX function_variables_id ON function_variables (project_id, resource_type, resource_id, id);
CREATE UNIQUE INDEX function_variables_key ON function_variables (project_id, resource_type, resource_id, key);
