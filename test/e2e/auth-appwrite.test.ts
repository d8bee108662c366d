/**
 * Account / Users / Tokens as Appwrite 1.9.6 (its tests/e2e/Services/Account, Users, Tokens): auth mails (HTML +
 * plain text, absolute links with Appwrite's query params, default wording), secret lengths, session invalidation
 * on password change, impersonation, the User model's email metadata, aliases, account deletion, push targets,
 * users.createJWT without a session, an OpenID Connect provider. node-appwrite 27.1.0 / appwrite 27.0.0 web SDK.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Account, AppwriteException, Client, ID, OAuthProvider, Query, Teams, Users } from "node-appwrite";
import { Account as WebAccount, Client as WebClient } from "appwrite";
import { consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";
import { Browser } from "./fixtures/oauth2";

let project: TestProject;
let users: Users;
let projectName: string;
beforeAll(async () => {
  project = await createProject("auth-appwrite");
  users = new Users(project.server());
  projectName = (await consoleCall("GET", `/projects/${project.projectId}`)).json.name;
});

const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const uniq = (p = "u") => `${p}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected failure"); }, (e) => e as AppwriteException);
const as = (secret: string) => new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(secret);
const wire = (secret: string, extra: Record<string, string> = {}) => ({ "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-session": secret, ...extra });

interface Mail { channel: string; to: string; subject: string; content: string; text: string; html: string }
async function lastMessage(to: string): Promise<Mail> {
  const r = await consoleCall("GET", `/projects/${project.projectId}/outbox?to=${encodeURIComponent(to)}&limit=1`);
  expect(r.status).toBe(200);
  return r.json.messages[0] as Mail;
}
/** The link a mail's button points at, read from the HTML (and the same absolute URL in the text part). */
function linkIn(mail: Mail, base: string): URL {
  const href = new RegExp(`href="(${base.replace(/[.?/]/g, "\\$&")}[^"]*)"`).exec(mail.html)![1]!.replaceAll("&amp;", "&");
  expect(mail.text).toContain(href);
  return new URL(href);
}

async function userWithSession(opts: { email?: string; phone?: string; password?: string; name?: string } = {}) {
  const email = opts.email ?? `${uniq()}@example.com`;
  const password = opts.password ?? "original-pass-1";
  const u = await users.create({ userId: ID.unique(), email, password, phone: opts.phone, name: opts.name ?? "Ada" });
  return { user: u, email, password, ...(await signIn(email, password)) };
}

/** Sign in as a browser would (guest, Chrome) and take the session secret from X-Fallback-Cookies. */
async function signIn(email: string, password: string) {
  const r = await raw("POST", "/account/sessions/email", {
    headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "user-agent": CHROME },
    body: JSON.stringify({ email, password }),
  });
  expect(r.status).toBe(201);
  const secret = (JSON.parse(r.headers.get("x-fallback-cookies") ?? "{}") as Record<string, string>)[`a_session_${project.projectId}`]!;
  return { secret, sessionId: r.body.$id as string };
}
/** An anonymous user's session secret (guests are not shown their secret; the key mints one for the same user). */
const anonymous = async () => (await users.createSession({ userId: (await new Account(project.guest()).createAnonymousSession()).userId })).secret;
const signedIn = async (secret: string) => (await raw("GET", "/account", { headers: wire(secret) })).status === 200;

