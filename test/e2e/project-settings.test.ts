/**
 * The Project service's settings through node-appwrite 27.1.0, each observed by its effect: API keys and
 * ephemeral keys authorise exactly their scopes, platforms open CORS, variables are stored for functions,
 * SMTP carries the next auth mail (a fake SMTP server on loopback receives it) in the custom template, and
 * OAuth2 settings reach the provider redirect.
 */
import type { Server } from "node:net";
import { startSmtpFake, type ReceivedMail } from "./fakes/smtp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Account, AppwriteException, Client, ID, OAuthProvider, Project, Query, Users } from "node-appwrite";
import { adminKey, consoleCall, createProject, endpoint, raw, sleep, until, type TestProject } from "./harness";

let project: TestProject;
/** The deployment admin inside the project (what a console session resolves to today). */
const admin = () => new Project(new Client().setEndpoint(endpoint).setProject(project.projectId).setKey(adminKey));
const withKey = (secret: string) => new Client().setEndpoint(endpoint).setProject(project.projectId).setKey(secret);
const fail = async (p: Promise<unknown>): Promise<AppwriteException> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppwriteException) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
};
const uniq = () => Math.random().toString(36).slice(2, 10);

// ---- a fake SMTP server on loopback -----------------------------------------------------------

let received: ReceivedMail[] = [];
let smtpServer: Server;
let smtpPort = 0;
const SMTP_USER = "mailer";
const SMTP_PASS = "s3cret-smtp-pass";

/** A received mail's headers and decoded parts (worker-mailer sends quoted-printable). */
function parseMail(data: string) {
  const qp = (s: string) => Buffer.from(s.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, "mi").exec(data)?.[1] ?? "";
  return { subject: header("Subject"), to: header("To"), from: header("From"), replyTo: header("Reply-To"), body: qp(data) };
}

const mailTo = (to: string) => until(`a mail to ${to}`, async () => received.find((m) => m.to.includes(to)), (m) => !!m, 20_000);

beforeAll(async () => {
  project = await createProject("project-settings");
  ({ server: smtpServer, port: smtpPort, mails: received } = await startSmtpFake({ user: SMTP_USER, pass: SMTP_PASS }));
});
afterAll(() => new Promise<void>((r) => smtpServer.close(() => r())));

// ---- keys -------------------------------------------------------------------------------------

