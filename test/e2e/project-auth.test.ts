import { beforeAll, describe, expect, it } from "vitest";
import { Account, AppwriteException, Client, ID, Project, Query, Teams, Users } from "node-appwrite";
import { ALL_SCOPES, consoleCall, createProject, endpoint, openRealtime, raw, type TestProject } from "./harness";

/**
 * SDK 27 `Project` (node-appwrite 27.1.0) against /v1/project: every method of the auth-settings part, each
 * with its effect observed through the API a user relies on (sign-up, sessions, phone login, service routes).
 */
const PROJECT_SCOPES = ["project.read", "project.write", "policies.read", "policies.write", "mocks.read", "mocks.write"];

let project: TestProject;
let admin: Project;
let users: Users;
let guestAccount: Account;

const uniq = (p = "u") => `${p}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected failure"); }, (e) => e as AppwriteException);
const signUp = (email: string, password = "Str0ng-enough-pw!") => guestAccount.create({ userId: ID.unique(), email, password });

async function outbox(to: string, channel: string) {
  const r = await consoleCall("GET", `/projects/${project.projectId}/outbox?to=${encodeURIComponent(to)}&channel=${channel}`);
  return r.json.messages as { subject: string; content: string }[];
}

/** A project whose key holds the project/policies/mocks scopes too. */
async function projectClient(p: TestProject): Promise<Project> {
  const k = await consoleCall("POST", `/projects/${p.projectId}/keys`, { name: "project", scopes: [...ALL_SCOPES, ...PROJECT_SCOPES] });
  return new Project(new Client().setEndpoint(endpoint).setProject(p.projectId).setKey(k.json.secret));
}

beforeAll(async () => {
  project = await createProject("project-auth");
  admin = await projectClient(project);
  users = new Users(project.server());
  guestAccount = new Account(project.guest());
});

describe("Project.get / updateLabels / delete", () => {
  it("get answers the addressed project; labels set through updateLabels are visible in get", async () => {
    const got = await admin.get();
    expect(got).toMatchObject({ $id: project.projectId, name: "project-auth", labels: [] });
    expect(got.services.find((s) => s.$id === "storage")).toEqual({ $id: "storage", enabled: true });
    await admin.updateLabels({ labels: ["beta", "eu1"] });
    expect((await admin.get()).labels).toEqual(["beta", "eu1"]);
    expect((await fail(admin.updateLabels({ labels: ["not valid!"] }))).type).toBe("general_argument_invalid");
  });

  it("a key without project.read is refused with Appwrite's scope error", async () => {
    const e = await fail(new Project(project.server()).get());
    expect([e.code, e.type]).toEqual([401, "general_unauthorized_scope"]);
  });

  it("delete removes the project: its key no longer reaches anything", async () => {
    const doomed = await createProject("doomed");
    const p = await projectClient(doomed);
    await p.delete();
    expect((await consoleCall("GET", `/projects/${doomed.projectId}`)).status).toBe(404);
    expect((await fail(new Users(doomed.server()).list())).code).toBeGreaterThanOrEqual(400);
  });
});

describe("Project.updateAuthMethod / updateService / updateProtocol", () => {
  it("auth method off → email/password sign-up refused with user_auth_method_unsupported; on again → works", async () => {
    await admin.updateAuthMethod({ methodId: "email-password" as never, enabled: false });
    expect((await fail(signUp(`${uniq()}@example.com`))).type).toBe("user_auth_method_unsupported");
    expect((await admin.get()).authMethods.find((m) => m.$id === "email-password")?.enabled).toBe(false);
    await admin.updateAuthMethod({ methodId: "email-password" as never, enabled: true });
    await signUp(`${uniq()}@example.com`);
  });

  it("service off → its routes answer general_service_disabled to clients; the API key still works", async () => {
    await admin.updateService({ serviceId: "storage" as never, enabled: false });
    const r = await raw("GET", "/storage/buckets", { headers: { "x-appwrite-project": project.projectId } });
    expect([r.status, r.body.type]).toEqual([403, "general_service_disabled"]);
    const viaKey = await raw("GET", "/storage/buckets", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
    expect(viaKey.status).toBe(200);
    expect((await admin.get()).services.find((s) => s.$id === "storage")?.enabled).toBe(false);
    await admin.updateService({ serviceId: "storage" as never, enabled: true });
    expect((await raw("GET", "/storage/buckets", { headers: { "x-appwrite-project": project.projectId } })).body.type).not.toBe("general_service_disabled");
    expect((await fail(admin.updateService({ serviceId: "projects" as never, enabled: false }))).type).toBe("general_argument_invalid");
  });

  it("REST off → client requests answer general_api_disabled, keys still work; websocket off → realtime refused", async () => {
    const email = `${uniq()}@example.com`;
    await signUp(email);
    const session = await new Account(project.server()).createEmailPasswordSession({ email, password: "Str0ng-enough-pw!" });

    await admin.updateProtocol({ protocolId: "rest" as never, enabled: false });
    const r = await raw("GET", "/account", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-session": session.secret } });
    expect([r.status, r.body.type]).toEqual([403, "general_api_disabled"]);
    expect((await users.list()).total).toBeGreaterThan(0);
    await admin.updateProtocol({ protocolId: "rest" as never, enabled: true });
    expect((await raw("GET", "/account", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-session": session.secret } })).status).toBe(200);

    await admin.updateProtocol({ protocolId: "websocket" as never, enabled: false });
    const rt = await openRealtime(project.projectId, session.secret, "&channels[]=account");
    const frame = await rt.next("error");
    expect(frame.data).toMatchObject({ code: 403, message: expect.stringContaining("API is disabled") });
    rt.ws.close();
    await admin.updateProtocol({ protocolId: "websocket" as never, enabled: true });
    const ok = await openRealtime(project.projectId, session.secret, "&channels[]=account");
    expect((await ok.next("connected")).data.channels).toContain("account");
    ok.ws.close();
    expect((await admin.get()).protocols.map((p) => p.enabled)).toEqual([true, true, true]);
  });
});

describe("Project policies", () => {
  it("listPolicies / getPolicy show the settings the auth code uses, limit/offset and total honoured", async () => {
    const all = await admin.listPolicies();
    expect(all.total).toBe(15);
    expect(all.policies.map((p) => p.$id)).toContain("deny-free-email");
    const page = await admin.listPolicies({ queries: [Query.limit(2), Query.offset(1)], total: false });
    expect([page.total, page.policies.map((p) => p.$id)]).toEqual([0, ["password-history", "password-strength"]]);
    expect(await admin.getPolicy({ policyId: "session-duration" as never })).toEqual({ $id: "session-duration", duration: 31536000 });
    expect((await fail(admin.getPolicy({ policyId: "nope" as never }))).type).toBe("general_argument_invalid");
  });

  it("user limit: the cap stops sign-up with user_count_exceeded; null lifts it", async () => {
    const p2 = await createProject("limit");
    const a2 = await projectClient(p2);
    const acc = new Account(p2.guest());
    await a2.updateUserLimitPolicy({ total: 1 });
    expect(await a2.getPolicy({ policyId: "user-limit" as never })).toEqual({ $id: "user-limit", total: 1 });
    await acc.create({ userId: ID.unique(), email: `${uniq()}@example.com`, password: "Str0ng-enough-pw!" });
    expect((await fail(acc.create({ userId: ID.unique(), email: `${uniq()}@example.com`, password: "Str0ng-enough-pw!" }))).type).toBe("user_count_exceeded");
    await a2.updateUserLimitPolicy({ total: null as never });
    await acc.create({ userId: ID.unique(), email: `${uniq()}@example.com`, password: "Str0ng-enough-pw!" });
  });

  it("password dictionary, strength and personal data refuse sign-ups as Appwrite does", async () => {
    await admin.updatePasswordDictionaryPolicy({ enabled: true });
    expect((await fail(signUp(`${uniq()}@example.com`, "password"))).type).toBe("general_argument_invalid");
    await admin.updatePasswordDictionaryPolicy({ enabled: false });
    await signUp(`${uniq()}@example.com`, "password");

    const strength = await admin.updatePasswordStrengthPolicy({ min: 12, uppercase: true, number: true });
    expect(strength).toEqual({ $id: "password-strength", min: 12, uppercase: true, lowercase: false, number: true, symbols: false });
    const weak = await fail(signUp(`${uniq()}@example.com`, "alllowercase-long"));
    expect(weak.message).toBe("Invalid `password` param: Password must be between 12 and 256 characters long, include an uppercase letter, include a number.");
    await signUp(`${uniq()}@example.com`, "Upper-and-digit-9");
    await admin.updatePasswordStrengthPolicy({ min: 8, uppercase: false, number: false });

    await admin.updatePasswordPersonalDataPolicy({ enabled: true });
    const local = uniq("pd");
    expect((await fail(signUp(`${local}@example.com`, `${local}-pw`))).type).toBe("password_personal_data");
    await admin.updatePasswordPersonalDataPolicy({ enabled: false });
  });

  it("password history: reusing a kept password is password_recently_used", async () => {
    await admin.updatePasswordHistoryPolicy({ total: 3 });
    const u = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com`, password: "first-password-1" });
    await users.updatePassword({ userId: u.$id, password: "second-password-2" });
    expect((await fail(users.updatePassword({ userId: u.$id, password: "first-password-1" }))).type).toBe("password_recently_used");
    await admin.updatePasswordHistoryPolicy({ total: null as never });
    expect((await admin.getPolicy({ policyId: "password-history" as never }))).toEqual({ $id: "password-history", total: 0 });
  });

  it("session duration, limit, alert and invalidation change the sessions that follow", async () => {
    const email = `${uniq()}@example.com`;
    const password = "Str0ng-enough-pw!";
    const u = await signUp(email, password);
    const serverAccount = new Account(project.server());

    await admin.updateSessionDurationPolicy({ duration: 60 });
    const s1 = await serverAccount.createEmailPasswordSession({ email, password });
    expect(Date.parse(s1.expire) - Date.parse(s1.$createdAt)).toBeLessThanOrEqual(61_000);
    await admin.updateSessionDurationPolicy({ duration: 31536000 });

    await admin.updateSessionAlertPolicy({ enabled: true });
    await serverAccount.createEmailPasswordSession({ email, password });
    expect((await outbox(email, "email")).some((m) => /security alert|new session|sign-in|login/i.test(`${m.subject} ${m.content}`))).toBe(true);
    await admin.updateSessionAlertPolicy({ enabled: false });

    await admin.updateSessionLimitPolicy({ total: 1 });
    await serverAccount.createEmailPasswordSession({ email, password });
    expect((await users.listSessions({ userId: u.$id })).total).toBe(1);
    await admin.updateSessionLimitPolicy({ total: 10 });

    await admin.updateSessionInvalidationPolicy({ enabled: false });
    const keep = await serverAccount.createEmailPasswordSession({ email, password });
    const mine = new Account(new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(keep.secret));
    await mine.updatePassword({ password: "Another-str0ng-pw", oldPassword: password });
    expect((await users.listSessions({ userId: u.$id })).total).toBeGreaterThan(1);
    await admin.updateSessionInvalidationPolicy({ enabled: true });
    await mine.updatePassword({ password: "Third-str0ng-pw!", oldPassword: "Another-str0ng-pw" });
    expect((await users.listSessions({ userId: u.$id })).sessions.map((s) => s.$id)).toEqual([keep.$id]);
  });

  it("membership privacy hides the chosen member fields from members (not from keys); others keep their value", async () => {
    const email = `${uniq()}@example.com`;
    const member = await users.create({ userId: ID.unique(), email, password: "private-member-1", name: "Priv" });
    const teams = new Teams(project.server());
    const teamId = uniq("team");
    await teams.create({ teamId, name: "Club" });
    await teams.createMembership({ teamId, roles: ["member"], userId: member.$id });
    const secret = (await users.createSession({ userId: member.$id })).secret;
    const asMember = new Teams(new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(secret));

    await admin.updateMembershipPrivacyPolicy({ userEmail: false, userName: false });
    expect(await admin.getPolicy({ policyId: "membership-privacy" as never })).toMatchObject({ userEmail: false, userName: false, userId: true, userMFA: true });
    expect((await asMember.listMemberships({ teamId })).memberships[0]).toMatchObject({ userId: member.$id, userName: "", userEmail: "" });
    expect((await teams.listMemberships({ teamId })).memberships[0]).toMatchObject({ userName: "Priv", userEmail: email });
    await admin.updateMembershipPrivacyPolicy({ userEmail: true, userName: true });
    expect((await asMember.listMemberships({ teamId })).memberships[0]).toMatchObject({ userName: "Priv", userEmail: email });
  });

  it("deny disposable / free / corporate / aliased email refuse those addresses at sign-up", async () => {
    // A project of its own: sign-up is rate limited per project and client (10 a minute).
    const own = await createProject("emails");
    const admin = await projectClient(own);
    const users = new Users(own.server());
    const acc = new Account(own.guest());
    const signUp = (email: string) => acc.create({ userId: ID.unique(), email, password: "Str0ng-enough-pw!" });
    await admin.updateDenyDisposableEmailPolicy({ enabled: true });
    expect((await fail(signUp(`${uniq()}@mailinator.com`))).type).toBe("user_email_disposable");
    await admin.updateDenyDisposableEmailPolicy({ enabled: false });

    await admin.updateDenyFreeEmailPolicy({ enabled: true });
    expect((await fail(signUp(`${uniq()}@gmail.com`))).type).toBe("user_email_free");
    await signUp(`${uniq()}@example.com`);
    await admin.updateDenyFreeEmailPolicy({ enabled: false });

    await admin.updateDenyCorporateEmailPolicy({ enabled: true });
    expect((await fail(signUp(`${uniq()}@yahoo.com`))).type).toBe("user_email_not_corporate");
    await admin.updateDenyCorporateEmailPolicy({ enabled: false });

    await admin.updateDenyAliasedEmailPolicy({ enabled: true });
    expect((await fail(signUp(`${uniq()}+tag@gmail.com`))).type).toBe("user_email_not_canonical");
    expect((await fail(users.create({ userId: ID.unique(), email: `${uniq()}+x@gmail.com` }))).type).toBe("user_email_not_canonical");
    await admin.updateDenyAliasedEmailPolicy({ enabled: false });
    await signUp(`${uniq()}+tag@gmail.com`);
  });
});

