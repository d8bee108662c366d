import { formatDate } from "../../core/time";
import type { User } from "../../db/schema";

const date = (ms: number | null) => (ms === null ? "" : formatDate(ms));

/** The Account model: User without password, hash and hashOptions (what a user sees of itself). */
export function accountModel(u: User) {
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
    phoneVerification: u.phoneVerification,
    mfa: u.mfa,
    prefs: prefsObject(u.prefs),
    targets: [],
    accessedAt: date(u.accessedAt),
  };
}

/** The User model for API keys: adds the password hash and its algorithm (Appwrite's admin view). */
export function userModel(u: User) {
  return { ...accountModel(u), password: u.password ?? "", hash: u.hash ?? "", hashOptions: u.hashOptions };
}

/** Prefs must serialise as `{}`, never `[]`. */
export function prefsObject(prefs: unknown): Record<string, unknown> {
  return prefs && typeof prefs === "object" && !Array.isArray(prefs) ? (prefs as Record<string, unknown>) : {};
}
