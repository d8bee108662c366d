-- Migration number: 0011 	 function domains: routing rules by hostname (Appwrite's platform `rules` collection)
-- A function gets `<id>.<FUNCTIONS_DOMAIN>` at creation; src/index.ts routes that Host to it before the /v1 app.
-- Only `deployment` rules for functions exist yet; the rule follows the function's active deployment.
CREATE TABLE rules (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL,
  id TEXT NOT NULL,
  domain TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'deployment',
  trigger TEXT NOT NULL DEFAULT 'manual',
  deployment_resource_type TEXT NOT NULL DEFAULT 'function',
  deployment_resource_id TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'verified',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX rules_domain ON rules (domain);
CREATE UNIQUE INDEX rules_id ON rules (project_id, id);
CREATE INDEX rules_resource ON rules (project_id, deployment_resource_type, deployment_resource_id);
