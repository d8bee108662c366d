import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../core/errors";
import { resolveId } from "../core/ids";
import { p, params } from "../core/params";
import { json, list, noContent } from "../core/response";
import { lookup } from "../core/input";
import type { Field } from "../core/query/sql";
import { isUniqueViolation, open } from "../db/client";
import { prepareQueries, runList } from "../db/list";
import { platforms, projects, type Platform } from "../db/schema";
import { requireScope } from "./caller";
import { touchAccess } from "./access";
import type { AppEnv, Ctx } from "./context";
import { NATIVE_KEY_FIELDS, platformModel, webPlatformModel } from "./models";
import { hostnameAllowed, platformType } from "./origin";
import { requireProjectAccess } from "./console-access";

/**
 * Platforms (Appwrite 1.9's Project service): `/v1/project/platforms` for a project's API key, and the console
 * aliases under `/v1/projects/{projectId}/platforms` for the deployment admin. Every type feeds origin.ts.
 */

type ProjectOf = (c: Ctx, write: boolean) => Promise<string>;

/** The `type` whitelist of the legacy web create (Web/Create.php), in Appwrite's order. */
const LEGACY_TYPES = ["web", "flutter-web", "unity", "flutter-macos", "flutter-ios", "react-native-ios", "apple-ios", "apple-macos", "apple-watchos", "apple-tvos", "flutter-android", "android", "react-native-android", "flutter-linux", "flutter-windows"];

const NATIVE_TYPES = ["apple", "android", "windows", "linux"];

/** Utopia's Hostname validator: no scheme, port or path (`*.example.com` wildcards are fine). */
function assertHostname(hostname: string): void {
  if (hostname && !hostnameAllowed(hostname, ["*"])) {
    throw new AppwriteError("general_argument_invalid", "Invalid `hostname` param: Value must be a valid hostname without path, port and protocol.");
  }
}

/** Queryable attributes (Queries/Platforms.php); the per-type key names all query the stored `key`. */
const key = { sql: "pl.key", type: "string" } as const;
const LIST_FIELDS = lookup<Field>({
  $id: { sql: "pl.id", type: "string" },
  $createdAt: { sql: "pl.created_at", type: "datetime" },
  $updatedAt: { sql: "pl.updated_at", type: "datetime" },
  type: { sql: "pl.type", type: "string" },
  name: { sql: "pl.name", type: "string" },
  hostname: { sql: "pl.hostname", type: "string" },
  bundleIdentifier: key,
  applicationId: key,
  packageIdentifierName: key,
  packageName: key,
});
const LIST_COLUMNS = "pl.project_id AS projectId, pl.id, pl.type, pl.name, pl.hostname, pl.key, pl.store, pl.created_at AS createdAt, pl.updated_at AS updatedAt";

/** Platforms are control data (the access middleware reads them with the project and key). */
const control = (c: Ctx) => open(c.env.DB);

async function findPlatform(c: Ctx, projectId: string): Promise<Platform> {
  const [row] = await control(c).select().from(platforms).where(and(eq(platforms.projectId, projectId), eq(platforms.id, c.req.param("platformId")!))).limit(1);
  if (!row) throw new AppwriteError("platform_not_found");
  return row;
}

async function insert(c: Ctx, values: Omit<Platform, "createdAt" | "updatedAt">): Promise<Platform> {
  const now = Date.now();
  try {
    const [row] = await control(c).insert(platforms).values({ ...values, createdAt: now, updatedAt: now }).returning();
    await touchAccess(c.env, values.projectId);
    return row!;
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("platform_already_exists");
    throw e;
  }
}

async function update(c: Ctx, projectId: string, id: string, set: Partial<Platform>): Promise<Platform> {
  const [row] = await control(c).update(platforms).set({ ...set, updatedAt: Date.now() }).where(and(eq(platforms.projectId, projectId), eq(platforms.id, id))).returning();
  await touchAccess(c.env, projectId);
  return row!;
}

