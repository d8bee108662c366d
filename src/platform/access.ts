import { eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import { open } from "../db/client";
import { keys, platforms, projects, type Key, type Project } from "../db/schema";
import type { PlatformRow } from "./origin";
import { CONSOLE } from "./projects";

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
 * guard to run where those rows live: only while the project's data database is the control database.
 */
export interface Access {
  project: Project;
  /** The key row of the presented secret (null: none presented, or no such key). */
  key: Key | null;
  /** The project's platforms (null: not read, the request has no Origin). */
  platforms: PlatformRow[] | null;
  sig: { project: string | null; key: string | null; platforms: string | null };
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
export function deferredAccess(d1: D1Database, guard: () => D1PreparedStatement, refresh: () => Promise<void>): D1Database {
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
            const [, ...rest] = await target.batch<T>([guard(), ...plain]);
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
