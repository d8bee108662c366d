import { beforeAll, describe, expect, it } from "vitest";
import { Account, AppwriteException, Client, ID, Query, Users } from "node-appwrite";
import { consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";

let project: TestProject;
let users: Users;
beforeAll(async () => {
  project = await createProject("auth");
  users = new Users(project.server());
});

const uniq = (p = "u") => `${p}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected failure"); }, (e) => e as AppwriteException);
const clientFor = (secret: string) => new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(secret);

/** Latest outbox message to `to` (console admin API), newest first. */
async function lastMessage(to: string, channel = "email") {
  const r = await consoleCall("GET", `/projects/${project.projectId}/outbox?to=${encodeURIComponent(to)}&channel=${channel}`);
  expect(r.status).toBe(200);
  return r.json.messages[0] as { $id: string; channel: string; to: string; subject: string; content: string; $createdAt: string } | undefined;
}

describe("users service (node-appwrite 27.1.0, API key)", () => {
  it("creates a user (201) without exposing the plain password; duplicates are 409 user_already_exists", async () => {
    const email = `${uniq()}@Example.com`;
    const u = await users.create({ userId: ID.unique(), email, password: "sup3r-secret-pw", name: "Ada" });
    expect(u).toMatchObject({ name: "Ada", email: email.toLowerCase(), status: true, emailVerification: false, labels: [], prefs: {}, hash: "pbkdf2" });
    expect(u.$id).toMatch(/^[0-9a-f]{20}$/);
    expect(u.password).not.toContain("sup3r-secret-pw");
    expect(u.passwordUpdate).not.toBe("");
    const dupEmail = await fail(users.create({ userId: ID.unique(), email }));
    expect([dupEmail.code, dupEmail.type]).toEqual([409, "user_already_exists"]);
    const dupId = await fail(users.create({ userId: u.$id, email: `${uniq()}@example.com` }));
    expect([dupId.code, dupId.type]).toEqual([409, "user_already_exists"]);
    const badPw = await fail(users.create({ userId: ID.unique(), email: `${uniq()}@x.io`, password: "short" }));
    expect([badPw.code, badPw.type, badPw.message]).toEqual([400, "general_argument_invalid", "Invalid `password` param: Password must be between 8 and 256 characters long."]);
    const badPhone = await fail(users.create({ userId: ID.unique(), phone: "12345" }));
    expect(badPhone.type).toBe("general_argument_invalid");
  });

  it("lists with queries and search, gets, and 404s an unknown user", async () => {
    const tag = uniq("srch");
    const a = await users.create({ userId: ID.unique(), email: `${tag}a@example.com`, name: `${tag} Alpha` });
    const b = await users.create({ userId: ID.unique(), email: `${tag}b@example.com`, name: `${tag} Beta` });
    const found = await users.list({ search: tag });
    expect(found.users.map((u) => u.$id).sort()).toEqual([a.$id, b.$id].sort());
    const byName = await users.list({ queries: [Query.equal("name", `${tag} Beta`)] });
    expect(byName.total).toBe(1);
    expect(byName.users[0]!.$id).toBe(b.$id);
    const limited = await users.list({ queries: [Query.limit(1), Query.orderDesc("$createdAt")], total: false });
    expect(limited.users).toHaveLength(1);
    expect(limited.total).toBe(0);
    const bad = await fail(users.list({ queries: [Query.equal("password", "x")] }));
    expect([bad.code, bad.type]).toEqual([400, "general_query_invalid"]);
    expect((await users.get({ userId: a.$id })).email).toBe(`${tag}a@example.com`);
    const missing = await fail(users.get({ userId: "nope" }));
    expect([missing.code, missing.type]).toEqual([404, "user_not_found"]);
  });

  it("updates name, email, phone (body key `number`), status, labels, prefs and verification", async () => {
    const u = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    expect((await users.updateName({ userId: u.$id, name: "Grace" })).name).toBe("Grace");
    const email = `${uniq()}@example.com`;
    expect((await users.updateEmail({ userId: u.$id, email })).email).toBe(email);
    const phone = `+1555${Math.floor(1000000 + Math.random() * 8999999)}`;
    expect((await users.updatePhone({ userId: u.$id, number: phone })).phone).toBe(phone);
    expect((await users.updateStatus({ userId: u.$id, status: false })).status).toBe(false);
    expect((await users.updateLabels({ userId: u.$id, labels: ["admin", "vip"] })).labels).toEqual(["admin", "vip"]);
    expect(await users.updatePrefs({ userId: u.$id, prefs: { theme: "dark" } })).toEqual({ theme: "dark" });
    expect(await users.getPrefs({ userId: u.$id })).toEqual({ theme: "dark" });
    expect((await users.updateEmailVerification({ userId: u.$id, emailVerification: true })).emailVerification).toBe(true);
    expect((await users.updatePhoneVerification({ userId: u.$id, phoneVerification: true })).phoneVerification).toBe(true);

    const other = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    // Appwrite 1.9.6 finds the address on the other user's target first (UsersBase::testUpdateUserNumber).
    const e1 = await fail(users.updateEmail({ userId: other.$id, email }));
    expect([e1.code, e1.type]).toEqual([409, "user_target_already_exists"]);
    const e2 = await fail(users.updatePhone({ userId: other.$id, number: phone }));
    expect([e2.code, e2.type]).toEqual([409, "user_target_already_exists"]);
  });

  it("creates sessions with a real secret (SSR), lists and deletes them; deleting the user removes its sessions", async () => {
    const u = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com`, password: "password-123" });
    const s = await users.createSession({ userId: u.$id });
    expect(s).toMatchObject({ userId: u.$id, provider: "server", factors: ["server"], current: true });
    expect(s.secret.length).toBeGreaterThan(40);
    // The secret signs the user in (X-Appwrite-Session), as the SSR flow does.
    const me = await new Account(clientFor(s.secret)).get();
    expect(me.$id).toBe(u.$id);
    expect((me as unknown as Record<string, unknown>).password).toBeUndefined();
    const listed = await users.listSessions({ userId: u.$id });
    expect(listed.total).toBe(1);
    expect(listed.sessions[0]!.secret).toBe("");
    await users.deleteSession({ userId: u.$id, sessionId: s.$id });
    const gone = await fail(new Account(clientFor(s.secret)).get());
    expect(gone.code).toBe(401);

    const s2 = await users.createSession({ userId: u.$id });
    await users.deleteSessions({ userId: u.$id });
    expect((await users.listSessions({ userId: u.$id })).total).toBe(0);
    expect((await fail(new Account(clientFor(s2.secret)).get())).code).toBe(401);

    const s3 = await users.createSession({ userId: u.$id });
    await users.delete({ userId: u.$id });
    expect((await fail(users.get({ userId: u.$id }))).type).toBe("user_not_found");
    expect((await fail(new Account(clientFor(s3.secret)).get())).code).toBe(401);
  });

  it("a blocked user's session is refused with user_blocked", async () => {
    const u = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    const s = await users.createSession({ userId: u.$id });
    await users.updateStatus({ userId: u.$id, status: false });
    const e = await fail(new Account(clientFor(s.secret)).get());
    expect([e.code, e.type]).toEqual([403, "user_blocked"]);
  });

  it("custom tokens: users.createToken → account.createSession; a reused or wrong secret is user_invalid_token", async () => {
    const u = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    const t = await users.createToken({ userId: u.$id, length: 8, expire: 60 });
    expect(t).toMatchObject({ userId: u.$id });
    expect(t.secret).toMatch(/^[a-z0-9]{8}$/);
    const guest = new Account(project.guest());
    const s = await guest.createSession({ userId: u.$id, secret: t.secret });
    expect(s).toMatchObject({ userId: u.$id, provider: "token", factors: ["token"], secret: "" });
    const reused = await fail(new Account(project.guest()).createSession({ userId: u.$id, secret: t.secret }));
    expect([reused.code, reused.type]).toEqual([401, "user_invalid_token"]);
    const wrong = await fail(new Account(project.guest()).createSession({ userId: u.$id, secret: "zzzzzzzz" }));
    expect([wrong.code, wrong.type]).toEqual([401, "user_invalid_token"]);
  });

  it("users endpoints need the users.* scopes", async () => {
    const key = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "ro", scopes: ["users.read"] });
    const r = await raw("POST", "/users", {
      headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": key.json.secret },
      body: JSON.stringify({ userId: "unique()", email: `${uniq()}@example.com` }),
    });
    expect([r.status, r.body.type]).toEqual([401, "general_unauthorized_scope"]);
  });
});

