import type { MiddlewareHandler } from "hono";
import { AppwriteError } from "../../core/errors";
import type { AppEnv } from "../../platform/context";
import type { DB } from "../../db/client";
import type { User } from "../../db/schema";
import { totpAuthenticator } from "./mfa";

/**
 * THE place where a half-signed-in session is stopped (Appwrite's app/controllers/shared/api.php, step 12–13).
 *
 * Rule: when the signed-in user has MFA on AND has a second factor available (verified email, verified phone
 * or a verified TOTP authenticator), a session (cookie, X-Appwrite-Session or JWT) needs at least two
 * `factors`; with fewer, every route answers `401 user_more_factors_required` — except the routes Appwrite
 * puts in its `mfa` group, which are exactly what finishing (or abandoning) the sign-in needs:
 *   GET /v1/account/mfa/factors, POST|PUT /v1/account/mfa/challenges (or the older `/challenge`),
 *   DELETE /v1/account/sessions/{id}.
 * API keys and guests are never affected. A user with MFA on but no usable second factor is let through
 * with one factor, as in Appwrite. (Appwrite checks scopes before this step; here the gate runs first, so a
 * half-signed-in session calling a route outside its scopes sees this error instead of the scope error.)
 */
const EXEMPT: [string, RegExp][] = [
  ["GET", /^\/v1\/account\/mfa\/factors\/?$/],
  ["POST", /^\/v1\/account\/mfa\/challenges?\/?$/],
  ["PUT", /^\/v1\/account\/mfa\/challenges?\/?$/],
  ["DELETE", /^\/v1\/account\/sessions\/[^/]+\/?$/],
];

/** The rule itself (also used by realtime): does this user's session still owe a second factor? */
export async function needsMoreFactors(
  db: DB,
  projectId: string,
  user: Pick<User, "id" | "mfa" | "emailVerification" | "phoneVerification"> | null | undefined,
  session: { factors: readonly string[] } | null | undefined,
): Promise<boolean> {
  if (!user?.mfa || !session || session.factors.length >= 2) return false;
  return user.emailVerification || user.phoneVerification || !!(await totpAuthenticator(db, projectId, user.id))?.verified;
}

export const mfaGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { user, session } = c.var.caller;
  if (user?.mfa && session && session.factors.length < 2) {
    const path = new URL(c.req.url).pathname;
    const exempt = EXEMPT.some(([m, re]) => m === c.req.method && re.test(path));
    if (!exempt && (await needsMoreFactors(c.var.db, c.var.project.id, user, session))) throw new AppwriteError("user_more_factors_required");
  }
  await next();
};
