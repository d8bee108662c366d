/**
 * Messaging (issue #14) through node-appwrite 27 (and the web SDK for the client subscriber route), against
 * loopback fakes of the providers' real APIs: one HTTP server on the port global-setup gave every
 * MESSAGING_<PROVIDER>_URL (Mailgun, Sendgrid, Resend, SES, Twilio, Vonage, Textmagic, Telesign, Msg91, FCM with its
 * OAuth token endpoint, APNs) and an SMTP server for the SMTP provider.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import type { Server } from "node:net";
import { startSmtpFake, type ReceivedMail } from "./fakes/smtp";
import { importSPKI, jwtVerify } from "jose";
import { Account, AppwriteException, AuthenticationFactor, Client, ID, Messaging, Project, Query, Teams, Users, Webhooks } from "node-appwrite";
import { Client as WebClient, Messaging as WebMessaging } from "appwrite";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminKey, consoleCall, createProject, endpoint, raw, sleep, until, type TestProject } from "./harness";

const MESSAGING_SCOPES = ["providers.read", "providers.write", "topics.read", "topics.write", "subscribers.read", "subscribers.write", "messages.read", "messages.write", "users.read", "users.write", "files.read", "files.write", "buckets.read", "buckets.write", "webhooks.read", "webhooks.write"];

// ---- the provider fakes ---------------------------------------------------------------------------

interface Hit {
  path: string;
  headers: IncomingMessage["headers"];
  text: string;
  json: any;
  form: URLSearchParams;
  at: number;
}
const hits: Hit[] = [];
let http: HttpServer;
const fcmKeys = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const apnsKeys = generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const FCM_ACCESS_TOKEN = "ya29.fake-access-token";

async function answer(h: Hit): Promise<[number, unknown]> {
  const p = h.path;
  if (p === "/fcm/token") {
    // The OAuth2 JWT bearer grant: the assertion must be signed with the service account's key.
    const { payload } = await jwtVerify(h.form.get("assertion") ?? "", await importSPKI(fcmKeys.publicKey, "RS256"));
    if (payload.iss !== "push@edgewrite-test.iam.gserviceaccount.com" || payload.scope !== "https://www.googleapis.com/auth/firebase.messaging") return [400, { error: "invalid_grant" }];
    return [200, { access_token: FCM_ACCESS_TOKEN, expires_in: 3600, token_type: "Bearer" }];
  }
  if (p.startsWith("/fcm/v1/projects/")) {
    if (h.headers.authorization !== `Bearer ${FCM_ACCESS_TOKEN}`) return [401, { error: { code: 401, message: "Request had invalid authentication credentials." } }];
    if (h.json?.message?.token === "expired-device-token") return [404, { error: { code: 404, message: "Requested entity was not found.", status: "NOT_FOUND", details: [{ errorCode: "UNREGISTERED" }] } }];
    return [200, { name: "projects/edgewrite-test/messages/1" }];
  }
  if (p.startsWith("/sendgrid/") && h.headers.authorization === "Bearer SG.failing") return [503, { errors: [{ message: "Service Unavailable" }] }];
  if (p.startsWith("/sendgrid/")) return [202, ""];
  if (p.startsWith("/mailgun/")) return [200, { id: "<1@mailgun>", message: "Queued. Thank you." }];
  if (p.startsWith("/resend/")) return [200, { id: "re_1" }];
  // Twilio's answers for a number it refuses and for throttling (what auth SMS failures look like).
  if (p.startsWith("/twilio/") && h.form.get("To") === "+15559990400") return [400, { code: 21211, message: "The 'To' number +15559990400 is not a valid phone number.", status: 400 }];
  if (p.startsWith("/twilio/") && h.form.get("To") === "+15559990429") return [429, { code: 20429, message: "Too Many Requests", status: 429 }];
  if (p.startsWith("/twilio/")) return [201, { sid: "SM1", status: "queued" }];
  if (p.startsWith("/vonage/")) return [200, { "message-count": "1", messages: [{ status: "0" }] }];
  return [200, {}];
}

function startHttpFake(port: number): Promise<void> {
  http = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let json: any = null;
      try {
        json = JSON.parse(text);
      } catch {
        /* a form body */
      }
      const hit: Hit = { path: decodeURIComponent(req.url ?? ""), headers: req.headers, text, json, form: new URLSearchParams(text), at: Date.now() };
      hits.push(hit);
      const [status, body] = await answer(hit).catch((e) => [400, { error: String(e) }] as [number, unknown]);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    });
  });
  return new Promise((r) => http.listen(port, "127.0.0.1", () => r()));
}

/** The SMTP provider's server (test/e2e/fakes/smtp.ts). */
let mails: ReceivedMail[] = [];
let smtp: Server;
let smtpPort = 0;

// ---- the project -----------------------------------------------------------------------------------

let project: TestProject;
let key = "";
const server = () => new Client().setEndpoint(endpoint).setProject(project.projectId).setKey(key);
const messaging = () => new Messaging(server());
const users = () => new Users(server());

async function fail(p: Promise<unknown>): Promise<AppwriteException> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppwriteException) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

/** Every secret any provider was given: none may appear in any response. */
const SECRETS = ["key-mailgun-secret", "SG.secret", "SG.failing", "re_secret", "ses-access-key", "ses-secret-key", "smtp-provider-pass", "msg91-auth-key", "telesign-api-key", "textmagic-api-key", "twilio-auth-token", "vonage-api-key", "vonage-api-secret", "apns-private", fcmKeys.privateKey.split("\n")[1]!, apnsKeys.privateKey.split("\n")[1]!];
const responses: string[] = [];
/** Keep a response's JSON to prove no secret was in it (checked at the end, over everything collected). */
const seen = <T>(v: T): T => (responses.push(JSON.stringify(v)), v);

const serviceAccount = () => ({ type: "service_account", project_id: "edgewrite-test", private_key_id: "kid1", private_key: fcmKeys.privateKey, client_email: "push@edgewrite-test.iam.gserviceaccount.com", token_uri: "https://oauth2.googleapis.com/token" });

const messageDone = (id: string) => until(`message ${id} finished`, () => messaging().getMessage({ messageId: id }), (m) => m.status === "sent" || m.status === "failed", 30_000);

beforeAll(async () => {
  await startHttpFake(inject("messagingFakePort"));
  ({ server: smtp, port: smtpPort, mails } = await startSmtpFake({ user: "mailer", pass: "smtp-provider-pass" }));
  project = await createProject("messaging");
  const k = await consoleCall("POST", `/projects/${project.projectId}/keys`, { name: "messaging", scopes: MESSAGING_SCOPES });
  expect(k.status).toBe(201);
  key = k.json.secret;
  // Every Messaging event goes to the fake too: their names and payloads are checked at the end.
  await new Webhooks(server()).create({ webhookId: "events", url: `http://127.0.0.1:${inject("messagingFakePort")}/webhook`, name: "events", events: ["providers.*", "topics.*", "messages.*"] });
});

afterAll(async () => {
  await new Promise<void>((r) => http.close(() => r()));
  await new Promise<void>((r) => smtp.close(() => r()));
});

