import { uniqueId } from "../../core/ids";
import { bindingNamed, bindingOf, CONTROL, dataBindings, ensureSeqRange } from "../../db/shards";
import { dispatcherStub } from "../../events/dispatcher";
import { touchAccess } from "../../platform/access";

/**
 * Moving a project from one data database to another (POST /v1/edgewrite/shards/moves, `npm run shards -- move`).
 * Run step by step by the ShardMover object's alarm (durable-objects/shard-mover.ts), each step bounded, the state
 * in `shard_moves` (control), so a restart resumes where it stopped:
 *   settling  `projects.moving` is set: every write of the project is refused (platform/moving.ts), reads go on
 *             from the source; background writers (dispatcher, queues, sweeps) hold off. Waits SETTLE_MS for the
 *             requests already past the check, then clears any leftovers of an earlier failed move on the target,
 *             creates the project's user tables there and counts what is to copy.
 *   copying   every table's rows of the project, in chunks: one read of the source, one statement on the target
 *             per chunk (the rows travel as one JSON parameter), seqs kept (each database allocates seqs from its
 *             own range, so they never collide; src/db/shards.ts).
 *   switching the copy is checked (row counts per table), then `projects.database` names the target: from now on
 *             every resolution — requests and background — reads the target. Waits SETTLE_MS again.
 *   cleaning  the source rows and user tables are deleted; `moving` is cleared, the dispatcher kicked.
 * A failure before the switch clears `moving` and leaves the source as it was (the target's copy is removed by
 * the next attempt); after it, cleaning is retried.
 */
export const SETTLE_MS_DEFAULT = 3_000;
const CHUNK = 200;
const STEP_BUDGET_MS = 2_000;

/** The project's rows in a platform table: by project_id, or through the file they belong to. */
const BY_PROJECT = "project_id = ?1";
const BY_FILE = (col: string) => `${col} IN (SELECT seq FROM files WHERE project_id = ?1)`;
/** Every table that holds project data (control tables — projects, keys, platforms, organization keys — are not moved). */
export const PLATFORM_TABLES: [table: string, where: string][] = [
  ["users", BY_PROJECT], ["sessions", BY_PROJECT], ["tokens", BY_PROJECT], ["identities", BY_PROJECT], ["challenges", BY_PROJECT],
  ["authenticators", BY_PROJECT], ["targets", BY_PROJECT], ["teams", BY_PROJECT], ["memberships", BY_PROJECT], ["auth_logs", BY_PROJECT],
  ["oauth2_states", BY_PROJECT], ["message_outbox", BY_PROJECT], ["resource_tokens", BY_PROJECT],
  ["tdb_databases", BY_PROJECT], ["tdb_tables", BY_PROJECT], ["tdb_columns", BY_PROJECT], ["tdb_indexes", BY_PROJECT], ["tdb_transactions", BY_PROJECT],
  ["buckets", BY_PROJECT], ["files", BY_PROJECT], ["file_permissions", BY_FILE("item")], ["file_parts", BY_FILE("file")],
  ["functions", BY_PROJECT], ["rules", BY_PROJECT], ["function_deployments", BY_PROJECT], ["function_executions", BY_PROJECT], ["function_variables", BY_PROJECT],
  ["sites", BY_PROJECT], ["site_deployments", BY_PROJECT], ["site_logs", BY_PROJECT],
  ["webhooks", BY_PROJECT], ["webhook_deliveries", BY_PROJECT], ["webhook_attempts", BY_PROJECT],
  ["outbox", BY_PROJECT], ["event_cursors", BY_PROJECT], ["usage_stats", BY_PROJECT],
  ["messaging_providers", BY_PROJECT], ["messaging_topics", BY_PROJECT], ["messaging_subscribers", BY_PROJECT],
  ["messaging_messages", BY_PROJECT], ["messaging_deliveries", BY_PROJECT],
];
/**
 * Tables with a project_id that a move leaves where they are: control data and deployment-wide bookkeeping.
 * Every other table with a project_id must be in PLATFORM_TABLES (test/unit/core.test.ts checks the migrations).
 */
export const NOT_MOVED = ["keys", "platforms", "shard_moves", "rate_limits", "access_stamps"];
/** Child rows are deleted before the files they hang off. */
const DELETE_ORDER = [...PLATFORM_TABLES].sort(([a], [b]) => Number(b.startsWith("file_")) - Number(a.startsWith("file_")));