function build(projectOf: ProjectOf): Hono<AppEnv> {
  const r = new Hono<AppEnv>();

  r.get("/", async (c) => {
    const projectId = await projectOf(c, false);
    const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
    const result = await runList<Platform>(
      c.env.DB,
      { from: "platforms pl", columns: LIST_COLUMNS, base: (b) => `pl.project_id = ${b.bind(projectId)}`, resolve: (name) => LIST_FIELDS[name], sequence: "pl.rowid", id: "pl.id" },
      prepareQueries(a.queries),
      a.total,
    );
    return json(c, list("platforms", result.rows.map(platformModel), result.total));
  });

  r.get("/:platformId", async (c) => json(c, platformModel(await findPlatform(c, await projectOf(c, false)))));

  r.delete("/:platformId", async (c) => {
    const projectId = await projectOf(c, true);
    const row = await findPlatform(c, projectId);
    await control(c).delete(platforms).where(and(eq(platforms.projectId, projectId), eq(platforms.id, row.id)));
    await touchAccess(c.env, projectId);
    return noContent(c);
  });
  return r;
}

/** createWebPlatform, which also takes every pre-1.9 `type` + `key` (stored under the 1.9 type) and answers the Web model. */
const createWeb = (projectOf: ProjectOf) => async (c: Ctx) => {
  const projectId = await projectOf(c, true);
  const a = await params(c, {
    // Required by 1.9's own route; older clients omit it and Appwrite's request filter fills `unique()`.
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
  const row = await insert(c, { projectId, id: resolveId("platformId", a.platformId), type: a.type ? platformType(a.type) : "web", name: a.name, key: a.key, hostname: a.hostname, store: "" });
  return json(c, webPlatformModel(row), 201);
};

/** updateWebPlatform: a hostname only for web (and pre-1.9) types; 1.9's native types have their own updates. */
const updateWeb = (projectOf: ProjectOf) => async (c: Ctx) => {
  const projectId = await projectOf(c, true);
  const a = await params(c, {
    name: p.string({ min: 1, max: 128 }),
    hostname: p.default(p.string({ max: 2048 }), ""),
    key: p.default(p.string({ max: 256 }), ""),
  });
  assertHostname(a.hostname);
  const row = await findPlatform(c, projectId);
  if (a.hostname && NATIVE_TYPES.includes(row.type)) throw new AppwriteError("platform_method_unsupported");
  return json(c, webPlatformModel(await update(c, projectId, row.id, { name: a.name, ...(a.hostname ? { hostname: a.hostname } : {}), ...(a.key ? { key: a.key } : {}) })));
};

/** /v1/project/platforms — a project's API key with platforms.* scopes. */
const fromProject: ProjectOf = async (c, write) => {
  requireScope(c, write ? "platforms.write" : "platforms.read");
  if (c.var.project.id === "console") throw new AppwriteError("project_not_found", "Project with the requested ID 'console' could not be found.");
  return c.var.project.id;
};

/** /v1/projects/{projectId}/platforms — the console aliases, by role in the project's organization (console-access.ts). */
const fromConsole: ProjectOf = async (c, write) => {
  return (await requireProjectAccess(c, c.req.param("projectId")!, write ? "platforms.write" : "platforms.read")).id;
};

export const projectPlatformRoutes = build(fromProject);
projectPlatformRoutes.post("/web", createWeb(fromProject));
projectPlatformRoutes.put("/web/:platformId", updateWeb(fromProject));

/** The key under its type's param name (`applicationId`, `bundleIdentifier` …), validated after the others. */
async function nativeKey(c: Ctx, name: string): Promise<string> {
  return (await params(c, { [name]: p.string({ min: 1, max: 256 }) }))[name] as string;
}

for (const type of NATIVE_TYPES) {
  const keyParam = NATIVE_KEY_FIELDS[type]!;
  projectPlatformRoutes.post(`/${type}`, async (c) => {
    const projectId = await fromProject(c, true);
    const a = await params(c, { platformId: p.customId(), name: p.string({ min: 1, max: 128 }) });
    const key = await nativeKey(c, keyParam);
    const row = await insert(c, { projectId, id: resolveId("platformId", a.platformId), type, name: a.name, key, hostname: "", store: "" });
    return json(c, platformModel(row), 201);
  });
  projectPlatformRoutes.put(`/${type}/:platformId`, async (c) => {
    const projectId = await fromProject(c, true);
    const a = await params(c, { name: p.string({ min: 1, max: 128 }) });
    const key = await nativeKey(c, keyParam);
    const row = await findPlatform(c, projectId);
    if (row.type !== type) throw new AppwriteError("platform_method_unsupported");
    return json(c, platformModel(await update(c, projectId, row.id, { name: a.name, key })));
  });
}

export const consolePlatformRoutes = build(fromConsole);
consolePlatformRoutes.post("/", createWeb(fromConsole));
consolePlatformRoutes.put("/:platformId", updateWeb(fromConsole));