describe("auth mails: HTML with absolute links, plain-text alternative, Appwrite's wording and secret lengths", () => {
  it("verification: link keeps the app's query, adds userId/secret (256 hex)/expire, and confirms the address", async () => {
    const { user, email, secret } = await userWithSession({ name: "Vera" });
    await new Account(as(secret)).createEmailVerification({ url: "http://localhost/verify?from=app" });
    const mail = await lastMessage(email);
    expect(mail.subject).toBe(`Account Verification for ${projectName}`);
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain(`Follow this link to verify your email address to your <strong>${projectName}</strong> account.`);
    expect(mail.text.split("\n\n").slice(0, 2)).toEqual([`Verify your email to activate your ${projectName} account.`, "Hello Vera,"]);
    expect(mail.text).toContain(`Follow this link to verify your email address to your ${projectName} account.`);
    expect(mail.text).not.toContain("<");
    const link = linkIn(mail, "http://localhost/verify");
    expect(link.searchParams.get("from")).toBe("app");
    expect(link.searchParams.get("userId")).toBe(user.$id);
    expect(link.searchParams.get("secret")).toMatch(/^[0-9a-f]{256}$/);
    expect(link.searchParams.get("expire")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    await new Account(as(secret)).updateEmailVerification({ userId: link.searchParams.get("userId")!, secret: link.searchParams.get("secret")! });
    expect((await users.get({ userId: user.$id })).emailVerification).toBe(true);
  });

  it("recovery: 'Password Reset for …' with a 256-character secret that resets the password", async () => {
    const { user, email } = await userWithSession({ name: "Rita" });
    await new Account(project.guest()).createRecovery({ email, url: "http://localhost/reset" });
    const mail = await lastMessage(email);
    expect(mail.subject).toBe(`Password Reset for ${projectName}`);
    expect(mail.html).toContain(">Reset password</a>");
    expect(mail.text).toContain("If you didn't ask to reset your password, you can ignore this message.");
    const link = linkIn(mail, "http://localhost/reset");
    expect(link.searchParams.get("secret")).toHaveLength(256);
    await new Account(project.guest()).updateRecovery({ userId: user.$id, secret: link.searchParams.get("secret")!, password: "brand-new-pass-2" });
    expect((await new Account(project.guest()).createEmailPasswordSession({ email, password: "brand-new-pass-2" })).userId).toBe(user.$id);
  });

  it("magic URL: 64-character secret, `project` in the link, the security phrase and client in the mail", async () => {
    const email = `${uniq()}@example.com`;
    const guest = new Account(project.guest());
    const r = await raw("POST", "/account/tokens/magic-url", {
      headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "user-agent": CHROME },
      body: JSON.stringify({ userId: ID.unique(), email, url: "http://localhost/magic", phrase: true }),
    });
    expect(r.status).toBe(201);
    const mail = await lastMessage(email);
    expect(mail.subject).toBe(`${projectName} Login`);
    expect(mail.text).toContain(`Sign in to ${projectName} with your secure link. Expires in 1 hour.`);
    expect(mail.text).toContain(`expire=${encodeURIComponent(r.body.expire)}`);
    expect(mail.html).toContain(`Security phrase for this email is <strong>${r.body.phrase}</strong>.`);
    expect(mail.text).toContain("This sign in was requested using Chrome on UNKNOWN Windows.");
    const link = linkIn(mail, "http://localhost/magic");
    expect(link.searchParams.get("project")).toBe(project.projectId);
    const secret = link.searchParams.get("secret")!;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const session = await guest.updateMagicURLSession({ userId: link.searchParams.get("userId")!, secret });
    expect(session.provider).toBe("magic-url");
    // Appwrite's alias POST /v1/account/sessions/magic-url creates the same token.
    const alias = await raw("POST", "/account/sessions/magic-url", { headers: { "content-type": "application/json", "x-appwrite-project": project.projectId }, body: JSON.stringify({ userId: ID.unique(), email: `${uniq()}@example.com` }) });
    expect([alias.status, alias.body.secret]).toEqual([201, ""]);
  });

  it("email OTP and MFA codes are HTML mails with the code; SMS bodies are the bare code (Appwrite's sms.verification.body)", async () => {
    const email = `${uniq()}@example.com`;
    const token = await new Account(project.guest()).createEmailToken({ userId: ID.unique(), email });
    const mail = await lastMessage(email);
    expect(mail.subject).toBe(`OTP for ${projectName} Login`);
    const code = /class="code"[^>]*>(\d{6})</.exec(mail.html)![1]!;
    expect(mail.text).toContain(code);
    expect((await new Account(project.guest()).createSession({ userId: token.userId, secret: code })).userId).toBe(token.userId);

    const phone = `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    const pt = await new Account(project.guest()).createPhoneToken({ userId: ID.unique(), phone });
    const sms = await lastMessage(phone);
    expect(sms.channel).toBe("sms");
    expect(sms.content).toMatch(/^\d{6}$/);
    expect(sms.html).toBe("");
    expect((await new Account(project.guest()).updatePhoneSession({ userId: pt.userId, secret: sms.content })).provider).toBe("phone");
    const alias = await raw("POST", "/account/sessions/phone", { headers: { "content-type": "application/json", "x-appwrite-project": project.projectId }, body: JSON.stringify({ userId: ID.unique(), phone: `${phone.slice(0, -1)}${(Number(phone.at(-1)) + 1) % 10}` }) });
    expect(alias.status).toBe(201);
  });

  it("invitations: Appwrite's subject, owner and team in bold, membershipId/userId/secret/teamId/teamName in the link", async () => {
    const owner = await userWithSession({ name: "Olga" });
    const teams = new Teams(as(owner.secret));
    const team = await teams.create({ teamId: ID.unique(), name: "Rowers" });
    const invitee = `${uniq()}@example.com`;
    await teams.createMembership({ teamId: team.$id, roles: [], email: invitee, name: "Ivan", url: "http://localhost/join" });
    const mail = await lastMessage(invitee);
    expect(mail.subject).toBe(`Invitation to Rowers Team at ${projectName}`);
    expect(mail.html).toContain(`because <strong>Olga</strong> invited you to become a member of the <strong>Rowers</strong> team at <strong>${projectName}</strong>.`);
    expect(mail.html).toContain(">Accept invite to Rowers</a>");
    const link = linkIn(mail, "http://localhost/join");
    expect([...link.searchParams.keys()].sort()).toEqual(["membershipId", "secret", "teamId", "teamName", "userId"]);
    expect(link.searchParams.get("teamName")).toBe("Rowers");
    const joined = await new Teams(project.guest()).updateMembershipStatus({
      teamId: team.$id, membershipId: link.searchParams.get("membershipId")!, userId: link.searchParams.get("userId")!, secret: link.searchParams.get("secret")!,
    });
    expect(joined.confirm).toBe(true);
  });

  it("session alerts: Appwrite's layout (device, IP, country list) and preview line", async () => {
    expect((await consoleCall("PATCH", `/projects/${project.projectId}/auth/session-alerts`, { alerts: true })).status).toBe(200);
    try {
      const { email, password } = await userWithSession({ name: "Alec" });
      await signIn(email, password);
      const mail = await lastMessage(email);
      expect(mail.subject).toBe(`Security alert: new session on your ${projectName} account`);
      expect(mail.html).toContain("<ol><li>Device: <strong>Chrome</strong></li><li>IP Address: <strong>");
      expect(mail.html).toMatch(/on [A-Z][a-z]+ \d{1,2}, \d{4} at \d\d:\d\d:\d\d UTC<\/strong>/);
      expect(mail.text).toContain(`New login detected on ${projectName} at `);
      expect(mail.text).toContain("- Country: ");
    } finally {
      await consoleCall("PATCH", `/projects/${project.projectId}/auth/session-alerts`, { alerts: false });
    }
  });

  it("session secrets are 256 hex characters, as Appwrite's", async () => {
    const u = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    const s = await users.createSession({ userId: u.$id });
    const decoded = JSON.parse(Buffer.from(s.secret, "base64").toString()) as { id: string; secret: string };
    expect(decoded.id).toBe(u.$id);
    expect(decoded.secret).toMatch(/^[0-9a-f]{256}$/);
    expect((await new Account(as(s.secret)).get()).$id).toBe(u.$id);
  });
});

describe("session invalidation on password change (policy on by default, as new Appwrite projects)", () => {
  it("account.updatePassword ends the user's other sessions and keeps the current one", async () => {
    const a = await userWithSession();
    const other = await signIn(a.email, a.password);
    await new Account(as(a.secret)).updatePassword({ password: "changed-pass-1", oldPassword: a.password });
    expect(await signedIn(a.secret)).toBe(true);
    expect(await signedIn(other.secret)).toBe(false);
  });

  it("recovery and users.updatePassword end every session; with the policy off, sessions survive", async () => {
    const a = await userWithSession();
    await users.updatePassword({ userId: a.user.$id, password: "by-the-key-1" });
    expect(await signedIn(a.secret)).toBe(false);

    const b = await userWithSession();
    await new Account(project.guest()).createRecovery({ email: b.email, url: "http://localhost/reset" });
    const link = linkIn(await lastMessage(b.email), "http://localhost/reset");
    await new Account(project.guest()).updateRecovery({ userId: b.user.$id, secret: link.searchParams.get("secret")!, password: "recovered-pass-1" });
    expect(await signedIn(b.secret)).toBe(false);

    const off = await consoleCall("PATCH", `/projects/${project.projectId}/auth/session-invalidation`, { enabled: false });
    expect(off.status).toBe(200);
    try {
      const c = await userWithSession();
      const second = await signIn(c.email, c.password);
      await users.updatePassword({ userId: c.user.$id, password: "kept-sessions-1" });
      await new Account(as(c.secret)).updatePassword({ password: "kept-sessions-2", oldPassword: "kept-sessions-1" });
      expect([await signedIn(c.secret), await signedIn(second.secret)]).toEqual([true, true]);
    } finally {
      await consoleCall("PATCH", `/projects/${project.projectId}/auth/session-invalidation`, { enabled: true });
    }
    const bad = await consoleCall("PATCH", `/projects/${project.projectId}/auth/session-invalidation`, { enabled: "sometimes" });
    expect([bad.status, bad.json.type]).toEqual([400, "general_argument_invalid"]);
  });
});

describe("impersonation (Appwrite 1.9.6 UsersBase testImpersonate*)", () => {
  it("an impersonator acts as the target by id, email, phone or query param; the Account model names the impersonator", async () => {
    const actor = await userWithSession({ name: "Agent" });
    const targetEmail = `${uniq()}@example.com`;
    const targetPhone = `+1650555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    const target = await users.create({ userId: ID.unique(), email: targetEmail, phone: targetPhone, name: "Target" });
    expect(target.impersonator).toBe(false);
    expect((await users.updateImpersonator({ userId: actor.user.$id, impersonator: true })).impersonator).toBe(true);

    const byId = await new Account(as(actor.secret).setImpersonateUserId(target.$id)).get();
    expect([byId.$id, byId.name, byId.impersonatorUserId]).toEqual([target.$id, "Target", actor.user.$id]);
    expect((await new Account(as(actor.secret).setImpersonateUserEmail(targetEmail.toUpperCase())).get()).$id).toBe(target.$id);
    expect((await new Account(as(actor.secret).setImpersonateUserPhone(targetPhone)).get()).$id).toBe(target.$id);
    const byQuery = await raw("GET", `/account?impersonateUserId=${target.$id}`, { headers: wire(actor.secret) });
    expect([byQuery.body.$id, byQuery.body.impersonatorUserId]).toEqual([target.$id, actor.user.$id]);

    // Realtime connections read the same header: the `connected` frame names the target.
    const { default: WebSocket } = await import("ws");
    const ws = new WebSocket(`${endpoint.replace(/^http/, "ws")}/realtime?project=${project.projectId}&channels[]=account`, { headers: { "x-appwrite-session": actor.secret, "x-appwrite-impersonate-user-id": target.$id } });
    const connected = await new Promise<any>((resolve, reject) => (ws.once("message", (m) => resolve(JSON.parse(m.toString()))), ws.once("error", reject)));
    ws.close();
    expect(connected.data.user).toMatchObject({ $id: target.$id, impersonatorUserId: actor.user.$id });

    const self = await raw("GET", "/account", { headers: wire(actor.secret) });
    expect(self.body).toMatchObject({ $id: actor.user.$id, impersonator: true });
    expect(self.body).toHaveProperty("impersonatorUserId", null);

    // Impersonators hold users.read (to pick a target) — without the target's password material.
    const listed = await new Users(as(actor.secret)).list({ queries: [Query.equal("impersonator", [true])] });
    expect(listed.users.map((u) => u.$id)).toEqual([actor.user.$id]);
    expect(listed.users[0]).toMatchObject({ password: "", hash: "" });

    // What the impersonator does as the target is logged as the impersonator's action.
    await new Account(as(actor.secret).setImpersonateUserId(target.$id)).updateName({ name: "Renamed" });
    expect((await users.get({ userId: target.$id })).name).toBe("Renamed");
    expect((await users.listLogs({ userId: target.$id })).logs.map((l) => l.event)).not.toContain("user.update");
    expect((await users.listLogs({ userId: actor.user.$id })).logs[0]).toMatchObject({ event: "user.update", userId: actor.user.$id });
  });

  it("without the capability the headers are ignored and users.read is not granted", async () => {
    const plain = await userWithSession({ name: "Plain" });
    const other = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    const me = await new Account(as(plain.secret).setImpersonateUserId(other.$id)).get();
    expect([me.$id, me.impersonatorUserId]).toEqual([plain.user.$id, null]);
    const list = await fail(new Users(as(plain.secret).setImpersonateUserId(other.$id)).list());
    expect([list.code, list.type]).toEqual([401, "general_unauthorized_scope"]);
    const revoked = await userWithSession();
    await users.updateImpersonator({ userId: revoked.user.$id, impersonator: true });
    await users.updateImpersonator({ userId: revoked.user.$id, impersonator: false });
    expect((await new Account(as(revoked.secret).setImpersonateUserId(other.$id)).get()).$id).toBe(revoked.user.$id);
  });
});

