import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { KEY_SCOPES, SCOPES, keyScopes } from "../../src/core/scopes";
import { ALL_SCOPES, adminKey, consoleCall, createProject, endpoint, type TestProject } from "./harness";

/**
 * Who may call what, over EVERY route the server serves (the list comes from the running app, so a new
 * route joins this matrix by existing). Four callers attack a victim project:
 *  - another project's API key holding every scope → refused on every route, public ones included (401);
 *  - the victim's own API key holding no scope → refused on every route (401 general_unauthorized_scope);
 *  - a guest → refused everywhere but GUEST_ROUTES;
 *  - a signed-in user → refused everywhere but GUEST_ROUTES and USER_ROUTES.
 * "Refused" means the 401 comes before anything else (no 400 that reveals parameters, no 404 that reveals
 * existence). Routes a caller may reach must still never answer 5xx. A new route that guests or users
 * should reach goes into the lists below, deliberately.
 *
 * Scopes are Appwrite's, route by route: test/e2e/fixtures/appwrite-scopes.json is read from Appwrite 1.9.6's
 * source by scripts/appwrite-scopes.mjs. A route admits a caller holding ANY of its scopes, and a refusal
 * names the whole list.
 */
interface Facts {
  callers: Record<"guests" | "users" | "keys" | "keyScopes", string[]>;
  routes: { method: string; path: string; scopes: string[] | null }[];
}
const facts: Facts = JSON.parse(readFileSync(new URL("./fixtures/appwrite-scopes.json", import.meta.url), "utf8"));
/** Parameter names differ between routers (`:attribute` / `:column`); the wire does not see them. */
const shape = (key: string) => key.replace(/:[A-Za-z]+(\{[^}]*\})?/g, ":");
const APPWRITE = new Map(facts.routes.map((r) => [shape(`${r.method} ${r.path}`), r.scopes]));

/** Routes Edgewrite serves that Appwrite 1.9.6 lacks, with the scopes they take. */
const EDGEWRITE_ONLY: Record<string, string[]> = {
  "GET /v1/projects/:projectId/outbox": ["projects.read"], // the test outbox of e-mails and SMS
  "GET /v1/webhooks/:webhookId/attempts": ["webhooks.read"], // delivery attempts
  "GET /v1/projects/:projectId/webhooks/:webhookId/attempts": ["webhooks.read"],
  "PATCH /v1/webhooks/:webhookId/signature": ["webhooks.write"], // older console names of …/secret
  "PATCH /v1/projects/:projectId/webhooks/:webhookId/secret": ["webhooks.write"],
  "PATCH /v1/project/oauth2/appwrite": ["oauth2.write"], // SDK 27 (Appwrite after 1.9.6); 1.9.6's scope for its siblings
  "PUT /v1/project/oauth2-server": ["oauth2.write"], // SDK 27's OAuth2 server: 405 general_not_implemented
  // SDK 27's Organization service (Cloud's; Appwrite 1.9.6 has only its projects): scopes of OrganizationKeyScopes.
  "GET /v1/organization": ["organization.read"],
  "PUT /v1/organization": ["organization.write"],
  "DELETE /v1/organization": ["organization.write"],
  "GET /v1/organization/installations": ["organization.installations.read"],
  "POST /v1/organization/installations": ["organization.installations.write"],
  "GET /v1/organization/installations/:installationId": ["organization.installations.read"],
  "PUT /v1/organization/installations/:installationId": ["organization.installations.write"],
  "DELETE /v1/organization/installations/:installationId": ["organization.installations.write"],
  "GET /v1/organization/keys": ["organization.keys.read"],
  "POST /v1/organization/keys": ["organization.keys.write"],
  "GET /v1/organization/keys/:keyId": ["organization.keys.read"],
  "PUT /v1/organization/keys/:keyId": ["organization.keys.write"],
  "DELETE /v1/organization/keys/:keyId": ["organization.keys.write"],
  "GET /v1/organization/memberships": ["organization.memberships.read"],
  "POST /v1/organization/memberships": ["organization.memberships.write"],
  "GET /v1/organization/memberships/:membershipId": ["organization.memberships.read"],
  "PATCH /v1/organization/memberships/:membershipId": ["organization.memberships.write"],
  "DELETE /v1/organization/memberships/:membershipId": ["organization.memberships.write"],
  // Data databases and moves (docs/SCALING.md): the ADMIN_KEY only, as requireAdmin.
  "GET /v1/edgewrite/shards": ["projects.read"],
  "GET /v1/edgewrite/shards/projects/:projectId": ["projects.read"],
  "POST /v1/edgewrite/shards/moves": ["projects.write"],
  "GET /v1/edgewrite/shards/moves/:moveId": ["projects.read"],
  // SDK 27's email policies (newer than 1.9.6; scopes from Appwrite's Project module).
  ...Object.fromEntries(["aliased", "corporate", "disposable", "free"].map((k) => [`PATCH /v1/project/policies/deny-${k}-email`, ["policies.write", "project.policies.write"]])),
};
/** Routes a key with their scope really performs on the victim: checked once it is no longer needed (last test). */
const DESTROYS_VICTIM = new Set(["DELETE /v1/project"]);
/** Appwrite's scope list of a served route; null: Appwrite checks no scope there. */
const scopesOf = (r: Route): string[] | null | undefined => EDGEWRITE_ONLY[routeKey(r)] ?? APPWRITE.get(shape(routeKey(r)));
const PUBLIC_ROUTES = ["GET /v1/ping", "GET /v1/health/version", "GET /v1/account/sessions/oauth2/callback/:provider/:projectId", "POST /v1/account/sessions/oauth2/callback/:provider/:projectId"];

