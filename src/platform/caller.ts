import { and, eq } from "drizzle-orm";
import { getCookie } from "hono/cookie";
import { jwtVerify, SignJWT } from "jose";
import { AppwriteError } from "../core/errors";
import { hashSecret, safeEqual } from "../core/crypto";
import { parseJson } from "../core/input";
import { SCOPES, keyScopes } from "../core/scopes";
import { purposeBytes } from "../core/secrets";
import { keys, memberships, sessions, users, type Key, type Project } from "../db/schema";
import { open, type DB } from "../db/client";
import type { Caller, Ctx } from "./context";
import { applyImpersonation } from "./impersonation";
import { allowedOrigins, checkOrigin } from "./origin";
import { CONSOLE } from "./projects";
import { needsMoreFactors } from "../services/account/mfa-gate";
import { GUEST_ROLES, userRoles } from "./roles";
import { decodeSessionSecret, sessionCookieName } from "./session-secret";
import { consoleGrants } from "./console-access";
import { CONSOLE_ROUTE_SCOPES } from "./console-roles";
import { organizationKeyCaller } from "./organization-keys";

/** Other API-key kinds (the dynamic keys of function executions), registered by their service. */
export type ApiKeyResolver = (env: Env, project: Project, apiKey: string) => Promise<Caller | null>;
const apiKeyResolvers: ApiKeyResolver[] = [];
export function onApiKey(resolver: ApiKeyResolver): void {
  apiKeyResolvers.push(resolver);
}

const admin = (): Caller => ({ mode: "admin", memberships: [], roles: ["any"], scopes: SCOPES.owner, privileged: true, jwt: false });
export const guest = (): Caller => ({ mode: "guest", memberships: [], roles: GUEST_ROLES, scopes: SCOPES.guests, privileged: false, jwt: false });

/** The session string a request carries, in Appwrite's order: cookie, legacy cookie, header, fallback cookies. */
export function sessionFromRequest(c: Ctx, projectId: string): string | null {
  const name = sessionCookieName(projectId);
  const fromCookie = getCookie(c, name) ?? getCookie(c, `${name}_legacy`);
  if (fromCookie) return fromCookie;
  const header = c.req.header("x-appwrite-session");
  if (header) return header;
  const fallback = c.req.header("x-fallback-cookies");
  if (fallback) {
    try {
      const parsed = parseJson(fallback);
      const v = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)[name] : undefined;
      if (typeof v === "string" && v) return v;
    } catch {
      /* malformed fallback cookies are ignored, as Appwrite does */
    }
  }
  return null;
}

/**
 * Load a user with the named session (or, with `sessionId`, that session) in one D1 round trip. A JWT that
 * names no session (`sessionId: ""`, from users.createJWT for a user without one) needs only the user.
 */
export async function loadUserSession(db: DB, projectId: string, userId: string, match: { secret?: string; sessionId?: string }) {
  const [sessionRows, userRows, memberRows] = await db.batch([
    db.select().from(sessions).where(and(eq(sessions.projectId, projectId), eq(sessions.userId, userId))),
    db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.id, userId))).limit(1),
    db.select().from(memberships).where(and(eq(memberships.projectId, projectId), eq(memberships.userId, userId))),
  ]);
  const user = userRows[0];
  if (!user) return null;
  const now = Date.now();
  const digest = match.secret ? hashSecret(match.secret) : null;
  // Compare every candidate in constant time rather than looking the secret up by value.
  let session;
  for (const s of sessionRows) {
    const hit = digest ? safeEqual(s.secretHash, digest) : s.id === match.sessionId;
    if (hit && s.expire > now) session = s;
  }
  if (!session && match.sessionId !== "") return null;
  return { user, session, memberships: memberRows };
}

function userCaller(found: NonNullable<Awaited<ReturnType<typeof loadUserSession>>>, jwt: boolean): Caller {
  return {
    mode: "user",
    user: found.user,
    session: found.session,
    memberships: found.memberships,
    roles: userRoles(found.user, found.memberships),
    scopes: SCOPES.users,
    privileged: false,
    jwt,
  };
}

/** Account JWTs are signed with a key derived for them alone (src/core/secrets.ts), never ADMIN_KEY or a constant. */
const jwtKey = (env: Env) => purposeBytes(env, "account-jwt");

export async function signJWT(env: Env, claims: { userId: string; sessionId: string; projectId: string }, seconds: number): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + seconds).sign(jwtKey(env));
}