describe("User model and account details (Appwrite 1.9.6)", () => {
  it("records email metadata: canonical form, free / disposable / corporate; null without an email", async () => {
    const gmail = await new Account(project.guest()).create({ userId: ID.unique(), email: `John.Doe+${uniq()}@GMail.com`, password: "metadata-pass-1" });
    expect(gmail).toMatchObject({ emailCanonical: "johndoe@gmail.com", emailIsCanonical: false, emailIsFree: true, emailIsDisposable: false, emailIsCorporate: false });
    const work = await users.create({ userId: ID.unique(), email: `${uniq()}@edgewrite.dev` });
    expect(work).toMatchObject({ emailIsCanonical: true, emailIsFree: false, emailIsDisposable: false, emailIsCorporate: true });
    expect(work.emailCanonical).toBe(work.email);
    const moved = await users.updateEmail({ userId: work.$id, email: `${uniq()}@mailinator.com` });
    expect(moved).toMatchObject({ emailIsDisposable: true, emailIsCorporate: false });
    const a = await raw("GET", "/account", { headers: wire(await anonymous()) });
    expect(a.body).toMatchObject({ emailCanonical: null, emailIsFree: null, emailIsDisposable: null, emailIsCorporate: null, emailIsCanonical: null });
  });

  it("prefs given as a JSON string are 400; converting an anonymous account to a taken email or phone is 409", async () => {
    const { secret, email } = await userWithSession();
    const asString = await raw("PATCH", "/account/prefs", { headers: wire(secret), body: JSON.stringify({ prefs: '{"theme":"dark"}' }) });
    expect([asString.status, asString.body.type, asString.body.message]).toEqual([400, "general_argument_invalid", "Invalid `prefs` param: Value must be a valid object."]);
    const byKey = await raw("PATCH", `/users/${(await new Account(as(secret)).get()).$id}/prefs`, { headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": project.key }, body: JSON.stringify({ prefs: "[]" }) });
    expect(byKey.status).toBe(400);

    const anon = await anonymous();
    const taken = await fail(new Account(as(anon)).updateEmail({ email, password: "anon-password-1" }));
    expect([taken.code, taken.type]).toEqual([409, "user_target_already_exists"]);
    const phone = `+1212555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    const phoned = await users.create({ userId: ID.unique(), phone });
    const takenPhone = await fail(new Account(as(anon)).updatePhone({ phone, password: "anon-password-1" }));
    expect([takenPhone.code, takenPhone.type]).toEqual([409, "user_target_already_exists"]);
    const byUsers = await fail(users.updatePhone({ userId: (await new Account(as(anon)).get()).$id, number: phoned.phone }));
    expect([byUsers.code, byUsers.type]).toEqual([409, "user_target_already_exists"]);
    // A fresh address converts it, and the given password becomes the account's.
    const fresh = `${uniq()}@example.com`;
    expect((await new Account(as(anon)).updateEmail({ email: fresh, password: "anon-password-1" })).email).toBe(fresh);
    expect((await new Account(project.guest()).createEmailPasswordSession({ email: fresh, password: "anon-password-1" })).provider).toBe("email");
  });

  it("users.createJWT without a session gives a JWT with an empty sessionId that acts as the user; `recent` picks the newest session", async () => {
    const u = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com`, name: "Jot" });
    const payload = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as { userId: string; sessionId: string };
    const { jwt } = await users.createJWT({ userId: u.$id });
    expect(payload(jwt)).toMatchObject({ userId: u.$id, sessionId: "" });
    const viaJwt = new Account(new Client().setEndpoint(endpoint).setProject(project.projectId).setJWT(jwt));
    expect((await viaJwt.get()).name).toBe("Jot");
    await users.createSession({ userId: u.$id });
    const newest = await users.createSession({ userId: u.$id });
    expect(payload((await users.createJWT({ userId: u.$id, sessionId: "recent" })).jwt).sessionId).toBe(newest.$id);
    expect(payload((await users.createJWT({ userId: u.$id, sessionId: "unknown" })).jwt).sessionId).toBe("");
  });

  it("aliases POST /v1/account/jwt and POST|PUT /v1/account/mfa/challenge; the MFA code mail is Appwrite's", async () => {
    const { user, email, password, secret } = await userWithSession({ name: "Mia" });
    const jwt = await raw("POST", "/account/jwt", { headers: wire(secret), body: "{}" });
    expect(jwt.status).toBe(201);
    expect(jwt.body.jwt.split(".")).toHaveLength(3);

    await users.updateEmailVerification({ userId: user.$id, emailVerification: true });
    await users.updateMFA({ userId: user.$id, mfa: true });
    const half = (await signIn(email, password)).secret;
    const blocked = await raw("GET", "/account", { headers: wire(half) });
    expect([blocked.status, blocked.body.type]).toEqual([401, "user_more_factors_required"]);
    // The alias is in Appwrite's `mfa` group too: a half-signed-in session may use it.
    const challenge = await raw("POST", "/account/mfa/challenge", { headers: wire(half), body: JSON.stringify({ factor: "email" }) });
    expect(challenge.status).toBe(201);
    const mail = await lastMessage(email);
    expect(mail.subject).toBe(`Verification Code for ${projectName}`);
    expect(mail.html).toContain(`Enter the following code to confirm your two-step verification in <strong>${projectName}</strong>.`);
    const otp = /class="code"[^>]*>(\d{6})</.exec(mail.html)![1]!;
    const done = await raw("PUT", "/account/mfa/challenge", { headers: wire(half), body: JSON.stringify({ challengeId: challenge.body.$id, otp }) });
    expect(done.status).toBe(200);
    expect(done.body.factors).toEqual(["password", "email"]);
    expect(await signedIn(half)).toBe(true);
  });

  it("DELETE /v1/account deletes the signed-in user with its sessions", async () => {
    const { user, secret } = await userWithSession();
    const guestTry = await raw("DELETE", "/account", { headers: { "x-appwrite-project": project.projectId } });
    expect([guestTry.status, guestTry.body.type]).toEqual([401, "general_unauthorized_scope"]);
    const r = await raw("DELETE", "/account", { headers: wire(secret) });
    expect(r.status).toBe(204);
    const gone = await fail(users.get({ userId: user.$id }));
    expect([gone.code, gone.type]).toEqual([404, "user_not_found"]);
    expect(await signedIn(secret)).toBe(false);
  });

  it("push targets: create (named after the device), update, list on the account, only by their owner, delete, end with their session", async () => {
    const { secret } = await userWithSession();
    const web = new WebAccount(new WebClient().setEndpoint(endpoint).setProject(project.projectId).setSession(secret));
    const token = uniq("fcm");
    const target = await web.createPushTarget({ targetId: ID.unique(), identifier: token });
    expect(target).toMatchObject({ providerType: "push", identifier: token, expired: false });
    expect((await web.get()).targets.map((t) => t.$id)).toContain(target.$id);
    const moved = await web.updatePushTarget({ targetId: target.$id, identifier: `${token}-2` });
    expect(moved.identifier).toBe(`${token}-2`);
    const dup = await fail(web.createPushTarget({ targetId: target.$id, identifier: uniq("fcm") }));
    expect([dup.code, dup.type]).toEqual([409, "user_target_already_exists"]);
    const stranger = await userWithSession();
    const foreign = await fail(new WebAccount(new WebClient().setEndpoint(endpoint).setProject(project.projectId).setSession(stranger.secret)).deletePushTarget({ targetId: target.$id }));
    expect([foreign.code, foreign.type]).toEqual([404, "user_target_not_found"]);
    await web.deletePushTarget({ targetId: target.$id });
    expect((await web.get()).targets.map((t) => t.$id)).not.toContain(target.$id);

    // A push target ends with the session that registered it.
    const kept = await web.createPushTarget({ targetId: ID.unique(), identifier: uniq("fcm") });
    const me = await web.get();
    await new Account(as(secret)).deleteSession({ sessionId: "current" });
    const left = await users.listTargets({ userId: me.$id });
    expect(left.targets.map((t) => t.providerType)).toEqual(["email"]);
    expect(left.targets.map((t) => t.$id)).not.toContain(kept.$id);
  });
});

