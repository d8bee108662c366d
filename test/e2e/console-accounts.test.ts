import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Account, Client, Functions, TablesDB, Users } from "node-appwrite";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";
import { cliStep, runCli } from "./cli-harness";

/**
 * Console accounts: the deployment admin creates console users (nobody signs up); a console session owning an
 * organization manages its projects through the console API and — with `X-Appwrite-Mode: admin` — inside them,
 * and only from a console origin.
 */
const PASSWORD = "console-password-1";
let email: string;
let project: TestProject;
/** The console user's organization (what `npm run console:user` creates with the account). */
let orgId: string;
/** A signed-in user of `project` (its session string): never a console user. */
let projectSession: string;

const consoleHeaders = (extra: Record<string, string> = {}) => ({ "content-type": "application/json", "x-appwrite-project": "console", ...extra });

/** Sign in to the console as a browser-less client would; the session string from `a_session_console`. */
async function consoleLogin(): Promise<string> {
  const res = await raw("POST", "/account/sessions/email", { headers: consoleHeaders(), body: JSON.stringify({ email, password: PASSWORD }) });
  expect(res.status, res.text).toBe(201);
  const session = /(?:^|, )a_session_console=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  expect(session).toBeTruthy();
  return session!;
}

/** The console API with a given credential header set. */
const listProjects = (headers: Record<string, string>) => raw("GET", "/projects", { headers: consoleHeaders(headers) });
const verdict = (r: { status: number; body: any }) => `${r.status} ${r.body?.type ?? ""}`;

beforeAll(async () => {
  email = `owner-${Date.now().toString(36)}@example.com`;
  const created = await consoleCall("POST", "/users", { userId: "unique()", email, password: PASSWORD, name: "Owner" });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  project = await createProject("console-accounts");
  const team = await consoleCall("POST", "/teams", { teamId: "unique()", name: "Owner's organization" });
  orgId = team.json.$id;
  expect((await consoleCall("POST", `/teams/${orgId}/memberships`, { userId: created.json.$id, roles: ["owner"] })).status).toBe(201);
  expect((await consoleCall("PATCH", `/projects/${project.projectId}/team`, { teamId: orgId })).json.teamId).toBe(orgId);
  const users = new Users(project.server());
  await users.create({ userId: "member", email: "member@example.com", password: "member-password" });
  const login = await raw("POST", "/account/sessions/email", {
    headers: { "content-type": "application/json", "x-appwrite-project": project.projectId },
    body: JSON.stringify({ email: "member@example.com", password: "member-password" }),
  });
  projectSession = /a_session_[^=]+=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
});

