import { eq } from "drizzle-orm";
import { projects, type Project } from "../db/schema";
import type { DB } from "../db/client";

/** The console is a virtual project: it owns the console API; its only data are console users and their sessions. */
export const CONSOLE: Project = { seq: 0, id: "console", name: "Console", description: "", teamId: "", settings: {}, createdAt: 0, updatedAt: 0 };

/**
 * Projects are read on every request, so each isolate keeps them for a few seconds. Console writes
 * evict the entry here; other isolates see a change within CACHE_MS.
 */
const CACHE_MS = 5_000;
const cache = new Map<string, { project: Project | null; at: number }>();

export async function findProject(db: DB, id: string): Promise<Project | null> {
  if (id === "console") return CONSOLE;
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.project;
  const [row] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  cache.set(id, { project: row ?? null, at: Date.now() });
  if (cache.size > 1000) cache.delete(cache.keys().next().value!);
  return row ?? null;
}

export function forgetProject(id: string): void {
  cache.delete(id);
}

/** Services register what they must remove when a project is deleted (user tables, R2 objects …). */
type Cleanup = (env: Env, db: DB, projectId: string) => Promise<void>;
const cleanups: Cleanup[] = [];
export function onProjectDelete(fn: Cleanup): void {
  cleanups.push(fn);
}
export async function runProjectCleanups(env: Env, db: DB, projectId: string): Promise<void> {
  for (const fn of cleanups) await fn(env, db, projectId);
}