describe("API keys", () => {
  it("a created key works with exactly its scopes, updates take effect, delete revokes it", async () => {
    const keyId = `k${uniq()}`;
    const created = await admin().createKey({ keyId, name: "reader", scopes: ["users.read"] });
    expect(created).toMatchObject({ $id: keyId, name: "reader", scopes: ["users.read"], expire: null });
    expect(created.secret).toMatch(/^standard_[0-9a-f]{256}$/);
    const users = new Users(withKey(created.secret));
    expect((await users.list()).total).toBeGreaterThanOrEqual(0);
    const denied = await fail(users.create({ userId: ID.unique(), email: `${uniq()}@example.com` }));
    expect([denied.code, denied.type]).toEqual([401, "general_unauthorized_scope"]);

    expect((await admin().getKey({ keyId })).secret).toBe("");
    const listed = await admin().listKeys({ queries: [Query.equal("name", "reader")] });
    expect(listed.keys.map((k) => k.$id)).toContain(keyId);

    const updated = await admin().updateKey({ keyId, name: "writer", scopes: ["users.read", "users.write"] });
    expect(updated).toMatchObject({ name: "writer", scopes: ["users.read", "users.write"], secret: "" });
    const made = await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    expect(made.$id).toBeTruthy();

    await admin().deleteKey({ keyId });
    const gone = await fail(users.list());
    expect([gone.code, gone.type]).toEqual([401, "user_unauthorized"]);
    const missing = await fail(admin().getKey({ keyId }));
    expect([missing.code, missing.type]).toEqual([404, "key_not_found"]);
  });

  it("an expired key is refused; a key cannot create keys or widen its own", async () => {
    const expired = await admin().createKey({ keyId: ID.unique(), name: "old", scopes: ["users.read"], expire: new Date(Date.now() - 60_000).toISOString() });
    const e = await fail(new Users(withKey(expired.secret)).list());
    expect([e.code, e.type]).toEqual([401, "project_key_expired"]);

    const manager = await admin().createKey({ keyId: ID.unique(), name: "manager", scopes: ["keys.read", "keys.write"] });
    const asKey = new Project(withKey(manager.secret));
    const denied = await fail(asKey.createKey({ keyId: ID.unique(), name: "x", scopes: ["users.read"] }));
    expect([denied.code, denied.type]).toEqual([403, "key_creation_denied"]);
    const widen = await fail(asKey.updateKey({ keyId: manager.$id, name: "manager", scopes: ["keys.read", "keys.write", "users.write"] }));
    expect([widen.code, widen.type]).toEqual([401, "general_unauthorized_scope"]);
    expect((await asKey.listKeys()).keys.length).toBeGreaterThanOrEqual(2);
    const noScope = await fail(new Project(project.server()).listKeys());
    expect([noScope.code, noScope.type]).toEqual([401, "general_unauthorized_scope"]);
  });

  it("a key never lengthens a key's life, its own included", async () => {
    const until = new Date(Date.now() + 600_000).toISOString();
    const short = await admin().createKey({ keyId: ID.unique(), name: "short", scopes: ["keys.read", "keys.write"], expire: until });
    const asKey = new Project(withKey(short.secret));
    const forever = await fail(asKey.updateKey({ keyId: short.$id, name: "short", scopes: ["keys.read", "keys.write"] }));
    expect([forever.code, forever.type]).toEqual([400, "general_argument_invalid"]);
    const later = await fail(asKey.updateKey({ keyId: short.$id, name: "short", scopes: ["keys.read", "keys.write"], expire: new Date(Date.now() + 86_400_000).toISOString() }));
    expect([later.code, later.type]).toEqual([400, "general_argument_invalid"]);
    expect(new Date((await admin().getKey({ keyId: short.$id })).expire!).getTime()).toBe(new Date(until).getTime());
    // Shortening is fine; the admin may set any expiry.
    const sooner = new Date(Date.now() + 300_000).toISOString();
    await asKey.updateKey({ keyId: short.$id, name: "shorter", scopes: ["keys.read", "keys.write"], expire: sooner });
    expect(new Date((await admin().getKey({ keyId: short.$id })).expire!).getTime()).toBe(new Date(sooner).getTime());
    await admin().updateKey({ keyId: short.$id, name: "forever", scopes: ["keys.read"] });
    expect((await admin().getKey({ keyId: short.$id })).expire).toBeNull();
  });

  it("an ephemeral key works with its scopes until it expires", async () => {
    const eph = await admin().createEphemeralKey({ scopes: ["users.read"], duration: 2 });
    expect(eph.secret).toMatch(/^ephemeral_/);
    expect(new Date(eph.expire).getTime()).toBeGreaterThan(Date.now());
    const users = new Users(withKey(eph.secret));
    await users.list();
    const scope = await fail(users.create({ userId: ID.unique(), email: `${uniq()}@example.com` }));
    expect(scope.type).toBe("general_unauthorized_scope");
    await sleep(3_100);
    const late = await fail(users.list());
    expect([late.code, late.type]).toEqual([401, "api_key_expired"]);
    const other = await createProject("other");
    const foreign = await fail(new Users(new Client().setEndpoint(endpoint).setProject(other.projectId).setKey((await admin().createEphemeralKey({ scopes: ["users.read"], duration: 60 })).secret)).list());
    expect(foreign.code).toBe(401);
  });

  it("an ephemeral key made by a key lives no longer than that key, holds no more than it, and makes no other key", async () => {
    const parent = await admin().createKey({ keyId: ID.unique(), name: "parent", scopes: ["keys.write", "users.read", "users.write"], expire: new Date(Date.now() + 120_000).toISOString() });
    const asParent = new Project(withKey(parent.secret));
    const eph = await asParent.createEphemeralKey({ scopes: ["keys.write", "users.read", "users.write"], duration: 3600 });
    // Never past the parent's expiry.
    expect(new Date(eph.expire).getTime()).toBeLessThanOrEqual(new Date(parent.expire!).getTime());
    // No renewal chain: an ephemeral key mints no ephemeral key (nor a standing one).
    const renew = await fail(new Project(withKey(eph.secret)).createEphemeralKey({ scopes: ["users.read"], duration: 3600 }));
    expect([renew.code, renew.type]).toEqual([403, "key_creation_denied"]);
    const users = new Users(withKey(eph.secret));
    await users.create({ userId: ID.unique(), email: `${uniq()}@example.com` });
    // Narrowing the parent narrows the ephemeral key; deleting the parent ends it.
    await admin().updateKey({ keyId: parent.$id, name: "parent", scopes: ["keys.write", "users.read"] });
    const narrowed = await fail(users.create({ userId: ID.unique(), email: `${uniq()}@example.com` }));
    expect(narrowed.type).toBe("general_unauthorized_scope");
    expect((await users.list()).total).toBeGreaterThan(0);
    await admin().deleteKey({ keyId: parent.$id });
    const gone = await fail(users.list());
    expect([gone.code, gone.type]).toEqual([401, "user_unauthorized"]);
  });
});

