import { Hono } from "hono";
import { desc, eq } from "drizzle-orm";
import { AppwriteError } from "../core/errors";
import { resolveId } from "../core/ids";
import { p, params } from "../core/params";
import { json, list, noContent } from "../core/response";
import { isUniqueViolation } from "../db/client";
import { keys, memberships, outbox, platforms, projects, sessions, teams, tokens, users, type Project } from "../db/schema";
import { forgetKeys, requireAdmin } from "./caller";
import type { AppEnv, Ctx } from "./context";
import { projectModel } from "./models";
import { forgetProject, runProjectCleanups } from "./projects";

/**
 * The console API (Appwrite's console shape), reachable only by an owner: `X-Appwrite-Project: console` with
 * `X-Appwrite-Key: <ADMIN_KEY>` or a console user's session (src/platform/caller.ts).
 */
export const consoleRoutes = new Hono<AppEnv>();

const admin = requireAdmin;

async function loadProject(c: Ctx): Promise<Project> {
  const id = c.req.param("projectId")!;
  const [row] = await c.var.db.select().from(projects).where(eq(projects.id, id)).limit(1);
  if (!row) throw new AppwriteError("project_not_found", `Project with the requested ID '${id}' could not be found.`);
  return row;
}

consoleRoutes.post("/", async (c) => {
  admin(c, "projects.write");
  const a = await params(c, {
    projectId: p.customId(),
    name: p.string({ min: 1, max: 128 }),
    teamId: p.optional(p.string({ max: 36 })),
    description: p.optional(p.string({ max: 256 })),
  });
  const id = resolveId("projectId", a.projectId);
  if (id === "console") throw new AppwriteError("project_already_exists");
  const now = Date.now();
  try {
    const [row] = await c.var.db.insert(projects).values({ id, name: a.name, teamId: a.teamId ?? "", description: a.description ?? "", settings: {}, createdAt: now, updatedAt: now }).returning();
    forgetProject(id);
    return json(c, projectModel(row!), 201);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("project_already_exists");
    throw e;
  }
});

consoleRoutes.get("/", async (c) => {
  admin(c, "projects.read");
  const rows = await c.var.db.select().from(projects).orderBy(desc(projects.seq)).limit(5000);
  return json(c, list("projects", rows.map((r) => projectModel(r)), rows.length));
});

consoleRoutes.get("/:projectId", async (c) => {
  admin(c, "project.read");
  const project = await loadProject(c);
  const [ps, ks] = await c.var.db.batch([
    c.var.db.select().from(platforms).where(eq(platforms.projectId, project.id)),
    c.var.db.select().from(keys).where(eq(keys.projectId, project.id)),
  ]);
  return json(c, projectModel(project, { platforms: ps, keys: ks }));
});

consoleRoutes.delete("/:projectId", async (c) => {
  admin(c, "project.write");
  const project = await loadProject(c);
  await runProjectCleanups(c.env, c.var.db, project.id);
  const db = c.var.db;
  const scoped = [keys, platforms, users, sessions, tokens, teams, memberships, outbox] as const;
  await db.batch([db.delete(projects).where(eq(projects.id, project.id)), ...scoped.map((t) => db.delete(t).where(eq(t.projectId, project.id)))]);
  forgetProject(project.id);
  forgetKeys();
  return noContent(c);
});

// API keys: src/services/project/keys.ts (mounted under /v1/projects/:projectId/keys too).