describe("providers", () => {
  it("creates every provider type SDK 27 names, with Appwrite's model, and never returns a credential that is a secret", async () => {
    const m = messaging();
    const sender = { fromName: "Edgewrite", fromEmail: "noreply@example.com", replyToName: "Help", replyToEmail: "help@example.com" };
    const made = [
      seen(await m.createMailgunProvider({ providerId: "mailgun", name: "Mailgun", apiKey: "key-mailgun-secret", domain: "mg.example.com", isEuRegion: false, ...sender, enabled: true })),
      seen(await m.createSendgridProvider({ providerId: "sendgrid", name: "Sendgrid", apiKey: "SG.secret", ...sender, enabled: true })),
      seen(await m.createResendProvider({ providerId: "resend", name: "Resend", apiKey: "re_secret", ...sender, enabled: true })),
      seen(await m.createSesProvider({ providerId: "ses", name: "SES", accessKey: "ses-access-key", secretKey: "ses-secret-key", region: "eu-west-1", ...sender, enabled: false })),
      seen(await m.createSMTPProvider({ providerId: "smtp", name: "SMTP", host: "127.0.0.1", port: smtpPort, username: "mailer", password: "smtp-provider-pass", ...sender, enabled: true })),
      seen(await m.createMsg91Provider({ providerId: "msg91", name: "Msg91", templateId: "tpl", senderId: "EDGE", authKey: "msg91-auth-key", enabled: false })),
      seen(await m.createTelesignProvider({ providerId: "telesign", name: "Telesign", from: "+15550000001", customerId: "cust", apiKey: "telesign-api-key", enabled: false })),
      seen(await m.createTextmagicProvider({ providerId: "textmagic", name: "Textmagic", from: "+15550000002", username: "tm-user", apiKey: "textmagic-api-key", enabled: false })),
      seen(await m.createTwilioProvider({ providerId: "twilio", name: "Twilio", from: "+15550000003", accountSid: "AC123", authToken: "twilio-auth-token", enabled: true })),
      seen(await m.createVonageProvider({ providerId: "vonage", name: "Vonage", from: "+15550000004", apiKey: "vonage-api-key", apiSecret: "vonage-api-secret", enabled: false })),
      seen(await m.createFcmProvider({ providerId: "fcm", name: "FCM", serviceAccountJSON: serviceAccount(), enabled: true })),
      seen(await m.createAPNSProvider({ providerId: "apns", name: "APNs", authKey: apnsKeys.privateKey, authKeyId: "KEY123", teamId: "TEAM123", bundleId: "io.edgewrite.app", sandbox: true, enabled: false })),
    ];
    expect(made.map((p) => [p.$id, p.provider, p.type, p.enabled])).toEqual([
      ["mailgun", "mailgun", "email", true], ["sendgrid", "sendgrid", "email", true], ["resend", "resend", "email", true], ["ses", "ses", "email", false],
      ["smtp", "smtp", "email", true], ["msg91", "msg91", "sms", false], ["telesign", "telesign", "sms", false], ["textmagic", "textmagic", "sms", false],
      ["twilio", "twilio", "sms", true], ["vonage", "vonage", "sms", false], ["fcm", "fcm", "push", true], ["apns", "apns", "push", false],
    ]);
    expect(made[0]).toMatchObject({ name: "Mailgun", credentials: { domain: "mg.example.com", isEuRegion: false }, options: sender });
    expect(made[4]).toMatchObject({ credentials: { host: "127.0.0.1", port: smtpPort, username: "mailer" }, options: { ...sender, encryption: "", autoTLS: true, mailer: "" } });
    expect(made[8]).toMatchObject({ credentials: { accountSid: "AC123" }, options: { from: "+15550000003" } });
    expect(made[11]).toMatchObject({ credentials: { authKeyId: "KEY123", teamId: "TEAM123", bundleId: "io.edgewrite.app" }, options: { sandbox: true } });
    expect(made[10]!.credentials).toEqual({});
    for (const p of made) expect(typeof p.$createdAt).toBe("string");
  });

  it("gets, lists with queries and search, updates and deletes providers with Appwrite's errors", async () => {
    const m = messaging();
    expect(seen(await m.getProvider({ providerId: "twilio" }))).toMatchObject({ $id: "twilio", provider: "twilio", enabled: true });
    const sms = seen(await m.listProviders({ queries: [Query.equal("type", "sms"), Query.orderAsc("name")] }));
    expect(sms.total).toBe(5);
    expect(sms.providers.map((p) => p.$id)).toEqual(["msg91", "telesign", "textmagic", "twilio", "vonage"]);
    expect(seen(await m.listProviders({ search: "mailgun" })).providers.map((p) => p.$id)).toEqual(["mailgun"]);
    expect(seen(await m.listProviders({ queries: [Query.equal("enabled", true), Query.limit(2)] })).providers).toHaveLength(2);

    // Create with the same id → 409; enable without what it needs → 400; update of another provider's kind → 400.
    expect((await fail(m.createTwilioProvider({ providerId: "twilio", name: "again" }))).type).toBe("provider_already_exists");
    const bare = seen(await m.createResendProvider({ providerId: "bare", name: "Bare", enabled: true }));
    expect(bare.enabled).toBe(false); // asked enabled without an API key: saved disabled, as Appwrite
    expect((await fail(m.updateResendProvider({ providerId: "bare", enabled: true }))).type).toBe("provider_missing_credentials");
    expect((await fail(m.updateSendgridProvider({ providerId: "bare", name: "x" }))).type).toBe("provider_incorrect_type");
    const fixed = seen(await m.updateResendProvider({ providerId: "bare", name: "Bare fixed", apiKey: "re_secret", fromEmail: "bare@example.com", enabled: true }));
    expect(fixed).toMatchObject({ name: "Bare fixed", enabled: true, options: { fromEmail: "bare@example.com" } });

    // Every update method, each keeping what it was not given.
    seen(await m.updateMailgunProvider({ providerId: "mailgun", isEuRegion: true, domain: "mg2.example.com" }));
    expect(seen(await m.getProvider({ providerId: "mailgun" }))).toMatchObject({ enabled: true, credentials: { domain: "mg2.example.com", isEuRegion: true } });
    seen(await m.updateMailgunProvider({ providerId: "mailgun", isEuRegion: false, domain: "mg.example.com" }));
    seen(await m.updateSendgridProvider({ providerId: "sendgrid", fromName: "Edgewrite Mail" }));
    seen(await m.updateSesProvider({ providerId: "ses", region: "us-east-1" }));
    seen(await m.updateSMTPProvider({ providerId: "smtp", replyToName: "Helpdesk" }));
    seen(await m.updateSmtpProvider({ providerId: "smtp", replyToName: "Help" }));
    seen(await m.updateMsg91Provider({ providerId: "msg91", templateId: "tpl2" }));
    seen(await m.updateTelesignProvider({ providerId: "telesign", customerId: "cust2" }));
    seen(await m.updateTextmagicProvider({ providerId: "textmagic", username: "tm-user2" }));
    seen(await m.updateTwilioProvider({ providerId: "twilio", name: "Twilio SMS" }));
    seen(await m.updateVonageProvider({ providerId: "vonage", from: "+15550000005" }));
    seen(await m.updateFcmProvider({ providerId: "fcm", name: "FCM push" }));
    seen(await m.updateAPNSProvider({ providerId: "apns", teamId: "TEAM456" }));
    expect(seen(await m.updateApnsProvider({ providerId: "apns", enabled: true })).enabled).toBe(true);
    seen(await m.updateApnsProvider({ providerId: "apns", enabled: false }));
    seen(await m.updateFCMProvider({ providerId: "fcm", enabled: true }));
    expect(seen(await m.getProvider({ providerId: "vonage" }))).toMatchObject({ options: { from: "+15550000005" }, credentials: {} });

    // Bad input: Appwrite's 400s, nothing written.
    expect((await fail(m.createTwilioProvider({ providerId: "bad-from", name: "x", from: "555" }))).code).toBe(400);
    expect((await fail(m.createSendgridProvider({ providerId: "bad-mail", name: "x", fromEmail: "not-an-email" }))).code).toBe(400);
    expect((await fail(m.getProvider({ providerId: "bad-from" }))).type).toBe("provider_not_found");

    // The SDK's other spellings of the same routes.
    const aliases = [
      seen(await m.createSmtpProvider({ providerId: "smtp2", name: "SMTP 2", host: "127.0.0.1", port: smtpPort, fromEmail: "a@example.com", encryption: "none" as never, enabled: true })),
      seen(await m.createFCMProvider({ providerId: "fcm2", name: "FCM 2" })),
      seen(await m.createApnsProvider({ providerId: "apns2", name: "APNs 2", authKeyId: "K2", enabled: true })),
    ];
    expect(aliases.map((p) => [p.provider, p.enabled])).toEqual([["smtp", true], ["fcm", false], ["apns", false]]);
    expect(aliases[0]!.credentials).toEqual({ host: "127.0.0.1", port: smtpPort, username: "" });
    for (const p of aliases) await m.deleteProvider({ providerId: p.$id });

    const logs = await raw("GET", "/messaging/providers/twilio/logs", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": key } });
    expect([logs.status, logs.body.total]).toEqual([200, 0]);

    await m.deleteProvider({ providerId: "bare" });
    expect((await fail(m.getProvider({ providerId: "bare" }))).type).toBe("provider_not_found");
    expect((await fail(m.deleteProvider({ providerId: "bare" }))).type).toBe("provider_not_found");
  });
});

// Users and targets shared by the sending tests.
let alice: { id: string; email: string; phone: string; push: string; emailTarget: string; smsTarget: string };
let bob: { id: string; email: string; emailTarget: string };

describe("topics and subscribers", () => {
  it("creates, lists, gets, updates topics; subscribes email, sms and push targets; totals follow", async () => {
    const m = messaging();
    const a = await users().create({ userId: ID.unique(), email: "alice@example.com", phone: "+15551230001", password: "alice-pass-123", name: "Alice" });
    const b = await users().create({ userId: ID.unique(), email: "bob@example.com", password: "bob-pass-1234", name: "Bob" });
    const at = await users().listTargets({ userId: a.$id });
    const push = await users().createTarget({ userId: a.$id, targetId: ID.unique(), providerType: "push" as never, identifier: "fcm-device-token-alice", providerId: "fcm" });
    expect(push.providerId).toBe("fcm");
    alice = { id: a.$id, email: a.email, phone: a.phone, push: push.$id, emailTarget: at.targets.find((t) => t.providerType === "email")!.$id, smsTarget: at.targets.find((t) => t.providerType === "sms")!.$id };
    bob = { id: b.$id, email: b.email, emailTarget: (await users().listTargets({ userId: b.$id })).targets[0]!.$id };

    const topic = seen(await m.createTopic({ topicId: "news", name: "News" }));
    expect(topic).toMatchObject({ $id: "news", name: "News", emailTotal: 0, smsTotal: 0, pushTotal: 0, subscribe: ["users"] });
    expect((await fail(m.createTopic({ topicId: "news", name: "again" }))).type).toBe("topic_already_exists");
    expect((await fail(m.createTopic({ topicId: "bad-roles", name: "x", subscribe: ["everyone"] }))).code).toBe(400);
    seen(await m.createTopic({ topicId: "closed", name: "Closed", subscribe: ["team:staff"] }));

    for (const targetId of [alice.emailTarget, alice.smsTarget, alice.push, bob.emailTarget]) {
      const s = seen(await m.createSubscriber({ topicId: "news", subscriberId: ID.unique(), targetId }));
      expect(s).toMatchObject({ topicId: "news", targetId, target: { $id: targetId } });
    }
    expect((await fail(m.createSubscriber({ topicId: "news", subscriberId: ID.unique(), targetId: bob.emailTarget }))).type).toBe("subscriber_already_exists");
    expect((await fail(m.createSubscriber({ topicId: "news", subscriberId: ID.unique(), targetId: "missing" }))).type).toBe("user_target_not_found");
    expect((await fail(m.createSubscriber({ topicId: "nope", subscriberId: ID.unique(), targetId: bob.emailTarget }))).type).toBe("topic_not_found");
    expect(seen(await m.getTopic({ topicId: "news" }))).toMatchObject({ emailTotal: 2, smsTotal: 1, pushTotal: 1 });

    const subs = seen(await m.listSubscribers({ topicId: "news", queries: [Query.equal("providerType", "email")] }));
    expect(subs.total).toBe(2);
    expect(subs.subscribers.map((s) => s.userName).sort()).toEqual(["Alice", "Bob"]);
    const one = seen(await m.getSubscriber({ topicId: "news", subscriberId: subs.subscribers[0]!.$id }));
    expect(one.$id).toBe(subs.subscribers[0]!.$id);

    expect(seen(await m.updateTopic({ topicId: "news", name: "Newsletter" })).name).toBe("Newsletter");
    expect(seen(await m.listTopics({ queries: [Query.greaterThan("emailTotal", 0)] })).topics.map((t) => t.$id)).toEqual(["news"]);
    expect(seen(await m.listTopics({ search: "Closed" })).total).toBe(1);
  });

  it("lets a signed-in user subscribe only their own target, to a topic whose roles they hold, and remove only their own", async () => {
    const session = await users().createSession({ userId: bob.id });
    const web = new WebMessaging(new WebClient().setEndpoint(endpoint).setProject(project.projectId).setSession(session.secret));
    // Bob's own email target, in a fresh topic open to users.
    seen(await messaging().createTopic({ topicId: "open", name: "Open" }));
    const mine = await web.createSubscriber({ topicId: "open", subscriberId: ID.unique(), targetId: bob.emailTarget });
    expect(mine).toMatchObject({ topicId: "open", userId: bob.id, targetId: bob.emailTarget });
    // Alice's target is not his to subscribe; a topic for a team he is not in refuses him.
    const other = await web.createSubscriber({ topicId: "open", subscriberId: ID.unique(), targetId: alice.emailTarget }).catch((e) => e);
    expect(other.type).toBe("user_target_not_found");
    const closed = await web.createSubscriber({ topicId: "closed", subscriberId: ID.unique(), targetId: bob.emailTarget }).catch((e) => e);
    expect([closed.code, closed.type]).toEqual([401, "user_unauthorized"]);
    // He cannot delete Alice's subscription in "news", and his own goes.
    const alices = (await messaging().listSubscribers({ topicId: "news", queries: [Query.equal("userId", alice.id)] })).subscribers[0]!;
    const denied = await web.deleteSubscriber({ topicId: "news", subscriberId: alices.$id }).catch((e) => e);
    expect(denied.type).toBe("subscriber_not_found");
    await web.deleteSubscriber({ topicId: "open", subscriberId: mine.$id });
    expect((await messaging().getTopic({ topicId: "open" })).emailTotal).toBe(0);
    // Topics and messages are the server's: a user's session holds no topics.* scope.
    const topics = await raw("GET", "/messaging/topics", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-session": session.secret } });
    expect([topics.status, topics.body.type]).toEqual([401, "general_unauthorized_scope"]);
  });
});

describe("messages", () => {
  it("sends an email, an SMS and a push to a topic's subscribers, each reaching its provider with the right content", async () => {
    const m = messaging();
    const before = hits.length;
    const email = seen(await m.createEmail({ messageId: ID.unique(), subject: "Hello subscribers", content: "<p>Welcome aboard</p>", topics: ["news"], html: true }));
    expect(email).toMatchObject({ providerType: "email", status: "processing", topics: ["news"] });
    const sms = seen(await m.createSMS({ messageId: ID.unique(), content: "Your code is 4711", topics: ["news"] }));
    const push = seen(await m.createPush({ messageId: ID.unique(), title: "Ping", body: "Something happened", data: { orderId: "42" }, topics: ["news"], badge: 3 }));

    const sentEmail = await messageDone(email.$id);
    expect(sentEmail).toMatchObject({ status: "sent", deliveredTotal: 2, deliveryErrors: [] });
    expect(sentEmail.deliveredAt).not.toBe("");
    // The first enabled email provider (Mailgun) is the default: both addresses went through its API.
    const mg = hits.slice(before).filter((h) => h.path === "/mailgun/v3/mg.example.com/messages");
    expect(mg.map((h) => h.form.get("to")).sort()).toEqual(["alice@example.com", "bob@example.com"]);
    expect(mg[0]!.headers.authorization).toBe(`Basic ${Buffer.from("api:key-mailgun-secret").toString("base64")}`);
    expect(Object.fromEntries(["from", "subject", "html", "h:Reply-To"].map((k) => [k, mg[0]!.form.get(k)]))).toEqual({ from: "Edgewrite <noreply@example.com>", subject: "Hello subscribers", html: "<p>Welcome aboard</p>", "h:Reply-To": "Help <help@example.com>" });

    expect(await messageDone(sms.$id)).toMatchObject({ status: "sent", deliveredTotal: 1 });
    const tw = hits.slice(before).filter((h) => h.path === "/twilio/2010-04-01/Accounts/AC123/Messages.json");
    expect(tw).toHaveLength(1);
    expect(Object.fromEntries(tw[0]!.form)).toEqual({ To: "+15551230001", From: "+15550000003", Body: "Your code is 4711" });
    expect(tw[0]!.headers.authorization).toBe(`Basic ${Buffer.from("AC123:twilio-auth-token").toString("base64")}`);

    expect(await messageDone(push.$id)).toMatchObject({ status: "sent", deliveredTotal: 1 });
    const fcm = hits.slice(before).filter((h) => h.path === "/fcm/v1/projects/edgewrite-test/messages:send");
    expect(fcm).toHaveLength(1);
    expect(fcm[0]!.json.message).toMatchObject({ token: "fcm-device-token-alice", notification: { title: "Ping", body: "Something happened" }, data: { orderId: "42" }, apns: { payload: { aps: { badge: 3 } } } });
    expect(hits.slice(before).filter((h) => h.path === "/fcm/token")).toHaveLength(1); // the OAuth token, signed with the service account key

    const targets = seen(await m.listTargets({ messageId: email.$id }));
    expect(targets.total).toBe(0); // topics, not targets: Appwrite lists the message's own `targets`
  });

  it("sends through a target's own provider (Sendgrid, Resend, SMTP), users and targets as recipients, cc and bcc", async () => {
    const m = messaging();
    const u = users();
    const carol = await u.create({ userId: ID.unique(), email: "carol@example.com", password: "carol-pass-12" });
    const viaSendgrid = await u.createTarget({ userId: carol.$id, targetId: ID.unique(), providerType: "email" as never, identifier: "carol+sg@example.com", providerId: "sendgrid" });
    const viaResend = await u.createTarget({ userId: carol.$id, targetId: ID.unique(), providerType: "email" as never, identifier: "carol+re@example.com", providerId: "resend" });
    const viaSmtp = await u.createTarget({ userId: carol.$id, targetId: ID.unique(), providerType: "email" as never, identifier: "carol+smtp@example.com", providerId: "smtp" });
    const before = hits.length;
    const msg = seen(await m.createEmail({ messageId: ID.unique(), subject: "Per provider", content: "plain body", targets: [viaSendgrid.$id, viaResend.$id, viaSmtp.$id], cc: [bob.emailTarget] }));
    expect(seen(await m.listTargets({ messageId: msg.$id })).targets.map((t) => t.$id).sort()).toEqual([viaSendgrid.$id, viaResend.$id, viaSmtp.$id].sort());
    expect(await messageDone(msg.$id)).toMatchObject({ status: "sent", deliveredTotal: 3 });
    const sg = hits.slice(before).find((h) => h.path === "/sendgrid/v3/mail/send")!;
    expect(sg.headers.authorization).toBe("Bearer SG.secret");
    expect(sg.json).toMatchObject({ personalizations: [{ to: [{ email: "carol+sg@example.com" }], cc: [{ email: "bob@example.com" }] }], subject: "Per provider", content: [{ type: "text/plain", value: "plain body" }], from: { email: "noreply@example.com" } });
    const re = hits.slice(before).find((h) => h.path === "/resend/emails")!;
    expect(re.json).toMatchObject({ to: ["carol+re@example.com"], cc: ["bob@example.com"], text: "plain body", subject: "Per provider" });
    const mail = await until("the SMTP provider's mail", async () => mails.find((x) => x.to.includes("carol+smtp@example.com")), (x) => !!x, 20_000);
    expect(mail!.auth).toBe("mailer");
    expect(mail!.data).toContain("Subject: Per provider");

    // `users`: every email target of the user.
    const byUser = seen(await m.createEmail({ messageId: ID.unique(), subject: "To Carol", content: "all of you", users: [carol.$id] }));
    expect(await messageDone(byUser.$id)).toMatchObject({ status: "sent", deliveredTotal: 4 });
  });

  it("keeps drafts unsent, then sends them on update; updates and deletes follow Appwrite's status rules", async () => {
    const m = messaging();
    const before = hits.length;
    const draft = seen(await m.createSms({ messageId: ID.unique(), content: "draft text", targets: [alice.smsTarget], draft: true }));
    expect(draft.status).toBe("draft");
    const emptyDraft = seen(await m.createEmail({ messageId: ID.unique(), subject: "s", content: "c", draft: true }));
    expect(emptyDraft.status).toBe("draft");
    expect((await fail(m.updateEmail({ messageId: emptyDraft.$id, draft: false }))).type).toBe("message_missing_target");
    await sleep(1500);
    expect(hits.slice(before).filter((h) => h.path.startsWith("/twilio/"))).toHaveLength(0);
    seen(await m.updateSMS({ messageId: draft.$id, content: "final text" }));
    expect(seen(await m.updateSms({ messageId: draft.$id, draft: false })).status).toBe("processing");
    expect(await messageDone(draft.$id)).toMatchObject({ status: "sent" });
    expect(hits.slice(before).find((h) => h.path.startsWith("/twilio/"))!.form.get("Body")).toBe("final text");
    expect((await fail(m.updateSms({ messageId: draft.$id, content: "again" }))).type).toBe("message_already_sent");

    const pushDraft = seen(await m.createPush({ messageId: ID.unique(), title: "t", body: "b", targets: [alice.push], draft: true }));
    expect(seen(await m.updatePush({ messageId: pushDraft.$id, title: "Updated title", badge: 1 })).data).toMatchObject({ title: "Updated title", badge: 1 });
    expect(seen(await m.updateEmail({ messageId: emptyDraft.$id, subject: "Updated subject" })).data).toMatchObject({ subject: "Updated subject" });
    await m.delete({ messageId: pushDraft.$id });
    expect((await fail(m.getMessage({ messageId: pushDraft.$id }))).type).toBe("message_not_found");

    expect((await fail(m.createSms({ messageId: ID.unique(), content: "x" }))).type).toBe("message_missing_target");
    expect((await fail(m.createSms({ messageId: ID.unique(), content: "x", targets: [alice.emailTarget] }))).type).toBe("message_target_not_sms");
    expect((await fail(m.createPush({ messageId: ID.unique(), title: "x", body: "y", targets: [alice.smsTarget] }))).type).toBe("message_target_not_push");
    expect((await fail(m.createEmail({ messageId: ID.unique(), subject: "x", content: "y", targets: [alice.smsTarget] }))).type).toBe("message_target_not_email");
    expect((await fail(m.createSms({ messageId: ID.unique(), content: "x", targets: [alice.smsTarget], scheduledAt: "2001-01-01T00:00:00Z" }))).code).toBe(400);
    expect((await fail(m.createSms({ messageId: draft.$id, content: "x", targets: [alice.smsTarget] }))).type).toBe("message_already_exists");

    const list = seen(await m.listMessages({ queries: [Query.equal("status", "sent"), Query.equal("providerType", "sms")] }));
    expect(list.messages.map((x) => x.$id)).toContain(draft.$id);
    const logs = await raw("GET", `/messaging/messages/${draft.$id}/logs`, { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": key } });
    expect([logs.status, logs.body.total]).toEqual([200, 0]);
  });

  it("sends a scheduled message by its alarm: not before its time, and after it", async () => {
    const m = messaging();
    const at = Date.now() + 4000;
    const before = hits.length;
    const msg = seen(await m.createSms({ messageId: ID.unique(), content: "scheduled hello", targets: [alice.smsTarget], scheduledAt: new Date(at).toISOString() }));
    expect(msg.status).toBe("scheduled");
    expect(new Date(msg.scheduledAt!).getTime()).toBe(at);
    await sleep(1500);
    expect((await m.getMessage({ messageId: msg.$id })).status).toBe("scheduled");
    expect(hits.slice(before).filter((h) => h.path.startsWith("/twilio/"))).toHaveLength(0);
    expect(await messageDone(msg.$id)).toMatchObject({ status: "sent", deliveredTotal: 1 });
    const sent = hits.slice(before).find((h) => h.path.startsWith("/twilio/"))!;
    expect(sent.form.get("Body")).toBe("scheduled hello");
    expect(sent.at).toBeGreaterThanOrEqual(at);

    // Rescheduled later, then turned into a draft: the alarm never sends it.
    const moved = seen(await m.createSms({ messageId: ID.unique(), content: "never", targets: [alice.smsTarget], scheduledAt: new Date(Date.now() + 2000).toISOString() }));
    seen(await m.updateSms({ messageId: moved.$id, scheduledAt: new Date(Date.now() + 60_000).toISOString() }));
    seen(await m.updateSms({ messageId: moved.$id, draft: true }));
    await sleep(3000);
    expect((await m.getMessage({ messageId: moved.$id })).status).toBe("draft");
    expect(hits.slice(before).filter((h) => h.form.get("Body") === "never")).toHaveLength(0);
  });

  it("retries a failing provider, then marks the message failed with the provider's error", async () => {
    const m = messaging();
    seen(await m.createSendgridProvider({ providerId: "sg-failing", name: "Failing", apiKey: "SG.failing", fromEmail: "noreply@example.com", enabled: true }));
    const t = await users().createTarget({ userId: bob.id, targetId: ID.unique(), providerType: "email" as never, identifier: "bob+fail@example.com", providerId: "sg-failing" });
    const before = hits.length;
    const msg = seen(await m.createEmail({ messageId: ID.unique(), subject: "Will fail", content: "x", targets: [t.$id] }));
    const done = await messageDone(msg.$id);
    expect(done).toMatchObject({ status: "failed", deliveredTotal: 0, deliveryErrors: ["Failed sending to target bob+fail@example.com with error: 503 Service Unavailable"] });
    expect(hits.slice(before).filter((h) => h.path === "/sendgrid/v3/mail/send" && h.headers.authorization === "Bearer SG.failing")).toHaveLength(3);

    // An FCM token the service reports gone: failed, and the target is marked expired.
    const dead = await users().createTarget({ userId: bob.id, targetId: ID.unique(), providerType: "push" as never, identifier: "expired-device-token" });
    const push = seen(await m.createPush({ messageId: ID.unique(), title: "x", body: "y", targets: [dead.$id] }));
    expect((await messageDone(push.$id)).deliveryErrors).toEqual(["Failed sending to target expired-device-token with error: Expired device token"]);
    expect((await users().getTarget({ userId: bob.id, targetId: dead.$id })).expired).toBe(true);

    // No enabled provider of the type: failed at once, as Appwrite.
    await m.updateTwilioProvider({ providerId: "twilio", enabled: false });
    const none = seen(await m.createSms({ messageId: ID.unique(), content: "x", targets: [alice.smsTarget] }));
    expect((await messageDone(none.$id)).deliveryErrors).toEqual(["No enabled provider found."]);
    await m.updateTwilioProvider({ providerId: "twilio", enabled: true });
  });

  it("sends through the other adapters' APIs too: SES (Signature V4), Vonage, Textmagic, Telesign, Msg91 and APNs (ES256 token)", async () => {
    const m = messaging();
    const u = users();
    const others = ["ses", "msg91", "telesign", "textmagic", "vonage"] as const;
    await m.updateSesProvider({ providerId: "ses", enabled: true });
    await m.updateMsg91Provider({ providerId: "msg91", enabled: true });
    await m.updateTelesignProvider({ providerId: "telesign", enabled: true });
    await m.updateTextmagicProvider({ providerId: "textmagic", enabled: true });
    await m.updateVonageProvider({ providerId: "vonage", enabled: true });
    await m.updateApnsProvider({ providerId: "apns", enabled: true });
    const dave = await u.create({ userId: ID.unique(), name: "Dave" });
    const sms = await Promise.all(others.slice(1).map((providerId, i) => u.createTarget({ userId: dave.$id, targetId: ID.unique(), providerType: "sms" as never, identifier: `+1555000200${i}`, providerId })));
    const mail = await u.createTarget({ userId: dave.$id, targetId: ID.unique(), providerType: "email" as never, identifier: "dave@example.com", providerId: "ses" });
    const ios = await u.createTarget({ userId: dave.$id, targetId: ID.unique(), providerType: "push" as never, identifier: "apns-device-token", providerId: "apns" });
    const before = hits.length;
    const a = seen(await m.createSms({ messageId: ID.unique(), content: "via everyone", targets: sms.map((t) => t.$id) }));
    const b = seen(await m.createEmail({ messageId: ID.unique(), subject: "via SES", content: "ses body", targets: [mail.$id] }));
    const c = seen(await m.createPush({ messageId: ID.unique(), title: "via APNs", body: "apns body", targets: [ios.$id], sound: "ping.aiff" }));
    for (const id of [a.$id, b.$id, c.$id]) expect(await messageDone(id), id).toMatchObject({ status: "sent", deliveryErrors: [] });
    const got = hits.slice(before);
    const at = (prefix: string) => got.find((h) => h.path.startsWith(prefix))!;

    expect(at("/msg91/api/v5/flow/").headers.authkey).toBe("msg91-auth-key");
    expect(at("/msg91/api/v5/flow/").json).toMatchObject({ sender: "EDGE", template_id: "tpl2", recipients: [{ mobiles: "15550002000", content: "via everyone" }] });
    expect(at("/telesign/v1/messaging").headers.authorization).toBe(`Basic ${Buffer.from("cust2:telesign-api-key").toString("base64")}`);
    expect(Object.fromEntries(at("/telesign/v1/messaging").form)).toEqual({ phone_number: "15550002001", message: "via everyone", message_type: "ARN" });
    expect(at("/textmagic/api/v2/messages").headers["x-tm-username"]).toBe("tm-user2");
    expect(Object.fromEntries(at("/textmagic/api/v2/messages").form)).toMatchObject({ text: "via everyone", phones: "15550002002" });
    expect(Object.fromEntries(at("/vonage/sms/json").form)).toEqual({ api_key: "vonage-api-key", api_secret: "vonage-api-secret", from: "15550000005", to: "15550002003", text: "via everyone" });

    const ses = at("/ses/v2/email/outbound-emails");
    expect(ses.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ses-access-key\/\d{8}\/us-east-1\/ses\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
    expect(ses.json).toMatchObject({ Destination: { ToAddresses: ["dave@example.com"] }, Content: { Simple: { Subject: { Data: "via SES" }, Body: { Text: { Data: "ses body" } } } } });

    const apns = at("/apns/3/device/apns-device-token");
    expect(apns.headers["apns-topic"]).toBe("io.edgewrite.app");
    const { payload, protectedHeader } = await jwtVerify(String(apns.headers.authorization).replace(/^bearer /, ""), await importSPKI(apnsKeys.publicKey, "ES256"));
    expect([payload.iss, protectedHeader.kid]).toEqual(["TEAM456", "KEY123"]);
    expect(apns.json).toMatchObject({ aps: { alert: { title: "via APNs", body: "apns body" }, sound: "ping.aiff" } });

    // Back to the earlier defaults (the first enabled provider of a type is the default).
    await m.updateSesProvider({ providerId: "ses", enabled: false });
    await m.updateMsg91Provider({ providerId: "msg91", enabled: false });
    await m.updateTelesignProvider({ providerId: "telesign", enabled: false });
    await m.updateTextmagicProvider({ providerId: "textmagic", enabled: false });
    await m.updateVonageProvider({ providerId: "vonage", enabled: false });
    expect((await m.listProviders({ queries: [Query.equal("type", "sms"), Query.equal("enabled", true)] })).providers.map((p) => p.$id)).toEqual(["twilio"]);
  });

  it("removes subscribers with their topic or target; records Appwrite's events; never shows a provider secret in any response or event", async () => {
    const m = messaging();
    const news = await m.listSubscribers({ topicId: "news", queries: [Query.equal("targetId", alice.push)] });
    await m.deleteSubscriber({ topicId: "news", subscriberId: news.subscribers[0]!.$id });
    expect((await m.getTopic({ topicId: "news" })).pushTotal).toBe(0);
    await users().deleteTarget({ userId: alice.id, targetId: alice.smsTarget });
    expect(await m.getTopic({ topicId: "news" })).toMatchObject({ smsTotal: 0, emailTotal: 2 });
    await m.deleteTopic({ topicId: "closed" });
    expect((await fail(m.getTopic({ topicId: "closed" }))).type).toBe("topic_not_found");

    const all = seen(await m.listProviders({ queries: [Query.limit(100)] }));
    for (const p of all.providers) seen(await m.getProvider({ providerId: p.$id }));
    const text = responses.join("\n");
    for (const s of SECRETS) expect(text.includes(s), s).toBe(false);

    // Events, with Appwrite's names, from the mutations' batches (webhooks carry them) — and no secret in them either.
    const want = ["providers.mailgun.create", "providers.mailgun.update", "providers.bare.delete", "topics.news.create", "topics.news.update", "topics.closed.delete", "messages.*.create", "messages.*.update", "messages.*.delete", "topics.news.subscribers.*.create", "topics.news.subscribers.*.delete"];
    const names = () => hits.filter((h) => h.path === "/webhook").flatMap((h) => String(h.headers["x-appwrite-webhook-events"]).split(","));
    await until("every messaging event at the webhook", async () => names(), (n) => want.every((w) => n.includes(w)), 30_000);
    const bodies = hits.filter((h) => h.path === "/webhook").map((h) => h.text).join("\n");
    for (const s of SECRETS) expect(bodies.includes(s), `event ${s}`).toBe(false);
    const created = hits.find((h) => h.path === "/webhook" && String(h.headers["x-appwrite-webhook-events"]).split(",").includes("providers.twilio.create"))!;
    expect(created.json).toMatchObject({ $id: "twilio", provider: "twilio", credentials: { accountSid: "AC123" } });
  });
});

// ---- auth messages through the project's SMTP and its default SMS provider -------------------------------

/** A received mail's headers and decoded body (worker-mailer sends quoted-printable). */
function parseMail(data: string) {
  const qp = (s: string) => Buffer.from(s.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, "mi").exec(data)?.[1] ?? "";
  return { subject: header("Subject"), from: header("From"), replyTo: header("Reply-To"), body: qp(data) };
}
/** The n-th mail (0-based) the SMTP fake received for `to`. */
const mailN = (to: string, n = 0) => until(`mail #${n} to ${to}`, async () => mails.filter((m) => m.to.includes(to))[n], (m) => !!m, 20_000);
/** The n-th SMS the Twilio fake received for `phone`. */
const smsN = (phone: string, n = 0) => until(`SMS #${n} to ${phone}`, async () => hits.filter((h) => h.path.startsWith("/twilio/") && h.form.get("To") === phone)[n], (h) => !!h, 20_000);
/** The first link of a mail (the button), `&amp;` undone. */
const linkIn = (body: string) => new URL(/href="([^"]+)"/.exec(body)![1]!.replaceAll("&amp;", "&"));
const codeIn = (body: string) => /class="code"[^>]*>(\d{6})</.exec(body)![1]!;
/** The stored outbox rows for a recipient, read through the console's admin route. */
const outboxRows = async (projectId: string, to: string) => (await consoleCall("GET", `/projects/${projectId}/outbox?to=${encodeURIComponent(to)}`)).json.messages as Record<string, any>[];
const settled = (projectId: string, to: string, n = 1) =>
  until(`${n} settled outbox rows for ${to}`, () => outboxRows(projectId, to), (rows) => rows.length >= n && rows.every((r) => r.status !== "pending"), 20_000);
const uniq = () => Math.random().toString(36).slice(2, 10);
const phoneNumber = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

describe("auth messages through the project's SMTP and its default SMS provider", () => {
  const NAME = "messaging-auth";
  let ap: TestProject;
  let akey = "";
  const guest = () => new Client().setEndpoint(endpoint).setProject(ap.projectId);
  const keyed = () => guest().setKey(akey);
  const admin = () => new Project(guest().setKey(adminKey));
  const signIn = async (email: string, password: string) => {
    const s = await new Account(keyed()).createEmailPasswordSession({ email, password });
    return new Account(guest().setSession(s.secret));
  };

  beforeAll(async () => {
    ap = await createProject(NAME);
    const k = await consoleCall("POST", `/projects/${ap.projectId}/keys`, { name: "auth", scopes: [...MESSAGING_SCOPES, "sessions.write", "teams.read", "teams.write"] });
    akey = k.json.secret;
    await admin().updateSMTP({ host: "127.0.0.1", port: smtpPort, username: "mailer", password: "smtp-provider-pass", senderEmail: "auth@example.com", senderName: "Auth Sender", replyToEmail: "support@example.com", replyToName: "Support" });
    // The default SMS provider is the first *enabled* one: a disabled Vonage comes first, then two Twilios.
    const m = new Messaging(keyed());
    await m.createVonageProvider({ providerId: "vonage-off", name: "Vonage", from: "+15550000010", apiKey: "vonage-api-key", apiSecret: "vonage-api-secret", enabled: false });
    await m.createTwilioProvider({ providerId: "twilio-auth", name: "Twilio", from: "+15550000011", accountSid: "ACauth", authToken: "twilio-auth-token", enabled: true });
    await m.createTwilioProvider({ providerId: "twilio-later", name: "Twilio 2", from: "+15550000012", accountSid: "AClater", authToken: "twilio-auth-token", enabled: true });
  });

  it("email OTP, verification, recovery, magic URL and a team invitation arrive over the project's SMTP with Appwrite's subjects and sender, and each code or link works", async () => {
    // Email OTP: Appwrite's subject, the project's sender, and the code signs in.
    const otpEmail = `otp-${uniq()}@example.com`;
    const token = await new Account(guest()).createEmailToken({ userId: ID.unique(), email: otpEmail });
    const otpMail = await mailN(otpEmail);
    const otp = parseMail(otpMail.data);
    expect(otp.subject).toBe(`OTP for ${NAME} Login`);
    expect([otpMail.from, otpMail.auth]).toEqual(["auth@example.com", "mailer"]);
    expect(otp.from).toContain("Auth Sender");
    expect(otp.replyTo).toContain("support@example.com");
    const session = await new Account(keyed()).createSession({ userId: token.userId, secret: codeIn(otp.body) });
    expect(session.userId).toBe(token.userId);

    // Verification, recovery and magic URL for a user with a password.
    const email = `bob-${uniq()}@example.com`;
    const bob = await new Users(keyed()).create({ userId: ID.unique(), email, password: "bob-password-1", name: "Bob" });
    const account = await signIn(email, "bob-password-1");
    await account.createVerification({ url: "http://localhost/verify" });
    const ver = parseMail((await mailN(email, 0)).data);
    expect(ver.subject).toBe(`Account Verification for ${NAME}`);
    expect(ver.body).toContain("Hello Bob,");
    const vlink = linkIn(ver.body);
    expect([vlink.origin + vlink.pathname, vlink.searchParams.get("userId")]).toEqual(["http://localhost/verify", bob.$id]);
    await account.updateVerification({ userId: bob.$id, secret: vlink.searchParams.get("secret")! });
    expect((await account.get()).emailVerification).toBe(true);

    await new Account(guest()).createRecovery({ email, url: "http://localhost/reset" });
    const rec = parseMail((await mailN(email, 1)).data);
    expect(rec.subject).toBe(`Password Reset for ${NAME}`);
    const rlink = linkIn(rec.body);
    await new Account(guest()).updateRecovery({ userId: rlink.searchParams.get("userId")!, secret: rlink.searchParams.get("secret")!, password: "bob-password-2" });
    expect((await (await signIn(email, "bob-password-2")).get()).$id).toBe(bob.$id);

    await new Account(guest()).createMagicURLToken({ userId: bob.$id, email, url: "http://localhost/magic" });
    const magic = parseMail((await mailN(email, 2)).data);
    expect(magic.subject).toBe(`${NAME} Login`);
    const mlink = linkIn(magic.body);
    expect([mlink.origin + mlink.pathname, mlink.searchParams.get("project")]).toEqual(["http://localhost/magic", ap.projectId]);
    expect((await new Account(keyed()).createSession({ userId: mlink.searchParams.get("userId")!, secret: mlink.searchParams.get("secret")! })).userId).toBe(bob.$id);

    // A team invitation by email from a signed-in owner (an API key's memberships need none): Appwrite's subject,
    // and the link accepts it.
    const invitee = `carol-${uniq()}@example.com`;
    const bobSession = await new Account(keyed()).createEmailPasswordSession({ email, password: "bob-password-2" });
    const owner = new Teams(guest().setSession(bobSession.secret));
    const team = await owner.create({ teamId: ID.unique(), name: "Crew" });
    const invited = await owner.createMembership({ teamId: team.$id, roles: ["member"], email: invitee, url: "http://localhost/join", name: "Carol" });
    const inv = parseMail((await mailN(invitee)).data);
    expect(inv.subject).toBe(`Invitation to Crew Team at ${NAME}`);
    expect(inv.body).toContain("Bob");
    const ilink = linkIn(inv.body);
    expect([ilink.searchParams.get("membershipId"), ilink.searchParams.get("teamId")]).toEqual([invited.$id, team.$id]);
    const joined = await new Teams(guest()).updateMembershipStatus({ teamId: team.$id, membershipId: invited.$id, userId: ilink.searchParams.get("userId")!, secret: ilink.searchParams.get("secret")! });
    expect(joined.confirm).toBe(true);

    // Delivered to a real server: the stored rows say so and keep no code, link or subject.
    for (const [to, n] of [[otpEmail, 1], [email, 3], [invitee, 1]] as const) {
      const rows = await settled(ap.projectId, to, n);
      for (const r of rows) expect(r).toMatchObject({ channel: "email", transport: "smtp", status: "sent", error: "", subject: "", content: "", html: "", attempts: 1 });
      expect(JSON.stringify(rows)).not.toMatch(/secret=|\d{6}</);
    }
    expect((await outboxRows(ap.projectId, email)).map((r) => r.template).sort()).toEqual(["magicSession", "recovery", "verification"]);
  });

  it("a custom template for the request's X-Appwrite-Locale replaces the default, with its placeholders and sender; other locales keep Appwrite's", async () => {
    await admin().updateEmailTemplate({
      templateId: "recovery" as never, locale: "fr" as never,
      subject: "Nouveau mot de passe pour {{user}} ({{project}})",
      message: '<p>Bonjour {{user}}, <a href="{{redirect}}">changer le mot de passe</a> pour {{project}}.</p>',
      senderName: "Equipe FR", replyToEmail: "fr@example.com",
    });
    const email = `dora-${uniq()}@example.com`;
    const dora = await new Users(keyed()).create({ userId: ID.unique(), email, password: "dora-password-1", name: "Dora" });
    await new Account(guest().setLocale("fr")).createRecovery({ email, url: "http://localhost/reset" });
    const fr = parseMail((await mailN(email, 0)).data);
    expect(fr.subject).toBe(`Nouveau mot de passe pour Dora (${NAME})`);
    expect(fr.from).toContain("Equipe FR");
    expect(fr.replyTo).toContain("fr@example.com");
    expect(fr.body).toContain(`Bonjour Dora, `);
    expect(fr.body).toContain(`pour ${NAME}.`);
    const link = linkIn(fr.body);
    await new Account(guest()).updateRecovery({ userId: dora.$id, secret: link.searchParams.get("secret")!, password: "dora-password-2" });
    expect((await (await signIn(email, "dora-password-2")).get()).$id).toBe(dora.$id);

    await new Account(guest().setLocale("de")).createRecovery({ email, url: "http://localhost/reset" });
    const de = parseMail((await mailN(email, 1)).data);
    expect(de.subject).toBe(`Password Reset for ${NAME}`);
    expect(de.from).toContain("Auth Sender");
  });

  it("the session alert goes over the project's SMTP too, with Appwrite's subject", async () => {
    await admin().updateSessionAlertPolicy({ enabled: true });
    try {
      const email = `fay-${uniq()}@example.com`;
      await new Users(keyed()).create({ userId: ID.unique(), email, password: "fay-password-1", name: "Fay" });
      await signIn(email, "fay-password-1"); // a user's first session sends none (Appwrite)
      await signIn(email, "fay-password-1");
      const alert = parseMail((await mailN(email, 0)).data);
      expect(alert.subject).toBe(`Security alert: new session on your ${NAME} account`);
      expect(alert.body).toContain("Hello Fay,");
      expect(await settled(ap.projectId, email)).toMatchObject([{ template: "sessionAlert", transport: "smtp", status: "sent", content: "" }]);
    } finally {
      await admin().updateSessionAlertPolicy({ enabled: false });
    }
  });

  it("phone token, phone verification and the MFA phone challenge go through the first enabled SMS provider, and each code works", async () => {
    const phone = phoneNumber();
    const token = await new Account(guest()).createPhoneToken({ userId: ID.unique(), phone });
    const first = await smsN(phone);
    expect(first.path).toBe("/twilio/2010-04-01/Accounts/ACauth/Messages.json");
    expect(first.headers.authorization).toBe(`Basic ${Buffer.from("ACauth:twilio-auth-token").toString("base64")}`);
    expect(first.form.get("From")).toBe("+15550000011");
    expect(first.form.get("Body")).toMatch(/^\d{6}$/);
    expect((await new Account(keyed()).createSession({ userId: token.userId, secret: first.form.get("Body")! })).userId).toBe(token.userId);

    // Verification and an MFA challenge for a user signed in with a password.
    const other = phoneNumber();
    const email = `eve-${uniq()}@example.com`;
    const eve = await new Users(keyed()).create({ userId: ID.unique(), email, phone: other, password: "eve-password-1" });
    const account = await signIn(email, "eve-password-1");
    await account.createPhoneVerification();
    await account.updatePhoneVerification({ userId: eve.$id, secret: (await smsN(other, 0)).form.get("Body")! });
    expect((await account.get()).phoneVerification).toBe(true);
    const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Phone });
    const otp = (await smsN(other, 1)).form.get("Body")!;
    expect(otp).toMatch(/^\d{6}$/);
    await account.updateMFAChallenge({ challengeId: challenge.$id, otp });
    expect((await account.getSession({ sessionId: "current" })).factors).toContain("phone");

    for (const [to, n] of [[phone, 1], [other, 2]] as const) {
      const rows = await settled(ap.projectId, to, n);
      for (const r of rows) expect(r).toMatchObject({ channel: "sms", transport: "sms", status: "sent", providerId: "twilio-auth", content: "", error: "" });
    }
    expect(hits.some((h) => h.path.includes("AClater"))).toBe(false);
  });

  it("a provider that refuses or throttles an auth message leaves the reason on its row; the API call still answers as Appwrite", async () => {
    const refused = await new Account(guest()).createPhoneToken({ userId: ID.unique(), phone: "+15559990400" });
    expect(refused.userId).not.toBe("");
    const [row] = await settled(ap.projectId, "+15559990400");
    expect(row).toMatchObject({ transport: "sms", status: "failed", attempts: 1, content: "", providerId: "twilio-auth" });
    expect(row!.error).toContain("not a valid phone number");

    await new Account(guest()).createPhoneToken({ userId: ID.unique(), phone: "+15559990429" });
    const [throttled] = await settled(ap.projectId, "+15559990429");
    expect(throttled).toMatchObject({ status: "failed", attempts: 3, content: "" });
    expect(throttled!.error).toContain("Too Many Requests");
    expect(hits.filter((h) => h.form.get("To") === "+15559990429")).toHaveLength(3);

    const bounce = `bounce-${uniq()}@example.com`;
    await new Users(keyed()).create({ userId: ID.unique(), email: bounce, password: "bounce-password-1" });
    const recovery = await new Account(guest()).createRecovery({ email: bounce, url: "http://localhost/reset" });
    expect(recovery.secret).toBe(""); // a guest never sees the secret, whatever the mail server does
    const [mailRow] = await settled(ap.projectId, bounce);
    expect(mailRow).toMatchObject({ transport: "smtp", status: "failed", template: "recovery", content: "", html: "" });
    expect(mailRow!.error).toContain("550");
  });

  it("with no SMTP and no enabled SMS provider, auth messages stay in the local outbox with their codes (the dev inbox)", async () => {
    const dev = await createProject("messaging-auth-dev");
    const phone = phoneNumber();
    const token = await new Account(dev.guest()).createPhoneToken({ userId: ID.unique(), phone });
    const [sms] = await outboxRows(dev.projectId, phone);
    expect(sms).toMatchObject({ channel: "sms", transport: "outbox", status: "outbox", attempts: 0 });
    expect(sms!.content).toMatch(/^\d{6}$/);
    expect((await new Account(dev.server()).createSession({ userId: token.userId, secret: sms!.content })).userId).toBe(token.userId);
    const email = `dev-${uniq()}@example.com`;
    await new Account(dev.guest()).createEmailToken({ userId: ID.unique(), email });
    const [mail] = await outboxRows(dev.projectId, email);
    expect(mail).toMatchObject({ transport: "outbox", status: "outbox", subject: "OTP for messaging-auth-dev Login", template: "otpSession" });
    expect(mail!.html).toMatch(/class="code"[^>]*>\d{6}</);
    await sleep(1500);
    expect(hits.some((h) => h.form.get("To") === phone) || mails.some((m) => m.to.includes(email))).toBe(false);

    // Disabling the project's SMS providers brings the outbox back there too.
    await new Messaging(keyed()).updateTwilioProvider({ providerId: "twilio-auth", enabled: false });
    await new Messaging(keyed()).updateTwilioProvider({ providerId: "twilio-later", enabled: false });
    const later = phoneNumber();
    await new Account(guest()).createPhoneToken({ userId: ID.unique(), phone: later });
    const [kept] = await outboxRows(ap.projectId, later);
    expect(kept).toMatchObject({ transport: "outbox", status: "outbox" });
    expect(kept!.content).toMatch(/^\d{6}$/);
  });
});
