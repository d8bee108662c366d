/**
 * Where a project's data lives. The control database (`env.DB`) holds projects, keys, platforms, webhooks and the
 * console's data; each project's own data (users, rows, files, functions, its event outbox) lives on one data
 * database. Today there is one database, so both are `env.DB`.
 */
export async function dataDatabase(env: Env, projectId: string): Promise<D1Database> {
  void projectId;
  return env.DB;
}