export interface Move {
  id: string;
  projectId: string;
  source: string;
  target: string;
  status: "settling" | "copying" | "switching" | "cleaning" | "done" | "failed";
  rowsTotal: number;
  rowsCopied: number;
  error: string;
  position: { table: number; offset: number; phase: "settle" | "copy" | "settle2" };
  resumeAt: number;
  createdAt: number;
  updatedAt: number;
}
interface MoveRow {
  id: string; project_id: string; source: string; target: string; status: Move["status"]; rows_total: number; rows_copied: number;
  error: string; position: string; resume_at: number; created_at: number; updated_at: number;
}
const toMove = (r: MoveRow): Move => ({
  id: r.id, projectId: r.project_id, source: r.source, target: r.target, status: r.status, rowsTotal: r.rows_total, rowsCopied: r.rows_copied,
  error: r.error, position: r.position ? JSON.parse(r.position) : { table: 0, offset: 0, phase: "settle" }, resumeAt: r.resume_at, createdAt: r.created_at, updatedAt: r.updated_at,
});

export async function loadMove(env: Env, id: string): Promise<Move | null> {
  const row = await env.DB.prepare("SELECT * FROM shard_moves WHERE id = ?").bind(id).first<MoveRow>();
  return row ? toMove(row) : null;
}

async function save(env: Env, m: Move): Promise<void> {
  m.updatedAt = Date.now();
  await env.DB.prepare("UPDATE shard_moves SET status = ?2, rows_total = ?3, rows_copied = ?4, error = ?5, position = ?6, resume_at = ?7, updated_at = ?8 WHERE id = ?1")
    .bind(m.id, m.status, m.rowsTotal, m.rowsCopied, m.error, JSON.stringify(m.position), m.resumeAt, m.updatedAt)
    .run();
}

const settleMs = (env: Env) => {
  const v = Number((env as unknown as { SHARDS_MOVE_SETTLE_MS?: string }).SHARDS_MOVE_SETTLE_MS);
  return Number.isFinite(v) && v >= 0 ? v : SETTLE_MS_DEFAULT;
};

export class MoveRefused extends Error {
  constructor(readonly type: "project_not_found" | "general_argument_invalid" | "general_resource_locked", message: string) {
    super(message);
  }
}

/** Start a move (refused: unknown project, unknown or same database, a move of the project already running). */
export async function startMove(env: Env, projectId: string, target: string): Promise<Move> {
  const project = await env.DB.prepare(`SELECT seq, "database" AS name, moving FROM projects WHERE id = ?`).bind(projectId).first<{ seq: number; name: string | null; moving: number }>();
  if (!project) throw new MoveRefused("project_not_found", `Project with the requested ID '${projectId}' could not be found.`);
  const targets = [CONTROL, ...dataBindings(env)];
  if (!targets.includes(target)) throw new MoveRefused("general_argument_invalid", `Invalid \`database\` param: Value must be one of (${targets.join(", ")})`);
  const source = bindingOf({ database: project.name });
  if (source === target) throw new MoveRefused("general_argument_invalid", `Invalid \`database\` param: the project is already on ${target}.`);
  const now = Date.now();
  // Only one move per project at a time: the flag flips from 0 to 1 here, atomically with the move's row.
  const id = uniqueId();
  const [flag] = await env.DB.batch([
    env.DB.prepare("UPDATE projects SET moving = 1, updated_at = ?2 WHERE id = ?1 AND moving = 0").bind(projectId, now),
    env.DB.prepare(
      "INSERT INTO shard_moves (id, project_id, source, target, status, position, resume_at, created_at, updated_at) SELECT ?1, ?2, ?3, ?4, 'settling', ?5, ?6, ?7, ?7 WHERE changes() = 1",
    ).bind(id, projectId, source, target, JSON.stringify({ table: 0, offset: 0, phase: "settle" }), now + settleMs(env), now),
  ]);
  if (!flag!.meta.changes) throw new MoveRefused("general_resource_locked", "The project is already being moved.");
  await touchAccess(env, projectId);
  return (await loadMove(env, id))!;
}

