import { Hono } from "hono";
import { and, desc, eq, inArray } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { hashSecret, randomHex } from "../../core/crypto";
import { resolveId } from "../../core/ids";
import { p, params } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import { parseDate } from "../../core/time";
import { lookup } from "../../core/input";
import type { Binder, Field } from "../../core/query/sql";
import { isUniqueViolation, open } from "../../db/client";
import { touchAccess } from "../../platform/access";
import { prepareQueries, runList } from "../../db/list";
import { memberships, organizationKeys, projects, teams, type Team } from "../../db/schema";
import { app } from "../../app";
import { scopeError } from "../../platform/caller";
import { requireOrganization } from "../../platform/console-access";
import { ORGANIZATION_KEY_SCOPES } from "../../platform/console-roles";
import type { AppEnv, Ctx } from "../../platform/context";
import { insertProject, removeOrganizationContents, removeProject } from "../../platform/console";
import { projectModel } from "../../platform/models";
import { ORGANIZATION_KEY_PREFIX } from "../../platform/organization-keys";
import { CONSOLE } from "../../platform/projects";
import { searchClause } from "../teams/teams";
import { organizationKeyModel, organizationModel } from "./models";
import { assertNotLonger } from "../project/keys";

/**
 * `/v1/organization/*` (SDK 27's Organization service): the organization named by `X-Appwrite-Organization`, a team
 * of the console project, called with a console session or an organization key (src/platform/console-access.ts).
 * Everything here is control data (`c.env.DB`).
 */
export const organizationRoutes = new Hono<AppEnv>();

const control = (c: Ctx) => open(c.env.DB);

async function projectIds(c: Ctx, teamId: string): Promise<string[]> {
  const rows = await control(c).select({ id: projects.id }).from(projects).where(eq(projects.teamId, teamId)).orderBy(desc(projects.seq));
  return rows.map((r) => r.id);
}

// ---- the organization ---------------------------------------------------------------------------

organizationRoutes.get("/", async (c) => {
  const team = await requireOrganization(c, "organization.read");
  return json(c, organizationModel(team, await projectIds(c, team.id)));
});

organizationRoutes.put("/", async (c) => {
  const team = await requireOrganization(c, "organization.write");
  const a = await params(c, { name: p.string({ max: 128 }) });
  const [row] = await control(c).update(teams).set({ name: a.name, updatedAt: Date.now() }).where(and(eq(teams.projectId, CONSOLE.id), eq(teams.id, team.id))).returning();
  return json(c, organizationModel(row!, await projectIds(c, team.id)));
});

/** Deleting an organization deletes its projects (Appwrite's deletes worker does so for a console team). */
organizationRoutes.delete("/", async (c) => {
  const team = await requireOrganization(c, "organization.write");
  await removeOrganizationContents(c, team.id);
  const db = control(c);
  await db.batch([
    db.delete(memberships).where(and(eq(memberships.projectId, CONSOLE.id), eq(memberships.teamId, team.id))),
    db.delete(teams).where(and(eq(teams.projectId, CONSOLE.id), eq(teams.id, team.id))),
  ]);
  return noContent(c);
});

// ---- installations: a Cloud feature (Git app installations) Edgewrite does not have -------------

const installations = (write: boolean) => async (c: Ctx) => {
  await requireOrganization(c, write ? "organization.installations.write" : "organization.installations.read");
  throw new AppwriteError("general_not_implemented");
};
organizationRoutes.get("/installations", installations(false));
organizationRoutes.post("/installations", installations(true));
organizationRoutes.get("/installations/:installationId", installations(false));
organizationRoutes.put("/installations/:installationId", installations(true));
organizationRoutes.delete("/installations/:installationId", installations(true));

// ---- projects ------------------------------------------------------------------------------------

/** A list page over the control database: Appwrite's queries pick and order the ids, then their rows are loaded. */
async function listPage<T extends { id: string }>(
  c: Ctx,
  spec: { from: string; base: (b: Binder) => string; fields: Readonly<Record<string, Field | undefined>>; sequence: string; id: string },
  a: { queries?: string[]; total: boolean },
  load: (ids: string[]) => Promise<T[]>,
): Promise<{ rows: T[]; total: number }> {
  const page = await runList<{ id: string }>(
    c.env.DB,
    { from: spec.from, columns: `${spec.id} AS id`, base: spec.base, resolve: (name) => spec.fields[name], sequence: spec.sequence, id: spec.id },
    prepareQueries(a.queries),
    a.total,
  );
  const ids = page.rows.map((r) => r.id);
  const byId = new Map((ids.length ? await load(ids) : []).map((r) => [r.id, r]));
  return { rows: ids.map((id) => byId.get(id)!).filter(Boolean), total: page.total };
}

