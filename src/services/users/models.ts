import { formatDate } from "../../core/time";
import type { Session, Token, User } from "../../db/schema";
import { clientInfo, countryName } from "../auth/user-agent";
import type { TargetModel } from "./targets";

const date = (ms: number | null) => (ms === null ? "" : formatDate(ms));

/**
 * The Account model: User without password, hash and hashOptions (what a user sees of itself).
 * `targets`: the user's messaging targets (`targetsFor`), [] when the caller did not load them.
 * `impersonatorUserId`: who is acting as this user in the current request (null otherwise, as Appwrite).
 */
export function accountModel(u: User, targets: TargetModel[] = [], impersonatorUserId: string | null = null) {
  return {
    $id: u.id,
    $createdAt: formatDate(u.createdAt),
    $updatedAt: formatDate(u.updatedAt),
    name: u.name,
    registration: formatDate(u.createdAt),
    status: u.status,
    labels: u.labels,
    passwordUpdate: date(u.passwordUpdate),
    email: u.email ?? "",
    phone: u.phone ?? "",
    emailVerification: u.emailVerification,
    emailCanonical: u.emailCanonical,
    emailIsFree: u.emailIsFree,
    emailIsDisposable: u.emailIsDisposable,
    emailIsCorporate: u.emailIsCorporate,
    emailIsCanonical: u.emailIsCanonical,
    phoneVerification: u.phoneVerification,
    mfa: u.mfa,
    prefs: prefsObject(u.prefs),
    targets,
    accessedAt: date(u.accessedAt),
    impersonator: u.impersonator,
    impersonatorUserId,
  };
}

/** The User model for API keys: adds the password hash and its algorithm (Appwrite's admin view). */
export function userModel(u: User, targets: TargetModel[] = [], impersonatorUserId: string | null = null) {
  return { ...accountModel(u, targets, impersonatorUserId), password: u.password ?? "", hash: u.hash ?? "", hashOptions: u.hashOptions };
}

/** Prefs must serialise as `{}`, never `[]`. */
export function prefsObject(prefs: unknown): Record<string, unknown> {
  return prefs && typeof prefs === "object" && !Array.isArray(prefs) ? (prefs as Record<string, unknown>) : {};
}

// ---- sessions and tokens -------------------------------------------------------------------------


/**
 * The Session model. `secret` is the encoded session string and is only ever passed in by the code that
 * just created the session for an API-key/admin caller (Appwrite shows it to them only); otherwise "".
 */
export function sessionModel(s: Session, opts: { current?: boolean; secret?: string } = {}) {
  return {
    $id: s.id,
    $createdAt: formatDate(s.createdAt),
    $updatedAt: formatDate(s.updatedAt),
    userId: s.userId,
    expire: formatDate(s.expire),
    provider: s.provider,
    providerUid: s.providerUid,
    providerAccessToken: s.providerAccessToken,
    providerAccessTokenExpiry: s.providerAccessTokenExpiry === null ? "" : formatDate(s.providerAccessTokenExpiry),
    providerRefreshToken: s.providerRefreshToken,
    ip: s.ip,
    ...clientInfo(s.userAgent),
    countryCode: s.countryCode,
    countryName: countryName(s.countryCode),
    current: opts.current ?? false,
    factors: s.factors,
    secret: opts.secret ?? "",
    mfaUpdatedAt: s.mfaUpdatedAt === null ? "" : formatDate(s.mfaUpdatedAt),
  };
}

/** The Token model; `secret` only in the creating response and only where Appwrite shows it. */
export function tokenModel(t: Token, secret = "", phrase = "") {
  return {
    $id: t.id,
    $createdAt: formatDate(t.createdAt),
    userId: t.userId,
    secret,
    expire: formatDate(t.expire),
    phrase,
  };
}