describe("console accounts", () => {
  it("open console sign-up is refused, by every path that would create a console user", async () => {
    const signUp = await raw("POST", "/account", { headers: consoleHeaders(), body: JSON.stringify({ userId: "unique()", email: "intruder@example.com", password: "intruder-password" }) });
    expect(verdict(signUp)).toBe("501 user_console_count_exceeded");
    const otp = await raw("POST", "/account/tokens/email", { headers: consoleHeaders(), body: JSON.stringify({ userId: "unique()", email: "intruder@example.com" }) });
    expect(verdict(otp)).toBe("501 user_console_count_exceeded");
    const magic = await raw("POST", "/account/tokens/magic-url", { headers: consoleHeaders(), body: JSON.stringify({ userId: "unique()", email: "intruder@example.com" }) });
    expect(verdict(magic)).toBe("501 user_console_count_exceeded");
    const consoleUsers = await consoleCall("GET", "/users");
    // Other test files create console users on the same server too: the intruder just must not be one.
    const emails = consoleUsers.json.users.map((u: { email: string }) => u.email);
    expect(emails).toContain(email);
    expect(emails).not.toContain("intruder@example.com");
  });

  it("the admin-created console user signs in, manages projects and keys, lists and ends its sessions", async () => {
    const session = await consoleLogin();
    const me = new Account(new Client().setEndpoint(endpoint).setProject("console").setSession(session));
    expect(await me.get()).toMatchObject({ email, name: "Owner" });

    const cookie = { cookie: `a_session_console=${session}` };
    const projectId = `own${Date.now().toString(36)}`;
    const created = await raw("POST", "/projects", { headers: consoleHeaders(cookie), body: JSON.stringify({ projectId, name: "Owned", teamId: orgId }) });
    expect(created.status, created.text).toBe(201);
    expect((await listProjects(cookie)).body.projects.map((p: { $id: string }) => p.$id)).toContain(projectId);
    const key = await raw("POST", `/projects/${projectId}/keys`, { headers: consoleHeaders(cookie), body: JSON.stringify({ name: "server", scopes: ["users.read"] }) });
    expect(key.status, key.text).toBe(201);
    // The key works in its project.
    expect((await new Users(new Client().setEndpoint(endpoint).setProject(projectId).setKey(key.body.secret)).list()).total).toBe(0);
    expect((await raw("GET", `/projects/${projectId}/keys`, { headers: consoleHeaders(cookie) })).body.keys.map((k: { $id: string }) => k.$id)).toEqual([key.body.$id]);
    expect((await raw("DELETE", `/projects/${projectId}`, { headers: consoleHeaders(cookie) })).status).toBe(204);

    const sessions = await me.listSessions();
    expect(sessions.sessions.find((s) => s.current)).toMatchObject({ provider: "email" });
    await me.deleteSession({ sessionId: "current" });
    expect(verdict(await listProjects(cookie))).toBe("401 general_unauthorized_scope");
  });

  it("refuses a project user's session, a guest, a project API key and a console session from a foreign Origin", async () => {
    expect(verdict(await listProjects({ "x-appwrite-session": projectSession }))).toBe("401 general_unauthorized_scope");
    expect(verdict(await listProjects({ cookie: `a_session_${project.projectId}=${projectSession}` }))).toBe("401 general_unauthorized_scope");
    expect(verdict(await listProjects({}))).toBe("401 general_unauthorized_scope");
    expect(verdict(await listProjects({ "x-appwrite-key": project.key }))).toBe("401 user_unauthorized");

    const session = await consoleLogin();
    const cookie = `a_session_console=${session}`;
    // A page on another site riding the SameSite=None cookie, by fetch (Origin) or by an image tag / link (no Origin).
    expect(verdict(await listProjects({ cookie, origin: "https://evil.example" }))).toBe("403 general_unknown_origin");
    expect(verdict(await listProjects({ cookie, "sec-fetch-site": "cross-site" }))).toBe("403 general_unknown_origin");
    expect(verdict(await raw("POST", "/projects", { headers: consoleHeaders({ cookie, origin: "https://evil.example" }), body: JSON.stringify({ projectId: "unique()", name: "x", teamId: orgId }) }))).toBe("403 general_unknown_origin");
    // As Appwrite: admin mode is for projects, not the console itself.
    expect(verdict(await listProjects({ cookie, "x-appwrite-mode": "admin" }))).toBe("400 general_bad_request");
    // The console's own origins (loopback in local dev) and non-browser clients pass.
    expect((await listProjects({ cookie, origin: "http://localhost:3000" })).status).toBe(200);
    expect((await listProjects({ cookie })).status).toBe(200);
    // Signing in from another site is refused too (no login CSRF into the attacker's account).
    const foreign = await raw("POST", "/account/sessions/email", { headers: consoleHeaders({ origin: "https://evil.example" }), body: JSON.stringify({ email, password: PASSWORD }) });
    expect(verdict(foreign)).toBe("403 general_unknown_origin");
  });

  it("X-Appwrite-Mode: admin with a console session reaches its organization's project's users and tables as an owner", async () => {
    const session = await consoleLogin();
    const admin = new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(session).addHeader("X-Appwrite-Mode", "admin");
    expect((await new Users(admin).list()).users.map((u) => u.$id)).toContain("member");
    await new Users(admin).create({ userId: "by-owner", email: "by-owner@example.com" });
    const tables = new TablesDB(admin);
    await tables.create({ databaseId: "owned", name: "Owned" });
    await tables.createTable({ databaseId: "owned", tableId: "notes", name: "Notes" });
    // What the owner did is there for the project's own key.
    expect(await new Users(project.server()).get({ userId: "by-owner" })).toMatchObject({ email: "by-owner@example.com" });
    expect(await new TablesDB(project.server()).getTable({ databaseId: "owned", tableId: "notes" })).toMatchObject({ name: "Notes" });
    // The same session from a foreign Origin gains nothing there either.
    const foreign = await raw("GET", "/users", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-mode": "admin", "x-appwrite-session": session, origin: "https://evil.example" } });
    expect(verdict(foreign)).toBe("403 general_unknown_origin");
    // A project of no organization (or of another) is not its to enter.
    const stranger = await createProject("not-the-owners");
    expect(verdict(await raw("GET", "/users", { headers: { "x-appwrite-project": stranger.projectId, "x-appwrite-mode": "admin", "x-appwrite-session": session } }))).toBe("401 user_unauthorized");
  });

  it("a console session still owing an MFA factor, or of a blocked user, is no owner", async () => {
    const second = await consoleCall("POST", "/users", { userId: "unique()", email: `mfa-${email}`, password: PASSWORD });
    const id = second.json.$id;
    expect((await consoleCall("PATCH", `/users/${id}/verification`, { emailVerification: true })).status).toBe(200);
    expect((await consoleCall("PATCH", `/users/${id}/mfa`, { mfa: true })).status).toBe(200);
    const login = await raw("POST", "/account/sessions/email", { headers: consoleHeaders(), body: JSON.stringify({ email: `mfa-${email}`, password: PASSWORD }) });
    const session = /(?:^|, )a_session_console=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")![1]!;
    expect(verdict(await listProjects({ "x-appwrite-session": session }))).toBe("401 user_more_factors_required");
    const inProject = await raw("GET", "/users", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-mode": "admin", "x-appwrite-session": session } });
    expect(verdict(inProject)).toBe("401 user_more_factors_required");
    // Finishing the sign-in stays possible: the factors are listed to that user.
    expect((await raw("GET", "/account/mfa/factors", { headers: consoleHeaders({ "x-appwrite-session": session }) })).body).toMatchObject({ email: true });

    expect((await consoleCall("PATCH", `/users/${id}/mfa`, { mfa: false })).status).toBe(200);
    expect((await listProjects({ "x-appwrite-session": session })).status).toBe(200);
    expect((await consoleCall("PATCH", `/users/${id}/status`, { status: false })).status).toBe(200);
    expect(verdict(await listProjects({ "x-appwrite-session": session }))).toBe("403 user_blocked");
  });

  it("X-Appwrite-Mode: admin without a console session gains nothing", async () => {
    const asMode = (headers: Record<string, string>) => raw("GET", "/users", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-mode": "admin", ...headers } });
    expect(verdict(await asMode({ "x-appwrite-session": projectSession }))).toBe("401 general_unauthorized_scope");
    expect(verdict(await asMode({}))).toBe("401 general_unauthorized_scope");
    // A project user stays exactly that user.
    const me = await raw("GET", "/account", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-mode": "admin", "x-appwrite-session": projectSession } });
    expect(me.body).toMatchObject({ $id: "member" });
  });
});

describe("appwrite-cli 12.0.1 with a console account", () => {
  let dir: string;
  const FUNCTION = {
    $id: "greeter", name: "Greeter", runtime: "node-22", execute: ["any"], events: [], schedule: "", timeout: 15, enabled: true,
    logging: true, entrypoint: "index.js", commands: "", scopes: [], path: "functions/greeter",
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "edgewrite-console-cli-"));
    mkdirSync(path.join(dir, "functions/greeter"), { recursive: true });
    writeFileSync(path.join(dir, "functions/greeter/index.js"), "export default async ({ res }) => res.json({ hello: 'console' });\n");
    writeFileSync(path.join(dir, "appwrite.config.json"), JSON.stringify({ projectId: project.projectId, functions: [FUNCTION] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a wrong password is refused by login", async () => {
    const { code, out } = await runCli(dir, "login", "--endpoint", endpoint, "--email", email, "--password", "not-the-password");
    expect(code, out).not.toBe(0);
    expect(out).toMatch(/Invalid credentials/);
  }, 60_000);

  it("login, then push functions creates a NEW function (its domain from /v1/console/variables) that runs", async () => {
    expect(await cliStep(dir, "login", "--endpoint", endpoint, "--email", email, "--password", PASSWORD)).toContain(`Successfully signed in as ${email}`);
    expect(await cliStep(dir, "whoami")).toContain(email);
    expect(await cliStep(dir, "push", "functions", "--all", "--force")).toContain("Successfully pushed 1 functions");
    const functions = new Functions(project.server());
    const fn = await functions.get({ functionId: "greeter" });
    expect(fn.deploymentId).not.toBe("");
    const run = await functions.createExecution({ functionId: "greeter" });
    expect(run, run.errors).toMatchObject({ status: "completed", responseStatusCode: 200 });
    expect(JSON.parse(run.responseBody)).toEqual({ hello: "console" });
  }, 180_000);
});
