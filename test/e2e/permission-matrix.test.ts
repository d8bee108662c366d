import { beforeAll, describe, expect, it } from "vitest";
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
 */
const PUBLIC_ROUTES = ["GET /v1/ping", "GET /v1/health/version", "GET /v1/account/sessions/oauth2/callback/:provider/:projectId", "POST /v1/account/sessions/oauth2/callback/:provider/:projectId"];

const GUEST_ROUTES = [
  ...PUBLIC_ROUTES,
  // Sign-up, sign-in, recovery, invitations.
  "GET /v1/account/sessions/oauth2/:provider", "GET /v1/account/sessions/oauth2/:provider/redirect", "GET /v1/account/tokens/oauth2/:provider",
  "POST /v1/account", "POST /v1/account/sessions/email", "POST /v1/account/sessions", "POST /v1/account/sessions/anonymous",
  "POST /v1/account/sessions/token", "PUT /v1/account/sessions/magic-url", "PUT /v1/account/sessions/phone", "POST /v1/account/tokens/magic-url",
  "POST /v1/account/tokens/email", "POST /v1/account/tokens/phone", "POST /v1/account/recovery", "PUT /v1/account/recovery",
  "POST /v1/account/sessions/magic-url", "POST /v1/account/sessions/phone", // older paths of the two token routes
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
];

/** Signed-in users also reach their account and their teams (scopes `account`, `teams.*`, executions read). */
const USER_ROUTES = [
  "GET /v1/account", "PATCH /v1/account/name", "PATCH /v1/account/email", "PATCH /v1/account/phone", "PATCH /v1/account/password",
  "PATCH /v1/account/status", "GET /v1/account/prefs", "PATCH /v1/account/prefs", "POST /v1/account/jwts", "GET /v1/account/logs",
  "GET /v1/account/sessions", "DELETE /v1/account/sessions", "GET /v1/account/sessions/:sessionId", "PATCH /v1/account/sessions/:sessionId",
  "DELETE /v1/account/sessions/:sessionId", "POST /v1/account/verification", "PUT /v1/account/verification", "POST /v1/account/verifications/email",
  "PUT /v1/account/verifications/email", "POST /v1/account/verification/phone", "PUT /v1/account/verification/phone", "POST /v1/account/verifications/phone",
  "PUT /v1/account/verifications/phone", "GET /v1/account/identities", "DELETE /v1/account/identities/:identityId",
  "PATCH /v1/account/mfa", "GET /v1/account/mfa/factors", "POST /v1/account/mfa/authenticators/:type", "PUT /v1/account/mfa/authenticators/:type",
  "DELETE /v1/account/mfa/authenticators/:type", "POST /v1/account/mfa/recovery-codes", "GET /v1/account/mfa/recovery-codes", "PATCH /v1/account/mfa/recovery-codes",
  "POST /v1/account/mfa/challenges", "PUT /v1/account/mfa/challenges", "POST /v1/account/mfa/challenge", "PUT /v1/account/mfa/challenge", "POST /v1/account/jwt",
  "POST /v1/teams", "GET /v1/teams", "GET /v1/teams/:teamId", "PUT /v1/teams/:teamId", "DELETE /v1/teams/:teamId", "GET /v1/teams/:teamId/prefs",
  "PUT /v1/teams/:teamId/prefs", "POST /v1/teams/:teamId/memberships", "GET /v1/teams/:teamId/memberships", "GET /v1/teams/:teamId/memberships/:membershipId",
  "PATCH /v1/teams/:teamId/memberships/:membershipId", "DELETE /v1/teams/:teamId/memberships/:membershipId",
  "GET /v1/functions/:functionId/executions", "GET /v1/functions/:functionId/executions/:executionId",
  // Appwrite's `member` role holds `rules.read`: the project's function domains are no secret.
  "GET /v1/proxy/rules", "GET /v1/proxy/rules/:ruleId",
];

/** Routes that end the user's own session or account: each is tried by a user of its own. */
const ENDS_SESSION = /^(PATCH \/v1\/account\/status|DELETE \/v1\/account\/sessions(\/:sessionId)?)$/;

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

async function call(r: Route, caller: string): Promise<{ status: number; type: string; text: string }> {
  const who = caller === "user" && ENDS_SESSION.test(routeKey(r)) ? await newUser() : callers[caller];
  const res = await fetch(url(r), {
    method: r.method,
    headers: { "x-appwrite-project": victim.projectId, "content-type": "application/json", ...who },
    body: r.method === "GET" || r.method === "HEAD" ? undefined : "{}",
    redirect: "manual",
  });
  const text = await res.text();
  let type = "";
  try {
    type = JSON.parse(text).type ?? "";
  } catch {
    /* a redirect or an empty body */
  }
  return { status: res.status, type, text: text.slice(0, 200) };
}

/** Every route: allowed ones answer without a 5xx and without refusing; all others refuse with one of `refusals`. */
async function expectMatrix(caller: string, allowed: readonly string[], refusals: readonly string[]) {
  const allow = new Set(allowed);
  const wrong: string[] = [];
  for (const r of routes) {
    const got = await call(r, caller);
    const refused = got.status === 401 && refusals.includes(got.type);
    if (allow.has(routeKey(r)) ? got.status >= 500 || refused : !refused) wrong.push(`${routeKey(r)} → ${got.status} ${got.type} ${got.text}`);
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

  it("refuses a key without scopes on every route, before reading any parameter", async () => {
    await expectMatrix("scopeless", PUBLIC_ROUTES, ["general_unauthorized_scope"]);
  });

  it("lets a guest reach only the guest routes", async () => {
    await expectMatrix("guest", GUEST_ROUTES, REFUSED);
  });

  it("lets a signed-in user reach only the guest and user routes", async () => {
    await expectMatrix("user", [...GUEST_ROUTES, ...USER_ROUTES], REFUSED);
  });
});
