import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { AppwriteException, Client, Organization, OrganizationKeyScopes, Query, Users } from "node-appwrite";
import { Client as ConsoleClient, PlatformType, Projects } from "@appwrite.io/console";
import { adminKey, consoleCall, endpoint, raw, until } from "./harness";
import { roleScopes } from "../../src/platform/console-roles";

/**
 * Organizations: console teams with Appwrite's console roles. A console user reaches an organization's projects
 * by their role there — through SDK 27's Organization service and the legacy console routes the console SDK uses.
 */
const PASSWORD = "organization-password-1";
const tag = Date.now().toString(36);
const people = { ownerA: `owner-a-${tag}@example.com`, devA: `dev-a-${tag}@example.com`, ownerB: `owner-b-${tag}@example.com` };
const sessions: Record<string, string> = {};
let orgA: string;
let orgB: string;
/** A project of organization A, made by A's owner, and a key of it. */
let projectA: string;
let projectKey: string;

const consoleHeaders = (extra: Record<string, string> = {}) => ({ "content-type": "application/json", "x-appwrite-project": "console", ...extra });

async function signIn(email: string): Promise<string> {
  const res = await raw("POST", "/account/sessions/email", { headers: consoleHeaders(), body: JSON.stringify({ email, password: PASSWORD }) });
  expect(res.status, res.text).toBe(201);
  return /(?:^|, )a_session_console=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")![1]!;
}

/** A new organization (console team) with `members` (email → role) confirmed by the ADMIN_KEY. */
async function organization(name: string, members: Record<string, string>): Promise<string> {
  const team = await consoleCall("POST", "/teams", { teamId: "unique()", name });
  expect(team.status).toBe(201);
  for (const [email, role] of Object.entries(members)) {
    const m = await consoleCall("POST", `/teams/${team.json.$id}/memberships`, { email, roles: [role] });
    expect(m.status, JSON.stringify(m.json)).toBe(201);
    expect(m.json.confirm).toBe(true);
  }
  return team.json.$id;
}

/** node-appwrite as a console user in an organization. */
const orgClient = (session: string, org: string) => new Client().setEndpoint(endpoint).setProject("console").setSession(session).addHeader("X-Appwrite-Organization", org);
const org = (session: string, teamId = orgA) => new Organization(orgClient(session, teamId));

const verdict = (r: { status: number; body: any }) => `${r.status} ${r.body?.type ?? ""}`;

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppwriteException) return `${e.code} ${e.type}`;
    throw e;
  }
  return "resolved";
}

beforeAll(async () => {
  for (const email of Object.values(people)) {
    const created = await consoleCall("POST", "/users", { userId: "unique()", email, password: PASSWORD });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
  }
  orgA = await organization(`A ${tag}`, { [people.ownerA]: "owner", [people.devA]: "developer" });
  orgB = await organization(`B ${tag}`, { [people.ownerB]: "owner" });
  for (const [who, email] of Object.entries(people)) sessions[who] = await signIn(email);
  const created = await raw("POST", "/projects", { headers: consoleHeaders({ "x-appwrite-session": sessions.ownerA! }), body: JSON.stringify({ projectId: `pa${tag}`, name: "A's project", teamId: orgA }) });
  expect(created.status, created.text).toBe(201);
  projectA = created.body.$id;
  const key = await raw("POST", `/projects/${projectA}/keys`, { headers: consoleHeaders({ "x-appwrite-session": sessions.ownerA! }), body: JSON.stringify({ name: "server", scopes: ["users.read", "project.read", "keys.read"] }) });
  expect(key.status, key.text).toBe(201);
  projectKey = key.body.secret;
});