const PROJECT_FIELDS = lookup<Field>({
  $id: { sql: "pr.id", type: "string" },
  $createdAt: { sql: "pr.created_at", type: "datetime" },
  $updatedAt: { sql: "pr.updated_at", type: "datetime" },
  name: { sql: "pr.name", type: "string" },
  teamId: { sql: "pr.team_id", type: "string" },
});

organizationRoutes.get("/projects", async (c) => {
  const team = await requireOrganization(c, "projects.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const page = await listPage(
    c,
    { from: "projects pr", base: (b) => `pr.team_id = ${b.bind(team.id)} AND ${searchClause(b, "(pr.id || ' ' || pr.name)", a.search)}`, fields: PROJECT_FIELDS, sequence: "pr.seq", id: "pr.id" },
    a,
    (ids) => control(c).select().from(projects).where(inArray(projects.id, ids)),
  );
  return json(c, list("projects", page.rows.map((r) => projectModel(r)), page.total));
});

organizationRoutes.post("/projects", async (c) => {
  const team = await requireOrganization(c, "projects.write");
  const a = await params(c, { projectId: p.customId(), name: p.string({ max: 128 }), region: p.optional(p.enum(["default"])) });
  return json(c, projectModel(await insertProject(c, { projectId: a.projectId, name: a.name, teamId: team.id })), 201);
});

async function orgProject(c: Ctx, team: Team) {
  const [row] = await control(c).select().from(projects).where(and(eq(projects.id, c.req.param("projectId")!), eq(projects.teamId, team.id))).limit(1);
  if (!row) throw new AppwriteError("project_not_found");
  return row;
}

organizationRoutes.get("/projects/:projectId", async (c) => json(c, projectModel(await orgProject(c, await requireOrganization(c, "projects.read")))));

organizationRoutes.patch("/projects/:projectId", async (c) => {
  const project = await orgProject(c, await requireOrganization(c, "projects.write"));
  const a = await params(c, { name: p.string({ max: 128 }) });
  const [row] = await control(c).update(projects).set({ name: a.name, updatedAt: Date.now() }).where(eq(projects.id, project.id)).returning();
  await touchAccess(c.env, project.id);
  return json(c, projectModel(row!));
});

organizationRoutes.delete("/projects/:projectId", async (c) => {
  await removeProject(c, await orgProject(c, await requireOrganization(c, "projects.write")));
  return noContent(c);
});

// ---- keys ------------------------------------------------------------------------------------------

const keyParams = { name: p.string({ min: 1, max: 128 }), scopes: p.array(p.enum(ORGANIZATION_KEY_SCOPES), { max: 100 }), expire: p.optional(p.string({ max: 64 })) };

function expireOf(value: string | undefined): number | null {
  const expire = value ? parseDate(value) : null;
  if (value && expire === null) throw new AppwriteError("general_argument_invalid", "Invalid `expire` param: Value must be valid date.");
  return expire;
}

const KEY_FIELDS = lookup<Field>({
  $id: { sql: "ok.id", type: "string" },
  $createdAt: { sql: "ok.created_at", type: "datetime" },
  $updatedAt: { sql: "ok.updated_at", type: "datetime" },
  name: { sql: "ok.name", type: "string" },
  expire: { sql: "ok.expire", type: "datetime" },
  accessedAt: { sql: "ok.accessed_at", type: "datetime" },
});

organizationRoutes.get("/keys", async (c) => {
  const team = await requireOrganization(c, "organization.keys.read");
  const a = await params(c, { queries: p.optional(p.strings()), total: p.default(p.boolean(), true) });
  const page = await listPage(
    c,
    { from: "organization_keys ok", base: (b) => `ok.team_id = ${b.bind(team.id)}`, fields: KEY_FIELDS, sequence: "ok.rowid", id: "ok.id" },
    a,
    (ids) => control(c).select().from(organizationKeys).where(and(eq(organizationKeys.teamId, team.id), inArray(organizationKeys.id, ids))),
  );
  return json(c, list("keys", page.rows.map((k) => organizationKeyModel(k)), page.total));
});