describe("Project settings under concurrent updates", () => {
  it("many different policies changed at once all stay changed (each update touches only its keys)", async () => {
    const own = await createProject("concurrent");
    const a = await projectClient(own);
    await Promise.all([
      a.updatePasswordDictionaryPolicy({ enabled: true }), a.updatePasswordPersonalDataPolicy({ enabled: true }),
      a.updateSessionAlertPolicy({ enabled: true }), a.updateSessionInvalidationPolicy({ enabled: false }),
      a.updateSessionDurationPolicy({ duration: 600 }), a.updateSessionLimitPolicy({ total: 7 }), a.updateUserLimitPolicy({ total: 9 }),
      a.updatePasswordHistoryPolicy({ total: 5 }), a.updatePasswordStrengthPolicy({ symbols: true }), a.updatePasswordStrengthPolicy({ lowercase: true }),
      a.updateMembershipPrivacyPolicy({ userEmail: false }), a.updateMembershipPrivacyPolicy({ userPhone: false }),
      a.updateLabels({ labels: ["x"] }), a.updateService({ serviceId: "avatars" as never, enabled: false }),
      a.createMockPhone({ number: "+15550002001", otp: "111111" }), a.createMockPhone({ number: "+15550002002", otp: "222222" }),
    ]);
    const got = Object.fromEntries((await a.listPolicies()).policies.map((x) => [x.$id, x]));
    expect(got).toMatchObject({
      "password-dictionary": { enabled: true }, "password-personal-data": { enabled: true }, "session-alert": { enabled: true },
      "session-invalidation": { enabled: false }, "session-duration": { duration: 600 }, "session-limit": { total: 7 }, "user-limit": { total: 9 },
      "password-history": { total: 5 }, "password-strength": { symbols: true, lowercase: true }, "membership-privacy": { userEmail: false, userPhone: false },
    });
    const project = await a.get();
    expect([project.labels, project.services.find((x) => x.$id === "avatars")?.enabled]).toEqual([["x"], false]);
    expect((await a.listMockPhones()).mockNumbers.map((m) => m.number).sort()).toEqual(["+15550002001", "+15550002002"]);
  });
});