const GUEST_ROUTES = [
  ...PUBLIC_ROUTES,
  // Sign-up, sign-in, recovery, invitations.
  "GET /v1/account/sessions/oauth2/:provider", "GET /v1/account/sessions/oauth2/:provider/redirect", "GET /v1/account/tokens/oauth2/:provider",
  "POST /v1/account", "POST /v1/account/sessions/email", "POST /v1/account/sessions", "POST /v1/account/sessions/anonymous",
  "POST /v1/account/sessions/token", "PUT /v1/account/sessions/magic-url", "PUT /v1/account/sessions/phone", "POST /v1/account/tokens/magic-url", "POST /v1/account/sessions/magic-url", "POST /v1/account/sessions/phone",
  "POST /v1/account/tokens/email", "POST /v1/account/tokens/phone", "POST /v1/account/recovery", "PUT /v1/account/recovery",
  "PATCH /v1/teams/:teamId/memberships/:membershipId/status",
  // Data whose own permissions decide (Appwrite gives guests these scopes).
  "GET /v1/storage/buckets/:bucketId/files", "POST /v1/storage/buckets/:bucketId/files", "GET /v1/storage/buckets/:bucketId/files/:fileId",
  "PUT /v1/storage/buckets/:bucketId/files/:fileId", "DELETE /v1/storage/buckets/:bucketId/files/:fileId",
  "GET /v1/storage/buckets/:bucketId/files/:fileId/download", "GET /v1/storage/buckets/:bucketId/files/:fileId/view", "GET /v1/storage/buckets/:bucketId/files/:fileId/preview",
  ...["tablesdb", "databases"].flatMap((api) => {
    const rows = api === "tablesdb" ? "/v1/tablesdb/:databaseId/tables/:tableId/rows" : "/v1/databases/:databaseId/collections/:collectionId/documents";
    const row = `${rows}/:${api === "tablesdb" ? "rowId" : "documentId"}`;
    return [
      `GET /v1/${api}/transactions`, `POST /v1/${api}/transactions`, `GET /v1/${api}/transactions/:transactionId`, `POST /v1/${api}/transactions/:transactionId/operations`,
      `PATCH /v1/${api}/transactions/:transactionId`, `DELETE /v1/${api}/transactions/:transactionId`,
      `GET ${rows}`, `POST ${rows}`, `PUT ${rows}`, `GET ${row}`, `PUT ${row}`, `PATCH ${row}`, `DELETE ${row}`, `PATCH ${row}/:column/increment`, `PATCH ${row}/:column/decrement`,
    ];
  }),
  "POST /v1/functions/:functionId/executions",
  // Avatars: guests hold avatars.read in Appwrite (images for sign-in pages, flags, QR codes).
  "GET /v1/avatars/initials", "GET /v1/avatars/qr", "GET /v1/avatars/flags/:code", "GET /v1/avatars/browsers/:code",
  "GET /v1/avatars/credit-cards/:code", "GET /v1/avatars/favicon", "GET /v1/avatars/image", "GET /v1/avatars/screenshots",
  // Scope `public`, as in Appwrite: the (empty) template catalogue.
  "GET /v1/functions/templates", "GET /v1/functions/templates/:templateId",
  // Appwrite labels these `public`: confirming a verification takes its secret, not a session.
  "PUT /v1/account/verification", "PUT /v1/account/verifications/email", "PUT /v1/account/verification/phone", "PUT /v1/account/verifications/phone",
  "GET /v1/functions/runtimes",
  "GET /v1/sites/frameworks", // Appwrite labels it `public`
  // GraphQL: Appwrite checks no scope on the endpoint; each field runs its REST route as the caller, which decides.
  "GET /v1/graphql", "POST /v1/graphql", "POST /v1/graphql/mutation",
  // Appwrite gives guests locale.read.
  ...["", "/codes", "/continents", "/countries", "/countries/eu", "/countries/phones", "/currencies", "/languages"].map((x) => `GET /v1/locale${x}`),
];

