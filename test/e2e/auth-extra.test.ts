/**
 * Auth, remaining items of issue 3: account/users logs, users targets, console auth settings (session alerts,
 * memberships privacy, per-method toggles) and account self-blocking. node-appwrite 27.1.0 against wrangler dev.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Account, AppwriteException, Client, ID, Query, Teams, Users } from "node-appwrite";
import { consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";

let project: TestProject;
let users: Users;
beforeAll(async () => {
  project = await createProject("auth-extra");
  users = new Users(project.server());
});

const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const uniq = (p = "u") => `${p}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected failure"); }, (e) => e as AppwriteException);
const clientFor = (proj: TestProject, secret: string) => new Client().setEndpoint(endpoint).setProject(proj.projectId).setSession(secret);

/** Sign in as a browser would (guest, Chrome user agent) and return the session secret from X-Fallback-Cookies. */
async function signIn(proj: TestProject, email: string, password: string) {
  const r = await raw("POST", "/account/sessions/email", {
    headers: { "content-type": "application/json", "x-appwrite-project": proj.projectId, "user-agent": CHROME },
    body: JSON.stringify({ email, password }),
  });
  return { status: r.status, body: r.body, secret: (JSON.parse(r.headers.get("x-fallback-cookies") ?? "{}") as Record<string, string>)[`a_session_${proj.projectId}`] ?? "" };
}

async function outbox(proj: TestProject, to: string) {
  const r = await consoleCall("GET", `/projects/${proj.projectId}/outbox?to=${encodeURIComponent(to)}&channel=email`);
  expect(r.status).toBe(200);
  return r.json.messages as { subject: string; content: string }[];
}

async function setAuth(proj: TestProject, path: string, body: unknown) {
  const r = await consoleCall("PATCH", `/projects/${proj.projectId}/auth/${path}`, body);
  return r;
}