// ---- platforms --------------------------------------------------------------------------------

describe("platforms", () => {
  const corsFor = async (origin: string) =>
    (await fetch(`${endpoint}/health/version`, { headers: { origin, "x-appwrite-project": project.projectId } })).headers.get("access-control-allow-origin");
  const guestCall = (origin: string) => raw("GET", `/account`, { headers: { origin, "x-appwrite-project": project.projectId } });

  it("a web platform opens CORS for its hostname; update moves it, delete closes it", async () => {
    const host = `app-${uniq()}.example.com`;
    expect(await corsFor(`https://${host}`)).toBeNull();
    expect((await guestCall(`https://${host}`)).body.type).toBe("general_unknown_origin");
    const web = await admin().createWebPlatform({ platformId: ID.unique(), name: "Site", hostname: host });
    expect(web).toMatchObject({ type: "web", hostname: host });
    expect(await corsFor(`https://${host}`)).toBe(`https://${host}`);
    expect((await guestCall(`https://${host}`)).body.type).toBe("general_unauthorized_scope");

    const moved = `next-${host}`;
    await admin().updateWebPlatform({ platformId: web.$id, name: "Site", hostname: moved });
    expect(await corsFor(`https://${host}`)).toBeNull();
    expect(await corsFor(`https://${moved}`)).toBe(`https://${moved}`);
    expect(await admin().getPlatform({ platformId: web.$id })).toMatchObject({ hostname: moved });
    await admin().deletePlatform({ platformId: web.$id });
    expect(await corsFor(`https://${moved}`)).toBeNull();
  });

  it("native platforms of every type are created, updated and listed with their identifiers", async () => {
    const pj = admin();
    // A native scheme is accepted once a platform of its type exists (Appwrite 1.9 does not compare the package).
    expect((await guestCall("appwrite-android://com.example.a2")).body.type).toBe("general_unknown_origin");
    const android = await pj.createAndroidPlatform({ platformId: ID.unique(), name: "Android", applicationId: "com.example.a" });
    const apple = await pj.createApplePlatform({ platformId: ID.unique(), name: "iOS", bundleIdentifier: "com.example.i" });
    const linux = await pj.createLinuxPlatform({ platformId: ID.unique(), name: "Linux", packageName: "example-linux" });
    const windows = await pj.createWindowsPlatform({ platformId: ID.unique(), name: "Windows", packageIdentifierName: "Example.Win" });
    await pj.updateAndroidPlatform({ platformId: android.$id, name: "Android 2", applicationId: "com.example.a2" });
    await pj.updateApplePlatform({ platformId: apple.$id, name: "iOS 2", bundleIdentifier: "com.example.i2" });
    await pj.updateLinuxPlatform({ platformId: linux.$id, name: "Linux 2", packageName: "example-linux2" });
    await pj.updateWindowsPlatform({ platformId: windows.$id, name: "Windows 2", packageIdentifierName: "Example.Win2" });
    const all = (await pj.listPlatforms()).platforms as unknown as Record<string, string>[];
    const byId = new Map(all.map((x) => [x.$id, x]));
    expect(byId.get(android.$id)).toMatchObject({ type: "android", name: "Android 2", applicationId: "com.example.a2" });
    expect(byId.get(apple.$id)).toMatchObject({ type: "apple", bundleIdentifier: "com.example.i2" });
    expect(byId.get(linux.$id)).toMatchObject({ type: "linux", packageName: "example-linux2" });
    expect(byId.get(windows.$id)).toMatchObject({ type: "windows", packageIdentifierName: "Example.Win2" });
    expect((await guestCall("appwrite-android://com.example.a2")).body.type).toBe("general_unauthorized_scope");
  });
});

