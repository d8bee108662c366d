/**
 * Session creation — the ONE function every session-creating route calls (email/password, anonymous,
 * token/magic-URL/phone, users.createSession, and Auth B's membership accept, OAuth2 callback, MFA).
 *
 *   const { model } = await createSession(c, { user, provider: "email", factors: ["password"], statements: [...] });
 *   return json(c, model, 201);
 *
 * It:
 *  - creates the session row: a random secret of 256 hex characters (Appwrite's length), only its sha256 stored; expire = now + the project's
 *    session length (auth `duration`, default 1 year);
 *  - evicts the user's oldest sessions beyond the project's sessions-per-user limit (default 10, 0 = none);
 *  - commits the row, the evictions, the caller's extra `statements` (token consumption, user updates,
 *    membership confirmation …) and the `users.[userId].sessions.[sessionId].create` event in ONE D1 batch,
 *    then schedules event dispatch;
 *  - sets cookies `a_session_<project>` (SameSite=None) and `a_session_<project>_legacy` (no SameSite), both
 *    HttpOnly, Path=/, Secure on https, Domain=.<api host> except for localhost/IP hosts; and
 *    `X-Fallback-Cookies: {"a_session_<project>":"<secret>"}` when the Origin's registrable domain differs from
 *    the API host's (Appwrite's "domain verification", which also fails when there is no Origin);
 *  - returns the Session model: current=true, client/os/device from the user agent, country from request.cf,
 *    `secret` filled only for API-key/admin callers (SSR), "" otherwise.
 * `cookies: false` skips cookies and the fallback header (server-side users.createSession).
 */
import { and, asc, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { hashSecret } from "../../core/crypto";
import { uniqueId } from "../../core/ids";
import { sessions, type Session, type User } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import type { Ctx } from "../../platform/context";
import { encodeSessionSecret, sessionCookieName } from "../../platform/session-secret";
import { authPolicy } from "../auth/policy";
import { clientIp } from "../../platform/client";
import { sessionModel } from "../users/models";
import { clientInfo } from "../auth/user-agent";
import type { Agent } from "../auth/mails";
import { hexSecret, TOKEN_LENGTH } from "./tokens";

export interface NewSession {
  user: User;
  /** "email" | "anonymous" | "magic-url" | "phone" | "token" | "server" | an OAuth2 provider name. */
  provider: string;
  /** Factors already passed: ["password"], ["anonymous"], ["email"], ["phone"], ["token"], ["server"], ["email","oauth2"] … */
  factors: string[];
  providerUid?: string;
  providerAccessToken?: string;
  providerAccessTokenExpiry?: number | null;
  providerRefreshToken?: string;
  /** Set when the session is created already past MFA (epoch ms). */
  mfaUpdatedAt?: number | null;
  /** Extra statements committed in the same batch as the session. */
  statements?: BatchItem<"sqlite">[];
  /** Set cookies and X-Fallback-Cookies (default true). */
  cookies?: boolean;
  /** Show the secret in the returned model (default: the caller is an API key or admin). */
  showSecret?: boolean;
}

export interface CreatedSession {
  session: Session;
  /** The encoded session string (cookie value / X-Appwrite-Session / Session.secret). */
  secret: string;
  model: ReturnType<typeof sessionModel>;
}

/** The user agent a session is attributed to: X-Forwarded-User-Agent for API-key callers (SSR), as Appwrite does. */
export function requestUserAgent(c: Ctx): string {
  const forwarded = c.var.caller.privileged ? c.req.header("x-forwarded-user-agent") : undefined;
  return forwarded || c.req.header("user-agent") || "UNKNOWN";
}

/** The requesting client as auth mails describe it (Appwrite's agentClient / agentDevice / agentOs). */
export function requestAgent(c: Ctx): Agent {
  const info = clientInfo(requestUserAgent(c));
  return { client: info.clientName, device: info.deviceBrand, os: info.osName };
}

export function requestCountry(c: Ctx): string {
  const cf = (c.req.raw as unknown as { cf?: { country?: unknown } }).cf;
  const code = typeof cf?.country === "string" ? cf.country.toLowerCase() : "";
  return /^[a-z]{2}$/.test(code) && code !== "xx" && code !== "t1" ? code : "--";
}

export async function createSession(c: Ctx, s: NewSession): Promise<CreatedSession> {
  const db = c.var.db;
  const projectId = c.var.project.id;
  const policy = authPolicy(c.var.project);
  const now = Date.now();
  const rawSecret = hexSecret(TOKEN_LENGTH.session);
  const session: Session = {
    projectId,
    id: uniqueId(),
    userId: s.user.id,
    secretHash: hashSecret(rawSecret),
    provider: s.provider,
    providerUid: s.providerUid ?? "",
    providerAccessToken: s.providerAccessToken ?? "",
    providerAccessTokenExpiry: s.providerAccessTokenExpiry ?? null,
    providerRefreshToken: s.providerRefreshToken ?? "",
    ip: clientIp(c),
    userAgent: requestUserAgent(c),
    countryCode: requestCountry(c),
    factors: s.factors,
    mfaUpdatedAt: s.mfaUpdatedAt ?? null,
    expire: now + policy.duration * 1000,
    createdAt: now,
    updatedAt: now,
  };

  // Sessions-per-user limit: the oldest go in the same batch.
  const evict: BatchItem<"sqlite">[] = [];
  if (policy.sessionsLimit > 0) {
    const existing = await db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.projectId, projectId), eq(sessions.userId, s.user.id)))
      .orderBy(asc(sessions.createdAt));
    const excess = existing.length - policy.sessionsLimit + 1;
    for (const old of existing.slice(0, Math.max(0, excess))) {
      evict.push(db.delete(sessions).where(and(eq(sessions.projectId, projectId), eq(sessions.id, old.id))));
    }
  }

  const secret = encodeSessionSecret(s.user.id, rawSecret);
  const payload = sessionModel(session, { current: true });
  await db.batch([
    db.insert(sessions).values(session),
    ...evict,
    ...(s.statements ?? []),
    recordEvent(db, {
      projectId,
      pattern: "users.[userId].sessions.[sessionId].create",
      params: { userId: s.user.id, sessionId: session.id },
      payload,
      roles: [`user:${s.user.id}`],
      userId: s.user.id,
    }),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);

  if (s.cookies !== false) setSessionCookies(c, secret, session.expire);
  const show = s.showSecret ?? c.var.caller.privileged;
  return { session, secret, model: sessionModel(session, { current: true, secret: show ? secret : "" }) };
}