describe("account (node-appwrite 27.1.0 as a client)", () => {
  /** Sign-up through the client API (abuse limit: 10 per IP per hour, so most tests create users with the key). */
  const signUp = async (password = "correct-horse-9", viaClient = false) => {
    const email = `${uniq()}@example.com`;
    const user = viaClient
      ? await new Account(project.guest()).create({ userId: ID.unique(), email, password, name: "Lin" })
      : await users.create({ userId: ID.unique(), email, password, name: "Lin" });
    return { email, password, user };
  };
  /** Sign in through the guest client and return a client carrying the session (X-Appwrite-Session). */
  const signIn = async (email: string, password: string) => {
    const r = await raw("POST", "/account/sessions/email", {
      headers: { "content-type": "application/json", "x-appwrite-project": project.projectId },
      body: JSON.stringify({ email, password }),
    });
    expect(r.status).toBe(201);
    const fallback = JSON.parse(r.headers.get("x-fallback-cookies") ?? "{}");
    const secret: string = fallback[`a_session_${project.projectId}`];
    return { client: clientFor(secret), secret, session: r.body, headers: r.headers };
  };

  it("sign-up creates the user without a session; duplicate email is 409 user_already_exists", async () => {
    const { email, user } = await signUp("correct-horse-9", true);
    expect(user).toMatchObject({ email, name: "Lin", emailVerification: false, prefs: {} });
    expect((user as unknown as Record<string, unknown>).password).toBeUndefined();
    const dup = await fail(new Account(project.guest()).create({ userId: ID.unique(), email, password: "another-pass-1" }));
    expect([dup.code, dup.type]).toEqual([409, "user_already_exists"]);
  });

  it("email/password session: cookies, fallback header, model; wrong password and unknown email are 401 user_invalid_credentials", async () => {
    const { email, password, user } = await signUp();
    const { session, headers, client } = await signIn(email, password);
    expect(session).toMatchObject({ userId: user.$id, provider: "email", providerUid: email, factors: ["password"], current: true, secret: "" });
    expect(session.countryCode).toMatch(/^([a-z]{2}|--)$/); // from request.cf
    const cookies = headers.getSetCookie();
    const main = cookies.find((c) => c.startsWith(`a_session_${project.projectId}=`))!;
    const legacy = cookies.find((c) => c.startsWith(`a_session_${project.projectId}_legacy=`))!;
    expect(main).toMatch(/HttpOnly/);
    expect(main).toMatch(/SameSite=None/);
    expect(main).not.toMatch(/Domain=/); // 127.0.0.1: no Domain
    expect(legacy).not.toMatch(/SameSite/);
    expect((await new Account(client).get()).$id).toBe(user.$id);

    const wrong = await fail(new Account(project.guest()).createEmailPasswordSession({ email, password: "wrong-password" }));
    expect([wrong.code, wrong.type]).toEqual([401, "user_invalid_credentials"]);
    const unknown = await fail(new Account(project.guest()).createEmailPasswordSession({ email: `${uniq()}@nowhere.io`, password: "whatever-123" }));
    expect([unknown.code, unknown.type]).toEqual([401, "user_invalid_credentials"]);
    const again = await fail(new Account(client).createEmailPasswordSession({ email, password }));
    expect([again.code, again.type]).toEqual([401, "user_session_already_exists"]);
  });

  it("an API key sees the session secret (SSR) and the secret works with setSession", async () => {
    const { email, password, user } = await signUp();
    const s = await new Account(project.server()).createEmailPasswordSession({ email, password });
    expect(s.secret.length).toBeGreaterThan(40);
    expect((await new Account(clientFor(s.secret)).get()).$id).toBe(user.$id);
  });

  it("a blocked user cannot sign in (403 user_blocked)", async () => {
    const { email, password, user } = await signUp();
    await users.updateStatus({ userId: user.$id, status: false });
    const e = await fail(new Account(project.guest()).createEmailPasswordSession({ email, password }));
    expect([e.code, e.type]).toEqual([403, "user_blocked"]);
  });

  it("reads and updates the account: name, prefs ({} when empty, PATCH replaces), email (password required), password (old password required), phone", async () => {
    const { email, password } = await signUp();
    const { client } = await signIn(email, password);
    const account = new Account(client);
    expect(await account.getPrefs()).toEqual({});
    expect((await account.updateName({ name: "Renamed" })).name).toBe("Renamed");
    expect((await account.updatePrefs({ prefs: { a: 1, b: "x" } })).prefs).toEqual({ a: 1, b: "x" });
    expect((await account.updatePrefs({ prefs: { c: true } })).prefs).toEqual({ c: true });
    expect(await account.getPrefs()).toEqual({ c: true });

    const badPw = await fail(account.updateEmail({ email: `${uniq()}@example.com`, password: "not-the-password" }));
    expect([badPw.code, badPw.type]).toEqual([401, "user_invalid_credentials"]);
    const newEmail = `${uniq()}@example.com`;
    expect((await account.updateEmail({ email: newEmail, password })).email).toBe(newEmail);

    const noOld = await fail(account.updatePassword({ password: "brand-new-pass-1" }));
    expect([noOld.code, noOld.type]).toEqual([401, "user_invalid_credentials"]);
    await account.updatePassword({ password: "brand-new-pass-1", oldPassword: password });
    const old = await fail(new Account(project.guest()).createEmailPasswordSession({ email: newEmail, password }));
    expect(old.type).toBe("user_invalid_credentials");
    await signIn(newEmail, "brand-new-pass-1");

    const phone = `+1444${Math.floor(1000000 + Math.random() * 8999999)}`;
    expect((await account.updatePhone({ phone, password: "brand-new-pass-1" })).phone).toBe(phone);
  });

  it("anonymous session, later converted by setting email and password", async () => {
    const r = await raw("POST", "/account/sessions/anonymous", { headers: { "content-type": "application/json", "x-appwrite-project": project.projectId } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ provider: "anonymous", factors: ["anonymous"] });
    const secret = JSON.parse(r.headers.get("x-fallback-cookies")!)[`a_session_${project.projectId}`];
    const account = new Account(clientFor(secret));
    const me = await account.get();
    expect(me).toMatchObject({ email: "", passwordUpdate: "" });
    const email = `${uniq()}@example.com`;
    const converted = await account.updateEmail({ email, password: "converted-pass-1" });
    expect(converted).toMatchObject({ $id: me.$id, email });
    expect(converted.passwordUpdate).not.toBe("");
    const s = await new Account(project.guest()).createEmailPasswordSession({ email, password: "converted-pass-1" });
    expect(s.userId).toBe(me.$id);
  });

  it("sessions: list, get (incl. current), update, delete current clears cookies; delete all", async () => {
    const { email, password } = await signUp();
    const first = await signIn(email, password);
    const second = await signIn(email, password);
    const account = new Account(second.client);
    const listed = await account.listSessions();
    expect(listed.total).toBe(2);
    expect(listed.sessions.filter((s) => s.current).map((s) => s.$id)).toEqual([second.session.$id]);
    expect((await account.getSession({ sessionId: "current" })).$id).toBe(second.session.$id);
    expect((await account.getSession({ sessionId: first.session.$id })).current).toBe(false);
    const updated = await account.updateSession({ sessionId: "current" });
    expect(updated.$id).toBe(second.session.$id);
    const missing = await fail(account.getSession({ sessionId: "nope" }));
    expect([missing.code, missing.type]).toEqual([404, "user_session_not_found"]);

    const del = await raw("DELETE", "/account/sessions/current", {
      headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-session": second.secret },
      body: "{}",
    });
    expect(del.status).toBe(204);
    expect(del.headers.get("x-fallback-cookies")).toBe("[]");
    expect(del.headers.getSetCookie().some((c) => c.startsWith(`a_session_${project.projectId}=;`))).toBe(true);
    expect((await fail(new Account(second.client).get())).code).toBe(401);

    const third = await signIn(email, password);
    await new Account(third.client).deleteSessions();
    expect((await fail(new Account(first.client).get())).code).toBe(401);
    expect((await fail(new Account(third.client).get())).code).toBe(401);
  });

  it("JWT: created from a session (HS256), authenticates requests; creating one with a JWT is denied", async () => {
    const { email, password, user } = await signUp();
    const { client } = await signIn(email, password);
    const { jwt } = await new Account(client).createJWT({});
    expect(JSON.parse(atob(jwt.split(".")[0]!))).toMatchObject({ alg: "HS256" });
    const claims = JSON.parse(atob(jwt.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));
    expect(claims.exp - claims.iat).toBe(900);
    const viaJwt = new Client().setEndpoint(endpoint).setProject(project.projectId).setJWT(jwt);
    expect((await new Account(viaJwt).get()).$id).toBe(user.$id);
    const denied = await fail(new Account(viaJwt).createJWT({}));
    expect([denied.code, denied.type]).toEqual([403, "user_jwt_creation_denied"]);
  });

  it("password recovery through the outbox link; a reused secret is user_invalid_token", async () => {
    const { email, user } = await signUp();
    const guest = new Account(project.guest());
    const t = await guest.createRecovery({ email, url: "http://localhost/reset" });
    expect(t).toMatchObject({ userId: user.$id, secret: "" });
    const msg = await lastMessage(email);
    const link = new URL(/http:\/\/localhost\/reset\S+/.exec(msg!.content)![0]);
    expect(link.searchParams.get("userId")).toBe(user.$id);
    const secret = link.searchParams.get("secret")!;
    await guest.updateRecovery({ userId: user.$id, secret, password: "recovered-pass-1" });
    expect((await guest.createEmailPasswordSession({ email, password: "recovered-pass-1" })).userId).toBe(user.$id);
    const reused = await fail(new Account(project.guest()).updateRecovery({ userId: user.$id, secret, password: "again-pass-123" }));
    expect([reused.code, reused.type]).toEqual([401, "user_invalid_token"]);
    const badUrl = await fail(guest.createRecovery({ email, url: "https://evil.example/steal" }));
    expect([badUrl.code, badUrl.type]).toEqual([400, "general_argument_invalid"]);
  });

  it("email verification through the outbox link", async () => {
    const { email, password } = await signUp();
    const { client } = await signIn(email, password);
    const account = new Account(client);
    await account.createEmailVerification({ url: "http://localhost/verify" });
    const link = new URL(/http:\/\/localhost\/verify\S+/.exec((await lastMessage(email))!.content)![0]);
    await account.updateEmailVerification({ userId: link.searchParams.get("userId")!, secret: link.searchParams.get("secret")! });
    expect((await account.get()).emailVerification).toBe(true);
    const again = await fail(account.createEmailVerification({ url: "http://localhost/verify" }));
    expect([again.code, again.type]).toEqual([409, "user_email_already_verified"]);
  });

  it("magic URL: unknown email creates the user; the link's secret signs in once and verifies the email", async () => {
    const email = `${uniq()}@example.com`;
    const guest = new Account(project.guest());
    const t = await guest.createMagicURLToken({ userId: ID.unique(), email, url: "http://localhost/magic", phrase: true });
    expect(t.secret).toBe("");
    expect(t.phrase).toMatch(/^\w+ \w+$/);
    const msg = (await lastMessage(email))!;
    expect(msg.content).toContain(t.phrase);
    const link = new URL(/http:\/\/localhost\/magic\S+/.exec(msg.content)![0]);
    const s = await guest.updateMagicURLSession({ userId: link.searchParams.get("userId")!, secret: link.searchParams.get("secret")! });
    expect(s).toMatchObject({ userId: t.userId, provider: "magic-url", factors: ["email"] });
    expect((await users.get({ userId: t.userId })).emailVerification).toBe(true);
    const reused = await fail(new Account(project.guest()).updateMagicURLSession({ userId: t.userId, secret: link.searchParams.get("secret")! }));
    expect(reused.type).toBe("user_invalid_token");
  });

  it("email OTP: a 6-digit code from the outbox; phone OTP goes to the sms channel", async () => {
    const email = `${uniq()}@example.com`;
    const guest = new Account(project.guest());
    const t = await guest.createEmailToken({ userId: ID.unique(), email });
    const code = /\b(\d{6})\b/.exec((await lastMessage(email))!.content)![1]!;
    const wrong = await fail(guest.createSession({ userId: t.userId, secret: code === "000000" ? "111111" : "000000" }));
    expect(wrong.type).toBe("user_invalid_token");
    const s = await guest.createSession({ userId: t.userId, secret: code });
    expect(s).toMatchObject({ userId: t.userId, factors: ["email"] });

    const phone = `+1333${Math.floor(1000000 + Math.random() * 8999999)}`;
    const pt = await guest.createPhoneToken({ userId: ID.unique(), phone });
    const sms = (await lastMessage(phone, "sms"))!;
    expect(sms.channel).toBe("sms");
    const ps = await guest.updatePhoneSession({ userId: pt.userId, secret: /\b(\d{6})\b/.exec(sms.content)![1]! });
    expect(ps).toMatchObject({ provider: "phone", factors: ["phone"] });
    expect((await users.get({ userId: pt.userId })).phoneVerification).toBe(true);
  });

  it("abuse limit: the 11th login attempt for one email within the hour is 429 with X-RateLimit headers", async () => {
    const { email } = await signUp();
    let last;
    for (let i = 0; i < 11; i++) {
      last = await raw("POST", "/account/sessions/email", {
        headers: { "content-type": "application/json", "x-appwrite-project": project.projectId },
        body: JSON.stringify({ email, password: "wrong-password" }),
      });
      if (i < 10) expect(last.body.type).toBe("user_invalid_credentials");
    }
    expect([last!.status, last!.body.type]).toEqual([429, "general_rate_limit_exceeded"]);
    expect(last!.headers.get("x-ratelimit-limit")).toBe("10");
    expect(last!.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(last!.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
  });
});

describe("imported password hashes (Appwrite's test vectors for the password 'appwrite')", () => {
  const login = (email: string, password = "appwrite") => new Account(project.guest()).createEmailPasswordSession({ email, password });

  it.each([
    ["md5", (id: string, email: string) => users.createMD5User({ userId: id, email, password: "144fa7eaa4904e8ee120651997f70dcc" })],
    ["argon2", (id: string, email: string) => users.createArgon2User({ userId: id, email, password: "$argon2i$v=19$m=20,t=3,p=2$YXBwd3JpdGU$A/54i238ed09ZR4NwlACU5XnkjNBZU9QeOEuhjLiexI" })],
    ["sha", (id: string, email: string) => users.createSHAUser({ userId: id, email, password: "4243da0a694e8a2f727c8060fe0507c8fa01ca68146c76d2c190805b638c20c6bf6ba04e21f11ae138785d0bff63c416e6f87badbffad37f6dee50094cc38c70", passwordVersion: "sha512" as never })],
    ["phpass", (id: string, email: string) => users.createPHPassUser({ userId: id, email, password: "$P$Br387rwferoKN7uwHZqNMu98q3U8RO." })],
    ["scrypt", (id: string, email: string) => users.createScryptUser({ userId: id, email, password: "3fdef49701bc4cfaacd551fe017283513284b4731e6945c263246ef948d3cf63b5d269c31fd697246085111a428245e24a4ddc6b64c687bc60a8910dbafc1d5b", passwordSalt: "appwrite", passwordCpu: 16384, passwordMemory: 13, passwordParallel: 2, passwordLength: 64 })],
    ["scryptMod", (id: string, email: string) => users.createScryptModifiedUser({ userId: id, email, password: "UlM7JiXRcQhzAGlaonpSqNSLIz475WMddOgLjej5De9vxTy48K6WtqlEzrRFeK4t0COfMhWCb8wuMHgxOFCHFQ==", passwordSalt: "UxLMreBr6tYyjQ==", passwordSaltSeparator: "Bw==", passwordSignerKey: "XyEKE9RcTDeLEsL/RjwPDBv/RqDl8fb3gpYEOQaPihbxf1ZAtSOHCjuAAa7Q3oHpCYhXSN9tizHgVOwn6krflQ==" })],
    ["bcrypt", (id: string, email: string) => users.createBcryptUser({ userId: id, email, password: "$2b$04$M6AkJ89LLTaTQvYlIBlnrOlM8gC0WeeRCfJEm8nfWffj6uBih51GW" })],
  ])("%s: verified at login, then rehashed to the native algorithm", async (hash, make) => {
    const email = `${uniq(hash)}@example.com`;
    const u = await make(ID.unique(), email);
    expect(u.hash).toBe(hash);
    expect((await fail(login(email, "not-appwrite"))).type).toBe("user_invalid_credentials");
    expect((await login(email)).userId).toBe(u.$id);
    expect((await users.get({ userId: u.$id })).hash).toBe("pbkdf2");
    expect((await login(email)).userId).toBe(u.$id);
  });
});

describe("password policy and session limits (console auth settings)", () => {
  it("dictionary, personal data, history and sessions-per-user limit are enforced once set", async () => {
    const proj = await createProject("auth-policy");
    const set = async (path: string, body: unknown) => {
      const r = await consoleCall("PATCH", `/projects/${proj.projectId}/auth/${path}`, body);
      expect(r.status).toBe(200);
      return r.json;
    };
    await set("password-dictionary", { enabled: true });
    await set("personal-data", { enabled: true });
    await set("password-history", { total: 2 });
    const model = await set("max-sessions", { total: 1 });
    expect(model).toMatchObject({ authPasswordDictionary: true, authPersonalDataCheck: true, authPasswordHistory: 2, authSessionsLimit: 1 });
    const bad = await consoleCall("PATCH", `/projects/${proj.projectId}/auth/password-history`, { total: 21 });
    expect([bad.status, bad.json.type]).toEqual([400, "general_argument_invalid"]);

    const pusers = new Users(proj.server());
    const common = await fail(pusers.create({ userId: ID.unique(), email: `${uniq()}@example.com`, password: "password123" }));
    expect([common.code, common.type]).toEqual([400, "general_argument_invalid"]);
    expect(common.message).toContain("commonly used password");
    const personal = await fail(pusers.create({ userId: ID.unique(), email: "mallory@example.com", name: "Mallory", password: "i-am-mallory-42" }));
    expect([personal.code, personal.type]).toEqual([400, "password_personal_data"]);

    const email = `${uniq()}@example.com`;
    const u = await pusers.create({ userId: ID.unique(), email, password: "first-secret-1" });
    await pusers.updatePassword({ userId: u.$id, password: "second-secret-2" });
    const reused = await fail(pusers.updatePassword({ userId: u.$id, password: "first-secret-1" }));
    expect([reused.code, reused.type]).toEqual([400, "password_recently_used"]);

    const s1 = await new Account(proj.server()).createEmailPasswordSession({ email, password: "second-secret-2" });
    const s2 = await new Account(proj.server()).createEmailPasswordSession({ email, password: "second-secret-2" });
    const listed = await pusers.listSessions({ userId: u.$id });
    expect(listed.sessions.map((s) => s.$id)).toEqual([s2.$id]); // the oldest was evicted
    expect(s1.$id).not.toBe(s2.$id);
  });
});
