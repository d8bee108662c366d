import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Account, Client, Functions, ID, Query, Users, type AppwriteException, type Models, type OAuthProvider } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { adminKey, consoleCall, createProject, endpoint, openRealtime, raw, type TestProject } from "./harness";
import { Browser, FakeProvider } from "./fixtures/oauth2";
import { tarGz } from "./fixtures/functions";

/**
 * Attacks on the auth services as an outsider would make them: a planted OAuth2 callback, replayed and
 * stale OAuth2 states, OTP guessing from rotating client addresses (directly and from a function), an old
 * OTP after a new one, JWTs forged with the deployment's raw secrets, impersonation outliving the
 * impersonator's rights, and OpenID discovery aimed at private addresses. Each asserts the safe outcome
 * by its effect.
 */
let project: TestProject;
let users: Users;
const fake = new FakeProvider();
const apiOrigin = endpoint.replace(/\/v1$/, "");
const jwtSecret = inject("jwtSecret");

beforeAll(async () => {
  project = await createProject("security-auth");
  users = new Users(project.server());
  await fake.start();
  const configured = await consoleCall("PATCH", `/projects/${project.projectId}/oauth2`, { provider: "mock", appId: "mock-app", secret: "mock-secret", enabled: true, endpoints: fake.endpoints });
  expect(configured.status).toBe(200);
});
afterAll(() => fake.close());

const sessionStart = () =>
  `${endpoint}/account/sessions/oauth2/mock?project=${project.projectId}&success=${encodeURIComponent("http://localhost/ok")}&failure=${encodeURIComponent("http://localhost/fail")}`;
const CALLBACK = "/account/sessions/oauth2/callback/";
const browser = () => new Browser(apiOrigin, fake.base);
const errorOf = (body: string) => JSON.parse(body) as { type: string; code: number; message: string };

/** A user signed in by email/password in their own browser (the session cookie in its jar). */
async function signedIn(name: string) {
  const email = `${name}-${ID.unique()}@example.com`;
  const user = await users.create({ userId: ID.unique(), email, password: "correct horse battery", name });
  const session = await new Account(project.server()).createEmailPasswordSession({ email, password: "correct horse battery" });
  const b = browser().setCookie(`a_session_${project.projectId}=${session.secret}`);
  return { user, email, browser: b };
}

/** Who the browser's session cookie signs in as (null when it no longer signs anyone in). */
async function whoAmI(b: Browser): Promise<string | null> {
  const secret = b.jar.get(`a_session_${project.projectId}`);
  if (!secret) return null;
  const me = await new Account(new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(secret)).get().catch(() => null);
  return me?.$id ?? null;
}

const identitiesOf = async (userId: string) => (await users.listIdentities({ queries: [Query.equal("userId", userId)] })).identities;

describe("OAuth2 account linking cannot be forced on a victim", () => {
  it("a callback URL planted in a signed-in victim's browser is refused: nothing linked, the victim stays signed in, the attacker gets only their own account", async () => {
    const victim = await signedIn("victim");
    fake.user = { id: "attacker-idp-1", email: "attacker1@evil.example", name: "Attacker", verified: true };
    const attacker = browser();
    // The attacker starts a flow and stops where the provider hands back to the API, with their code and state.
    const planted = await attacker.go(sessionStart(), CALLBACK);
    expect(planted.url).toContain(`${CALLBACK}mock/${project.projectId}?`);

    const visit = await victim.browser.go(planted.url);
    expect(visit.status).toBe(401);
    expect(errorOf(visit.body).type).toBe("user_invalid_token");
    expect(await identitiesOf(victim.user.$id)).toEqual([]);
    expect(await whoAmI(victim.browser)).toBe(victim.user.$id);

    // Signing in with the attacker's identity afterwards reaches the attacker's own, new account.
    const own = await attacker.go(sessionStart());
    expect(own.url).toBe("http://localhost/ok");
    const attackerId = await whoAmI(attacker);
    expect(attackerId).not.toBeNull();
    expect(attackerId).not.toBe(victim.user.$id);
    expect((await users.get({ userId: attackerId! })).email).toBe("attacker1@evil.example");
  });

  it("a token flow (not browser-bound) opened in a signed-in victim's browser does not link into the victim either", async () => {
    const victim = await signedIn("victim-token");
    fake.user = { id: "attacker-idp-2", email: "attacker2@evil.example", name: "Attacker", verified: true };
    const location = await new Account(project.guest()).createOAuth2Token({ provider: "mock" as OAuthProvider, success: "http://localhost/ok", failure: "http://localhost/fail" });
    const planted = await browser().go(location, CALLBACK);

    const landed = new URL((await victim.browser.go(planted.url)).url);
    expect(`${landed.origin}${landed.pathname}`).toBe("http://localhost/ok");
    const tokenUser = landed.searchParams.get("userId")!;
    expect(tokenUser).not.toBe(victim.user.$id);
    expect(await identitiesOf(victim.user.$id)).toEqual([]);
    expect(await whoAmI(victim.browser)).toBe(victim.user.$id);
    // The token signs in the identity's own user, never the victim.
    const session = await new Account(project.guest()).createSession({ userId: tokenUser, secret: landed.searchParams.get("secret")! });
    expect(session.userId).not.toBe(victim.user.$id);
  });

  it("the session that started the flow still links the identity to its own account", async () => {
    const owner = await signedIn("owner");
    fake.user = { id: "owner-idp", email: `alt-${ID.unique()}@example.com`, name: "Owner", verified: true };
    const done = await owner.browser.go(sessionStart());
    expect(done.url).toBe("http://localhost/ok");
    expect((await identitiesOf(owner.user.$id)).map((i) => i.providerUid)).toEqual(["owner-idp"]);
    expect(await whoAmI(owner.browser)).toBe(owner.user.$id);
  });
});