// ---- variables --------------------------------------------------------------------------------

describe("project variables", () => {
  it("create, read (secret hidden), list, update and delete", async () => {
    const pj = new Project(project.server().setKey((await admin().createKey({ keyId: ID.unique(), name: "project", scopes: ["project.read", "project.write"] })).secret));
    const plainVar = await pj.createVariable({ variableId: ID.unique(), key: "PUBLIC_URL", value: "https://example.com", secret: false });
    const secretVar = await pj.createVariable({ variableId: ID.unique(), key: "API_TOKEN", value: "tok-123" });
    expect(plainVar).toMatchObject({ key: "PUBLIC_URL", value: "https://example.com", secret: false, resourceType: "project" });
    expect(secretVar).toMatchObject({ key: "API_TOKEN", value: "", secret: true });
    expect((await pj.getVariable({ variableId: plainVar.$id })).value).toBe("https://example.com");
    expect((await pj.listVariables()).variables.map((v) => v.key).sort()).toEqual(["API_TOKEN", "PUBLIC_URL"]);
    const updated = await pj.updateVariable({ variableId: plainVar.$id, key: "PUBLIC_URL", value: "https://example.org" });
    expect(updated.value).toBe("https://example.org");
    const unset = await fail(pj.updateVariable({ variableId: secretVar.$id, secret: false }));
    expect(unset.type).toBe("variable_cannot_unset_secret");
    await pj.deleteVariable({ variableId: plainVar.$id });
    expect((await fail(pj.getVariable({ variableId: plainVar.$id }))).type).toBe("variable_not_found");
  });
});

// ---- SMTP and email templates -------------------------------------------------------------------

