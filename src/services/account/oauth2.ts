import { batch } from "../../db/client";
import { Hono } from "hono";
import { and, eq, ne } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { AppwriteError, error, type ErrorType } from "../../core/errors";
import { hashSecret } from "../../core/crypto";
import { uniqueId } from "../../core/ids";
import { collectParams, p, params, validate } from "../../core/params";
import { identities, sessions, tokens, users, type Token, type User } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { authPolicy } from "../auth/policy";
import { rateLimit } from "../auth/rate-limit";
import { clientKey } from "../../platform/client";
import { assertRedirect, redirectProblem, withQuery } from "../auth/oauth2/redirect";
import { OAuth2Error, discover, exchangeCode, fetchUser, isProvider, loginUrl, providerLabel, type ProviderConfig } from "../auth/oauth2/providers";
import { providerConfig } from "../auth/oauth2/settings";
import { beginFlow, takeFlow, type OAuthFlow } from "../auth/oauth2/state";
import { tokenModel } from "../users/models";
import { assertUserCapacity, prepareUser } from "../users/users";
import { createSession } from "./sessions";
import { hexSecret, TOKEN_LENGTH } from "./tokens";
import { emailMetadata } from "../auth/email-meta";

/**
 * OAuth2 sign-in (Appwrite's account.php OAuth2 routes):
 *   GET /v1/account/sessions/oauth2/{provider}   → 301 to the provider (session mode; web SDK URL helper)
 *   GET /v1/account/tokens/oauth2/{provider}     → 301 to the provider (token mode; node SDK reads Location)
 *   GET|POST /v1/account/sessions/oauth2/callback/{provider}/{projectId} → 301 to …/{provider}/redirect
 *   GET /v1/account/sessions/oauth2/{provider}/redirect → the flow `state` names (src/services/auth/oauth2/state.ts:
 *       required, single-use, expiring, bound to the starting browser), code exchange, user info, identity upsert,
 *       then a session (cookies) or a one-time token (`success?userId=…&secret=…`), 301 to `success`; on failure
 *       301 to `failure?error={"message","type","code"}` (or the error itself when no failure URL was given).
 * A signed-in caller has the identity linked to their account only when their session started the flow;
 * otherwise the identity signs in as its own user, so a planted callback URL can never link into a victim.
 */
export const accountOAuthRoutes = new Hono<AppEnv>();

/** Appwrite's OAuth2 tokens are exchanged within a minute (a 60 s JWT); Edgewrite's live five. */
const OAUTH2_TOKEN_MS = 5 * 60 * 1000;

const noStore = { "cache-control": "no-store, no-cache, must-revalidate, max-age=0", pragma: "no-cache" };

function apiBase(c: Ctx): string {
  return new URL(c.req.url).origin;
}

async function start(c: Ctx, token: boolean) {
  requireScope(c, "sessions.write");
  const provider = c.req.param("provider")!;
  const a = await params(c, { success: p.optional(p.string({ max: 2048 })), failure: p.optional(p.string({ max: 2048 })), scopes: p.optional(p.strings()) });
  await assertRedirect(c, "success", a.success);
  await assertRedirect(c, "failure", a.failure);
  await rateLimit(c, "oauth2.create", { limit: 50, keys: [clientKey(c)] });
  const cfg = await discovered(provider, providerFor(c, provider));
  const state = await beginFlow(c, provider, { success: a.success ?? "", failure: a.failure ?? "", token });
  for (const [k, v] of Object.entries(noStore)) c.header(k, v);
  return c.redirect(loginUrl(provider, cfg, state, a.scopes ?? []), 301);
}

/** The provider's endpoints, discovery included; an unreachable discovery document is the provider's failure (424). */
async function discovered(provider: string, cfg: ProviderConfig): Promise<ProviderConfig> {
  try {
    return await discover(provider, cfg);
  } catch (e) {
    const detail = e instanceof OAuth2Error ? e.message || e.error : "the provider could not be reached";
    throw error("user_oauth2_provider_failure", providerLabel(provider), detail);
  }
}

function providerFor(c: Ctx, provider: string): ProviderConfig {
  if (!isProvider(provider)) throw new AppwriteError("project_provider_unsupported");
  const cfg = providerConfig(c.var.project, provider, `${apiBase(c)}/v1/account/sessions/oauth2/callback/${provider}/${c.var.project.id}`);
  if (!cfg.enabled) throw new AppwriteError("project_provider_disabled", "This provider is disabled. Please enable the provider from your Appwrite console to continue.");
  if (!cfg.appId || !cfg.secret) throw new AppwriteError("project_provider_disabled", "This provider is disabled. Please configure the provider app ID and app secret key from your Appwrite console to continue.");
  return cfg;
}

accountOAuthRoutes.get("/sessions/oauth2/callback/:provider/:projectId", (c) => toRedirect(c));
accountOAuthRoutes.post("/sessions/oauth2/callback/:provider/:projectId", (c) => toRedirect(c));