describe("Organization (node-appwrite 27)", () => {
  it("reads and renames the organization", async () => {
    const o = org(sessions.ownerA!);
    expect((await o.get()).$id).toBe(orgA);
    await o.update({ name: `A renamed ${tag}` });
    const got = await o.get();
    expect(got.name).toBe(`A renamed ${tag}`);
    expect(got.projects).toContain(projectA);
    expect(await failure(org(sessions.devA!).update({ name: "dev rename" }))).toBe("401 general_unauthorized_scope");
  });

  it("creates, lists, reads, renames and deletes the organization's projects", async () => {
    const o = org(sessions.ownerA!);
    const made = await o.createProject({ projectId: `po${tag}`, name: "through organization" });
    expect(made.teamId).toBe(orgA);
    expect((await o.listProjects()).projects.map((p) => p.$id)).toEqual(expect.arrayContaining([made.$id, projectA]));
    expect((await o.listProjects({ search: "through" })).projects.map((p) => p.$id)).toEqual([made.$id]);
    expect((await o.listProjects({ queries: [Query.equal("name", ["through organization"])] })).projects.map((p) => p.$id)).toEqual([made.$id]);
    await o.updateProject({ projectId: made.$id, name: "renamed" });
    expect((await o.getProject({ projectId: made.$id })).name).toBe("renamed");
    // B's owner sees none of it, in either organization.
    expect(await failure(org(sessions.ownerB!).getProject({ projectId: made.$id }))).toBe("401 user_unauthorized");
    expect(await failure(org(sessions.ownerB!, orgB).getProject({ projectId: made.$id }))).toBe("404 project_not_found");
    await o.deleteProject({ projectId: made.$id });
    expect(await failure(o.getProject({ projectId: made.$id }))).toBe("404 project_not_found");
    expect((await consoleCall("GET", `/projects/${made.$id}`)).status).toBe(404);
  });

  it("creates organization keys that work, only in their organization and only with their scopes", async () => {
    const o = org(sessions.ownerA!);
    const key = await o.createKey({ keyId: "unique()", name: "ci", scopes: [OrganizationKeyScopes.ProjectsRead, OrganizationKeyScopes.ProjectsWrite] });
    expect(key.secret.startsWith("organization_")).toBe(true);
    const asKey = (teamId = orgA) => new Organization(new Client().setEndpoint(endpoint).setProject("console").setKey(key.secret).addHeader("X-Appwrite-Organization", teamId));
    expect((await asKey().listProjects()).projects.map((p) => p.$id)).toContain(projectA);
    const made = await asKey().createProject({ projectId: "unique()", name: "by key" });
    expect((await o.getProject({ projectId: made.$id })).name).toBe("by key");
    expect(await failure(asKey(orgB).listProjects())).toBe("403 organization_id_missing");
    expect(await failure(asKey().listKeys())).toBe("401 general_unauthorized_scope");
    expect((await o.listKeys()).keys.map((k) => k.$id)).toContain(key.$id);
    expect((await o.getKey({ keyId: key.$id })).secret).toBe("");
    await o.updateKey({ keyId: key.$id, name: "ci read-only", scopes: [OrganizationKeyScopes.OrganizationRead] });
    expect((await o.getKey({ keyId: key.$id })).name).toBe("ci read-only");
    expect(await failure(asKey().listProjects())).toBe("401 general_unauthorized_scope");
    expect((await asKey().get()).$id).toBe(orgA);
    // A members-reading key lists the organization's members, and gains nothing over other teams.
    const members = await o.createKey({ keyId: "unique()", name: "members", scopes: [OrganizationKeyScopes.OrganizationMembershipsRead] });
    const membersClient = new Client().setEndpoint(endpoint).setProject("console").setKey(members.secret).addHeader("X-Appwrite-Organization", orgA);
    expect((await new Organization(membersClient).listMemberships()).memberships.map((m) => m.userEmail)).toContain(people.devA);
    const firstKey = await o.listKeys({ queries: [Query.orderAsc("$createdAt"), Query.limit(1)] });
    expect([firstKey.keys.map((k) => k.$id), firstKey.total]).toEqual([[key.$id], 2]);
    expect(verdict(await raw("GET", "/teams", { headers: consoleHeaders({ "x-appwrite-key": members.secret, "x-appwrite-organization": orgA }) }))).toBe("401 general_unauthorized_scope");
    expect(verdict(await raw("GET", `/teams/${orgA}`, { headers: consoleHeaders({ "x-appwrite-key": members.secret, "x-appwrite-organization": orgA }) }))).toBe("401 general_unauthorized_scope");
    await o.deleteKey({ keyId: members.$id });
    await o.deleteKey({ keyId: key.$id });
    expect(await failure(asKey().get())).toBe("401 user_unauthorized");
    await o.deleteProject({ projectId: made.$id });
  });

  it("an organization key mints no key and widens none, not even itself", async () => {
    const o = org(sessions.ownerA!);
    const manager = await o.createKey({ keyId: "unique()", name: "manager", scopes: [OrganizationKeyScopes.OrganizationKeysWrite, OrganizationKeyScopes.OrganizationKeysRead] });
    const asKey = new Organization(new Client().setEndpoint(endpoint).setProject("console").setKey(manager.secret).addHeader("X-Appwrite-Organization", orgA));
    // `organization.keys.write` is no path to every scope: a new key with more, or this one widened, is refused.
    expect(await failure(asKey.createKey({ keyId: "unique()", name: "wide", scopes: [OrganizationKeyScopes.OrganizationWrite, OrganizationKeyScopes.ProjectsWrite] }))).toBe("403 key_creation_denied");
    expect(await failure(asKey.updateKey({ keyId: manager.$id, name: "manager", scopes: [OrganizationKeyScopes.OrganizationKeysWrite, OrganizationKeyScopes.OrganizationWrite] }))).toBe("401 general_unauthorized_scope");
    expect((await o.getKey({ keyId: manager.$id })).scopes).toEqual([OrganizationKeyScopes.OrganizationKeysWrite, OrganizationKeyScopes.OrganizationKeysRead]);
    expect(await failure(asKey.delete())).toBe("401 general_unauthorized_scope");
    // Narrowing within what it holds still works.
    await asKey.updateKey({ keyId: manager.$id, name: "narrowed", scopes: [OrganizationKeyScopes.OrganizationKeysRead] });
    expect((await o.getKey({ keyId: manager.$id })).scopes).toEqual([OrganizationKeyScopes.OrganizationKeysRead]);
    await o.deleteKey({ keyId: manager.$id });
    // Nor does it lengthen a key's life: one given an hour cannot make itself permanent.
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const short = await o.createKey({ keyId: "unique()", name: "short", scopes: [OrganizationKeyScopes.OrganizationKeysWrite], expire: until });
    const asShort = new Organization(new Client().setEndpoint(endpoint).setProject("console").setKey(short.secret).addHeader("X-Appwrite-Organization", orgA));
    expect(await failure(asShort.updateKey({ keyId: short.$id, name: "short", scopes: [OrganizationKeyScopes.OrganizationKeysWrite] }))).toBe("400 general_argument_invalid");
    expect(new Date((await o.getKey({ keyId: short.$id })).expire!).getTime()).toBe(new Date(until).getTime());
    await o.deleteKey({ keyId: short.$id });
  });

  it("an organization key gives no member a role beyond its own scopes", async () => {
    const o = org(sessions.ownerA!);
    const key = await o.createKey({ keyId: "unique()", name: "members", scopes: [OrganizationKeyScopes.OrganizationMembershipsRead, OrganizationKeyScopes.OrganizationMembershipsWrite] });
    const asKey = new Organization(new Client().setEndpoint(endpoint).setProject("console").setKey(key.secret).addHeader("X-Appwrite-Organization", orgA));
    const dev = (await o.listMemberships()).memberships.find((m) => m.userEmail === people.devA)!;
    // Making someone (say, the key's holder) an owner would be every scope of the organization.
    expect(await failure(asKey.updateMembership({ membershipId: dev.$id, roles: ["owner"] }))).toBe("401 general_unauthorized_scope");
    expect(await failure(asKey.createMembership({ roles: ["developer"], email: `key-dev-${tag}@example.com`, url: `${new URL(endpoint).origin}/console/invite` }))).toBe("401 general_unauthorized_scope");
    const direct = await raw("PATCH", `/teams/${orgA}/memberships/${dev.$id}`, { headers: consoleHeaders({ "x-appwrite-key": key.secret, "x-appwrite-organization": orgA }), body: JSON.stringify({ roles: ["owner"] }) });
    expect(verdict(direct)).toBe("401 general_unauthorized_scope");
    expect((await o.getMembership({ membershipId: dev.$id })).roles).toEqual(["developer"]);
    // A role that grants only what every member has is the key's to give.
    const guest = await asKey.createMembership({ roles: ["analyst"], email: `key-analyst-${tag}@example.com`, url: `${new URL(endpoint).origin}/console/invite` });
    expect(guest.roles).toEqual(["analyst"]);
    await o.deleteMembership({ membershipId: guest.$id });
    await o.deleteKey({ keyId: key.$id });
  });

  it("deleting a project deletes its webhooks and usage: a project re-made with its id by another organization inherits none", async () => {
    const id = `reuse${tag}`;
    const asA = consoleHeaders({ "x-appwrite-session": sessions.ownerA! });
    const asB = consoleHeaders({ "x-appwrite-session": sessions.ownerB! });
    expect((await raw("POST", "/projects", { headers: asA, body: JSON.stringify({ projectId: id, name: "A's, soon deleted", teamId: orgA }) })).status).toBe(201);
    const hook = await raw("POST", `/projects/${id}/webhooks`, { headers: asA, body: JSON.stringify({ webhookId: "unique()", name: "A's hook", url: "https://a.example.com/hook", events: ["users.*"] }) });
    expect(hook.status, hook.text).toBe(201);
    const adminMode = (headers: Record<string, string>) => ({ ...headers, "x-appwrite-project": id, "x-appwrite-mode": "admin" });
    for (let i = 0; i < 3; i++) expect((await raw("GET", "/users", { headers: adminMode(asA) })).status).toBe(200);
    const day = 86_400_000;
    const usage = `/project/usage?startDate=${new Date(Date.now() - 7 * day).toISOString()}&endDate=${new Date(Date.now() + 2 * day).toISOString()}`;
    const requests = async (headers: Record<string, string>) =>
      ((await raw("GET", usage, { headers: adminMode(headers) })).body.requests as { value: number }[]).reduce((n, m) => n + m.value, 0);
    await until("A's requests counted", () => requests(asA), (n) => n >= 3);
    expect((await raw("DELETE", `/projects/${id}`, { headers: asA })).status).toBe(204);

    expect((await raw("POST", "/projects", { headers: asB, body: JSON.stringify({ projectId: id, name: "B's", teamId: orgB }) })).status).toBe(201);
    const hooks = await raw("GET", `/projects/${id}/webhooks`, { headers: asB });
    expect([hooks.status, hooks.body.total]).toEqual([200, 0]);
    expect(await requests(asB)).toBeLessThan(3);
    expect((await raw("DELETE", `/projects/${id}`, { headers: asB })).status).toBe(204);
  });

  it("invites, lists, re-roles and removes members; only owners manage them", async () => {
    const o = org(sessions.ownerA!);
    const invited = await o.createMembership({ roles: ["developer"], email: `invitee-${tag}@example.com`, url: `${new URL(endpoint).origin}/console/invite` });
    expect(invited.confirm).toBe(false);
    expect((await o.listMemberships()).memberships.map((m) => m.userEmail)).toEqual(expect.arrayContaining([people.ownerA, people.devA, `invitee-${tag}@example.com`]));
    expect((await org(sessions.devA!).getMembership({ membershipId: invited.$id })).roles).toEqual(["developer"]);
    expect(await failure(org(sessions.devA!).createMembership({ roles: ["owner"], email: `sneak-${tag}@example.com` }))).toBe("401 general_unauthorized_scope");
    // The invitee accepts through the e-mailed link: the console account exists from then on, with a password they set.
    const mail = await consoleCall("GET", `/projects/console/outbox?to=${encodeURIComponent(`invitee-${tag}@example.com`)}`);
    const link = new URL(/https?:\/\/[^\s"<]+\/console\/invite\?[^\s"<]+/.exec(mail.json.messages[0].text)![0].replace(/&amp;/g, "&"));
    const accepted = await raw("PATCH", `/teams/${orgA}/memberships/${invited.$id}/status`, {
      headers: consoleHeaders(), body: JSON.stringify({ userId: link.searchParams.get("userId"), secret: link.searchParams.get("secret") }),
    });
    expect(accepted.status, accepted.text).toBe(200);
    const inviteeSession = /(?:^|, )a_session_console=([^;]+)/.exec(accepted.headers.get("set-cookie") ?? "")![1]!;
    const setPassword = await raw("PATCH", "/account/password", { headers: consoleHeaders({ "x-appwrite-session": inviteeSession }), body: JSON.stringify({ password: PASSWORD }) });
    expect(setPassword.status, setPassword.text).toBe(200);
    const invitee = org(await signIn(`invitee-${tag}@example.com`));
    expect((await invitee.get()).$id).toBe(orgA);
    await o.updateMembership({ membershipId: invited.$id, roles: ["analyst"] });
    expect((await o.getMembership({ membershipId: invited.$id })).roles).toEqual(["analyst"]);
    // A role without scopes of its own keeps only listing: the organization itself is no longer readable.
    expect((await invitee.listProjects()).projects.map((p) => p.$id)).toContain(projectA);
    expect(await failure(invitee.get())).toBe("401 general_unauthorized_scope");
    await o.deleteMembership({ membershipId: invited.$id });
    expect(await failure(o.getMembership({ membershipId: invited.$id }))).toBe("404 membership_not_found");
    expect(await failure(org(sessions.ownerB!).listMemberships())).toBe("401 user_unauthorized");
  });

  it("answers installations with Appwrite's not-implemented error, never a missing route", async () => {
    expect(await failure(org(sessions.ownerA!).listInstallations())).toBe("405 general_not_implemented");
    expect(await failure(org(sessions.ownerA!).createInstallation({ appId: "x" }))).toBe("405 general_not_implemented");
    expect(await failure(org(sessions.ownerA!).getInstallation({ installationId: "x" }))).toBe("405 general_not_implemented");
    expect(await failure(org(sessions.ownerA!).updateInstallation({ installationId: "x" }))).toBe("405 general_not_implemented");
    expect(await failure(org(sessions.ownerA!).deleteInstallation({ installationId: "x" }))).toBe("405 general_not_implemented");
  });

  it("deletes an organization with its projects", async () => {
    const team = await raw("POST", "/teams", { headers: consoleHeaders({ "x-appwrite-session": sessions.ownerB! }), body: JSON.stringify({ teamId: "unique()", name: "short-lived" }) });
    expect(team.status, team.text).toBe(201);
    const o = org(sessions.ownerB!, team.body.$id);
    const made = await o.createProject({ projectId: "unique()", name: "goes too" });
    await o.delete();
    expect((await consoleCall("GET", `/projects/${made.$id}`)).status).toBe(404);
    expect((await consoleCall("GET", `/teams/${team.body.$id}`)).status).toBe(404);
    // Deleting the console team through Teams is the same deletion.
    const other = await raw("POST", "/teams", { headers: consoleHeaders({ "x-appwrite-session": sessions.ownerB! }), body: JSON.stringify({ teamId: "unique()", name: "via teams" }) });
    const kept = await org(sessions.ownerB!, other.body.$id).createProject({ projectId: "unique()", name: "goes with the team" });
    expect((await raw("DELETE", `/teams/${other.body.$id}`, { headers: consoleHeaders({ "x-appwrite-session": sessions.ownerB! }) })).status).toBe(204);
    expect((await consoleCall("GET", `/projects/${kept.$id}`)).status).toBe(404);
  });
});

