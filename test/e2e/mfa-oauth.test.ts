import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Account, AppwriteException, AuthenticationFactor, AuthenticatorType, Client, ID, OAuthProvider, Teams, Users } from "node-appwrite";
import { consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";
import { Browser, FakeProvider } from "./fixtures/oauth2";

let project: TestProject;
let users: Users;
beforeAll(async () => {
  project = await createProject("mfa-oauth");
  users = new Users(project.server());
});

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected an error"); }, (e: AppwriteException) => e);

/** An independent RFC 6238 implementation (node:crypto), as an authenticator app computes codes. */
function totp(secret: string, at = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secret.replace(/=+$/, "")) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const o = mac[mac.length - 1]! & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}
const wrongCode = (code: string) => String((Number(code) + 500_000) % 1_000_000).padStart(6, "0");

/** A new session for a user, as an SSR app holds it. */
async function sessionFor(userId: string) {
  const session = await users.createSession({ userId });
  const client = new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(session.secret);
  return { client, account: new Account(client) };
}

describe("TOTP MFA (node-appwrite 27.1.0)", () => {
  it("enrols an authenticator, requires a second factor on new sessions, and accepts TOTP and recovery-code challenges", async () => {
    const user = await users.create({ userId: ID.unique(), email: "mfa@example.com", password: "correct-horse-battery", name: "Mfa User" });
    const first = await sessionFor(user.$id);

    const created = await first.account.createMFAAuthenticator({ type: AuthenticatorType.Totp });
    expect(created.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(created.uri).toBe(`otpauth://totp/mfa-oauth%3Amfa%40example.com?issuer=mfa-oauth&secret=${created.secret}`);
    const bad = await fail(first.account.updateMFAAuthenticator({ type: AuthenticatorType.Totp, otp: wrongCode(totp(created.secret)) }));
    expect([bad.code, bad.type]).toEqual([401, "user_invalid_token"]);
    const verified = await first.account.updateMFAAuthenticator({ type: AuthenticatorType.Totp, otp: totp(created.secret) });
    expect(verified.$id).toBe(user.$id);
    const again = await fail(first.account.createMFAAuthenticator({ type: AuthenticatorType.Totp }));
    expect([again.code, again.type]).toEqual([409, "user_authenticator_already_verified"]);

    const codes = await first.account.createMFARecoveryCodes();
    expect(codes.recoveryCodes).toHaveLength(6);
    const dupCodes = await fail(first.account.createMFARecoveryCodes());
    expect([dupCodes.code, dupCodes.type]).toEqual([409, "user_recovery_codes_already_exists"]);
    expect(await first.account.listMFAFactors()).toEqual({ totp: true, email: false, phone: false, recoveryCode: true });

    expect((await first.account.updateMFA({ mfa: true })).mfa).toBe(true);
    // The session that turned MFA on keeps working (its TOTP factor counts).
    expect((await first.account.get()).mfa).toBe(true);

    // A new sign-in has one factor: everything but the MFA routes answers user_more_factors_required.
    const second = await sessionFor(user.$id);
    const blocked = await fail(second.account.get());
    expect([blocked.code, blocked.type]).toEqual([401, "user_more_factors_required"]);
    const blockedTeams = await fail(new Teams(second.client).list());
    expect(blockedTeams.type).toBe("user_more_factors_required");
    expect((await second.account.listMFAFactors()).totp).toBe(true);

    const challenge = await second.account.createMFAChallenge({ factor: AuthenticationFactor.Totp });
    expect(challenge).toMatchObject({ userId: user.$id });
    expect(challenge.$id).toMatch(/^[0-9a-f]{20}$/);
    expect(Date.parse(challenge.expire)).toBeGreaterThan(Date.now());
    const wrong = await fail(second.account.updateMFAChallenge({ challengeId: challenge.$id, otp: wrongCode(totp(created.secret)) }));
    expect([wrong.code, wrong.type]).toEqual([401, "user_invalid_token"]);
    const session = await second.account.updateMFAChallenge({ challengeId: challenge.$id, otp: totp(created.secret) });
    expect(session.factors).toContain("totp");
    expect(session.factors.length).toBe(2);
    expect(session.mfaUpdatedAt).not.toBe("");
    expect(session.secret).toBe("");
    expect((await second.account.get()).$id).toBe(user.$id);
    // A passed challenge cannot be replayed.
    const replay = await fail(second.account.updateMFAChallenge({ challengeId: challenge.$id, otp: totp(created.secret) }));
    expect(replay.type).toBe("user_invalid_token");

    // Recovery codes need a recent challenge — which this session just passed.
    expect((await second.account.getMFARecoveryCodes()).recoveryCodes).toEqual(codes.recoveryCodes);
    const stale = await fail(first.account.getMFARecoveryCodes());
    expect([stale.code, stale.type]).toEqual([401, "user_challenge_required"]);

    // A recovery code works once.
    const third = await sessionFor(user.$id);
    const rc = await third.account.createMFAChallenge({ factor: AuthenticationFactor.Recoverycode });
    expect((await third.account.updateMFAChallenge({ challengeId: rc.$id, otp: codes.recoveryCodes[0]! })).factors).toContain("recoveryCode");
    expect((await third.account.get()).$id).toBe(user.$id);
    const fourth = await sessionFor(user.$id);
    const rc2 = await fourth.account.createMFAChallenge({ factor: AuthenticationFactor.Recoverycode });
    const used = await fail(fourth.account.updateMFAChallenge({ challengeId: rc2.$id, otp: codes.recoveryCodes[0]! }));
    expect([used.code, used.type]).toEqual([401, "user_invalid_token"]);
    expect((await users.getMFARecoveryCodes({ userId: user.$id })).recoveryCodes).toEqual(codes.recoveryCodes.slice(1));

    // An email challenge needs a verified email.
    const emailChallenge = await fail(fourth.account.createMFAChallenge({ factor: AuthenticationFactor.Email }));
    expect([emailChallenge.code, emailChallenge.type]).toEqual([400, "user_email_not_verified"]);
  });

  it("manages a user's MFA through the Users API", async () => {
    const user = await users.create({ userId: ID.unique(), email: "mfa-admin@example.com", password: "correct-horse-battery" });
    const { account } = await sessionFor(user.$id);
    const { secret } = await account.createMFAAuthenticator({ type: AuthenticatorType.Totp });
    await account.updateMFAAuthenticator({ type: AuthenticatorType.Totp, otp: totp(secret) });

    expect(await users.listMFAFactors({ userId: user.$id })).toEqual({ totp: true, email: false, phone: false, recoveryCode: false });
    const none = await fail(users.getMFARecoveryCodes({ userId: user.$id }));
    expect([none.code, none.type]).toEqual([404, "user_recovery_codes_not_found"]);
    const created = await users.createMFARecoveryCodes({ userId: user.$id });
    expect(created.recoveryCodes).toHaveLength(6);
    const regenerated = await users.updateMFARecoveryCodes({ userId: user.$id });
    expect(regenerated.recoveryCodes).not.toEqual(created.recoveryCodes);
    expect((await users.updateMFA({ userId: user.$id, mfa: true })).mfa).toBe(true);

    const blocked = await fail((await sessionFor(user.$id)).account.get());
    expect(blocked.type).toBe("user_more_factors_required");

    await users.deleteMFAAuthenticator({ userId: user.$id, type: AuthenticatorType.Totp });
    expect((await users.listMFAFactors({ userId: user.$id })).totp).toBe(false);
    const gone = await fail(users.deleteMFAAuthenticator({ userId: user.$id, type: AuthenticatorType.Totp }));
    expect([gone.code, gone.type]).toEqual([404, "user_authenticator_not_found"]);
    // With no second factor left, MFA no longer blocks a one-factor session (Appwrite's rule).
    expect((await (await sessionFor(user.$id)).account.get()).$id).toBe(user.$id);
  });
});

// ---- OAuth2 through Appwrite's `mock` provider, against a fake provider on loopback ----------------

let tokenUserId = "";
const fake = new FakeProvider();
const apiOrigin = endpoint.replace(/\/v1$/, "");

afterAll(() => fake.close());

async function configureMock(body: Record<string, unknown>) {
  return consoleCall("PATCH", `/projects/${project.projectId}/oauth2`, { provider: "mock", ...body });
}

/** A fresh browser following redirects by hand until it leaves the API and the fake provider. */
const browse = (start: string) => new Browser(apiOrigin, fake.base).go(start);

describe("OAuth2 with the mock provider (node-appwrite 27.1.0 + a fake provider on 127.0.0.1)", () => {
  beforeAll(() => fake.start());

  it("refuses a disabled provider with 412 project_provider_disabled and validates redirect URLs", async () => {
    const account = new Account(project.guest());
    // The node SDK's redirect helper reports only the status ("Invalid redirect"); the body carries the type.
    const off = await fail(account.createOAuth2Token({ provider: OAuthProvider.Github, success: "http://localhost/ok", failure: "http://localhost/fail" }));
    expect(off.code).toBe(412);
    const offRaw = await raw("GET", `/account/tokens/oauth2/github?project=${project.projectId}`);
    expect([offRaw.status, offRaw.body.type]).toEqual([412, "project_provider_disabled"]);
    const configured = await configureMock({ appId: "mock-app", secret: "mock-secret", enabled: true, endpoints: fake.endpoints });
    expect(configured.status).toBe(200);
    expect(configured.json.oAuthProviders).toContainEqual({ key: "mock", name: "mock", appId: "mock-app", secret: "", enabled: true });
    const evil = await raw("GET", `/account/tokens/oauth2/mock?project=${project.projectId}&success=${encodeURIComponent("https://evil.example.net/")}`);
    expect([evil.status, evil.body.type]).toEqual([400, "general_argument_invalid"]);
  });

  it("createOAuth2Token: authorize URL with state, code exchange, user created with a verified email, token redirect", async () => {
    const location = await new Account(project.guest()).createOAuth2Token({ provider: "mock" as OAuthProvider, success: "http://localhost/ok?x=1", failure: "http://localhost/fail" });
    const authorize = new URL(location);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${fake.base}/authorize`);
    expect(authorize.searchParams.get("client_id")).toBe("mock-app");
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${endpoint}/account/sessions/oauth2/callback/mock/${project.projectId}`);
    // The state is an opaque single-use secret naming the stored flow (the redirect URLs stay on the server).
    expect(authorize.searchParams.get("state")).toMatch(/^[0-9a-f]{64}$/);

    const done = await browse(location);
    const success = new URL(done.url);
    expect(`${success.origin}${success.pathname}`).toBe("http://localhost/ok");
    expect(success.searchParams.get("x")).toBe("1");
    const userId = success.searchParams.get("userId")!;
    tokenUserId = userId;
    const secret = success.searchParams.get("secret")!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const user = await users.get({ userId });
    expect(user).toMatchObject({ email: "oauth.user@example.com", name: "OAuth User", emailVerification: true });
    const ids = await users.listIdentities({ queries: [] });
    expect(ids.identities.filter((i) => i.userId === userId)).toEqual([expect.objectContaining({ provider: "mock", providerUid: "mock-1", providerEmail: "oauth.user@example.com" })]);

    // The token signs in through account.createSession, once: a reused secret is refused.
    const session = await new Account(project.guest()).createSession({ userId, secret });
    expect(session).toMatchObject({ userId, provider: "mock" });
    const reused = await new Account(project.guest()).createSession({ userId, secret }).catch((e) => e);
    expect([reused.code, reused.type]).toEqual([401, "user_invalid_token"]);
  });

  it("createOAuth2Session: cookies on the success redirect, the same user and identity on a second sign-in, identities deletable", async () => {
    const start = `${endpoint}/account/sessions/oauth2/mock?success=${encodeURIComponent("http://localhost/ok")}&failure=${encodeURIComponent("http://localhost/fail")}&project=${project.projectId}`;
    const done = await browse(start);
    expect(done.url).toBe("http://localhost/ok");
    const cookie = done.setCookies.find((c) => c.startsWith(`a_session_${project.projectId}=`))!;
    expect(cookie).toContain("HttpOnly");
    const client = new Client().setEndpoint(endpoint).setProject(project.projectId).setCookie(cookie.split(";")[0]!);
    const account = new Account(client);
    const me = await account.get();
    expect(me.email).toBe("oauth.user@example.com");
    expect(me.$id).toBe(tokenUserId);
    const session = await account.getSession({ sessionId: "current" }).catch(() => null);
    if (session) expect(session).toMatchObject({ provider: "mock", providerUid: "mock-1", factors: ["email", "oauth2"] });

    const mine = await account.listIdentities();
    expect(mine.total).toBe(1);
    expect(mine.identities[0]).toMatchObject({ provider: "mock", providerUid: "mock-1", userId: me.$id });
    const other = await fail(account.deleteIdentity({ identityId: "missing" }));
    expect([other.code, other.type]).toEqual([404, "user_identity_not_found"]);
    await account.deleteIdentity({ identityId: mine.identities[0]!.$id });
    expect((await account.listIdentities()).total).toBe(0);
    expect((await users.listIdentities({ search: "mock-1" })).total).toBe(0);
    const gone = await fail(users.deleteIdentity({ identityId: mine.identities[0]!.$id }));
    expect([gone.code, gone.type]).toEqual([404, "user_identity_not_found"]);
  });

  it("provider errors and bad credentials come back to the failure URL as Appwrite's error JSON", async () => {
    const start = `${endpoint}/account/sessions/oauth2/mock?success=${encodeURIComponent("http://localhost/ok")}&failure=${encodeURIComponent("http://localhost/fail")}&project=${project.projectId}`;
    fake.deny = true;
    try {
      const denied = new URL((await browse(start)).url);
      expect(`${denied.origin}${denied.pathname}`).toBe("http://localhost/fail");
      expect(JSON.parse(denied.searchParams.get("error")!)).toMatchObject({ type: "user_oauth2_provider_error", code: 424 });
    } finally {
      fake.deny = false;
    }
    await configureMock({ secret: "wrong-secret" });
    const rejected = new URL((await browse(start)).url);
    const err = JSON.parse(rejected.searchParams.get("error")!);
    expect(err).toMatchObject({ type: "user_oauth2_provider_failure", code: 424 });
    expect(err.message).toContain("Mock");
    await configureMock({ secret: "mock-secret", enabled: false });
    const disabled = await raw("GET", `/account/tokens/oauth2/mock?project=${project.projectId}`);
    expect([disabled.status, disabled.body.type]).toEqual([412, "project_provider_disabled"]);
  });
});