describe("account and users logs", () => {
  it("list the user's own activity newest first (Appwrite's audit events), with limit/offset, and no secrets", async () => {
    const email = `${uniq()}@example.com`;
    const password = "logs-password-1";
    const created = await new Account(project.guest()).create({ userId: ID.unique(), email, password, name: "Logan" });
    const s = await signIn(project, email, password);
    expect(s.status).toBe(201);
    const me = new Account(clientFor(project, s.secret));
    await me.updateName({ name: "Logan Two" });
    await me.updatePrefs({ prefs: { theme: "dark" } });
    await users.updateName({ userId: created.$id, name: "By Key" }); // the key acted: not in the user's logs

    const logs = await me.listLogs();
    expect(logs.total).toBe(4);
    expect(logs.logs.map((l) => l.event)).toEqual(["user.update", "user.update", "session.create", "user.create"]);
    const session = logs.logs[2]!;
    expect(session).toMatchObject({ userId: created.$id, userEmail: email, mode: "default", osName: "Windows", osCode: "WIN", clientName: "Chrome", clientType: "browser", clientEngine: "Blink" });
    expect(session.ip).not.toBe("");
    expect(session.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    expect(session.countryCode).toMatch(/^([a-z]{2}|--)$/);
    expect(typeof session.countryName).toBe("string");
    expect(logs.logs[0]).toMatchObject({ userName: "Logan Two", clientType: "library" }); // node SDK user agent
    for (const key of ["event", "userId", "userEmail", "userName", "mode", "ip", "time", "osCode", "osName", "osVersion", "clientType", "clientCode", "clientName", "clientVersion", "clientEngine", "clientEngineVersion", "deviceName", "deviceBrand", "deviceModel", "countryCode", "countryName"]) {
      expect(session).toHaveProperty(key);
    }
    const text = JSON.stringify(logs);
    expect(text).not.toContain(password);
    expect(text).not.toContain(s.secret);

    const page = await me.listLogs({ queries: [Query.limit(1), Query.offset(2)] });
    expect(page.total).toBe(4);
    expect(page.logs.map((l) => l.event)).toEqual(["session.create"]);
    const noTotal = await me.listLogs({ total: false });
    expect([noTotal.total, noTotal.logs.length]).toEqual([0, 4]);
    const badQuery = await fail(me.listLogs({ queries: [Query.equal("event", "user.create")] }));
    expect([badQuery.code, badQuery.type]).toEqual([400, "general_argument_invalid"]);

    const byKey = await users.listLogs({ userId: created.$id });
    expect(byKey.logs.map((l) => l.event)).toEqual(logs.logs.map((l) => l.event));
    const limited = await users.listLogs({ userId: created.$id, queries: [Query.limit(2)] });
    expect(limited.logs.map((l) => l.event)).toEqual(["user.update", "user.update"]);

    await me.deleteSession({ sessionId: "current" });
    expect((await users.listLogs({ userId: created.$id })).logs[0]!.event).toBe("session.delete");

    const guest = await fail(new Account(project.guest()).listLogs());
    expect([guest.code, guest.type]).toEqual([401, "general_unauthorized_scope"]);
    const missing = await fail(users.listLogs({ userId: "nobody" }));
    expect([missing.code, missing.type]).toEqual([404, "user_not_found"]);
  });

  it("recovery, verification, token and session changes are logged; deleting the user removes its logs", async () => {
    const email = `${uniq()}@example.com`;
    const u = await users.create({ userId: ID.unique(), email, password: "recover-me-123" });
    await new Account(project.server()).createRecovery({ email, url: "http://localhost/reset" });
    await new Account(project.guest()).createEmailToken({ userId: u.$id, email });
    const events = (await users.listLogs({ userId: u.$id })).logs.map((l) => l.event);
    expect(events).toEqual(["session.create", "recovery.create"]); // Appwrite audits token creation as session.create
    await users.delete({ userId: u.$id });
    const again = await users.create({ userId: u.$id, email });
    expect((await users.listLogs({ userId: again.$id })).total).toBe(0);
  });
});

describe("users targets", () => {
  it("a user gets email and sms targets that follow its email and phone", async () => {
    const email = `${uniq()}@example.com`;
    const u = await users.create({ userId: ID.unique(), email, phone: `+1555${Math.floor(1000000 + Math.random() * 8999999)}` });
    expect(u.targets.map((t) => [t.providerType, t.identifier]).sort()).toEqual([["email", email], ["sms", u.phone]].sort());
    expect(u.targets[0]).toMatchObject({ userId: u.$id, expired: false, providerId: "", name: "" });
    expect((await users.get({ userId: u.$id })).targets).toHaveLength(2);

    const newEmail = `${uniq()}@example.com`;
    const updated = await users.updateEmail({ userId: u.$id, email: newEmail });
    const emailTarget = updated.targets.find((t) => t.providerType === "email")!;
    expect(emailTarget.identifier).toBe(newEmail);
    expect(emailTarget.$id).toBe(u.targets.find((t) => t.providerType === "email")!.$id);
    const noPhone = await users.updatePhone({ userId: u.$id, number: "" });
    expect(noPhone.targets.map((t) => t.providerType)).toEqual(["email"]);

    const listed = await users.list({ queries: [Query.equal("$id", u.$id)] });
    expect(listed.users[0]!.targets.map((t) => t.identifier)).toEqual([newEmail]);

    // The account sees its own targets too.
    const secret = (await users.createSession({ userId: u.$id })).secret;
    expect((await new Account(clientFor(project, secret)).get()).targets.map((t) => t.identifier)).toEqual([newEmail]);
  });

  it("create, list, get, update and delete targets with Appwrite's errors", async () => {
    const a = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    const b = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    const push = await users.createTarget({ userId: a.$id, targetId: ID.unique(), providerType: "push" as never, identifier: "fcm-device-token-1", name: "Pixel 8" });
    expect(push).toMatchObject({ userId: a.$id, providerType: "push", identifier: "fcm-device-token-1", name: "Pixel 8", expired: false, providerId: "" });
    expect(push.$createdAt).toMatch(/\+00:00$/);
    const sms = await users.createTarget({ userId: a.$id, targetId: "my-sms", providerType: "sms" as never, identifier: "+14155550101" });
    expect(sms.$id).toBe("my-sms");

    const list = await users.listTargets({ userId: a.$id });
    expect(list.total).toBe(3);
    const onlyPush = await users.listTargets({ userId: a.$id, queries: [Query.equal("providerType", "push")] });
    expect(onlyPush.targets.map((t) => t.$id)).toEqual([push.$id]);
    expect((await users.getTarget({ userId: a.$id, targetId: push.$id })).identifier).toBe("fcm-device-token-1");

    const changed = await users.updateTarget({ userId: a.$id, targetId: push.$id, identifier: "fcm-device-token-2", name: "Pixel 9" });
    expect(changed).toMatchObject({ identifier: "fcm-device-token-2", name: "Pixel 9" });
    expect((await users.getTarget({ userId: a.$id, targetId: push.$id })).name).toBe("Pixel 9");

    const badEmail = await fail(users.createTarget({ userId: a.$id, targetId: ID.unique(), providerType: "email" as never, identifier: "not-an-email" }));
    expect([badEmail.code, badEmail.type]).toEqual([400, "general_invalid_email"]);
    const badPhone = await fail(users.createTarget({ userId: a.$id, targetId: ID.unique(), providerType: "sms" as never, identifier: "555" }));
    expect([badPhone.code, badPhone.type]).toEqual([400, "general_invalid_phone"]);
    const badType = await fail(users.createTarget({ userId: a.$id, targetId: ID.unique(), providerType: "fax" as never, identifier: "x" }));
    expect([badType.code, badType.type]).toEqual([400, "general_argument_invalid"]);
    const badUpdate = await fail(users.updateTarget({ userId: a.$id, targetId: "my-sms", identifier: "nope" }));
    expect(badUpdate.type).toBe("general_invalid_phone");
    const dupId = await fail(users.createTarget({ userId: b.$id, targetId: "my-sms", providerType: "push" as never, identifier: "other-token" }));
    expect([dupId.code, dupId.type]).toEqual([409, "user_target_already_exists"]);
    const dupIdentifier = await fail(users.createTarget({ userId: b.$id, targetId: ID.unique(), providerType: "email" as never, identifier: a.email }));
    expect([dupIdentifier.code, dupIdentifier.type]).toEqual([409, "user_target_already_exists"]);
    const noProvider = await fail(users.updateTarget({ userId: a.$id, targetId: push.$id, providerId: "missing" }));
    expect([noProvider.code, noProvider.type]).toEqual([404, "provider_not_found"]);
    const otherUsers = await fail(users.getTarget({ userId: b.$id, targetId: push.$id }));
    expect([otherUsers.code, otherUsers.type]).toEqual([404, "user_target_not_found"]);
    const noUser = await fail(users.listTargets({ userId: "nobody" }));
    expect([noUser.code, noUser.type]).toEqual([404, "user_not_found"]);

    await users.deleteTarget({ userId: a.$id, targetId: push.$id });
    const gone = await fail(users.getTarget({ userId: a.$id, targetId: push.$id }));
    expect([gone.code, gone.type]).toEqual([404, "user_target_not_found"]);
    expect((await users.get({ userId: a.$id })).targets.map((t) => t.$id).sort()).toEqual([a.targets[0]!.$id, "my-sms"].sort());

    const guest = await fail(new Users(project.guest()).listTargets({ userId: a.$id }));
    expect(guest.code).toBe(401);
  });
});

describe("console auth settings", () => {
  it("session alerts: an email for every session but the first", async () => {
    const proj = await createProject("auth-alerts");
    const r = await setAuth(proj, "session-alerts", { alerts: true });
    expect(r.status).toBe(200);
    expect(r.json.authSessionAlerts).toBe(true);
    const email = `${uniq()}@example.com`;
    await new Users(proj.server()).create({ userId: ID.unique(), email, password: "alert-me-please-1", name: "Al" });
    expect((await signIn(proj, email, "alert-me-please-1")).status).toBe(201);
    expect((await outbox(proj, email)).filter((m) => m.subject.startsWith("Security alert"))).toHaveLength(0);
    expect((await signIn(proj, email, "alert-me-please-1")).status).toBe(201);
    const alerts = (await outbox(proj, email)).filter((m) => m.subject.startsWith("Security alert"));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.subject).toBe("Security alert: new session on your auth-alerts account");
    expect(alerts[0]!.content).toContain("Chrome");
    expect(alerts[0]!.content).not.toContain("alert-me-please-1");
    expect((await setAuth(proj, "session-alerts", { alerts: false })).json.authSessionAlerts).toBe(false);
  });

  it("memberships privacy blanks userName, userEmail and mfa for members but not for API keys", async () => {
    const proj = await createProject("auth-privacy");
    const pusers = new Users(proj.server());
    const email = `${uniq()}@example.com`;
    const member = await pusers.create({ userId: ID.unique(), email, password: "private-member-1", name: "Priv" });
    const teams = new Teams(proj.server());
    await teams.create({ teamId: "club", name: "Club" });
    await teams.createMembership({ teamId: "club", roles: ["member"], userId: member.$id });
    const secret = (await pusers.createSession({ userId: member.$id })).secret;
    const asMember = new Teams(clientFor(proj, secret));
    expect((await asMember.listMemberships({ teamId: "club" })).memberships[0]).toMatchObject({ userName: "Priv", userEmail: email });

    const r = await setAuth(proj, "memberships-privacy", { userName: false, userEmail: false, mfa: false });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ authMembershipsUserName: false, authMembershipsUserEmail: false, authMembershipsMfa: false });
    const hidden = (await asMember.listMemberships({ teamId: "club" })).memberships[0]!;
    expect(hidden).toMatchObject({ userId: member.$id, userName: "", userEmail: "", mfa: false, confirm: true });
    expect(await asMember.getMembership({ teamId: "club", membershipId: hidden.$id })).toMatchObject({ userName: "", userEmail: "" });
    expect((await teams.listMemberships({ teamId: "club" })).memberships[0]).toMatchObject({ userName: "Priv", userEmail: email });
  });

  it("a disabled auth method answers 501 user_auth_method_unsupported; API keys are exempt", async () => {
    const proj = await createProject("auth-methods");
    const email = `${uniq()}@example.com`;
    await new Users(proj.server()).create({ userId: ID.unique(), email, password: "method-pass-12" });
    const guest = new Account(proj.guest());

    const off = await setAuth(proj, "email-password", { status: false });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ authEmailPassword: false, authAnonymous: true, authJWT: true, authPhone: true, authEmailOtp: true, authUsersAuthMagicURL: true, authInvites: true });
    const login = await fail(guest.createEmailPasswordSession({ email, password: "method-pass-12" }));
    expect([login.code, login.type, login.message]).toEqual([501, "user_auth_method_unsupported", "Email / Password authentication is disabled for this project"]);
    const signup = await fail(guest.create({ userId: ID.unique(), email: `${uniq()}@example.com`, password: "method-pass-12" }));
    expect(signup.type).toBe("user_auth_method_unsupported");
    expect((await new Account(proj.server()).createEmailPasswordSession({ email, password: "method-pass-12" })).secret).not.toBe("");

    expect((await setAuth(proj, "anonymous", { enabled: false })).json.authAnonymous).toBe(false);
    const anon = await fail(guest.createAnonymousSession());
    expect([anon.code, anon.message]).toEqual([501, "Anonymous authentication is disabled for this project"]);
    await setAuth(proj, "email-otp", { status: false });
    expect((await fail(guest.createEmailToken({ userId: ID.unique(), email }))).message).toBe("Email OTP authentication is disabled for this project");
    await setAuth(proj, "magic-url", { status: false });
    expect((await fail(guest.createMagicURLToken({ userId: ID.unique(), email }))).message).toBe("Magic URL authentication is disabled for this project");
    await setAuth(proj, "phone", { status: false });
    expect((await fail(guest.createPhoneToken({ userId: ID.unique(), phone: "+14155550199" }))).message).toBe("Phone authentication is disabled for this project");

    await setAuth(proj, "email-password", { status: true });
    const s = await signIn(proj, email, "method-pass-12");
    expect(s.status).toBe(201);
    await setAuth(proj, "jwt", { status: false });
    const jwt = await fail(new Account(clientFor(proj, s.secret)).createJWT());
    expect([jwt.code, jwt.message]).toEqual([501, "JWT authentication is disabled for this project"]);
    const owned = await new Teams(clientFor(proj, s.secret)).create({ teamId: ID.unique(), name: "Mine" });
    await setAuth(proj, "invites", { status: false });
    const invite = await fail(new Teams(clientFor(proj, s.secret)).createMembership({ teamId: owned.$id, roles: [], email: `${uniq()}@example.com`, url: "http://localhost/join" }));
    expect([invite.code, invite.message]).toEqual([501, "Invites authentication is disabled for this project"]);
    expect((await new Teams(proj.server()).createMembership({ teamId: owned.$id, roles: [], email: `${uniq()}@example.com` })).confirm).toBe(true);

    const unknown = await setAuth(proj, "carrier-pigeon", { status: false });
    expect([unknown.status, unknown.json.type]).toEqual([400, "general_argument_invalid"]);
    const noStatus = await setAuth(proj, "jwt", {});
    expect([noStatus.status, noStatus.json.type]).toEqual([400, "general_argument_invalid"]);
  });
});

describe("account status", () => {
  it("PATCH /account/status blocks the user, revokes every session and clears the cookies", async () => {
    const email = `${uniq()}@example.com`;
    const u = await users.create({ userId: ID.unique(), email, password: "block-me-now-1" });
    const first = await signIn(project, email, "block-me-now-1");
    const second = await signIn(project, email, "block-me-now-1");
    const r = await raw("PATCH", "/account/status", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-session": second.secret, "content-type": "application/json" }, body: "{}" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ $id: u.$id, status: false });
    expect(r.body.password).toBeUndefined();
    const cookies = r.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith(`a_session_${project.projectId}=;`))).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await users.listSessions({ userId: u.$id })).total).toBe(0);
    expect((await fail(new Account(clientFor(project, first.secret)).get())).code).toBe(401);
    const again = await signIn(project, email, "block-me-now-1");
    expect(again.body.type).toBe("user_blocked");
    expect((await users.listLogs({ userId: u.$id })).logs[0]!.event).toBe("user.update");
  });
});