/**
 * Routes whose Appwrite scopes include one every guest holds (`sessions.write`) but that only the server may use:
 * Appwrite's authorization layer hides every user there, so everyone else gets 404 user_not_found, existing or not.
 */
const HIDDEN_USERS = ["POST /v1/users/:userId/sessions", "DELETE /v1/users/:userId/sessions", "DELETE /v1/users/:userId/sessions/:sessionId"];

/** Signed-in users also reach their account and their teams (scopes `account`, `teams.*`, executions read). */
const USER_ROUTES = [
  "GET /v1/account", "PATCH /v1/account/name", "PATCH /v1/account/email", "PATCH /v1/account/phone", "PATCH /v1/account/password",
  "PATCH /v1/account/status", "GET /v1/account/prefs", "PATCH /v1/account/prefs", "POST /v1/account/jwts", "GET /v1/account/logs",
  "GET /v1/account/sessions", "DELETE /v1/account/sessions", "GET /v1/account/sessions/:sessionId", "PATCH /v1/account/sessions/:sessionId",
  "DELETE /v1/account/sessions/:sessionId", "POST /v1/account/verification", "POST /v1/account/verifications/email",
  "POST /v1/account/verification/phone", "POST /v1/account/verifications/phone", "GET /v1/account/identities", "DELETE /v1/account/identities/:identityId",
  "PATCH /v1/account/mfa", "GET /v1/account/mfa/factors", "POST /v1/account/mfa/authenticators/:type", "PUT /v1/account/mfa/authenticators/:type",
  "DELETE /v1/account/mfa/authenticators/:type", "POST /v1/account/mfa/recovery-codes", "GET /v1/account/mfa/recovery-codes", "PATCH /v1/account/mfa/recovery-codes",
  "POST /v1/account/mfa/challenges", "PUT /v1/account/mfa/challenges", "POST /v1/account/mfa/challenge", "PUT /v1/account/mfa/challenge",
  "DELETE /v1/account", "POST /v1/account/jwt", "POST /v1/account/targets/push", "PUT /v1/account/targets/:targetId/push",
  "DELETE /v1/account/targets/:targetId/push",
  "POST /v1/teams", "GET /v1/teams", "GET /v1/teams/:teamId", "PUT /v1/teams/:teamId", "DELETE /v1/teams/:teamId", "GET /v1/teams/:teamId/prefs",
  "PUT /v1/teams/:teamId/prefs", "POST /v1/teams/:teamId/memberships", "GET /v1/teams/:teamId/memberships", "GET /v1/teams/:teamId/memberships/:membershipId",
  "PATCH /v1/teams/:teamId/memberships/:membershipId", "DELETE /v1/teams/:teamId/memberships/:membershipId",
  "GET /v1/functions/:functionId/executions", "GET /v1/functions/:functionId/executions/:executionId",
  // Appwrite's `member` role holds `rules.read`: the project's function domains are no secret.
  "GET /v1/proxy/rules", "GET /v1/proxy/rules/:ruleId",
  // Users hold subscribers.*: they subscribe their own targets and see and remove their own subscribers.
  "POST /v1/messaging/topics/:topicId/subscribers", "GET /v1/messaging/topics/:topicId/subscribers",
  "GET /v1/messaging/topics/:topicId/subscribers/:subscriberId", "DELETE /v1/messaging/topics/:topicId/subscribers/:subscriberId",
  "GET /v1/messaging/subscribers/:subscriberId/logs",
];