describe("OAuth2 state is required, single-use, expiring and bound to the starting browser", () => {
  it("a redirect without state is refused with 400 general_argument_invalid and signs no one in", async () => {
    const b = browser();
    const visit = await b.go(`${endpoint}${CALLBACK}mock/${project.projectId}?code=anything`);
    expect(visit.status).toBe(400);
    expect(errorOf(visit.body)).toMatchObject({ type: "general_argument_invalid", message: 'Param "state" is not optional.' });
    expect(b.jar.has(`a_session_${project.projectId}`)).toBe(false);
  });

  it("a state used once is refused the second time, even with a fresh code from the provider", async () => {
    fake.user = { id: "replay-idp", email: `replay-${ID.unique()}@example.com`, name: "Replay", verified: true };
    const b = browser();
    const first = await b.go(sessionStart(), CALLBACK);
    const state = new URL(first.url).searchParams.get("state")!;
    expect((await b.go(first.url)).url).toBe("http://localhost/ok");

    const again = await fetch(`${fake.base}/authorize?redirect_uri=${encodeURIComponent(`${endpoint}${CALLBACK}mock/${project.projectId}`)}&state=${state}`, { redirect: "manual" });
    const fresh = browser();
    for (const [k, v] of b.jar) if (k.startsWith("a_oauth2_")) fresh.setCookie(`${k}=${v}`);
    const replay = await fresh.go(again.headers.get("location")!);
    expect([replay.status, errorOf(replay.body).type]).toEqual([401, "user_invalid_token"]);
    expect(fresh.jar.has(`a_session_${project.projectId}`)).toBe(false);
  });

  it("an expired state is refused and creates no user", async () => {
    const email = `late-${ID.unique()}@example.com`;
    fake.user = { id: "late-idp", email, name: "Late", verified: true };
    const b = browser();
    const pending = await b.go(sessionStart(), CALLBACK);
    const aged = await fetch(`${endpoint}/_edgewrite/test/auth/oauth2/expire`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey },
      body: JSON.stringify({ projectId: project.projectId }),
    });
    expect(aged.status).toBe(200);
    const visit = await b.go(pending.url);
    expect([visit.status, errorOf(visit.body).type]).toEqual([401, "user_invalid_token"]);
    expect((await users.list({ queries: [Query.equal("email", email)] })).total).toBe(0);
  });

  it("a state started in another browser is refused and creates no user", async () => {
    const email = `elsewhere-${ID.unique()}@example.com`;
    fake.user = { id: "elsewhere-idp", email, name: "Elsewhere", verified: true };
    const pending = await browser().go(sessionStart(), CALLBACK);
    const visit = await browser().go(pending.url);
    expect([visit.status, errorOf(visit.body).type]).toEqual([401, "user_invalid_token"]);
    expect((await users.list({ queries: [Query.equal("email", email)] })).total).toBe(0);
  });
});

