import { and, eq, lt } from "drizzle-orm";
import { getCookie, setCookie } from "hono/cookie";
import { hashSecret, randomHex, safeEqual } from "../../../core/crypto";
import { AppwriteError } from "../../../core/errors";
import { oauth2States } from "../../../db/schema";
import type { Ctx } from "../../../platform/context";

/**
 * An OAuth2 flow in progress. Appwrite round-trips `{success, failure, token}` as the `state` itself and
 * accepts any (or none); here `state` is a random secret naming a stored flow that is
 *  - required and single-use: the redirect deletes the row it names;
 *  - expiring: 10 minutes from the start;
 *  - bound to the browser that started it (session flows): the start sets an HttpOnly, SameSite=Lax cookie
 *    scoped to the OAuth2 path and the row keeps its hash, so a callback URL planted in another browser
 *    is refused;
 *  - bound to the session that started it: only that session may have the identity linked to its user.
 * Token flows (`createOAuth2Token`) are often started by a server (SSR) whose cookies never reach the
 * browser, so they are not browser-bound; they still never link into a session that did not start them.
 */
export interface OAuthFlow {
  success: string;
  failure: string;
  token: boolean;
  /** The session that started the flow, if any. */
  sessionId: string | null;
}

const FLOW_MS = 10 * 60 * 1000;
const COOKIE_PATH = "/v1/account/sessions/oauth2";
const BROWSER_SECRET = /^[0-9a-f]{64}$/;
const INVALID_STATE = "Invalid OAuth2 state: it is unknown, expired or already used, or the sign-in was started in another browser. Please sign in again.";

const cookieName = (projectId: string) => `a_oauth2_${projectId}`;

/** Store a new flow; returns the `state` to send through the provider. */
export async function beginFlow(c: Ctx, provider: string, flow: Omit<OAuthFlow, "sessionId">): Promise<string> {
  const projectId = c.var.project.id;
  const state = randomHex(32);
  const now = Date.now();
  const browserHash = flow.token ? "" : hashSecret(bindBrowser(c));
  const db = c.var.db;
  await db.batch([
    db.delete(oauth2States).where(lt(oauth2States.expire, now)),
    db.insert(oauth2States).values({
      projectId, id: hashSecret(state), provider, success: flow.success, failure: flow.failure, token: flow.token,
      sessionId: c.var.caller.session?.id ?? null, browserHash, expire: now + FLOW_MS, createdAt: now,
    }),
  ]);
  return state;
}

/** This browser's binding secret (kept if it already has one, so flows in two tabs both work), cookie refreshed. */
function bindBrowser(c: Ctx): string {
  const name = cookieName(c.var.project.id);
  const existing = getCookie(c, name);
  const secret = existing && BROWSER_SECRET.test(existing) ? existing : randomHex(32);
  setCookie(c, name, secret, { path: COOKIE_PATH, httpOnly: true, sameSite: "Lax", secure: new URL(c.req.url).protocol === "https:", maxAge: FLOW_MS / 1000 });
  return secret;
}

/** Take (consume) the flow `state` names; unknown, used, expired, other-provider or other-browser → 401 user_invalid_token. */
export async function takeFlow(c: Ctx, provider: string, state: string): Promise<OAuthFlow> {
  const projectId = c.var.project.id;
  const [row] = await c.var.db.delete(oauth2States).where(and(eq(oauth2States.projectId, projectId), eq(oauth2States.id, hashSecret(state)))).returning();
  const sameBrowser = !!row && (row.token || safeEqual(row.browserHash, hashSecret(getCookie(c, cookieName(projectId)) ?? "")));
  if (!row || row.expire <= Date.now() || row.provider !== provider || !sameBrowser) throw new AppwriteError("user_invalid_token", INVALID_STATE);
  return { success: row.success, failure: row.failure, token: row.token, sessionId: row.sessionId };
}
