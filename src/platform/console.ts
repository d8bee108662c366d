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
import { keys, memberships, outbox, platforms, projects, sessions, teams, tokens, users, type Platform, type Project } from "../db/schema";
import { forgetKeys, requireAdmin } from "./caller";
import type { AppEnv, Ctx } from "./context";
import { keyModel, platformModel, projectModel, webPlatformModel } from "./models";
import { hostnameAllowed, platformType } from "./origin";
import { forgetProject, runProjectCleanups } from "./projects";

/**
 * The console API (Appwrite's console shape), reachable only as the deployment admin:
 * `X-Appwrite-Project: console` + `X-Appwrite-Key: <ADMIN_KEY>`.
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
  admin(c, "projects.read");
  const project = await loadProject(c);
  const [ps, ks] = await c.var.db.batch([
    c.var.db.select().from(platforms).where(eq(platforms.projectId, project.id)),
    c.var.db.select().from(keys).where(eq(keys.projectId, project.id)),
  ]);
  return json(c, projectModel(project, { platforms: ps, keys: ks }));
});

consoleRoutes.delete("/:projectId", async (c) => {
  admin(c, "projects.write");
  const project = await loadProject(c);
  await runProjectCleanups(c.env, c.var.db, project.id);
  const db = c.var.db;
  const scoped = [keys, platforms, users, sessions, tokens, teams, memberships, outbox] as const;
  await db.batch([db.delete(projects).where(eq(projects.id, project.id)), ...scoped.map((t) => db.delete(t).where(eq(t.projectId, project.id)))]);
  forgetProject(project.id);
  forgetKeys();
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

// ---- platforms: Appwrite 1.9's console aliases of the Project service's web-platform routes -----------
// Every type is accepted under its pre-1.9 name and stored under its 1.9 type; all of them feed origin.ts.

/** The `type` whitelist of the legacy create (Web/Create.php), in Appwrite's order. */
const LEGACY_TYPES = ["web", "flutter-web", "unity", "flutter-macos", "flutter-ios", "react-native-ios", "apple-ios", "apple-macos", "apple-watchos", "apple-tvos", "flutter-android", "android", "react-native-android", "flutter-linux", "flutter-windows"];

/** 1.9's native types, which have no hostname. */
const KEY_TYPES = ["apple", "android", "windows", "linux"];

/** Utopia's Hostname validator: no scheme, port or path (`*.example.com` wildcards are fine). */
function assertHostname(hostname: string): void {
  if (hostname && !hostnameAllowed(hostname, ["*"])) {
    throw new AppwriteError("general_argument_invalid", "Invalid `hostname` param: Value must be a valid hostname without path, port and protocol.");
  }
}

async function findPlatform(c: Ctx, projectId: string): Promise<Platform> {
  const [row] = await c.var.db.select().from(platforms).where(and(eq(platforms.projectId, projectId), eq(platforms.id, c.req.param("platformId")!))).limit(1);
  if (!row) throw new AppwriteError("platform_not_found");
  return row;
}

consoleRoutes.post("/:projectId/platforms", async (c) => {
  admin(c, "platforms.write");
  const project = await loadProject(c);
  const a = await params(c, {
    // Required by 1.9's own route; older consoles omit it and Appwrite's request filter fills `unique()`.
    platformId: p.default(p.customId(), "unique()"),
    name: p.string({ min: 1, max: 128 }),
    hostname: p.default(p.string({ max: 2048 }), ""),
    key: p.default(p.string({ max: 256 }), ""),
    type: p.default(p.string({ max: 256 }), ""),
  });
  assertHostname(a.hostname);
  if (a.type && !LEGACY_TYPES.includes(a.type)) {
    throw new AppwriteError("general_bad_request", `Param "type" is invalid: Value must be one of (${LEGACY_TYPES.join(", ")})`);
  }
  if (!a.type && !a.key && !a.hostname) throw new AppwriteError("general_argument_invalid", 'Param "hostname" is not optional.');
  const now = Date.now();
  const id = resolveId("platformId", a.platformId);
  try {
    const [row] = await c.var.db
      .insert(platforms)
      .values({ projectId: project.id, id, type: a.type ? platformType(a.type) : "web", name: a.name, key: a.key, hostname: a.hostname, createdAt: now, updatedAt: now })
      .returning();
    return json(c, webPlatformModel(row!), 201);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("platform_already_exists");
    throw e;
  }
});

consoleRoutes.get("/:projectId/platforms", async (c) => {
  admin(c, "platforms.read");
  const project = await loadProject(c);
  const a = await params(c, { total: p.default(p.boolean(), true) });
  const rows = await c.var.db.select().from(platforms).where(eq(platforms.projectId, project.id)).orderBy(platforms.createdAt);
  return json(c, list("platforms", rows.map(platformModel), a.total ? rows.length : 0));
});

consoleRoutes.get("/:projectId/platforms/:platformId", async (c) => {
  admin(c, "platforms.read");
  const project = await loadProject(c);
  return json(c, platformModel(await findPlatform(c, project.id)));
});

/** updateWebPlatform: a hostname only for web-like (and deprecated) types; 1.9's apple/android/… have their own updates. */
consoleRoutes.put("/:projectId/platforms/:platformId", async (c) => {
  admin(c, "platforms.write");
  const project = await loadProject(c);
  const a = await params(c, {
    name: p.string({ min: 1, max: 128 }),
    hostname: p.default(p.string({ max: 2048 }), ""),
    key: p.default(p.string({ max: 256 }), ""),
  });
  assertHostname(a.hostname);
  const row = await findPlatform(c, project.id);
  if (a.hostname && KEY_TYPES.includes(row.type)) throw new AppwriteError("platform_method_unsupported");
  const [updated] = await c.var.db
    .update(platforms)
    .set({ name: a.name, updatedAt: Date.now(), ...(a.hostname ? { hostname: a.hostname } : {}), ...(a.key ? { key: a.key } : {}) })
    .where(and(eq(platforms.projectId, project.id), eq(platforms.id, row.id)))
    .returning();
  return json(c, webPlatformModel(updated!));
});

consoleRoutes.delete("/:projectId/platforms/:platformId", async (c) => {
  admin(c, "platforms.write");
  const project = await loadProject(c);
  const gone = await c.var.db.delete(platforms).where(and(eq(platforms.projectId, project.id), eq(platforms.id, c.req.param("platformId")))).returning({ id: platforms.id });
  if (!gone.length) throw new AppwriteError("platform_not_found");
  return noContent(c);
});
