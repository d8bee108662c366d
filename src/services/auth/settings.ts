import { AppwriteError } from "../../core/errors";
import type { Project } from "../../db/schema";
import type { Ctx } from "../../platform/context";

/**
 * Project auth settings read at request time (method toggles, membership privacy, session alerts) and
 * their Project-model fields. Stored in `projects.settings.auth` under Appwrite's `auths` keys; the
 * console routes that change them live in console-routes.ts.
 */
/** Appwrite's auth methods (app/config/auth.php): route id → `auths` key and the name used in its error. */
export const AUTH_METHODS = {
  "email-password": { key: "emailPassword", label: "Email / Password" },
  "magic-url": { key: "usersAuthMagicURL", label: "Magic URL" },
  "email-otp": { key: "emailOtp", label: "Email OTP" },
  anonymous: { key: "anonymous", label: "Anonymous" },
  invites: { key: "invites", label: "Invites" },
  jwt: { key: "JWT", label: "JWT" },
  phone: { key: "phone", label: "Phone" },
} as const;
export type AuthMethod = keyof typeof AUTH_METHODS;

export const authOf = (p: Project) => (p.settings.auth ?? {}) as Record<string, unknown>;

/**
 * A disabled auth method → `501 user_auth_method_unsupported` with Appwrite's message. API keys and admins
 * are exempt, as in Appwrite's `auth` group hook.
 */
export function assertAuthMethod(c: Ctx, method: AuthMethod): void {
  if (c.var.caller.privileged) return;
  const m = AUTH_METHODS[method];
  if (authOf(c.var.project)[m.key] === false) throw new AppwriteError("user_auth_method_unsupported", `${m.label} authentication is disabled for this project`);
}

/** Appwrite's membership privacy flags (defaults: visible); API keys and admins always see everything. */
export interface MembershipPrivacy {
  userName: boolean;
  userEmail: boolean;
  mfa: boolean;
  userId: boolean;
  userPhone: boolean;
}

export function membershipPrivacy(project: Project, privileged: boolean): MembershipPrivacy {
  const a = authOf(project);
  const show = (k: string) => privileged || a[k] !== false;
  return { userName: show("membershipsUserName"), userEmail: show("membershipsUserEmail"), mfa: show("membershipsMfa"), userId: show("membershipsUserId"), userPhone: show("membershipsUserPhone") };
}

/**
 * Whether a password change signs the user out elsewhere (console: session-invalidation). On unless turned
 * off: Appwrite creates every project with it enabled.
 */
export const invalidateSessionsEnabled = (project: Project) => authOf(project).invalidateSessions !== false;

/** Whether new sessions send the user an email alert (console: session-alerts). */
export const sessionAlertsEnabled = (project: Project) => authOf(project).sessionAlerts === true;

/** The Project model's auth fields platform/models.ts does not fill from settings (Appwrite's names). */
export function authConsoleFields(p: Project) {
  const a = authOf(p);
  const fields: Record<string, unknown> = {
    authSessionAlerts: a.sessionAlerts === true,
    authMembershipsUserName: a.membershipsUserName !== false,
    authMembershipsUserEmail: a.membershipsUserEmail !== false,
    authMembershipsMfa: a.membershipsMfa !== false,
    authMembershipsUserId: a.membershipsUserId !== false,
    authMembershipsUserPhone: a.membershipsUserPhone !== false,
  };
  for (const m of Object.values(AUTH_METHODS)) fields[`auth${m.key[0]!.toUpperCase()}${m.key.slice(1)}`] = a[m.key] !== false;
  return fields;
}
