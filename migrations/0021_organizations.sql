-- Organizations are teams of the console project (teams/memberships with project_id 'console', control DB);
-- projects.team_id names a project's organization ('' = no organization: only the deployment's ADMIN_KEY reaches it).
-- Organization API keys (`organization_<secret>`): stored hashed, scoped to one organization.
CREATE TABLE organization_keys (
  team_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL DEFAULT '[]',
  secret_hash TEXT NOT NULL,
  expire INTEGER,
  accessed_at INTEGER,
  sdks TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (team_id, id)
);
CREATE UNIQUE INDEX organization_keys_secret ON organization_keys (secret_hash);
CREATE INDEX projects_team ON projects (team_id);