export async function verifyJWT(env: Env, token: string): Promise<{ userId: string; sessionId: string; projectId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, jwtKey(env), { algorithms: ["HS256"] });
    const { userId, sessionId, projectId } = payload as Record<string, unknown>;
    if (typeof userId === "string" && typeof sessionId === "string" && typeof projectId === "string") return { userId, sessionId, projectId };
  } catch {
    /* invalid or expired */
  }
  return null;
}

/** Resolve the caller from a session string and/or JWT (shared by HTTP and realtime). */
export async function resolveUser(env: Env, db: DB, project: Project, sessionString: string | null, jwt: string | null): Promise<Caller> {
  let caller = guest();
  const decoded = sessionString ? decodeSessionSecret(sessionString) : null;
  if (decoded) {
    const found = await loadUserSession(db, project.id, decoded.userId, { secret: decoded.secret });
    if (found) caller = userCaller(found, false);
  }
  if (jwt) {
    if (caller.user) throw new AppwriteError("user_jwt_and_cookie_set");
    const claims = await verifyJWT(env, jwt);
    if (!claims || claims.projectId !== project.id) throw new AppwriteError("user_jwt_invalid");
    const found = await loadUserSession(db, project.id, claims.userId, { sessionId: claims.sessionId });
    if (!found) throw new AppwriteError("user_jwt_invalid");
    caller = userCaller(found, true);
  }
  return caller;
}

/** Full HTTP caller resolution: session → JWT → API key (a key replaces any user). */
/** ADMIN_KEY's hash, once per isolate (the binding does not change while the isolate lives). */
let adminHash: { of: string; hash: string } | null = null;
const adminKeyHash = (adminKey: string) => (adminHash?.of === adminKey ? adminHash.hash : (adminHash = { of: adminKey, hash: hashSecret(adminKey) }).hash);

/** `prefetched`: the key row of the presented secret and its hash, when the caller already read them (access.ts). */
export async function resolveCaller(c: Ctx, project: Project, prefetched?: { key: Key | null; keyHash: string | null }): Promise<Caller> {
  const adminMode = c.req.header("x-appwrite-mode") === "admin";
  if (adminMode && project.id === CONSOLE.id) throw new AppwriteError("general_bad_request", "Admin mode is not allowed for console project");
  const apiKey = c.req.header("x-appwrite-key");
  if (apiKey) {
    const keyHash = prefetched?.keyHash ?? hashSecret(apiKey);
    if (c.env.ADMIN_KEY && safeEqual(keyHash, adminKeyHash(c.env.ADMIN_KEY))) {
      return admin();
    }
    if (project.id === "console") {
      const orgKey = await organizationKeyCaller(c, apiKey);
      if (orgKey) return orgKey;
      throw new AppwriteError("user_unauthorized");
    }
    for (const resolve of apiKeyResolvers) {
      const found = await resolve(c.env, project, apiKey);
      if (found) return found;
    }
    const key = prefetched ? prefetched.key : await findKey(c.env.DB, keyHash);
    if (!key || key.projectId !== project.id) throw new AppwriteError("user_unauthorized");
    if (key.expire !== null && key.expire < Date.now()) throw new AppwriteError("project_key_expired");
    return { mode: "key", key, memberships: [], roles: ["any"], scopes: keyScopes(key.scopes), privileged: true, jwt: false };
  }
  const owner = project.id === CONSOLE.id || adminMode ? await consoleCaller(c, project) : null;
  if (owner) return owner;
  if (project.id === "console") return guest();
  const caller = await applyImpersonation(c.req, c.var.db, project, await resolveUser(c.env, c.var.db, project, sessionFromRequest(c, project.id), c.req.header("x-appwrite-jwt") ?? null));
  if (caller.user && !caller.user.status) throw new AppwriteError("user_blocked");
  return caller;
}

/**
 * A console user's session (`a_session_console` cookie, X-Appwrite-Session or X-Fallback-Cookies), in the console
 * project or — with `X-Appwrite-Mode: admin` — in any project (what appwrite-cli sends after `appwrite login`).
 * In the console the caller keeps its user and session (account routes, MFA gate, its organizations as teams) and
 * the console-route scopes its roles grant anywhere; each console route narrows them to the one organization it
 * touches (src/platform/console-access.ts). In a project it holds its role's scopes in that project's organization,
 * as admin (no user carried into the project's data); not a member → user_unauthorized. The session is a cookie with admin power, so a browser request
 * must come from a console origin (the API's own host; loopback in local dev) — see docs/SECURITY.md.
 */