/** The project's user tables (TablesDB physical tables, their permission tables, indexes, full-text tables, triggers). */
async function userObjects(d1: D1Database, projectSeq: number) {
  const { results } = await d1
    .prepare(
      `SELECT type, name, tbl_name AS tbl, sql FROM sqlite_master WHERE sql IS NOT NULL AND (tbl_name GLOB ?1 OR tbl_name GLOB ?2 OR name GLOB ?1 OR name GLOB ?2) ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name`,
    )
    .bind(`ut${projectSeq}_*`, `uf${projectSeq}_*`)
    .all<{ type: string; name: string; tbl: string; sql: string }>();
  // FTS5 creates its shadow tables itself.
  const virtual = results.filter((o) => /^CREATE VIRTUAL TABLE/i.test(o.sql)).map((o) => o.name);
  const isShadow = (o: { type: string; name: string }) => o.type === "table" && virtual.some((v) => o.name !== v && o.name.startsWith(`${v}_`));
  // Plain tables first (a full-text table reads its content table), then virtual tables, indexes, triggers.
  const rank = (o: { type: string; sql: string }) => (o.type === "table" ? (/^CREATE VIRTUAL TABLE/i.test(o.sql) ? 1 : 0) : o.type === "index" ? 2 : 3);
  const objects = results.filter((o) => !isShadow(o)).sort((a, b) => rank(a) - rank(b));
  // Rows are copied into the plain tables (`ut<p>_<t>` and `…_perms`); the FTS tables fill through their triggers.
  const tables = objects.filter((o) => o.type === "table" && !/^CREATE VIRTUAL TABLE/i.test(o.sql)).map((o) => o.name);
  return { objects, tables, virtual };
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** What the copy walks: platform tables filtered by project, then the project's user tables whole. */
async function copyPlan(src: D1Database, projectSeq: number): Promise<{ table: string; where: string }[]> {
  const { tables } = await userObjects(src, projectSeq);
  return [...PLATFORM_TABLES.map(([table, where]) => ({ table, where })), ...tables.map((table) => ({ table, where: "?1 = ?1" }))];
}

async function count(d1: D1Database, table: string, where: string, projectId: string): Promise<number> {
  return Number((await d1.prepare(`SELECT count(*) AS n FROM ${q(table)} WHERE ${where}`).bind(projectId).first<{ n: number }>())?.n ?? 0);
}

async function projectSeqOf(env: Env, projectId: string): Promise<number> {
  return Number((await env.DB.prepare("SELECT seq FROM projects WHERE id = ?").bind(projectId).first<{ seq: number }>())!.seq);
}

/** Remove every row and user table of the project from a database (the target before copying, the source after, a deleted project). */
export async function purge(d1: D1Database, projectId: string, projectSeq: number): Promise<void> {
  const { objects, tables, virtual } = await userObjects(d1, projectSeq);
  const drops = [
    ...objects.filter((o) => o.type === "trigger").map((o) => `DROP TRIGGER IF EXISTS ${q(o.name)}`),
    ...virtual.map((v) => `DROP TABLE IF EXISTS ${q(v)}`),
    ...tables.map((t) => `DROP TABLE IF EXISTS ${q(t)}`),
  ];
  await d1.batch([...DELETE_ORDER.map(([table, where]) => d1.prepare(`DELETE FROM ${q(table)} WHERE ${where}`).bind(projectId)), ...drops.map((s) => d1.prepare(s))]);
}

/** One copy chunk: rows read as arrays, written by one INSERT … SELECT over json_each (one bound parameter). */
async function copyChunk(src: D1Database, dst: D1Database, table: string, where: string, projectId: string, offset: number): Promise<number> {
  const order = (await isWithoutRowid(src, table)) ? "ORDER BY 1, 2, 3" : "ORDER BY rowid";
  const [columns, ...rows] = await src.prepare(`SELECT * FROM ${q(table)} WHERE ${where} ${order} LIMIT ?2 OFFSET ?3`).bind(projectId, CHUNK, offset).raw({ columnNames: true });
  if (!rows.length) return 0;
  const cols = (columns as string[]).map(q).join(", ");
  const values = (columns as string[]).map((_, i) => `json_extract(value, '$[${i}]')`).join(", ");
  const insert = `INSERT INTO ${q(table)} (${cols}) SELECT ${values} FROM json_each(?1)`;
  // One batch per chunk; its rows split into parameters of at most ~1 MB (D1 caps a value at 2 MB).
  const parts: unknown[][] = [[]];
  let size = 0;
  for (const row of rows) {
    const n = JSON.stringify(row).length;
    if (size + n > 1_000_000 && parts[parts.length - 1]!.length) parts.push([]), (size = 0);
    parts[parts.length - 1]!.push(row);
    size += n;
  }
  await dst.batch(parts.map((p) => dst.prepare(insert).bind(JSON.stringify(p))));
  return rows.length;
}

const rowidless = new Map<string, boolean>();
async function isWithoutRowid(d1: D1Database, table: string): Promise<boolean> {
  let v = rowidless.get(table);
  if (v === undefined) {
    const row = await d1.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").bind(table).first<{ sql: string }>();
    v = /WITHOUT\s+ROWID/i.test(row?.sql ?? "");
    if (!table.startsWith("ut")) rowidless.set(table, v);
  }
  return v;
}

/** Run the move's next steps for up to STEP_BUDGET_MS. Returns when to be called again (null: finished). */
export async function advanceMove(env: Env, id: string): Promise<number | null> {
  const m = await loadMove(env, id);
  if (!m || m.status === "done" || m.status === "failed") return null;
  if (m.resumeAt > Date.now()) return m.resumeAt;
  const src = bindingNamed(env, m.source);
  const dst = bindingNamed(env, m.target);
  const projectSeq = await projectSeqOf(env, m.projectId);
  const started = Date.now();
  try {
    if (m.status === "settling") {
      await ensureSeqRange(env, m.target);
      await purge(dst, m.projectId, projectSeq); // leftovers of an earlier attempt
      const { objects } = await userObjects(src, projectSeq);
      if (objects.length) await dst.batch(objects.map((o) => dst.prepare(o.sql)));
      const plan = await copyPlan(src, projectSeq);
      m.rowsTotal = (await Promise.all(plan.map((p) => count(src, p.table, p.where, m.projectId)))).reduce((a, b) => a + b, 0);
      m.rowsCopied = 0;
      m.status = "copying";
      m.position = { table: 0, offset: 0, phase: "copy" };
      await save(env, m);
    }
    if (m.status === "copying") {
      const plan = await copyPlan(src, projectSeq);
      while (m.position.table < plan.length && Date.now() - started < STEP_BUDGET_MS) {
        const { table, where } = plan[m.position.table]!;
        const n = await copyChunk(src, dst, table, where, m.projectId, m.position.offset);
        m.rowsCopied += n;
        m.position = n < CHUNK ? { table: m.position.table + 1, offset: 0, phase: "copy" } : { ...m.position, offset: m.position.offset + n };
        await save(env, m);
      }
      if (m.position.table < plan.length) return Date.now();
      // Every table holds on the target exactly what it holds on the source, or the move stops here.
      for (const { table, where } of plan) {
        const [a, b] = await Promise.all([count(src, table, where, m.projectId), count(dst, table, where, m.projectId)]);
        if (a !== b) throw new Error(`copy check failed for ${table}: ${a} rows on ${m.source}, ${b} on ${m.target}`);
      }
      await env.DB.prepare(`UPDATE projects SET "database" = ?2, updated_at = ?3 WHERE id = ?1`).bind(m.projectId, m.target === CONTROL ? null : m.target, Date.now()).run();
      await touchAccess(env, m.projectId);
      m.status = "switching";
      m.resumeAt = Date.now() + settleMs(env); // requests that resolved the source finish their reads
      m.position = { table: 0, offset: 0, phase: "settle2" };
      await save(env, m);
      return m.resumeAt;
    }
    if (m.status === "switching" || m.status === "cleaning") {
      m.status = "cleaning";
      await save(env, m);
      await purge(src, m.projectId, projectSeq);
      await env.DB.prepare("UPDATE projects SET moving = 0, updated_at = ?2 WHERE id = ?1").bind(m.projectId, Date.now()).run();
      await touchAccess(env, m.projectId);
      m.status = "done";
      await save(env, m);
      // Whatever waited for the move (events written just before it) goes out now.
      await dispatcherStub(env, m.projectId).kick(m.projectId).catch(() => undefined);
      return null;
    }
  } catch (e) {
    const message = String((e as Error)?.message ?? e).slice(0, 1000);
    console.error(`shard move ${m.id} of ${m.projectId} (${m.source} → ${m.target}) failed at ${m.status}: ${message}`);
    if (m.status === "cleaning") {
      m.error = message; // the project already lives on the target: cleaning is retried
      await save(env, m);
      return Date.now() + 5_000;
    }
    // Before the switch the source is untouched: the project goes back to normal there.
    await env.DB.prepare("UPDATE projects SET moving = 0, updated_at = ?2 WHERE id = ?1").bind(m.projectId, Date.now()).run();
    await touchAccess(env, m.projectId);
    m.status = "failed";
    m.error = message;
    await save(env, m);
    await purge(dst, m.projectId, projectSeq).catch(() => undefined);
    return null;
  }
  return null;
}

export const moveModel = (m: Move) => ({
  $id: m.id,
  $createdAt: new Date(m.createdAt).toISOString(),
  $updatedAt: new Date(m.updatedAt).toISOString(),
  projectId: m.projectId,
  source: m.source,
  target: m.target,
  status: m.status,
  rowsTotal: m.rowsTotal,
  rowsCopied: m.rowsCopied,
  error: m.error,
});

/** How many of the project's rows (platform tables and user tables) each database holds: a move leaves none behind. */
export async function projectRowCounts(env: Env, projectId: string): Promise<Record<string, number>> {
  const projectSeq = await projectSeqOf(env, projectId);
  const out: Record<string, number> = {};
  for (const name of [CONTROL, ...dataBindings(env)]) {
    const d1 = bindingNamed(env, name);
    const plan = await copyPlan(d1, projectSeq);
    out[name] = (await Promise.all(plan.map((p) => count(d1, p.table, p.where, projectId)))).reduce((a, b) => a + b, 0);
  }
  return out;
}
