/**
 * Console auth policy routes, Appwrite's console shape (Modules/Project/Http/Project/Policies/*):
 * PATCH /v1/projects/{projectId}/auth/{limit|duration|max-sessions|password-history|password-dictionary|personal-data}
 * → the Project model. Count params are `total` (current console) or `limit` (older console). Admin only.
 */
import { Hono } from "hono";
import { eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { collectParams, p, validate } from "../../core/params";
import { json } from "../../core/response";
import { projects } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { projectModel } from "../../platform/models";
import { forgetProject } from "../../platform/projects";

export const authConsoleRoutes = new Hono<AppEnv>();

async function setAuth(c: Ctx, key: string, value: unknown) {
  requireScope(c, "projects.write");
  if (c.var.caller.mode !== "admin") throw new AppwriteError("user_unauthorized");
  const id = c.req.param("projectId")!;
  const db = c.var.db;
  const [row] = await db.select().from(projects).where(eq(projects.id, id)).limit(1);
  if (!row) throw new AppwriteError("project_not_found", `Project with the requested ID '${id}' could not be found.`);
  const settings = { ...row.settings, auth: { ...(row.settings.auth ?? {}), [key]: value } };
  const now = Date.now();
  await db.update(projects).set({ settings, updatedAt: now }).where(eq(projects.id, id));
  forgetProject(id);
  return json(c, projectModel({ ...row, settings, updatedAt: now }));
}

/** `total` (new console) or `limit` (old console); null → the "off" value. */
async function count(c: Ctx, range: { min: number; max: number }, off: number | null): Promise<number> {
  const raw = await collectParams(c);
  const name = raw.total !== undefined ? "total" : "limit";
  const value = raw[name];
  if (value === null && off !== null) return off;
  return validate({ [name]: value }, { [name]: p.integer(range) })[name] as number;
}

authConsoleRoutes.patch("/:projectId/auth/limit", async (c) => setAuth(c, "limit", await count(c, { min: 0, max: 10000 }, 0)));
authConsoleRoutes.patch("/:projectId/auth/max-sessions", async (c) => setAuth(c, "sessionsLimit", await count(c, { min: 1, max: 100 }, null)));
authConsoleRoutes.patch("/:projectId/auth/password-history", async (c) => setAuth(c, "passwordHistory", await count(c, { min: 0, max: 20 }, 0)));
authConsoleRoutes.patch("/:projectId/auth/duration", async (c) => {
  const a = validate(await collectParams(c), { duration: p.integer({ min: 60, max: 31536000 }) });
  return setAuth(c, "duration", a.duration);
});
authConsoleRoutes.patch("/:projectId/auth/password-dictionary", async (c) => {
  const a = validate(await collectParams(c), { enabled: p.boolean() });
  return setAuth(c, "passwordDictionary", a.enabled);
});
authConsoleRoutes.patch("/:projectId/auth/personal-data", async (c) => {
  const a = validate(await collectParams(c), { enabled: p.boolean() });
  return setAuth(c, "personalDataCheck", a.enabled);
});