async function consoleCaller(c: Ctx, project: Project): Promise<Caller | null> {
  // Console users and sessions are the console's data, on the control database whatever project is addressed.
  const control = open(c.env.DB);
  const found = await resolveUser(c.env, control, CONSOLE, sessionFromRequest(c, CONSOLE.id), null);
  if (!found.user) return null;
  assertConsoleOrigin(c);
  if (!found.user.status) throw new AppwriteError("user_blocked");
  // Half signed in (MFA owed): in the console just that user, whom the MFA gate lets finish; elsewhere nothing.
  if (await needsMoreFactors(control, CONSOLE.id, found.user, found.session)) {
    if (project.id === CONSOLE.id) return found;
    throw new AppwriteError("user_more_factors_required");
  }
  const grants = consoleGrants(found.memberships);
  if (project.id === CONSOLE.id) {
    const scopes = new Set(SCOPES.users);
    for (const granted of grants.values()) for (const s of granted) if (CONSOLE_ROUTE_SCOPES.has(s)) scopes.add(s);
    return { ...found, scopes, console: { grants } };
  }
  const scopes = grants.get(project.teamId);
  if (!project.teamId || !scopes) throw new AppwriteError("user_unauthorized");
  return { ...admin(), scopes: new Set(scopes), console: { grants } };
}

/** Browser fetches from elsewhere (cross-site or a sibling subdomain) that carry no Origin: image tags, navigations. */
const FOREIGN_FETCH = new Set(["cross-site", "same-site"]);

function assertConsoleOrigin(c: Ctx): void {
  const origin = c.req.header("origin");
  if (origin) {
    const check = checkOrigin(origin, allowedOrigins(c.req.url, CONSOLE.id, []));
    if (!check.allowed) throw new AppwriteError("general_unknown_origin", check.description);
  } else if (FOREIGN_FETCH.has(c.req.header("sec-fetch-site") ?? "")) {
    throw new AppwriteError("general_unknown_origin");
  }
}

/** A project API key by its secret's hash, from the control database. */
async function findKey(control: D1Database, secretHash: string): Promise<Key | null> {
  const [key] = await open(control).select().from(keys).where(eq(keys.secretHash, secretHash)).limit(1);
  return key ?? null;
}

/** Nothing to drop: keys are read fresh, or checked in the request's own batches (access.ts). Kept for callers. */
export function forgetKeys(): void {}

/**
 * Deployment-admin routes: Appwrite's scopes, then only the ADMIN_KEY — checked before any parameter. Console
 * routes that a console user may call by role use `requireProjectAccess` (src/platform/console-access.ts).
 */
export function requireAdmin(c: Ctx, ...scopes: [string, ...string[]]): Caller {
  const caller = requireScope(c, ...scopes);
  if (caller.mode !== "admin" || caller.console) throw new AppwriteError("user_unauthorized");
  return caller;
}

/** The scope list a request's route required, re-checked when its access is re-read mid-request (access.ts). */
const checkedScopes = new WeakMap<Ctx, [string, ...string[]]>();
export function recheckScopes(c: Ctx): void {
  const scopes = checkedScopes.get(c);
  if (scopes) requireScope(c, ...scopes);
}

const ROLE_LABEL: Record<Caller["mode"], string> = { guest: "guests", user: "users", key: "applications", admin: "owner" };

/**
 * Appwrite's scope check: a route names its scopes exactly as Appwrite labels it, and a caller holding ANY of
 * them passes. The message names the whole list: `User (role: guests) missing scopes (["account"])`.
 */
export function requireScope(c: Ctx, ...scopes: [string, ...string[]]): Caller {
  checkedScopes.set(c, scopes);
  const caller = c.var.caller;
  if (scopes.some((s) => caller.scopes.has(s))) return caller;
  throw scopeError(c, scopes);
}

/** Appwrite's scope refusal for this caller, naming a route's scope list. */
export function scopeError(c: Ctx, scopes: readonly string[]): AppwriteError {
  const caller = c.var.caller;
  const who = caller.mode === "key" ? `app.${c.var.project.id}@service.${new URL(c.req.url).hostname}` : (caller.user?.email ?? "User");
  return new AppwriteError("general_unauthorized_scope", `${who} (role: ${ROLE_LABEL[caller.mode]}) missing scopes (${JSON.stringify(scopes)})`);
}
