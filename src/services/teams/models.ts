import { formatDate } from "../../core/time";
import type { Team } from "../../db/schema";
import { prefsObject } from "../users/models";

const date = (ms: number | null | undefined) => (ms === null || ms === undefined ? "" : formatDate(ms));

/** Team model: `$id, $createdAt, $updatedAt, name, total (confirmed members), prefs`. */
export function teamModel(t: Pick<Team, "id" | "name" | "total" | "prefs" | "createdAt" | "updatedAt">) {
  return {
    $id: t.id,
    $createdAt: formatDate(t.createdAt),
    $updatedAt: formatDate(t.updatedAt),
    name: t.name,
    total: t.total,
    prefs: prefsObject(t.prefs),
  };
}

/** A team row as D1 returns it from raw SQL (list pages). */
export function teamFromRaw(r: Record<string, unknown>) {
  return teamModel({
    id: String(r.id),
    name: String(r.name),
    total: Number(r.total ?? 0),
    prefs: typeof r.prefs === "string" ? (JSON.parse(r.prefs) as Record<string, unknown>) : {},
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  });
}

/**
 * One membership with the member's user fields, as loaded by `MEMBER_COLUMNS` (raw D1 row).
 * `privileged` callers (API keys) also see `userAccessedAt`, which Appwrite hides from clients by default.
 */
export interface MemberRow {
  id: string;
  teamId: string;
  userId: string;
  roles: string[];
  invited: number;
  joined: number | null;
  confirm: boolean;
  createdAt: number;
  updatedAt: number;
  userName: string;
  userEmail: string;
  userPhone: string;
  userAccessedAt: number | null;
  /** Appwrite's rule: `mfa` only counts when the user has a usable factor (verified TOTP, email or phone). */
  mfa: boolean;
}

/** SELECT list for `memberships m LEFT JOIN users u` (see `memberFromRaw`). */
export const MEMBER_COLUMNS = [
  "m.seq AS seq", "m.id AS id", "m.team_id AS team_id", "m.user_id AS user_id", "m.roles AS roles", "m.invited AS invited",
  "m.joined AS joined", "m.confirm AS confirm", "m.created_at AS created_at", "m.updated_at AS updated_at",
  "u.name AS u_name", "u.email AS u_email", "u.phone AS u_phone", "u.accessed_at AS u_accessed_at",
  "u.mfa AS u_mfa", "u.email_verification AS u_ev", "u.phone_verification AS u_pv",
  "(SELECT a.verified FROM authenticators a WHERE a.project_id = m.project_id AND a.user_id = m.user_id AND a.type = 'totp') AS u_totp",
].join(", ");

export const MEMBER_FROM = "memberships m LEFT JOIN users u ON u.project_id = m.project_id AND u.id = m.user_id";

export function memberFromRaw(r: Record<string, unknown>): MemberRow {
  const email = (r.u_email as string | null) ?? "";
  const phone = (r.u_phone as string | null) ?? "";
  const usable = Number(r.u_totp ?? 0) === 1 || (!!email && Number(r.u_ev) === 1) || (!!phone && Number(r.u_pv) === 1);
  return {
    id: String(r.id),
    teamId: String(r.team_id),
    userId: String(r.user_id),
    roles: typeof r.roles === "string" ? (JSON.parse(r.roles) as string[]) : [],
    invited: Number(r.invited),
    joined: r.joined === null || r.joined === undefined ? null : Number(r.joined),
    confirm: Number(r.confirm) === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    userName: (r.u_name as string | null) ?? "",
    userEmail: email,
    userPhone: phone,
    userAccessedAt: r.u_accessed_at === null || r.u_accessed_at === undefined ? null : Number(r.u_accessed_at),
    mfa: Number(r.u_mfa ?? 0) === 1 && usable,
  };
}

/** Which member fields a reader may see (the project's memberships privacy; see auth/console-routes.ts). */
export interface MemberVisibility {
  userName: boolean;
  userEmail: boolean;
  mfa: boolean;
  userId: boolean;
  userPhone: boolean;
}

/** Membership model (wire doc §3.3). `visible` (list/get for clients) blanks what the privacy policy hides. */
export function membershipModel(m: MemberRow, teamName: string, privileged: boolean, visible?: MemberVisibility) {
  const show = (k: keyof MemberVisibility) => !visible || visible[k];
  return {
    $id: m.id,
    $createdAt: formatDate(m.createdAt),
    $updatedAt: formatDate(m.updatedAt),
    userId: show("userId") ? m.userId : "",
    userName: show("userName") ? m.userName : "",
    userEmail: show("userEmail") ? m.userEmail : "",
    userPhone: show("userPhone") ? m.userPhone : "",
    teamId: m.teamId,
    teamName,
    invited: date(m.invited),
    joined: date(m.joined),
    confirm: m.confirm,
    mfa: show("mfa") ? m.mfa : false,
    userAccessedAt: privileged ? date(m.userAccessedAt) : "",
    roles: m.roles,
  };
}