describe("SMTP and email templates", () => {
  const smtpConfig = () => ({ host: "127.0.0.1", port: smtpPort, username: SMTP_USER, password: SMTP_PASS, senderEmail: "noreply@example.com", senderName: "Example App", replyToEmail: "help@example.com", replyToName: "Help" });

  it("a template needs SMTP; bad credentials are refused; a working config is saved, enabled and its password hidden", async () => {
    const early = await fail(admin().updateEmailTemplate({ templateId: "verification" as never, subject: "x", message: "y" }));
    expect([early.code, early.type]).toEqual([400, "general_argument_invalid"]);
    const internal = await fail(admin().updateSMTP({ ...smtpConfig(), host: "0x0a000001" }));
    expect([internal.code, internal.type]).toEqual([400, "general_argument_invalid"]);
    for (const host of ["0127.0.0.1", "10.0.0.1 ", "example.com.%"]) { // only the form a URL parser prints back
      const odd = await fail(admin().updateSMTP({ ...smtpConfig(), host }));
      expect([odd.code, odd.type], host).toEqual([400, "general_argument_invalid"]);
    }
    const bad = await fail(admin().updateSMTP({ ...smtpConfig(), password: "wrong", enabled: true }));
    expect([bad.code, bad.type]).toEqual([400, "project_smtp_config_invalid"]);
    const saved = await admin().updateSMTP(smtpConfig());
    expect(saved).toMatchObject({ smtpEnabled: true, smtpHost: "127.0.0.1", smtpPort: smtpPort, smtpUsername: SMTP_USER, smtpPassword: "", smtpSenderEmail: "noreply@example.com" });
    expect(JSON.stringify(saved)).not.toContain(SMTP_PASS);
  });

  it("the next verification email arrives over SMTP in the custom template, and its link verifies", async () => {
    const tpl = await admin().updateEmailTemplate({
      templateId: "verification" as never,
      locale: "en" as never,
      subject: "Confirm {{user}} for {{project}}",
      message: '<p>Hi {{user}}, <a href="{{redirect}}">confirm here</a>.</p>',
      senderName: "Custom Sender",
    });
    expect(tpl).toMatchObject({ templateId: "verification", locale: "en", subject: "Confirm {{user}} for {{project}}", senderName: "Custom Sender" });
    expect((await admin().getEmailTemplate({ templateId: "verification" as never, locale: "en" as never })).message).toContain("{{redirect}}");
    expect((await admin().listEmailTemplates()).templates.map((t) => t.templateId)).toContain("verification");
    const recovery = await admin().getEmailTemplate({ templateId: "recovery" as never });
    expect(recovery).toMatchObject({ locale: "en", subject: "Password Reset for {{project}}" });
    expect(recovery.message).toContain("{{redirect}}");

    const email = `smtp-${uniq()}@example.com`;
    const password = "smtp-pass-123";
    const user = await new Account(project.guest()).create({ userId: ID.unique(), email, password, name: "Ada" });
    const session = await new Account(project.server()).createEmailPasswordSession({ email, password });
    const account = new Account(new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(session.secret));
    await account.createEmailVerification({ url: "http://localhost/verify" });

    const got = await mailTo(email);
    const mail = parseMail(got.data);
    expect(got.auth).toBe(SMTP_USER);
    expect(got.from).toBe("noreply@example.com");
    expect(mail.subject).toBe("Confirm Ada for project-settings");
    expect(mail.from).toContain("Custom Sender");
    expect(mail.replyTo).toContain("help@example.com");
    const href = /href="([^"]+)"/.exec(mail.body)![1]!.replaceAll("&amp;", "&");
    const link = new URL(href);
    expect(link.origin + link.pathname).toBe("http://localhost/verify");
    expect(link.searchParams.get("userId")).toBe(user.$id);
    await account.updateEmailVerification({ userId: user.$id, secret: link.searchParams.get("secret")! });
    expect((await account.get()).emailVerification).toBe(true);
  });

  it("a mail the SMTP server refuses does not fail the request that sent it", async () => {
    const email = `bounce-${uniq()}@example.com`;
    const user = await new Users(project.server()).create({ userId: ID.unique(), email, password: "bounce-pass-1" });
    const token = await new Account(project.guest()).createRecovery({ email, url: "http://localhost/reset" });
    expect(token.userId).toBe(user.$id);
    // The next mail on the same server still goes out.
    const next = `after-${uniq()}@example.com`;
    await new Users(project.server()).create({ userId: ID.unique(), email: next, password: "after-pass-12" });
    await new Account(project.guest()).createRecovery({ email: next, url: "http://localhost/reset" });
    expect(parseMail((await mailTo(next)).data).subject).toBe("Password Reset for project-settings");
  });

  it("createSMTPTest sends the sample mail; a disabled SMTP sends auth mail to the outbox again", async () => {
    const to = `test-${uniq()}@example.com`;
    await admin().createSMTPTest({ emails: [to] });
    const mail = parseMail((await mailTo(to)).data);
    expect(mail.subject).toBe("Custom SMTP email sample");
    expect(mail.body).toContain("Example App (noreply@example.com)");

    // The console's aliases read the same template, and its reset restores the default.
    const legacy = await consoleCall("GET", `/projects/${project.projectId}/templates/email/verification/en`);
    expect([legacy.status, legacy.json.subject]).toEqual([200, "Confirm {{user}} for {{project}}"]);
    expect((await consoleCall("DELETE", `/projects/${project.projectId}/templates/email/verification/en`)).status).toBe(204);
    expect((await admin().getEmailTemplate({ templateId: "verification" as never })).subject).toBe("Account Verification for {{project}}");
    expect((await admin().listEmailTemplates()).total).toBe(0);

    const off = await admin().updateSMTP({ enabled: false });
    expect(off.smtpEnabled).toBe(false);
    const refused = await fail(admin().createSMTPTest({ emails: [to] }));
    expect(refused.type).toBe("general_argument_invalid");
    const email = `outbox-${uniq()}@example.com`;
    await new Account(project.guest()).create({ userId: ID.unique(), email, password: "outbox-pass-1" });
    await new Account(project.guest()).createRecovery({ email, url: "http://localhost/reset" });
    const outbox = await fetch(`${endpoint}/projects/${project.projectId}/outbox?to=${encodeURIComponent(email)}`, { headers: { "x-appwrite-project": "console", "x-appwrite-key": adminKey } }).then((r) => r.json());
    expect(outbox.messages[0].subject).toBe("Password Reset for project-settings");
    expect(received.some((m) => m.to.includes(email))).toBe(false);
  });
});