describe("abuse limits key on the account and on a client identity the client cannot choose", () => {
  it("40 wrong OTP guesses from rotating cf-connecting-ip / x-forwarded-for values hit 429 from the 11th, and the right code is then refused too", async () => {
    const token = await new Account(project.server()).createEmailToken({ userId: ID.unique(), email: `otp-${ID.unique()}@example.com` });
    const wrong = String((Number(token.secret) + 1) % 1_000_000).padStart(6, "0");
    const guess = (i: number, secret: string) =>
      raw("POST", "/account/sessions/token", {
        headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "cf-connecting-ip": `203.0.113.${i}`, "x-forwarded-for": `198.51.100.${i}` },
        body: JSON.stringify({ userId: token.userId, secret }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await guess(i, wrong)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(30).fill(429));
    const right = await guess(41, token.secret);
    expect([right.status, right.body.type]).toEqual([429, "general_rate_limit_exceeded"]);
  });

  it("a function calling the API with spoofed IP headers is limited by its own fixed identity", async () => {
    const functions = new Functions(project.server());
    const fn = await functions.create({ functionId: ID.unique(), name: "spoofer", runtime: "node-22" as never, timeout: 60 });
    const code = InputFile.fromBuffer(await tarGz({ "index.js": SPOOFER }), "code.tar.gz");
    const created = await functions.createDeployment({ functionId: fn.$id, code, activate: true, entrypoint: "index.js" });
    let deployment: Models.Deployment = created;
    for (let i = 0; i < 240 && deployment.status !== "ready" && deployment.status !== "failed"; i++) {
      await new Promise((r) => setTimeout(r, 250));
      deployment = await functions.getDeployment({ functionId: fn.$id, deploymentId: created.$id });
    }
    expect(deployment.status, deployment.buildLogs).toBe("ready");

    const run = await functions.createExecution({ functionId: fn.$id, body: "" });
    expect(run.status, run.errors).toBe("completed");
    const statuses = JSON.parse(run.responseBody) as number[];
    // tokens.email allows 10 per client per hour: each call named a new address and a new IP, yet the 11th is refused.
    expect(statuses).toEqual([...Array(10).fill(201), 429, 429]);

    // The function's bucket is its own: a client outside it is not limited.
    const outside = await raw("POST", "/account/tokens/email", {
      headers: { "content-type": "application/json", "x-appwrite-project": project.projectId },
      body: JSON.stringify({ userId: ID.unique(), email: `outside-${ID.unique()}@example.com` }),
    });
    expect(outside.status).toBe(201);
  });
});

/** Asks for 12 email tokens as a guest, each with a new address and new spoofed client-address headers. */
const SPOOFER = `
export default async ({ res }) => {
  const statuses = [];
  for (let i = 0; i < 12; i++) {
    const r = await fetch(process.env.APPWRITE_FUNCTION_API_ENDPOINT + "/account/tokens/email", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-appwrite-project": process.env.APPWRITE_FUNCTION_PROJECT_ID,
        "cf-connecting-ip": "192.0.2." + i,
        "x-forwarded-for": "192.0.2." + i,
        "x-real-ip": "192.0.2." + i,
      },
      body: JSON.stringify({ userId: "unique()", email: "spoof" + i + "-" + Date.now() + "@example.com" }),
    });
    await r.text();
    statuses.push(r.status);
  }
  return res.json(statuses);
};
`;

describe("one-time secrets", () => {
  it("an older email or phone OTP stops working once a new one is issued", async () => {
    const server = new Account(project.server());
    const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
    const issue = {
      email: (userId: string) => server.createEmailToken({ userId, email: `${userId}@example.com` }),
      phone: (userId: string) => server.createPhoneToken({ userId, phone }),
    };
    for (const [kind, create] of Object.entries(issue)) {
      const userId = ID.unique();
      const first = await create(userId);
      let second = await create(userId);
      while (second.secret === first.secret) second = await create(userId);
      const old = await new Account(project.guest()).createSession({ userId, secret: first.secret }).catch((e: AppwriteException) => e);
      expect([kind, (old as AppwriteException).code, (old as AppwriteException).type]).toEqual([kind, 401, "user_invalid_token"]);
      const session = await new Account(project.guest()).createSession({ userId, secret: second.secret });
      expect(session.userId).toBe(userId);
    }
  });
});

describe("account JWTs are signed with a derived key", () => {
  it("a JWT forged with the raw ADMIN_KEY or the raw root secret is refused; the server's own is accepted", async () => {
    const { email } = await signedIn("jwt");
    const session = await new Account(project.server()).createEmailPasswordSession({ email, password: "correct horse battery" });
    const client = () => new Client().setEndpoint(endpoint).setProject(project.projectId);
    const { jwt } = await new Account(client().setSession(session.secret)).createJWT();
    const me = await new Account(client().setJWT(jwt)).get();
    expect(me.email).toBe(email);

    const [header, payload] = jwt.split(".");
    for (const key of [adminKey, jwtSecret]) {
      const signature = createHmac("sha256", key).update(`${header}.${payload}`).digest("base64url");
      const forged = await raw("GET", "/account", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-jwt": `${header}.${payload}.${signature}` } });
      expect([forged.status, forged.body.type]).toEqual([401, "user_jwt_invalid"]);
    }
  });
});

describe("impersonation ends with the impersonator's rights", () => {
  /** A user with the impersonator flag and a session of their own. */
  async function impersonator(name: string) {
    const user = await users.create({ userId: ID.unique(), email: `${name}-${ID.unique()}@example.com`, name });
    await users.updateImpersonator({ userId: user.$id, impersonator: true });
    const session = await users.createSession({ userId: user.$id });
    return { user, session };
  }
  const headers = (secret: string, targetId: string) => ({ "x-appwrite-project": project.projectId, "x-appwrite-session": secret, "x-appwrite-impersonate-user-id": targetId });

  it("a blocked impersonator is refused instead of acting as an active user, on REST and realtime", async () => {
    const actor = await impersonator("blocked-agent");
    const target = await users.create({ userId: ID.unique(), name: "Active target" });
    expect((await raw("GET", "/account", { headers: headers(actor.session.secret, target.$id) })).body.$id).toBe(target.$id);
    await users.updateStatus({ userId: actor.user.$id, status: false });

    const r = await raw("GET", "/account", { headers: headers(actor.session.secret, target.$id) });
    expect([r.status, r.body.type]).toEqual([403, "user_blocked"]);
    const rt = await openRealtime(project.projectId, actor.session.secret, `&impersonateUserId=${target.$id}`);
    expect((await rt.next("connected")).data.user).toBeNull();
    rt.ws.close();
  });

  it("an open impersonating socket stops receiving the target's events once the impersonator's session is deleted or the flag removed", async () => {
    const target = await users.create({ userId: ID.unique(), name: "Watched" });
    const [signedOut, unflagged] = [await impersonator("rt-agent-1"), await impersonator("rt-agent-2")];
    const marker = await users.create({ userId: ID.unique(), name: "rt-marker" });
    const open = async (secret: string, query: string, as: string) => {
      const rt = await openRealtime(project.projectId, secret, `${query}&channels[]=account`);
      expect((await rt.next("connected")).data.user.$id).toBe(as);
      return rt;
    };
    const impersonating = `&impersonateUserId=${target.$id}`;
    const sockets = [await open(signedOut.session.secret, impersonating, target.$id), await open(unflagged.session.secret, impersonating, target.$id)];
    await users.updateName({ userId: target.$id, name: "seen while impersonating" });
    for (const s of sockets) expect((await s.next("event")).data.payload.name).toBe("seen while impersonating");

    await users.deleteSession({ userId: signedOut.user.$id, sessionId: signedOut.session.$id });
    await users.updateImpersonator({ userId: unflagged.user.$id, impersonator: false });
    await users.updateName({ userId: target.$id, name: "after revocation" });
    // Marker: a later event delivered means the earlier ones went through every shard; one frame through each
    // revoked socket's shard then flushes what it was sent.
    const m = await open((await users.createSession({ userId: marker.$id })).secret, "", marker.$id);
    await users.updateName({ userId: marker.$id, name: "marker" });
    expect((await m.next("event")).data.payload.name).toBe("marker");
    for (const s of sockets) {
      s.ws.send(JSON.stringify({ type: "unsubscribe", data: [{ subscriptionId: "flush" }] }));
      await s.next("response");
      expect(s.frames.filter((f) => f.type === "event")).toEqual([]);
      s.ws.close();
    }
    m.ws.close();
  });
});

describe("OpenID Connect endpoints cannot reach private addresses", () => {
  it("a wellKnownEndpoint on a private or link-local address is refused before any request is made", async () => {
    const own = await createProject("security-oidc");
    for (const wellKnownEndpoint of ["http://169.254.169.254/.well-known/openid-configuration", "http://10.0.0.1/.well-known/openid-configuration"]) {
      const secret = JSON.stringify({ clientSecret: "s", wellKnownEndpoint });
      expect((await consoleCall("PATCH", `/projects/${own.projectId}/oauth2`, { provider: "oidc", appId: "app", secret, enabled: true })).status).toBe(200);
      const r = await raw("GET", `/account/sessions/oauth2/oidc?project=${own.projectId}&success=${encodeURIComponent("http://localhost/ok")}`);
      expect([r.status, r.body.type]).toEqual([424, "user_oauth2_provider_failure"]);
      expect(r.body.message).toContain("Private and link-local addresses are not allowed");
    }
  });
});