/**
 * A key never widens a key: a standing organization key is made by a person (console session) or the ADMIN_KEY,
 * as project keys are (key_creation_denied), and a key updating one hands on only scopes it holds itself —
 * otherwise `organization.keys.write` alone would be every scope of the organization.
 */
function assertKeyGrantable(c: Ctx, scopes: readonly string[]): void {
  const caller = c.var.caller;
  if (caller.mode !== "key") return;
  const missing = scopes.filter((s) => !caller.scopes.has(s));
  if (missing.length) throw scopeError(c, missing);
}

organizationRoutes.post("/keys", async (c) => {
  const team = await requireOrganization(c, "organization.keys.write");
  if (c.var.caller.mode === "key") throw new AppwriteError("key_creation_denied");
  const a = await params(c, { keyId: p.customId(), ...keyParams });
  const secret = `${ORGANIZATION_KEY_PREFIX}${randomHex(64)}`;
  const now = Date.now();
  try {
    const [row] = await control(c).insert(organizationKeys).values({ teamId: team.id, id: resolveId("keyId", a.keyId), name: a.name, scopes: a.scopes, secretHash: hashSecret(secret), expire: expireOf(a.expire), createdAt: now, updatedAt: now }).returning();
    return json(c, organizationKeyModel(row!, secret), 201);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("key_already_exists");
    throw e;
  }
});

const keyWhere = (c: Ctx, team: Team) => and(eq(organizationKeys.teamId, team.id), eq(organizationKeys.id, c.req.param("keyId")!));

organizationRoutes.get("/keys/:keyId", async (c) => {
  const team = await requireOrganization(c, "organization.keys.read");
  const [row] = await control(c).select().from(organizationKeys).where(keyWhere(c, team)).limit(1);
  if (!row) throw new AppwriteError("key_not_found");
  return json(c, organizationKeyModel(row));
});

organizationRoutes.put("/keys/:keyId", async (c) => {
  const team = await requireOrganization(c, "organization.keys.write");
  const a = await params(c, keyParams);
  assertKeyGrantable(c, a.scopes);
  const expire = expireOf(a.expire);
  const [current] = await control(c).select().from(organizationKeys).where(keyWhere(c, team)).limit(1);
  if (!current) throw new AppwriteError("key_not_found");
  assertNotLonger(c.var.caller, current.expire, expire);
  const [row] = await control(c).update(organizationKeys).set({ name: a.name, scopes: a.scopes, expire, updatedAt: Date.now() }).where(keyWhere(c, team)).returning();
  if (!row) throw new AppwriteError("key_not_found");
  return json(c, organizationKeyModel(row));
});

organizationRoutes.delete("/keys/:keyId", async (c) => {
  const team = await requireOrganization(c, "organization.keys.write");
  const gone = await control(c).delete(organizationKeys).where(keyWhere(c, team)).returning({ id: organizationKeys.id });
  if (!gone.length) throw new AppwriteError("key_not_found");
  return noContent(c);
});

// ---- memberships: the console team's, served by the Teams code as the same caller ------------------

/**
 * The organization's memberships are its console team's: after the organization scope check the request is
 * answered by `/v1/teams/{organization}/memberships…` with the caller's own credentials, so Teams' rules (only
 * owners invite, change roles or remove others; invitations by e-mail) apply unchanged.
 */
const viaTeams = (write: boolean) => async (c: Ctx) => {
  const team = await requireOrganization(c, write ? "organization.memberships.write" : "organization.memberships.read");
  const url = new URL(c.req.url);
  url.pathname = `/v1/teams/${encodeURIComponent(team.id)}${url.pathname.slice("/v1/organization".length)}`;
  return app.fetch(new Request(url, c.req.raw), c.env, c.executionCtx);
};
organizationRoutes.get("/memberships", viaTeams(false));
organizationRoutes.post("/memberships", viaTeams(true));
organizationRoutes.get("/memberships/:membershipId", viaTeams(false));
organizationRoutes.patch("/memberships/:membershipId", viaTeams(true));
organizationRoutes.delete("/memberships/:membershipId", viaTeams(true));