// ---- OAuth2 providers -------------------------------------------------------------------------

/** Each SDK method's client-id param (Appwrite's names). */
const CLIENT_ID_PARAM: Record<string, string> = {
  Apple: "serviceId", Bitbucket: "key", Dailymotion: "apiKey", Disqus: "publicKey", Dropbox: "appKey", Etsy: "keyString", Facebook: "appId",
  Gitlab: "applicationId", Microsoft: "applicationId", Notion: "oauthClientId", Salesforce: "customerKey", Tradeshift: "oauth2ClientId",
  TradeshiftSandbox: "oauth2ClientId", X: "customerKey",
};

describe("OAuth2 providers", () => {
  it("every updateOAuth2<Provider> stores its app id (secret write-only) and the list shows it", async () => {
    const pj = admin() as unknown as Record<string, (p: Record<string, unknown>) => Promise<Record<string, unknown>>>;
    const methods = Object.getOwnPropertyNames(Project.prototype).filter((m) => m.startsWith("updateOAuth2") && m !== "updateOAuth2Server");
    expect(methods.length).toBe(43); // SDK 27: 43 providers (updateOAuth2Server is the OAuth2 server, not a provider)
    for (const m of methods) {
      const label = m.slice("updateOAuth2".length);
      const param = CLIENT_ID_PARAM[label] ?? "clientId";
      const out = await pj[m]!.call(pj, { [param]: `id-${label}`, enabled: false });
      expect(out[param], m).toBe(`id-${label}`);
      expect(out.enabled, m).toBe(false);
    }
    const list = await admin().listOAuth2Providers();
    expect(list.total).toBe(43);
    const gitlab = (list.providers as unknown as Record<string, unknown>[]).find((x) => x.$id === "gitlab");
    expect(gitlab).toMatchObject({ applicationId: "id-Gitlab", secret: "", enabled: false });
    const paged = await admin().listOAuth2Providers({ queries: [Query.limit(2), Query.offset(1)] });
    expect([paged.providers.length, paged.providers[0]!.$id, paged.total]).toEqual([2, list.providers[1]!.$id, 43]);
    const filtered = await fail(admin().listOAuth2Providers({ queries: [Query.equal("$id", "github")] }));
    expect([filtered.code, filtered.type]).toEqual([400, "general_argument_invalid"]); // limit and offset only, as every in-memory list
    const bad = await fail(admin().getOAuth2Provider({ providerId: "nope" as never }));
    expect(bad.type).toBe("project_provider_unsupported");
  });

  it("GitHub credentials reach the authorize redirect; enabling without a secret is refused", async () => {
    const pj = admin();
    const refused = await fail(pj.updateOAuth2Discord({ clientId: "d", enabled: true }));
    expect([refused.code, refused.type]).toEqual([400, "general_argument_invalid"]);
    const gh = await pj.updateOAuth2GitHub({ clientId: "gh-client-42", clientSecret: "gh-secret" });
    expect(gh).toMatchObject({ $id: "github", clientId: "gh-client-42", clientSecret: "", enabled: true });
    expect(await pj.getOAuth2Provider({ providerId: "github" as never })).toMatchObject({ clientId: "gh-client-42", clientSecret: "" });
    const location = await new Account(project.guest()).createOAuth2Token({ provider: OAuthProvider.Github, success: "http://localhost/ok", failure: "http://localhost/fail" });
    const authorize = new URL(location);
    expect(authorize.origin + authorize.pathname).toBe("https://github.com/login/oauth/authorize");
    expect(authorize.searchParams.get("client_id")).toBe("gh-client-42");

    const ms = await pj.updateOAuth2Microsoft({ applicationId: "ms-app", applicationSecret: "ms-secret", tenant: "contoso-tenant" });
    expect(ms).toMatchObject({ applicationId: "ms-app", applicationSecret: "", tenant: "contoso-tenant", enabled: true });
    const res = await fetch(`${endpoint}/account/sessions/oauth2/microsoft?project=${project.projectId}&success=${encodeURIComponent("http://localhost/ok")}`, { redirect: "manual" });
    const msAuthorize = new URL(res.headers.get("location")!);
    expect(msAuthorize.pathname).toContain("/contoso-tenant/");
    expect(msAuthorize.searchParams.get("client_id")).toBe("ms-app");

    await pj.updateOAuth2Oidc({ clientId: "oidc-app", clientSecret: "oidc-secret", authorizationURL: "https://idp.example.com/authorize", tokenURL: "https://idp.example.com/token", userInfoURL: "https://idp.example.com/userinfo" });
    const oidc = new URL(await new Account(project.guest()).createOAuth2Token({ provider: OAuthProvider.Oidc, success: "http://localhost/ok", failure: "http://localhost/fail" }));
    expect([oidc.origin + oidc.pathname, oidc.searchParams.get("client_id")]).toEqual(["https://idp.example.com/authorize", "oidc-app"]);
    expect(await pj.getOAuth2Provider({ providerId: "oidc" as never })).toMatchObject({ clientSecret: "", userInfoURL: "https://idp.example.com/userinfo", prompt: [], maxAge: null });

    await pj.updateOAuth2GitHub({ enabled: false });
    const off = await fail(new Account(project.guest()).createOAuth2Token({ provider: OAuthProvider.Github, success: "http://localhost/ok", failure: "http://localhost/fail" }));
    expect(off.code).toBe(412);
  });

  it("updateOAuth2Server (Appwrite as an OpenID provider) answers Appwrite's not-implemented error", async () => {
    const refused = await fail(admin().updateOAuth2Server({ enabled: true, authorizationUrl: "https://app.example.com/consent" }));
    expect([refused.code, refused.type]).toEqual([405, "general_not_implemented"]);
  });
});
