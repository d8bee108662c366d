import { and, eq, sql } from "drizzle-orm";
import * as z from "zod/mini";
import { AppwriteError } from "../../core/errors";
import { isAllowed, type Action } from "../../core/permissions";
import { p } from "../../core/params";
import type { Binder } from "../../core/query/sql";
import type { Resolver } from "../../core/query/sql";
import type { DB } from "../../db/client";
import { memberships, teams, type Team } from "../../db/schema";
import type { Caller } from "../../platform/context";
import { MEMBER_COLUMNS, MEMBER_FROM, memberFromRaw, type MemberRow } from "./models";

/**
 * Teams and memberships carry Appwrite's fixed permissions (Teams/Create.php, Memberships/Create.php):
 * a team is readable by `team:T`, updatable/deletable by `team:T/owner`; a membership is updatable and
 * deletable by its user and by the team's owners. They are checked through the shared permission module.
 */
export const teamPermissions = (teamId: string) => [`read("team:${teamId}")`, `update("team:${teamId}/owner")`, `delete("team:${teamId}/owner")`];

export const membershipPermissions = (teamId: string, userId: string) => [
  `read("any")`,
  `update("user:${userId}")`, `update("team:${teamId}/owner")`,
  `delete("user:${userId}")`, `delete("team:${teamId}/owner")`,
];

export const canOnTeam = (caller: Caller, teamId: string, action: Action) => caller.privileged || isAllowed(caller.roles, teamPermissions(teamId), action);
export const isTeamOwner = (caller: Caller, teamId: string) => caller.privileged || caller.roles.includes(`team:${teamId}/owner`);

/** A team the caller may read, else `team_not_found` (Appwrite hides teams you are not in). */
export async function loadTeam(db: DB, caller: Caller, projectId: string, teamId: string): Promise<Team> {
  const [team] = await db.select().from(teams).where(and(eq(teams.projectId, projectId), eq(teams.id, teamId))).limit(1);
  if (!team || !canOnTeam(caller, teamId, "read")) throw new AppwriteError("team_not_found");
  return team;
}

/** Keeps `teams.total` equal to the number of confirmed members; goes in every membership batch. */
export function recountTeam(db: DB, projectId: string, teamId: string, now = Date.now()) {
  return db
    .update(teams)
    .set({
      total: sql`(SELECT COUNT(*) FROM ${memberships} WHERE ${memberships.projectId} = ${projectId} AND ${memberships.teamId} = ${teamId} AND ${memberships.confirm} = 1)`,
      updatedAt: now,
    })
    .where(and(eq(teams.projectId, projectId), eq(teams.id, teamId)));
}

/** One membership with its user's fields, or null. */
export async function loadMember(d1: D1Database, projectId: string, membershipId: string): Promise<MemberRow | null> {
  const row = await d1.prepare(`SELECT ${MEMBER_COLUMNS} FROM ${MEMBER_FROM} WHERE m.project_id = ?1 AND m.id = ?2 LIMIT 1`).bind(projectId, membershipId).first<Record<string, unknown>>();
  return row ? memberFromRaw(row) : null;
}

/** Appwrite's `search` param on teams/memberships: every word matches a prefix of the searchable text. */
export function searchClause(b: Binder, expr: string, search: string | undefined): string {
  const words = (search ?? "").match(/[\p{L}\p{N}_.@+-]+/gu) ?? [];
  if (!words.length) return "1";
  return `(${words.map((w) => `${expr} LIKE ${b.bind(`%${w.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)} ESCAPE '\\'`).join(" OR ")})`;
}

export const teamResolver: Resolver = (a) => {
  switch (a) {
    case "$id":
      return { sql: "t.id", type: "string" };
    case "$createdAt":
      return { sql: "t.created_at", type: "datetime" };
    case "$updatedAt":
      return { sql: "t.updated_at", type: "datetime" };
    case "$sequence":
      return { sql: "t.seq", type: "integer" };
    case "name":
      return { sql: "t.name", type: "string" };
    case "total":
      return { sql: "t.total", type: "integer" };
    default:
      return undefined;
  }
};

export const membershipResolver: Resolver = (a) => {
  switch (a) {
    case "$id":
      return { sql: "m.id", type: "string" };
    case "$createdAt":
      return { sql: "m.created_at", type: "datetime" };
    case "$updatedAt":
      return { sql: "m.updated_at", type: "datetime" };
    case "$sequence":
      return { sql: "m.seq", type: "integer" };
    case "userId":
      return { sql: "m.user_id", type: "string" };
    case "teamId":
      return { sql: "m.team_id", type: "string" };
    case "invited":
      return { sql: "m.invited", type: "datetime" };
    case "joined":
      return { sql: "m.joined", type: "datetime" };
    case "confirm":
      return { sql: "m.confirm", type: "boolean" };
    case "roles":
      return { sql: "m.roles", type: "string", array: true };
    default:
      return undefined;
  }
};

/** utopia `Key` validator with a custom length (team roles: 36 on create, 81 on memberships). */
export function roleKeys(maxLength: number) {
  const desc = `Parameter must contain at most ${maxLength} chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char`;
  const re = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${maxLength - 1}}$`);
  const item = z.string({ error: desc }).check(z.refine((v) => re.test(v), { error: desc }));
  return p.array(item, { itemDescription: desc });
}

/** utopia `Phone` validator. */
export function phoneParam() {
  const msg = "Phone number must start with a '+' can have a maximum of fifteen digits.";
  return z.string({ error: msg }).check(z.refine((v) => /^\+[1-9]\d{6,14}$/.test(v), { error: msg }));
}