/** The provider's callback lands here (no project header); hand over to the project-scoped redirect route. */
async function toRedirect(c: Ctx) {
  const raw = await collectParams(c);
  const q = new URLSearchParams();
  for (const k of ["code", "state", "error", "error_description", "user"]) {
    const v = raw[k];
    if (typeof v === "string") q.set(k, v);
  }
  q.set("project", c.req.param("projectId")!);
  return c.redirect(`${apiBase(c)}/v1/account/sessions/oauth2/${encodeURIComponent(c.req.param("provider")!)}/redirect?${q}`, 301);
}

accountOAuthRoutes.get("/sessions/oauth2/:provider/redirect", async (c) => {
  requireScope(c, "public");
  const provider = c.req.param("provider");
  if (!isProvider(provider)) throw new AppwriteError("project_provider_unsupported");
  const a = validate(await collectParams(c), {
    code: p.optional(p.string({ max: 2048 })),
    state: p.string({ max: 2048 }),
    error: p.optional(p.string({ max: 2048 })),
    error_description: p.optional(p.string({ max: 2048 })),
  });
  await rateLimit(c, "oauth2.redirect", { limit: 50, keys: [clientKey(c)] });
  const flow = await takeFlow(c, provider, a.state);
  if (flow.success && (await redirectProblem(c, flow.success))) throw new AppwriteError("project_invalid_success_url");
  if (flow.failure && (await redirectProblem(c, flow.failure))) throw new AppwriteError("project_invalid_failure_url");

  const fail = (type: ErrorType, message?: string): never => {
    const e = message === undefined ? new AppwriteError(type) : new AppwriteError(type, message);
    if (!flow.failure) throw e;
    throw new RedirectTo(withQuery(flow.failure, { error: JSON.stringify({ message: e.message, type: e.type, code: e.code }) }));
  };

  try {
    return await complete(c, provider, a, flow, fail);
  } catch (e) {
    if (e instanceof RedirectTo) return c.redirect(e.url, 301);
    throw e;
  }
});

class RedirectTo extends Error {
  constructor(readonly url: string) {
    super("redirect");
  }
}

