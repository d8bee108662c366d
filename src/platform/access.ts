import { eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import { open } from "../db/client";
import { keys, platforms, projects, type Key, type Project } from "../db/schema";
import type { PlatformRow } from "./origin";
import { CONSOLE } from "./projects";
import { bindingNamed, dataBindings } from "../db/shards";

/**
 * What every request resolves before its route: the project, the API key it presents and (with an Origin)
 * the project's platforms — one control-database round trip, read fresh (`loadAccess`).
 *
 * The hot row routes may skip that round trip (`deferredAccess`): this isolate remembers each resolution with a
 * signature of the rows it came from (every column of the project, the key's authorization columns, the
 * platforms), and the request's data database then carries a guard in every batch that fails the whole batch
 * when a signature no longer matches (a single statement outside a batch first re-reads access fresh). A key
 * deleted or narrowed, a project changed, a platform removed — in any isolate — is so seen by the very next
 * statement that would read or write with it, and nothing commits on a stale authorization. This needs the
 * guard to run where those rows live: so for a project on the control database it checks their signatures.
 *
 * A project on a data database (`DB_n`) is checked by an access stamp instead (migration 0030): every change to the
 * project's row, keys or platforms replaces the project's stamp on every data database (`touchAccess`, after the
 * change has committed), and a remembered resolution carries the stamp read *before* the rows it came from, so a
 * change racing that read leaves a stamp that no longer matches. The guard in each batch compares the stamp. A
 * remembered stamp is used for STAMP_TTL_MS at most, a backstop should a stamp write ever fail.
 */
export interface Access {
  project: Project;
  /** The key row of the presented secret (null: none presented, or no such key). */
  key: Key | null;
  /** The project's platforms (null: not read, the request has no Origin). */
  platforms: PlatformRow[] | null;
  sig: { project: string | null; key: string | null; platforms: string | null };
  /** Data-database projects: the access stamp read before this resolution, and when (set when remembered). */
  stamp?: { value: string; at: number };
}

/** SQL: a row's signature, the JSON array of the given columns. */
const signature = (cols: Record<string, { name: string }>, skip: string[] = []) =>
  sql.raw(`json_array(${Object.values(cols).filter((c) => !skip.includes(c.name)).map((c) => `"${c.name}"`).join(", ")})`);
/** Use stamps, not authorization: a key's last use and SDK list may change on every request. */
const KEY_SIG = signature(getTableColumns(keys), ["accessed_at", "sdks"]);
const PROJECT_SIG = signature(getTableColumns(projects));
const PLATFORMS_SIG = (projectId: unknown) =>
  sql`(SELECT json_group_array(json_array(type, hostname, key)) FROM (SELECT type, hostname, key FROM platforms WHERE project_id = ${projectId} ORDER BY type, hostname, key))`;

/** Project, key and platforms in one control-database batch, fresh. Null when the project does not exist. */
export async function loadAccess(env: Env, projectId: string, keyHash: string | null, withPlatforms: boolean): Promise<Access | null> {
  const db = open(env.DB);
  const isConsole = projectId === CONSOLE.id;
  const readPlatforms = withPlatforms && !isConsole;
  // Only what the request needs: the console has no row; without a key or an Origin neither is read.
  const queries = [
    ...(isConsole ? [] : [db.select({ row: projects, sig: sql<string>`${PROJECT_SIG}` }).from(projects).where(eq(projects.id, projectId)).limit(1)]),
    ...(keyHash ? [db.select({ row: keys, sig: sql<string>`${KEY_SIG}` }).from(keys).where(eq(keys.secretHash, keyHash)).limit(1)] : []),
    ...(readPlatforms ? [db.select({ sig: sql<string>`${PLATFORMS_SIG(projectId)}` }).from(projects).where(eq(projects.id, projectId)).limit(1)] : []),
  ];
  const results = (queries.length ? await db.batch(queries as unknown as [(typeof queries)[number]]) : []) as { row?: unknown; sig: string }[][];
  let i = 0;
  const p = isConsole ? null : results[i++]![0];
  const k = keyHash ? results[i++]![0] : undefined;
  const pl = readPlatforms ? results[i++]![0] : undefined;
  const project = isConsole ? CONSOLE : (p?.row as Project | undefined);
  if (!project) return null;
  const key = (k?.row as Key | undefined) ?? null;
  const platformSig = readPlatforms ? (pl?.sig ?? "[]") : null;
  const platformRows = platformSig === null ? null : (JSON.parse(platformSig) as string[][]).map(([type, hostname, key]) => ({ type: type!, hostname: hostname!, key: key! }));
  return {
    project, key,
    platforms: withPlatforms ? (platformRows ?? []) : null,
    sig: { project: p?.sig ?? null, key: k?.sig ?? null, platforms: platformSig },
  };
}

// ---- per-isolate memory of resolutions, for the deferred check -------------------------------------------------

const remembered = new Map<string, Access>();
const memoKey = (projectId: string, keyHash: string | null, withPlatforms: boolean) => `${projectId}\u0000${keyHash ?? ""}\u0000${withPlatforms ? 1 : 0}`;

export function rememberAccess(projectId: string, keyHash: string | null, withPlatforms: boolean, a: Access): void {
  const k = memoKey(projectId, keyHash, withPlatforms);
  remembered.delete(k);
  remembered.set(k, a);
  if (remembered.size > 1000) remembered.delete(remembered.keys().next().value!);
}

export function recalledAccess(projectId: string, keyHash: string | null, withPlatforms: boolean): Access | undefined {
  return remembered.get(memoKey(projectId, keyHash, withPlatforms));
}

export function forgetAccess(projectId?: string): void {
  if (projectId === undefined) return remembered.clear();
  for (const k of remembered.keys()) if (k.startsWith(`${projectId}\u0000`)) remembered.delete(k);
}

const STALE_ACCESS = "edgewrite-stale-access";

/** The guard's SQL for each combination of signatures it checks (built once: it runs in every deferred batch). */
const guardSql = new Map<string, string>();
function guardText(project: boolean, key: boolean, platforms: boolean): string {
  const shape = `${+project}${+key}${+platforms}`;
  let text = guardSql.get(shape);
  if (!text) {
    const parts: SQL[] = [];
    if (project) parts.push(sql`(SELECT ${PROJECT_SIG} FROM projects WHERE id = ${sql.placeholder("id")}) IS ${sql.placeholder("project")}`);
    if (key) parts.push(sql`(SELECT ${KEY_SIG} FROM keys WHERE secret_hash = ${sql.placeholder("keyHash")}) IS ${sql.placeholder("key")}`);
    if (platforms) parts.push(sql`${PLATFORMS_SIG(sql.placeholder("id"))} IS ${sql.placeholder("platforms")}`);
    if (!parts.length) parts.push(sql`1`);
    // json_extract with a bad path raises; the column reference keeps SQLite from evaluating it up front.
    const q = open({} as D1Database)
      .select({ ok: sql`CASE WHEN x.ok THEN 1 ELSE json_extract('{}', ${sql.raw(`'${STALE_ACCESS}'`)} || x.ok) END` })
      .from(sql`(SELECT (${sql.join(parts, sql` AND `)}) AS ok) x`);
    text = q.toSQL().sql;
    guardSql.set(shape, text);
  }
  return text;
}

/** A statement that fails its batch unless the rows behind `a` are exactly as they were when `a` was read. */
export function accessGuard(d1: D1Database, projectId: string, keyHash: string | null, a: Access): D1PreparedStatement {
  const project = a.sig.project !== null;
  const platforms = a.sig.platforms !== null;
  const binds: unknown[] = [];
  if (project) binds.push(projectId, a.sig.project);
  if (keyHash) binds.push(keyHash, a.sig.key);
  if (platforms) binds.push(projectId, a.sig.platforms);
  return d1.prepare(guardText(project, !!keyHash, platforms)).bind(...binds);
}

// ---- access stamps: the same check for projects on a data database ----------------------------------------------

/** A remembered stamp is trusted this long at most (then access is read fresh again). */
export const STAMP_TTL_MS = 60_000;
const STAMP_UPSERT = "INSERT INTO access_stamps (project_id, stamp) VALUES (?1, ?2) ON CONFLICT (project_id) DO UPDATE SET stamp = excluded.stamp";

/**
 * After a change to a project's row, keys or platforms has committed on the control database: a new stamp on every
 * data database (a project being moved may be resolved on either side), so every remembered resolution of the
 * project fails its next guard. `gone`: the project was deleted — its stamps are removed (a missing stamp never
 * matches, and a resolution is only remembered with a stamp that exists).
 */
export async function touchAccess(env: Env, projectId: string, opts: { gone?: boolean } = {}): Promise<void> {
  if (forgetOnChange) forgetAccess(projectId);
  if (projectId === CONSOLE.id) return;
  const stamp = crypto.randomUUID();
  const write = (d1: D1Database) =>
    (opts.gone ? d1.prepare("DELETE FROM access_stamps WHERE project_id = ?1").bind(projectId) : d1.prepare(STAMP_UPSERT).bind(projectId, stamp)).run();
  await Promise.all(dataBindings(env).map(async (name) => {
    const d1 = bindingNamed(env, name);
    // One retry: a resolution remembered elsewhere would otherwise outlive the change until STAMP_TTL_MS.
    await write(d1).catch(() => write(d1));
  }));
}

/**
 * Test hook (EDGEWRITE_TEST_HOOKS=1 only, src/events/test-hooks.ts): changes leave this isolate's memory as it is,
 * as a change made by another isolate does — so only the guards stand between a remembered access and the change.
 */
let forgetOnChange = true;
export function keepAccessMemoryOnChange(keep: boolean): void {
  forgetOnChange = !keep;
}

/** The project's current stamp on a data database (created when it has none), read before its access rows. */
export async function readStamp(d1: D1Database, projectId: string): Promise<string> {
  const [, res] = await d1.batch<{ stamp: string }>([
    d1.prepare("INSERT INTO access_stamps (project_id, stamp) VALUES (?1, ?2) ON CONFLICT (project_id) DO NOTHING").bind(projectId, crypto.randomUUID()),
    d1.prepare("SELECT stamp FROM access_stamps WHERE project_id = ?1").bind(projectId),
  ]);
  return res!.results[0]!.stamp;
}

const STAMP_GUARD = `SELECT CASE WHEN x.ok THEN 1 ELSE json_extract('{}', '${STALE_ACCESS}' || x.ok) END FROM (SELECT ((SELECT stamp FROM access_stamps WHERE project_id = ?1) IS ?2) AS ok) x`;

/** A statement that fails its batch unless the project's stamp on this data database is still `stamp`. */
export function stampGuard(d1: D1Database, projectId: string, stamp: string): D1PreparedStatement {
  return d1.prepare(STAMP_GUARD).bind(projectId, stamp);
}

/**
 * Which data database each project was last resolved on, in this isolate: where to read its stamp before its
 * access (a hint only — a resolution whose project row names another database is not remembered).
 */
const placements = new Map<string, string>();
export const placementHint = (projectId: string): string | undefined => placements.get(projectId);
export function notePlacement(projectId: string, name: string): void {
  placements.delete(projectId);
  placements.set(projectId, name);
  if (placements.size > 10_000) placements.delete(placements.keys().next().value!);
}

/** Routes whose only effects are on the data database (so the guard covers them) may run on deferred access. */
const deferrable: { method: string; path: RegExp }[] = [];
export function deferAccessFor(method: string, path: RegExp): void {
  deferrable.push({ method, path });
}
export const mayDefer = (method: string, path: string): boolean => deferrable.some((d) => d.method === method && d.path.test(path));

export const isStaleAccess = (e: unknown): boolean => String((e as Error)?.message ?? e).includes(STALE_ACCESS);

/**
 * The data database of a request on deferred access: every batch gets `guard()` in front (its result removed);
 * on a stale guard `refresh()` re-reads access (throwing the fresh refusal) and the batch runs once more. A
 * single statement first calls `refresh()`. Once refreshed, everything passes straight through.
 */
export function deferredAccess(d1: D1Database, guard: (d1: D1Database) => D1PreparedStatement, refresh: () => Promise<void>): D1Database {
  let fresh = false;
  const confirm = async () => {
    if (fresh) return;
    await refresh();
    fresh = true;
  };
  const unwrap = new WeakMap<object, D1PreparedStatement>();
  const wrap = (s: D1PreparedStatement): D1PreparedStatement => {
    const w = new Proxy(s, {
      get(target, prop) {
        if (prop === "bind") return (...v: unknown[]) => wrap(target.bind(...v));
        if (prop === "first" || prop === "all" || prop === "run" || prop === "raw") {
          return async (...args: unknown[]) => {
            await confirm();
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    unwrap.set(w, s);
    return w;
  };
  const real = (s: D1PreparedStatement) => unwrap.get(s) ?? s;
  return new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrap(target.prepare(query));
      if (prop === "batch") {
        return async <T>(stmts: D1PreparedStatement[]): Promise<D1Result<T>[]> => {
          const plain = stmts.map(real);
          if (fresh) return target.batch<T>(plain);
          try {
            const [, ...rest] = await target.batch<T>([guard(target), ...plain]);
            return rest;
          } catch (e) {
            if (!isStaleAccess(e)) throw e;
            await confirm();
            return target.batch<T>(plain);
          }
        };
      }
      if (prop === "exec" || prop === "dump") {
        return async (...args: unknown[]) => {
          await confirm();
          return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