// ---- cookies ------------------------------------------------------------------------------------

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isLocalOrIp = (host: string) => host === "localhost" || IPV4.test(host) || host.includes(":") || host.startsWith("[");

/** `Domain=.<api host>` except for localhost and IP hosts (Appwrite's cookieDomain). */
function cookieDomain(c: Ctx): string | null {
  const host = new URL(c.req.url).hostname;
  return isLocalOrIp(host) ? null : `.${host}`;
}

const TWO_LEVEL_SUFFIXES = new Set(["co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.nz", "co.jp", "com.br", "com.cn", "co.in", "co.za", "com.mx", "com.tr", "workers.dev", "pages.dev", "github.io", "vercel.app", "netlify.app"]);

/** A registrable domain ("eTLD+1"), "" for IPs, localhost and single-label hosts. */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (!h || isLocalOrIp(h)) return "";
  const parts = h.split(".");
  if (parts.length < 2) return "";
  const lastTwo = parts.slice(-2).join(".");
  if (TWO_LEVEL_SUFFIXES.has(lastTwo)) return parts.length >= 3 ? parts.slice(-3).join(".") : "";
  return lastTwo;
}

/** Appwrite's domainVerification: the Origin (or Referer) shares the API host's registrable domain. */
export function domainVerified(c: Ctx): boolean {
  const source = c.req.header("origin") || c.req.header("referer") || "";
  let originHost = "";
  try {
    originHost = source ? new URL(source).hostname : "";
  } catch {
    originHost = "";
  }
  const end = registrableDomain(originHost);
  return end !== "" && end === registrableDomain(new URL(c.req.url).hostname);
}

function cookie(name: string, value: string, expire: number, c: Ctx, sameSiteNone: boolean): string {
  const parts = [`${name}=${value}`, `Expires=${new Date(expire).toUTCString()}`, "Path=/"];
  const domain = cookieDomain(c);
  if (domain) parts.push(`Domain=${domain}`);
  if (new URL(c.req.url).protocol === "https:") parts.push("Secure");
  parts.push("HttpOnly");
  if (sameSiteNone) parts.push("SameSite=None");
  return parts.join("; ");
}

export function setSessionCookies(c: Ctx, secret: string, expire: number): void {
  const name = sessionCookieName(c.var.project.id);
  c.header("Set-Cookie", cookie(`${name}_legacy`, secret, expire, c, false), { append: true });
  c.header("Set-Cookie", cookie(name, secret, expire, c, true), { append: true });
  if (!domainVerified(c)) c.header("X-Fallback-Cookies", JSON.stringify({ [name]: secret }));
}

/** Logout of the current session: expire both cookies; `X-Fallback-Cookies: []` when cross-site. */
export function clearSessionCookies(c: Ctx): void {
  const name = sessionCookieName(c.var.project.id);
  c.header("Set-Cookie", cookie(`${name}_legacy`, "", 0, c, false), { append: true });
  c.header("Set-Cookie", cookie(name, "", 0, c, true), { append: true });
  if (!domainVerified(c)) c.header("X-Fallback-Cookies", "[]");
}