describe("OpenID Connect provider (oidc, endpoints from the JSON secret or its discovery document)", () => {
  let server: Server;
  let base = "";
  const codes = new Set<string>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url!, "http://127.0.0.1");
      const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (url.pathname === "/authorize") {
        expect(url.searchParams.get("scope")).toBe("openid profile email");
        const back = new URL(url.searchParams.get("redirect_uri")!);
        back.searchParams.set("state", url.searchParams.get("state")!);
        back.searchParams.set("code", "oidc-code");
        codes.add("oidc-code");
        return res.writeHead(302, { location: back.toString() }).end();
      }
      if (url.pathname === "/token") {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          const form = new URLSearchParams(body);
          if (form.get("client_secret") !== "oidc-secret" || !codes.delete(form.get("code") ?? "")) return send(400, { error: "invalid_grant" });
          send(200, { access_token: "oidc-access", refresh_token: "oidc-refresh", expires_in: 3600, id_token: "x.y.z" });
        });
        return;
      }
      if (url.pathname === "/.well-known/openid-configuration") {
        return send(200, { issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, userinfo_endpoint: `${base}/userinfo` });
      }
      if (url.pathname === "/userinfo") {
        if (req.headers.authorization !== "Bearer oidc-access") return send(401, { error: "invalid_token" });
        return send(200, { sub: "oidc-sub-1", email: "Oidc.Person@example.com", email_verified: true, name: "Oidc Person" });
      }
      send(404, {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("signs a user in through the configured authorization, token and userinfo endpoints", async () => {
    const secret = JSON.stringify({ clientSecret: "oidc-secret", authorizationEndpoint: `${base}/authorize`, tokenEndpoint: `${base}/token`, userinfoEndpoint: `${base}/userinfo` });
    const set = await consoleCall("PATCH", `/projects/${project.projectId}/oauth2`, { provider: "oidc", appId: "oidc-client", secret, enabled: true });
    expect(set.status).toBe(200);
    const location = await new Account(project.guest()).createOAuth2Token({ provider: OAuthProvider.Oidc, success: "http://localhost/ok", failure: "http://localhost/fail" });
    expect(location.startsWith(`${base}/authorize?`)).toBe(true);
    const done = await new Browser(new URL(endpoint).origin, base).go(location);
    const back = new URL(done.url);
    expect(`${back.origin}${back.pathname}`).toBe("http://localhost/ok");
    const session = await new Account(project.guest()).createSession({ userId: back.searchParams.get("userId")!, secret: back.searchParams.get("secret")! });
    expect(session.provider).toBe("oidc");
    expect(await users.get({ userId: session.userId })).toMatchObject({ email: "oidc.person@example.com", name: "Oidc Person", emailVerification: true });
  });

  it("reads the endpoints from `wellKnownEndpoint` discovery; an unreachable document is 424", async () => {
    const configure = (wellKnownEndpoint: string) =>
      consoleCall("PATCH", `/projects/${project.projectId}/oauth2`, { provider: "oidc", appId: "oidc-client", secret: JSON.stringify({ clientSecret: "oidc-secret", wellKnownEndpoint }), enabled: true });
    expect((await configure(`${base}/.well-known/openid-configuration`)).status).toBe(200);
    const location = await new Account(project.guest()).createOAuth2Token({ provider: OAuthProvider.Oidc, success: "http://localhost/ok", failure: "http://localhost/fail" });
    expect(location.startsWith(`${base}/authorize?`)).toBe(true);
    const back = new URL((await new Browser(new URL(endpoint).origin, base).go(location)).url);
    expect((await new Account(project.guest()).createSession({ userId: back.searchParams.get("userId")!, secret: back.searchParams.get("secret")! })).provider).toBe("oidc");

    await configure(`${base}/missing`);
    const broken = await raw("GET", `/account/tokens/oauth2/oidc?project=${project.projectId}&success=${encodeURIComponent("http://localhost/ok")}`);
    expect([broken.status, broken.body.type]).toEqual([424, "user_oauth2_provider_failure"]);
  });
});