describe("bootstrap", () => {
  it("npm run console:user creates the account with an organization it owns", async () => {
    const email = `boot-${tag}@example.com`;
    const run = spawnSync(process.execPath, ["scripts/console-user.mjs", email, "Boot"], { env: { ...process.env, ENDPOINT: endpoint, ADMIN_KEY: adminKey }, input: `${PASSWORD}\n`, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const session = await signIn(email);
    const teams = await raw("GET", "/teams", { headers: consoleHeaders({ "x-appwrite-session": session }) });
    expect(teams.body.total).toBe(1);
    const made = await org(session, teams.body.teams[0].$id).createProject({ projectId: "unique()", name: "first" });
    expect(made.teamId).toBe(teams.body.teams[0].$id);
  });
});

describe("console SDK (@appwrite.io/console 23) over the legacy routes, as a console user", () => {
  it("manages projects, keys, platforms, webhooks and auth settings of its organization", async () => {
    const client = new ConsoleClient().setEndpoint(endpoint).setProject("console");
    (client as unknown as { headers: Record<string, string> }).headers["X-Appwrite-Session"] = sessions.ownerA!;
    const projects = new Projects(client);
    const made = await projects.create({ projectId: `pc${tag}`, name: "console sdk", teamId: orgA });
    expect((await projects.list()).projects.map((p) => p.$id)).toEqual(expect.arrayContaining([made.$id, projectA]));
    await projects.update({ projectId: made.$id, name: "console sdk renamed" });
    expect((await projects.get({ projectId: made.$id })).name).toBe("console sdk renamed");

    const key = await projects.createKey({ projectId: made.$id, name: "users", scopes: ["users.read"] as never });
    const users = new Users(new Client().setEndpoint(endpoint).setProject(made.$id).setKey(key.secret));
    expect((await users.list()).total).toBe(0);
    await projects.updateKey({ projectId: made.$id, keyId: key.$id, name: "none", scopes: [] });
    expect((await projects.listKeys({ projectId: made.$id })).keys.map((k) => k.name)).toEqual(["none"]);
    await projects.deleteKey({ projectId: made.$id, keyId: key.$id });
    expect(await failure(users.list())).toBe("401 user_unauthorized");

    const platform = await projects.createPlatform({ projectId: made.$id, type: PlatformType.Web, name: "site", hostname: "app.example.com" });
    expect((await projects.listPlatforms({ projectId: made.$id })).platforms.map((p) => p.$id)).toEqual([platform.$id]);
    const hook = await projects.createWebhook({ projectId: made.$id, name: "hook", events: ["users.*.create"], url: "https://example.com/hook", security: false });
    expect((await projects.getWebhook({ projectId: made.$id, webhookId: hook.$id })).name).toBe("hook");

    await projects.updateAuthLimit({ projectId: made.$id, limit: 7 });
    expect((await projects.get({ projectId: made.$id })).authLimit).toBe(7);

    await projects.delete({ projectId: made.$id });
    expect((await projects.list()).projects.map((p) => p.$id)).not.toContain(made.$id);
  });

  it("lists only the organizations' projects the user belongs to, and refuses a project of another", async () => {
    const client = new ConsoleClient().setEndpoint(endpoint).setProject("console");
    (client as unknown as { headers: Record<string, string> }).headers["X-Appwrite-Session"] = sessions.ownerB!;
    const projects = new Projects(client);
    expect((await projects.list()).projects.map((p) => p.$id)).not.toContain(projectA);
    await expect(projects.get({ projectId: projectA })).rejects.toMatchObject({ code: 401, type: "user_unauthorized" });
  });
});

// ---- the console permission matrix ------------------------------------------------------------------

interface Route {
  method: string;
  path: string;
}
const CONSOLE_ONLY = /^\/v1\/(projects(\/|$)|organization(\/|$))/;
/** Appwrite's scopes of each console route, as the routes check them (a request without them names them). */
const REFUSED = new Set(["user_unauthorized", "general_unauthorized_scope"]);
/** Routes that would remove the project or organization under test (tested above on their own). */
const DESTRUCTIVE = new Set(["DELETE /v1/projects/:projectId", "DELETE /v1/organization", "DELETE /v1/organization/projects/:projectId"]);

describe("console permission matrix", () => {
  it("admits owners and developers of the organization by role, and nobody else", async () => {
    const res = await fetch(`${endpoint}/_edgewrite/test/routes`, { headers: { "x-appwrite-project": "console", "x-appwrite-key": adminKey } });
    const routes = ((await res.json()).routes as Route[]).filter((r) => CONSOLE_ONLY.test(r.path) && r.method !== "HEAD" && r.method !== "OPTIONS");
    expect(routes.length).toBeGreaterThan(40);
    const scopeFacts = new Map<string, string[]>();
    const call = async (r: Route, headers: Record<string, string>) => {
      const key = `${r.method} ${r.path}`;
      const path = r.path.replace(":projectId", projectA).replace(/:[A-Za-z]+/g, "missing");
      const got = await raw(r.method, path.slice(3), { headers: { "content-type": "application/json", "x-appwrite-organization": orgA, ...headers }, body: r.method === "GET" ? null : JSON.stringify(key === "POST /v1/projects" ? { projectId: "unique()", name: "matrix", teamId: orgA } : { teamId: orgA }) });
      return { status: got.status, type: (got.body?.type as string) ?? "", message: (got.body?.message as string) ?? "", text: got.text };
    };
    const callers: Record<string, Record<string, string>> = {
      guest: { "x-appwrite-project": "console" },
      projectKey: { "x-appwrite-project": projectA, "x-appwrite-key": projectKey },
      ownerB: { "x-appwrite-project": "console", "x-appwrite-session": sessions.ownerB! },
      devA: { "x-appwrite-project": "console", "x-appwrite-session": sessions.devA! },
      ownerA: { "x-appwrite-project": "console", "x-appwrite-session": sessions.ownerA! },
    };
    const wrong: string[] = [];
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      // The route's scope list, from the refusal a guest gets (every console route names it).
      const asGuest = await call(r, callers.guest!);
      const named = /missing scopes \((\[.*\])\)$/.exec(asGuest.message)?.[1];
      if (!named) wrong.push(`${key} guest → ${asGuest.status} ${asGuest.type} names no scopes`);
      const scopes: string[] = named ? JSON.parse(named) : [];
      scopeFacts.set(key, scopes);
      for (const who of ["guest", "projectKey", "ownerB"]) {
        const got = who === "guest" ? asGuest : await call(r, callers[who]!);
        // Any console user lists projects: their own organizations' only.
        if (key === "GET /v1/projects" && who === "ownerB" && got.status === 200 && !got.text.includes(projectA)) continue;
        if (!(got.status === 401 && REFUSED.has(got.type))) wrong.push(`${key} ${who} → ${got.status} ${got.type} (leak)`);
      }
      if (DESTRUCTIVE.has(key)) continue;
      for (const [who, role] of [["devA", "developer"], ["ownerA", "owner"]] as const) {
        const got = await call(r, callers[who]!);
        const may = scopes.some((s) => roleScopes([role]).has(s));
        const refused = got.status === 401 && REFUSED.has(got.type);
        if (may === refused || got.status >= 500) wrong.push(`${key} ${who} → ${got.status} ${got.type} (${may ? "should be admitted" : "should be refused"})`);
      }
    }
    expect(wrong).toEqual([]);
    // The matrix saw the routes that matter: projects, keys, platforms, webhooks, organization keys and members.
    for (const k of ["POST /v1/projects", "POST /v1/projects/:projectId/keys", "GET /v1/projects/:projectId/platforms", "GET /v1/projects/:projectId/webhooks", "POST /v1/organization/keys", "POST /v1/organization/memberships"]) {
      expect(scopeFacts.has(k), k).toBe(true);
    }
  });
});
