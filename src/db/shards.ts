/**
 * Where a project's data lives (docs/SCALING.md). The control database (`env.DB`) holds projects, keys, platforms,
 * organization keys and the console's own data (console users, their teams = organizations); each project's own
 * data (users, sessions, rows, files, functions and their proxy rules, webhooks and their deliveries, its event
 * outbox and cursors, usage) lives on one data database, named by `projects.database` (a binding: `DB_1`, `DB_2` …; null or
 * "" = `DB`, where projects created before migration 0025 live). A project never spans databases, so every
 * multi-row write of it stays one D1 batch; outbox `seq`s are per database and only ever compared within a project.
 *
 * Requests learn the binding from the project row the access middleware reads anyway (access.ts), with no extra
 * round trip. Work outside a request (queues, cron, Durable Objects) calls `dataDatabase`, which reads the row
 * fresh: a move flips `projects.database` and every next resolution follows, with no cache to invalidate.
 */
export const CONTROL = "DB";
const DATA_BINDING = /^DB_\d+$/;

type Bindings = Record<string, unknown>;
const isD1 = (v: unknown): v is D1Database => !!v && typeof (v as D1Database).prepare === "function" && typeof (v as D1Database).batch === "function";

/** Every data database binding on env (`DB_n`), in number order. */
export function dataBindings(env: Env): string[] {
  return Object.keys(env as unknown as Bindings)
    .filter((k) => DATA_BINDING.test(k) && isD1((env as unknown as Bindings)[k]))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
}

/** Every database a project's data may be on: `DB` (older projects, the console) and each `DB_n`. */
export function allDataDatabases(env: Env): { name: string; d1: D1Database }[] {
  return [CONTROL, ...dataBindings(env)].map((name) => ({ name, d1: bindingNamed(env, name) }));
}

/** The binding a project row names (null/"" = `DB`). A name that is no D1 binding on env is a deployment error. */
export function bindingNamed(env: Env, name: string | null | undefined): D1Database {
  const key = name || CONTROL;
  const d1 = (env as unknown as Bindings)[key];
  if ((key !== CONTROL && !DATA_BINDING.test(key)) || !isD1(d1)) throw new Error(`project data database ${key} is not bound (wrangler.toml [[d1_databases]])`);
  return d1;
}

/** Normalised binding name of a project row. */
export const bindingOf = (project: { database?: string | null }): string => project.database || CONTROL;

/** Data databases open for new projects: env `SHARDS_NEW` (comma list), default every `DB_n` (or `DB` when none). */
export function openForNew(env: Env): string[] {
  const all = dataBindings(env);
  const listed = String((env as unknown as Bindings).SHARDS_NEW ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const chosen = listed.length ? listed.filter((n) => n === CONTROL || all.includes(n)) : all;
  return chosen.length ? chosen : [CONTROL];
}

/** Project counts per database name (from the control database). */
export async function projectCounts(env: Env): Promise<Map<string, number>> {
  const { results } = await env.DB.prepare(`SELECT COALESCE(NULLIF("database", ''), 'DB') AS name, count(*) AS n FROM projects GROUP BY 1`).all<{ name: string; n: number }>();
  return new Map(results.map((r) => [r.name, Number(r.n)]));
}

/** Placement: the open data database holding the fewest projects (ties: the lowest number). */
export async function placeNewProject(env: Env): Promise<string> {
  const open = openForNew(env);
  const counts = open.length === 1 ? new Map<string, number>() : await projectCounts(env);
  const chosen = open.reduce((best, n) => ((counts.get(n) ?? 0) < (counts.get(best) ?? 0) ? n : best), open[0]!);
  await ensureSeqRange(env, chosen);
  return chosen;
}

/**
 * Row seqs (AUTOINCREMENT keys, referenced by other rows and by R2 object keys) stay unique across databases, so a
 * moved project keeps its seqs: `DB_n` allocates from n·2^40 up (`DB` from 1). Raised once per isolate before a
 * database takes a project; never lowered. Seqs of user tables (`ut<p>_<t>`) are per table and are left alone.
 */
export const SEQ_RANGE = 2 ** 40;
const ranged = new Set<string>();
export async function ensureSeqRange(env: Env, name: string): Promise<void> {
  if (name === CONTROL || ranged.has(name)) return;
  const d1 = bindingNamed(env, name);
  const floor = Number(name.slice(3)) * SEQ_RANGE;
  const { results } = await d1
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%' AND name NOT GLOB 'ut[0-9]*'")
    .all<{ name: string }>();
  await d1.batch(
    results.flatMap(({ name: table }) => [
      d1.prepare("INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)").bind(table, floor),
      d1.prepare("UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1 AND seq < ?2").bind(table, floor),
    ]),
  );
  ranged.add(name);
}

/** A project's data database and whether it is being moved, read fresh from the control database. */
export async function projectPlacement(env: Env, projectId: string): Promise<{ name: string; d1: D1Database; moving: boolean }> {
  if (projectId === "console") return { name: CONTROL, d1: env.DB, moving: false };
  const row = await env.DB.prepare(`SELECT "database" AS name, moving FROM projects WHERE id = ?`).bind(projectId).first<{ name: string | null; moving: number }>();
  const name = row?.name || CONTROL;
  return { name, d1: bindingNamed(env, name), moving: !!row?.moving };
}

/**
 * The one resolver of a project's data database outside a request. A project that no longer exists resolves to
 * `DB` (its leftovers, if any, are where it was created before 0025; newer ones are gone with `removeProject`).
 */
export async function dataDatabase(env: Env, projectId: string): Promise<D1Database> {
  return (await projectPlacement(env, projectId)).d1;
}

/** Ids of the projects being moved right now (background sweeps leave their rows alone until the move ends). */
export async function movingProjects(env: Env): Promise<Set<string>> {
  const { results } = await env.DB.prepare("SELECT id FROM projects WHERE moving = 1").all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

/** Thrown by background work that must not write while its project moves: its queue/alarm retries it later. */
export class ProjectMoving extends Error {
  constructor(projectId: string) {
    super(`project ${projectId} is being moved to another data database; retried later`);
  }
}

/** The data database for background writes: throws ProjectMoving while the project moves. */
export async function writableDataDatabase(env: Env, projectId: string): Promise<D1Database> {
  const p = await projectPlacement(env, projectId);
  if (p.moving) throw new ProjectMoving(projectId);
  return p.d1;
}
