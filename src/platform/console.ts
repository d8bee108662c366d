import { Hono } from "hono";
import { and, desc, eq, inArray } from "drizzle-orm";
import { AppwriteError } from "../core/errors";
import { resolveId } from "../core/ids";
import { p, params } from "../core/params";
import { json, list, noContent } from "../core/response";
import { KEY_SCOPES } from "../core/scopes";
import { parseDate } from "../core/time";
import { isUniqueViolation, open } from "../db/client";
import { dataDatabase, placeNewProject } from "../db/shards";
import { purge } from "../services/shards/move";
import { keys, memberships, organizationKeys, outbox, platforms, projects, sessions, teams, tokens, users, type Project } from "../db/schema";
import { forgetKeys, requireScope } from "./caller";
import { assertOrganizationScope, findOrganization, isDeploymentAdmin, readableOrganizations, requireConsoleCaller, requireProjectAccess } from "./console-access";
import type { AppEnv, Ctx } from "./context";
import { projectModel } from "./models";
import { forgetProject, runProjectCleanups } from "./projects";
import { touchAccess } from "./access";

/**
 * The console API (Appwrite's console shape) over the control database: the ADMIN_KEY, or a console user (or
 * organization key) whose role in the project's organization grants the route's scope (src/platform/console-access.ts).
 */
export const consoleRoutes = new Hono<AppEnv>();

const access = (c: Ctx, ...scopes: [string, ...string[]]) => requireProjectAccess(c, c.req.param("projectId")!, ...scopes);

/** Insert a project into an organization ('' only for the ADMIN_KEY); `project_already_exists` on a taken id. */
export async function insertProject(c: Ctx, v: { projectId: string; name: string; teamId: string; description?: string }): Promise<Project> {
  const id = resolveId("projectId", v.projectId);
  if (id === "console") throw new AppwriteError("project_already_exists");
  const now = Date.now();
  try {
    // Placement (src/db/shards.ts): the open data database with the fewest projects.
    const database = await placeNewProject(c.env);
    const [row] = await open(c.env.DB).insert(projects).values({ id, name: v.name, teamId: v.teamId, description: v.description ?? "", settings: {}, database, createdAt: now, updatedAt: now }).returning();
    forgetProject(id);
    await touchAccess(c.env, id); // a project made again under a deleted one's id
    return row!;
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("project_already_exists");
    throw e;
  }
}

/** Remove a project and everything it holds (its data database's rows through the services' cleanups). */
export async function removeProject(c: Ctx, project: Project): Promise<void> {
  const d1 = await dataDatabase(c.env, project.id);
  const data = open(d1);
  await runProjectCleanups(c.env, d1, project.id);
  const control = open(c.env.DB);
  const scoped = [sessions, tokens, teams, memberships, outbox] as const;
  await data.batch([data.delete(users).where(eq(users.projectId, project.id)), ...scoped.map((t) => data.delete(t).where(eq(t.projectId, project.id)))]);
  // Whatever no service cleanup names (webhooks, rules, cursors, usage …): every project table, as a move leaves it.
  await purge(d1, project.id, project.seq);
  await control.batch([control.delete(projects).where(eq(projects.id, project.id)), control.delete(keys).where(eq(keys.projectId, project.id)), control.delete(platforms).where(eq(platforms.projectId, project.id))]);
  forgetProject(project.id);
  forgetKeys();
  await touchAccess(c.env, project.id, { gone: true });
}

/** What goes with an organization (a console team) besides its team row and memberships: its projects and keys. */
export async function removeOrganizationContents(c: Ctx, teamId: string): Promise<void> {
  const control = open(c.env.DB);
  for (const project of await control.select().from(projects).where(eq(projects.teamId, teamId))) await removeProject(c, project);
  await control.delete(organizationKeys).where(eq(organizationKeys.teamId, teamId));
}

/** A project goes into an existing organization where the caller may create projects (the ADMIN_KEY: any, or none). */
async function assertPlacement(c: Ctx, teamId: string): Promise<void> {
  const admin = isDeploymentAdmin(c.var.caller);
  if (!teamId && admin) return;
  if (!(await findOrganization(c.env, teamId))) throw new AppwriteError(admin ? "team_not_found" : "user_unauthorized");
  if (!admin) assertOrganizationScope(c, teamId, ["projects.write"]);
}

consoleRoutes.post("/", async (c) => {
  const caller = requireScope(c, "projects.write");
  const a = await params(c, {
    projectId: p.customId(),
    name: p.string({ min: 1, max: 128 }),
    teamId: isDeploymentAdmin(caller) ? p.optional(p.string({ max: 36 })) : p.string({ max: 36 }),
    description: p.optional(p.string({ max: 256 })),
  });
  const teamId = a.teamId ?? "";
  await assertPlacement(c, teamId);
  return json(c, projectModel(await insertProject(c, { projectId: a.projectId, name: a.name, teamId, description: a.description })), 201);
});

consoleRoutes.get("/", async (c) => {
  const caller = requireConsoleCaller(c, "projects.read");
  const orgs = readableOrganizations(caller);
  const db = open(c.env.DB);
  const rows = orgs === null ? await db.select().from(projects).orderBy(desc(projects.seq)).limit(5000) : orgs.length ? await db.select().from(projects).where(inArray(projects.teamId, orgs)).orderBy(desc(projects.seq)).limit(5000) : [];
  return json(c, list("projects", rows.map((r) => projectModel(r)), rows.length));
});

consoleRoutes.get("/:projectId", async (c) => {
  const project = await access(c, "project.read");
  const db = open(c.env.DB);
  const [ps, ks] = await db.batch([db.select().from(platforms).where(eq(platforms.projectId, project.id)), db.select().from(keys).where(eq(keys.projectId, project.id))]);
  return json(c, projectModel(project, { platforms: ps, keys: ks }));
});

consoleRoutes.patch("/:projectId", async (c) => {
  const project = await access(c, "projects.write");
  const a = await params(c, { name: p.string({ min: 1, max: 128 }), description: p.optional(p.string({ max: 256 })) });
  const now = Date.now();
  const [row] = await open(c.env.DB).update(projects).set({ name: a.name, ...(a.description !== undefined ? { description: a.description } : {}), updatedAt: now }).where(eq(projects.id, project.id)).returning();
  forgetProject(project.id);
  await touchAccess(c.env, project.id);
  return json(c, projectModel(row!));
});

/** Move a project to another organization: the caller must be allowed to create projects in both. */
consoleRoutes.patch("/:projectId/team", async (c) => {
  const project = await access(c, "projects.write");
  const a = await params(c, { teamId: p.string({ max: 36 }) });
  await assertPlacement(c, a.teamId);
  const [row] = await open(c.env.DB).update(projects).set({ teamId: a.teamId, updatedAt: Date.now() }).where(eq(projects.id, project.id)).returning();
  forgetProject(project.id);
  await touchAccess(c.env, project.id);
  return json(c, projectModel(row!));
});

consoleRoutes.delete("/:projectId", async (c) => {
  await removeProject(c, await access(c, "project.write"));
  return noContent(c);
});

// API keys: src/services/project/keys.ts (mounted under /v1/projects/:projectId/keys too).
