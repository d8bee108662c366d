import { eq } from "drizzle-orm";
import { projects, type Project } from "../db/schema";
import { open, type DB } from "../db/client";

/** The console is a virtual project: it owns the console API; its only data are console users and their sessions. */
export const CONSOLE: Project = { seq: 0, id: "console", name: "Console", description: "", teamId: "", settings: {}, database: null, moving: false, createdAt: 0, updatedAt: 0 };

/**
 * A project, read fresh: a change to a project takes effect on the next request in every isolate. Requests
 * resolve their project with their key and platforms in one round trip (access.ts); this is for other code.
 */
export async function findProject(db: DB, id: string): Promise<Project | null> {
  if (id === "console") return CONSOLE;
  const [row] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  return row ?? null;
}

/** Nothing to drop any more (projects are read fresh, or checked in the request's own batches); kept for callers. */
export function forgetProject(id: string): void {
  void id;
}

/** Services register what they must remove when a project is deleted (user tables, R2 objects …). */
/** `db`/`d1`: the project's data database (src/db/shards.ts). */
type Cleanup = (env: Env, db: DB, projectId: string, d1: D1Database) => Promise<void>;
const cleanups: Cleanup[] = [];
export function onProjectDelete(fn: Cleanup): void {
  cleanups.push(fn);
}
export async function runProjectCleanups(env: Env, d1: D1Database, projectId: string): Promise<void> {
  const db = open(d1);
  for (const fn of cleanups) await fn(env, db, projectId, d1);
}