async function complete(
  c: Ctx,
  provider: string,
  a: { code?: string; error?: string; error_description?: string },
  flow: OAuthFlow,
  fail: (type: ErrorType, message?: string) => never,
): Promise<Response> {
  const label = providerLabel(provider);
  const cfg = providerConfig(c.var.project, provider, `${apiBase(c)}/v1/account/sessions/oauth2/callback/${provider}/${c.var.project.id}`);
  if (!cfg.enabled) fail("project_provider_disabled", "This provider is disabled. Please enable the provider from your Appwrite console to continue.");
  if (a.error) fail("user_oauth2_provider_error", `The ${label} OAuth2 provider returned an error: ${a.error}${a.error_description ? `: ${a.error_description}` : ""}`);
  if (!a.code) fail("user_oauth2_provider_error", "Missing OAuth2 code. Please contact the Appwrite team for additional support.");

  let tokensOut;
  let info;
  try {
    const full = await discover(provider, cfg);
    tokensOut = await exchangeCode(provider, full, a.code!);
    info = await fetchUser(provider, full, tokensOut);
  } catch (e) {
    if (e instanceof RedirectTo) throw e;
    const detail = e instanceof OAuth2Error ? e.message || e.error : "the provider could not be reached";
    return fail("user_oauth2_provider_failure", error("user_oauth2_provider_failure", label, detail).message);
  }
  if (!info.id) fail("user_missing_id");

  const db = c.var.db;
  const projectId = c.var.project.id;
  const now = Date.now();
  const statements: BatchItem<"sqlite">[] = [];
  const email = info.email.toLowerCase();
  // Only the session that started this flow may have the identity linked into its account.
  const current = flow.sessionId && c.var.caller.session?.id === flow.sessionId ? c.var.caller.user : undefined;
  let user: User | undefined;

  if (current) {
    // Session upgrade: link this identity to the signed-in user, unless the address belongs to someone else.
    if (email) {
      const [otherIdentity] = await db.select({ id: identities.id }).from(identities).where(and(eq(identities.projectId, projectId), eq(identities.providerEmail, email), ne(identities.userId, current.id))).limit(1);
      const [otherUser] = await db.select({ id: users.id }).from(users).where(and(eq(users.projectId, projectId), eq(users.email, email), ne(users.id, current.id))).limit(1);
      if (otherIdentity || otherUser) fail("user_already_exists");
    }
    user = current;
    // The current session is replaced by the new one, as Appwrite does.
    if (c.var.caller.session && !flow.token) statements.push(db.delete(sessions).where(and(eq(sessions.projectId, projectId), eq(sessions.id, c.var.caller.session.id))));
  }
  if (!user) {
    const [linked] = await db.select({ userId: identities.userId }).from(identities).where(and(eq(identities.projectId, projectId), eq(identities.provider, provider), eq(identities.providerUid, info.id))).limit(1);
    if (linked) [user] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.id, linked.userId))).limit(1);
  }
  if (!user) {
    if (!email) fail("user_unauthorized", "OAuth provider failed to return email.");
    const [byEmail] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.email, email))).limit(1);
    if (byEmail) {
      if (!info.verified) fail("general_bad_request");
      user = byEmail;
    }
  }
  if (!user) {
    const [byIdentity] = await db.select({ userId: identities.userId }).from(identities).where(and(eq(identities.projectId, projectId), eq(identities.providerEmail, email))).limit(1);
    if (byIdentity) {
      if (!info.verified) fail("general_bad_request");
      [user] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.id, byIdentity.userId))).limit(1);
    }
  }
  if (!user) {
    const policy = authPolicy(c.var.project);
    try {
      await assertUserCapacity(db, projectId, policy);
    } catch {
      fail("user_count_exceeded");
    }
    const created = await prepareUser(db, projectId, policy, { id: uniqueId(), email, name: info.name });
    user = { ...created.user, emailVerification: info.verified };
    statements.push(...created.statements);
    if (info.verified) statements.push(db.update(users).set({ emailVerification: true }).where(and(eq(users.projectId, projectId), eq(users.id, user.id))));
  }
  if (!user.status) fail("user_blocked");

  // A user without an email takes the provider's (never downgrading a verified one).
  const changes: Partial<User> = {};
  if (!user.email && email) {
    const [taken] = await db.select({ id: users.id }).from(users).where(and(eq(users.projectId, projectId), eq(users.email, email), ne(users.id, user.id))).limit(1);
    if (taken) fail("user_already_exists");
    Object.assign(changes, { email, emailVerification: user.emailVerification || info.verified }, emailMetadata(email));
  }
  if (!user.name && info.name) changes.name = info.name;
  if (Object.keys(changes).length) {
    statements.push(db.update(users).set({ ...changes, updatedAt: now }).where(and(eq(users.projectId, projectId), eq(users.id, user.id))));
    user = { ...user, ...changes };
  }

  const expiry = tokensOut.expiresIn ? now + tokensOut.expiresIn * 1000 : null;
  const [identity] = await db.select().from(identities).where(and(eq(identities.projectId, projectId), eq(identities.provider, provider), eq(identities.providerUid, info.id))).limit(1);
  if (identity && identity.userId !== user.id) fail("user_already_exists");
  if (!identity) {
    if (email) {
      const [elsewhere] = await db.select({ id: identities.id }).from(identities).where(and(eq(identities.projectId, projectId), eq(identities.providerEmail, email), ne(identities.userId, user.id))).limit(1);
      if (elsewhere) fail("general_bad_request");
    }
    statements.push(
      db.insert(identities).values({
        projectId, id: uniqueId(), userId: user.id, provider, providerUid: info.id, providerEmail: email,
        providerAccessToken: tokensOut.accessToken, providerAccessTokenExpiry: expiry, providerRefreshToken: tokensOut.refreshToken, createdAt: now, updatedAt: now,
      }),
    );
  } else {
    statements.push(
      db.update(identities).set({ providerAccessToken: tokensOut.accessToken, providerRefreshToken: tokensOut.refreshToken, providerAccessTokenExpiry: expiry, providerEmail: email || identity.providerEmail, updatedAt: now })
        .where(and(eq(identities.projectId, projectId), eq(identities.id, identity.id))),
    );
  }

  if (flow.token) {
    const secret = hexSecret(TOKEN_LENGTH.oauth2);
    const token: Token = { projectId, id: uniqueId(), userId: user.id, type: "oauth2", secretHash: hashSecret(secret), phrase: "", expire: now + OAUTH2_TOKEN_MS, createdAt: now };
    statements.push(
      db.insert(tokens).values(token),
      recordEvent(db, { projectId, pattern: "users.[userId].tokens.[tokenId].create", params: { userId: user.id, tokenId: token.id }, payload: tokenModel(token), roles: [`user:${user.id}`], userId: user.id }),
    );
    await commitAll(c, statements);
    if (!flow.success) return c.json({ userId: user.id, secret }, 200, noStore);
    return c.redirect(withQuery(flow.success, { userId: user.id, secret }), 301);
  }

  // "oauth2" is Appwrite's marker factor: an OAuth2 sign-in satisfies MFA.
  await createSession(c, {
    user, provider, providerUid: info.id, providerAccessToken: tokensOut.accessToken, providerAccessTokenExpiry: expiry,
    providerRefreshToken: tokensOut.refreshToken, factors: ["email", "oauth2"], statements,
  });
  for (const [k, v] of Object.entries(noStore)) c.header(k, v);
  if (!flow.success) return c.text("Signed in. You may close this window.");
  return c.redirect(flow.success, 301);
}

async function commitAll(c: Ctx, statements: BatchItem<"sqlite">[]) {
  await batch(c.var.db, statements);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
}

accountOAuthRoutes.get("/sessions/oauth2/:provider", (c) => start(c, false));
accountOAuthRoutes.get("/tokens/oauth2/:provider", (c) => start(c, true));