describe("Project mock phones", () => {
  it("create/get/list/update/delete; a mock number signs in with its code and no SMS is sent", async () => {
    const number = `+1555${Math.floor(1000000 + Math.random() * 8999999)}`;
    const created = await admin.createMockPhone({ number, otp: "123456" });
    expect(created).toMatchObject({ number, otp: "123456" });
    expect((await fail(admin.createMockPhone({ number, otp: "654321" }))).type).toBe("mock_number_already_exists");
    expect(await admin.getMockPhone({ number })).toMatchObject({ number, otp: "123456" });
    expect((await admin.listMockPhones()).mockNumbers.map((m) => m.number)).toEqual([number]);
    expect((await admin.updateMockPhone({ number, otp: "111222" })).otp).toBe("111222");

    const token = await guestAccount.createPhoneToken({ userId: ID.unique(), phone: number });
    const session = await guestAccount.createSession({ userId: token.userId, secret: "111222" });
    expect(session.userId).toBe(token.userId);
    expect(await outbox(number, "sms")).toEqual([]);

    await admin.deleteMockPhone({ number });
    expect((await fail(admin.getMockPhone({ number }))).type).toBe("mock_number_not_found");
    expect((await fail(admin.deleteMockPhone({ number }))).type).toBe("mock_number_not_found");
    await guestAccount.createPhoneToken({ userId: ID.unique(), phone: number });
    expect((await outbox(number, "sms")).length).toBe(1);
  });
});
