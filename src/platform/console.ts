import { Hono } from "hono";
import { and, desc, eq } from "drizzle-orm";
import { AppwriteError } from "../core/errors";
import { randomHex, hashSecret } from "../core/crypto";
import { resolveId } from "../core/ids";
import { p, params } from "../core/params";
import { json, list, noContent } from "../core/response";
import { KEY_SCOPES } from "../core/scopes";
import { parseDate } from "../core/time";
import { isUniqueViolation } from "../db/client";
import { keys, platforms, projects, type Project } from "../db/schema";
import { forgetKeys, requireAdmin } from "./caller";
import type { AppEnv, Ctx } from "./context";
import { keyModel, projectModel } from "./models";
import { forgetProject } from "./projects";
import { deleteProject } from "../services/project/delete";

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
  await deleteProject(c.env, c.var.db, project.id); // data-db: the addressed project's data database
  return noContent(c);
});

// ---- API keys ---------------------------------------------------------------------------------

consoleRoutes.post("/:projectId/keys", async (c) => {
  admin(c, "keys.write");
  const project = await loadProject(c);
  const a = await params(c, {
    keyId: p.optional(p.customId()),
    name: p.string({ min: 1, max: 128 }),
    scopes: p.array(p.enum(KEY_SCOPES), { max: 100 }),
    expire: p.optional(p.string({ max: 64 })),
  });
  const expire = a.expire ? parseDate(a.expire) : null;
  if (a.expire && expire === null) throw new AppwriteError("general_argument_invalid", "Invalid `expire` param: Value must be valid date.");
  const secret = `standard_${randomHex(64)}`;
  const now = Date.now();
  const id = resolveId("keyId", a.keyId ?? "unique()");
  const [row] = await c.var.db.insert(keys).values({ projectId: project.id, id, name: a.name, scopes: a.scopes, secretHash: hashSecret(secret), expire, createdAt: now, updatedAt: now }).returning();
  return json(c, keyModel(row!, secret), 201);
});

consoleRoutes.get("/:projectId/keys", async (c) => {
  admin(c, "keys.read");
  const project = await loadProject(c);
  const rows = await c.var.db.select().from(keys).where(eq(keys.projectId, project.id));
  return json(c, list("keys", rows.map((k) => keyModel(k)), rows.length));
});

consoleRoutes.get("/:projectId/keys/:keyId", async (c) => {
  admin(c, "keys.read");
  const project = await loadProject(c);
  const [row] = await c.var.db.select().from(keys).where(and(eq(keys.projectId, project.id), eq(keys.id, c.req.param("keyId")))).limit(1);
  if (!row) throw new AppwriteError("key_not_found");
  return json(c, keyModel(row));
});

consoleRoutes.delete("/:projectId/keys/:keyId", async (c) => {
  admin(c, "keys.write");
  const project = await loadProject(c);
  const gone = await c.var.db.delete(keys).where(and(eq(keys.projectId, project.id), eq(keys.id, c.req.param("keyId")))).returning({ id: keys.id });
  if (!gone.length) throw new AppwriteError("key_not_found");
  forgetKeys();
  return noContent(c);
});
