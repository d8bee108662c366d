/**
 * Per-project password policy (console: /v1/projects/{projectId}/auth/password-*, personal-data):
 * minimum length 8 (Appwrite's), history of up to 20 previous hashes, a bundled common-password
 * dictionary, and the personal-data check. Error types and messages are Appwrite's.
 */
import { AppwriteError } from "../../core/errors";
import type { Project } from "../../db/schema";
import { COMMON_PASSWORDS } from "./common-passwords";
import { emailMetadata } from "./email-meta";
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
  passwordStrength: PasswordStrength;
  /** Appwrite's email policies (`auths.canonicalEmails`, …): deny aliased, non-corporate, disposable, free addresses. */
  emails: { canonical: boolean; corporate: boolean; disposable: boolean; free: boolean };
}

/** Appwrite's password-strength policy (`auths.passwordStrength`). */
export interface PasswordStrength { min: number; uppercase: boolean; lowercase: boolean; number: boolean; symbols: boolean }
export const DEFAULT_STRENGTH: PasswordStrength = { min: 8, uppercase: false, lowercase: false, number: false, symbols: false };

export function passwordStrength(a: Record<string, unknown>): PasswordStrength {
  const s = (a.passwordStrength ?? {}) as Partial<PasswordStrength>;
  return {
    min: typeof s.min === "number" ? s.min : DEFAULT_STRENGTH.min,
    uppercase: s.uppercase === true, lowercase: s.lowercase === true, number: s.number === true, symbols: s.symbols === true,
  };
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
    passwordStrength: passwordStrength(a),
    emails: { canonical: a.canonicalEmails === true, corporate: a.corporateEmails === true, disposable: a.disposableEmails === true, free: a.freeEmails === true },
  };
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** The description Appwrite's password validators give, used in `Invalid \`password\` param: …`. */
export function passwordDescription(policy: AuthPolicy): string {
  const st = policy.passwordStrength;
  const strict = st.min !== PASSWORD_MIN || st.uppercase || st.lowercase || st.number || st.symbols;
  if (strict) {
    const parts = [`between ${st.min} and ${PASSWORD_MAX} characters long`];
    if (st.uppercase) parts.push("include an uppercase letter");
    if (st.lowercase) parts.push("include a lowercase letter");
    if (st.number) parts.push("include a number");
    if (st.symbols) parts.push("include a symbol");
    return `Password must be ${parts.join(", ")}.`;
  }
  return policy.passwordDictionary
    ? "Password must be between 8 and 265 characters long, and should not be one of the commonly used password."
    : "Password must be between 8 and 256 characters long.";
}

/** Appwrite's PasswordStrength rules (symbols: anything but letters, digits and spaces). */
function strongEnough(password: string, st: PasswordStrength): boolean {
  return password.length >= st.min && (!st.uppercase || /[A-Z]/.test(password)) && (!st.lowercase || /[a-z]/.test(password))
    && (!st.number || /\d/.test(password)) && (!st.symbols || /[^\p{L}\p{N}\s]/u.test(password));
}

/** Format, strength + dictionary check of a new password (param-level: 400 general_argument_invalid). */
export function checkPasswordFormat(password: string, policy: AuthPolicy, param = "password"): void {
  const ok = password.length >= PASSWORD_MIN && password.length <= PASSWORD_MAX && strongEnough(password, policy.passwordStrength)
    && !(policy.passwordDictionary && COMMON_PASSWORDS.has(password.toLowerCase()));
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

/** Appwrite's email policy checks, in its order, wherever an email is set (sign-up, tokens, OAuth2, invites, updates). */
export function checkEmailPolicy(email: string | null | undefined, policy: AuthPolicy): void {
  const e = policy.emails;
  if (!email || !(e.canonical || e.corporate || e.disposable || e.free)) return;
  const m = emailMetadata(email);
  if (e.disposable && m.emailIsDisposable) throw new AppwriteError("user_email_disposable");
  if (e.canonical && m.emailIsCanonical === false) throw new AppwriteError("user_email_not_canonical");
  if (e.free && m.emailIsFree) throw new AppwriteError("user_email_free");
  if (e.corporate && !m.emailIsCorporate) throw new AppwriteError("user_email_not_corporate");
}