/** Routes that end the user's own session or account: each is tried by a user of its own. */
const ENDS_SESSION = /^(PATCH \/v1\/account\/status|DELETE \/v1\/account(\/sessions(\/:sessionId)?)?)$/;

interface Route {
  method: string;
  path: string;
}

const routeKey = (r: Route) => `${r.method} ${r.path}`;
/** A role's missing scope, or (console and server-only routes) not the right kind of caller. */
const REFUSED = ["general_unauthorized_scope", "user_unauthorized"];

let victim: TestProject;
let routes: Route[];
const callers: Record<string, Record<string, string>> = {};
/** Keys of the victim project holding one scope each (every key scope some served route names). */
const single = new Map<string, string>();

beforeAll(async () => {
  victim = await createProject("matrix-victim");
  const other = await createProject("matrix-other");
  const scopeless = await consoleCall("POST", `/projects/${victim.projectId}/keys`, { name: "none", scopes: [] });
  expect(scopeless.status).toBe(201);
  callers.foreign = { "x-appwrite-key": other.key };
  callers.scopeless = { "x-appwrite-key": scopeless.json.secret };
  callers.guest = {};
  callers.user = await newUser();

  const res = await fetch(`${endpoint}/_edgewrite/test/routes`, { headers: { "x-appwrite-project": "console", "x-appwrite-key": adminKey } });
  const seen = new Set<string>();
  routes = ((await res.json()).routes as Route[]).filter((r) => {
    const k = routeKey(r);
    if (r.method === "ALL" || r.path.startsWith("/v1/_edgewrite") || r.path === "/v1/realtime" || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  expect(ALL_SCOPES.length).toBeGreaterThan(0);
  const needed = new Set(routes.flatMap((r) => scopesOf(r) ?? []).filter((s) => facts.callers.keyScopes.includes(s)));
  for (const scope of needed) {
    const key = await consoleCall("POST", `/projects/${victim.projectId}/keys`, { name: scope, scopes: [scope] });
    expect(key.status, scope).toBe(201);
    single.set(scope, key.json.secret);
  }
});

/** A fresh signed-in user of the victim project (its session header). */
let users = 0;
async function newUser(): Promise<Record<string, string>> {
  const headers = { "x-appwrite-project": victim.projectId, "content-type": "application/json" };
  const email = `matrix${users++}@example.com`;
  await fetch(`${endpoint}/account`, { method: "POST", headers, body: JSON.stringify({ userId: "unique()", email, password: "password123" }) });
  const login = await fetch(`${endpoint}/account/sessions/email`, { method: "POST", headers, body: JSON.stringify({ email, password: "password123" }) });
  const session = /a_session_[^=]+=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
  expect(session).toBeTruthy();
  return { "x-appwrite-session": session! };
}

/** A concrete URL for a route pattern: the victim's id for `:projectId`, a placeholder for other parameters. */
function url(r: Route): string {
  const path = r.path.replace(/:projectId(\{[^}]*\})?/g, victim.projectId).replace(/:[A-Za-z]+(\{[^}]*\})?/g, "x").replace(/\*/g, "x");
  return `${endpoint}${path.slice("/v1".length)}`;
}

async function call(r: Route, caller: string | Record<string, string>): Promise<{ status: number; type: string; message: string; text: string }> {
  const who = typeof caller !== "string" ? caller : caller === "user" && ENDS_SESSION.test(routeKey(r)) ? await newUser() : callers[caller];
  const res = await fetch(url(r), {
    method: r.method,
    headers: { "x-appwrite-project": victim.projectId, "content-type": "application/json", ...who },
    body: r.method === "GET" || r.method === "HEAD" ? undefined : "{}",
    redirect: "manual",
  });
  const text = await res.text();
  let type = "";
  let message = "";
  try {
    ({ type = "", message = "" } = JSON.parse(text));
  } catch {
    /* a redirect or an empty body */
  }
  return { status: res.status, type, message, text: text.slice(0, 200) };
}

/** Every route: allowed ones answer without a 5xx and without refusing; all others refuse with one of `refusals`. */
async function expectMatrix(caller: string, allowed: readonly string[], refusals: readonly string[]) {
  const allow = new Set(allowed);
  const wrong: string[] = [];
  for (const r of routes) {
    const got = await call(r, caller);
    const hidden = (caller === "guest" || caller === "user") && HIDDEN_USERS.includes(routeKey(r));
    const refused = hidden ? got.status === 404 && got.type === "user_not_found" : got.status === 401 && refusals.includes(got.type);
    if (allow.has(routeKey(r)) ? got.status >= 500 || refused : !refused) wrong.push(`${routeKey(r)} → ${got.status} ${got.type} ${got.text}`);
    // A role's scope refusal names Appwrite's list too (routes no key reaches unchecked, like /v1/health, included).
    const scopes = JSON.stringify(scopesOf(r));
    if (got.type === "general_unauthorized_scope" && !got.message.endsWith(` missing scopes (${scopes})`)) wrong.push(`${routeKey(r)} → ${got.message} (want ${scopes})`);
  }
  expect(wrong).toEqual([]);
}

describe("permission matrix over every route", () => {
  it("covers the whole API (the route list is the server's own)", () => {
    expect(routes.length).toBeGreaterThan(300);
    for (const k of [...GUEST_ROUTES, ...USER_ROUTES]) expect(routes.map(routeKey), `${k} is listed but not served`).toContain(k);
  });

  it("refuses another project's full-scope key on every route", async () => {
    await expectMatrix("foreign", [], ["user_unauthorized"]);
  });

  it("serves only routes Appwrite has, but for the ones listed", () => {
    const served = new Set(routes.map(routeKey));
    for (const k of Object.keys(EDGEWRITE_ONLY)) {
      expect(served.has(k), `${k} is listed but not served`).toBe(true);
      expect(APPWRITE.has(shape(k)), `${k} is Appwrite's: take its scopes`).toBe(false);
    }
    expect(routes.filter((r) => scopesOf(r) === undefined).map(routeKey)).toEqual([]);
  });

  it("holds Appwrite's role scopes: guests, users, API keys and what a key may be given", () => {
    const sorted = (list: Iterable<string>) => [...list].sort();
    expect(sorted(SCOPES.guests)).toEqual(sorted(facts.callers.guests));
    expect(sorted(SCOPES.users)).toEqual(sorted(facts.callers.users));
    expect(sorted(keyScopes([]))).toEqual(sorted(facts.callers.keys));
    expect(sorted(KEY_SCOPES)).toEqual(sorted(facts.callers.keyScopes));
  });

  it("refuses a key without scopes on every route, before reading any parameter, naming Appwrite's scopes", async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const scopes = scopesOf(r);
      const got = await call(r, "scopeless");
      const refused = got.status === 401 && got.type === "general_unauthorized_scope";
      // Every key holds Appwrite's key-role scopes (global, health.read, graphql); some routes check none.
      if (scopes === null || scopes.some((s) => facts.callers.keys.includes(s))) {
        if (refused || got.status >= 500) wrong.push(`${routeKey(r)} → ${got.status} ${got.text}`);
      } else if (!refused || !got.message.endsWith(`(role: applications) missing scopes (${JSON.stringify(scopes)})`)) {
        wrong.push(`${routeKey(r)} → ${got.status} ${got.message || got.text} (want ${JSON.stringify(scopes)})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("admits a key holding any one of a route's scopes", async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      if (DESTROYS_VICTIM.has(routeKey(r))) continue;
      for (const scope of scopesOf(r) ?? []) {
        const key = single.get(scope);
        if (!key) continue; // a role's scope (public, account, …) no key may hold: the guest and user runs cover it
        const got = await call(r, { "x-appwrite-key": key });
        if (got.type === "general_unauthorized_scope" || got.status >= 500) wrong.push(`${routeKey(r)} with ${scope} → ${got.status} ${got.text}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("lets a guest reach only the guest routes", async () => {
    await expectMatrix("guest", GUEST_ROUTES, REFUSED);
  });

  it("lets a signed-in user reach only the guest and user routes", async () => {
    await expectMatrix("user", [...GUEST_ROUTES, ...USER_ROUTES], REFUSED);
  });

  it("admits a key holding a route's scope on the routes that delete the victim (last)", async () => {
    for (const r of routes.filter((x) => DESTROYS_VICTIM.has(routeKey(x)))) {
      const got = await call(r, { "x-appwrite-key": single.get(scopesOf(r)![0]!)! });
      expect(got.status, `${routeKey(r)} → ${got.text}`).toBeLessThan(300);
    }
  });
});
