/**
 * Per-project password policy (console: /v1/projects/{projectId}/auth/password-*, personal-data):
 * minimum length 8 (Appwrite's), history of up to 20 previous hashes, a bundled common-password
 * dictionary, and the personal-data check. Error types and messages are Appwrite's.
 */
import { AppwriteError } from "../../core/errors";
import type { Project } from "../../db/schema";
import { COMMON_PASSWORDS } from "./common-passwords";
import { verifyPassword, NATIVE_HASH, type StoredPassword } from "./passwords";

export interface AuthPolicy {
  /** Session length, seconds. */
  duration: number;
  /** Max users in the project, 0 = unlimited. */
  limit: number;
  /** Max sessions per user, 0 = unlimited (oldest evicted). */
  sessionsLimit: number;
  passwordHistory: number;
  passwordDictionary: boolean;
  personalDataCheck: boolean;
}

/** The project's auth settings with Appwrite's defaults (keys match platform/models.ts authSettings). */
export function authPolicy(project: Project): AuthPolicy {
  const a = (project.settings.auth ?? {}) as Record<string, unknown>;
  const num = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) ? v : d);
  return {
    duration: num(a.duration, 31536000),
    limit: num(a.limit, 0),
    sessionsLimit: num(a.sessionsLimit, 10),
    passwordHistory: num(a.passwordHistory, 0),
    passwordDictionary: a.passwordDictionary === true,
    personalDataCheck: a.personalDataCheck === true,
  };
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** The description Appwrite's password validators give, used in `Invalid \`password\` param: …`. */
export function passwordDescription(policy: AuthPolicy): string {
  return policy.passwordDictionary
    ? "Password must be between 8 and 265 characters long, and should not be one of the commonly used password."
    : "Password must be between 8 and 256 characters long.";
}

/** Format + dictionary check of a new password (param-level: 400 general_argument_invalid). */
export function checkPasswordFormat(password: string, policy: AuthPolicy, param = "password"): void {
  const ok = password.length >= PASSWORD_MIN && password.length <= PASSWORD_MAX && !(policy.passwordDictionary && COMMON_PASSWORDS.has(password.toLowerCase()));
  if (!ok) throw new AppwriteError("general_argument_invalid", `Invalid \`${param}\` param: ${passwordDescription(policy)}`);
}

/** Appwrite's PersonalData validator (non-strict): the password may not contain the id, email (or its local part), name or phone. */
export function containsPersonalData(password: string, u: { id: string; email?: string | null; name?: string | null; phone?: string | null }): boolean {
  const pw = password.toLowerCase();
  const id = u.id.toLowerCase();
  const email = (u.email ?? "").toLowerCase();
  const name = (u.name ?? "").toLowerCase();
  const phone = (u.phone ?? "").toLowerCase();
  if (id && pw.includes(id)) return true;
  if (email && (pw.includes(email) || pw.includes(email.split("@")[0]!))) return true;
  if (name && pw.includes(name)) return true;
  if (phone && (pw.includes(phone.replace("+", "")) || pw.includes(phone))) return true;
  return false;
}

export function checkPersonalData(password: string, policy: AuthPolicy, u: Parameters<typeof containsPersonalData>[1]): void {
  if (policy.personalDataCheck && containsPersonalData(password, u)) throw new AppwriteError("password_personal_data");
}

/** Throws `password_recently_used` when the password matches one of the kept previous hashes. */
export async function checkHistory(password: string, policy: AuthPolicy, history: readonly string[]): Promise<void> {
  if (policy.passwordHistory <= 0) return;
  for (const h of history.slice(-policy.passwordHistory)) {
    const stored: StoredPassword = { password: h, hash: NATIVE_HASH, hashOptions: {} };
    if (await verifyPassword(password, stored)) throw new AppwriteError("password_recently_used");
  }
}

/** The history to store after a change: the new hash appended, trimmed to the policy's length. */
export function nextHistory(policy: AuthPolicy, history: readonly string[], newHash: string): string[] {
  if (policy.passwordHistory <= 0) return [];
  return [...history, newHash].slice(-policy.passwordHistory);
}
