import type { Membership, User } from "../db/schema";

/** Appwrite's `User::getRoles`: the authorization roles a signed-in user holds. */
export function userRoles(user: User, memberships: readonly Membership[]): string[] {
  const verified = user.emailVerification || user.phoneVerification ? "verified" : "unverified";
  const roles = ["any", `user:${user.id}`, "users", `user:${user.id}/${verified}`, `users/${verified}`];
  for (const m of memberships) {
    if (!m.confirm) continue;
    roles.push(`team:${m.teamId}`, `member:${m.id}`);
    for (const r of m.roles) roles.push(`team:${m.teamId}/${r}`);
  }
  for (const label of user.labels) roles.push(`label:${label}`);
  return roles;
}

export const GUEST_ROLES = ["any", "guests"];
