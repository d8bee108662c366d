import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { json } from "../../core/response";
import { memberships, users, type Team, type User } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import type { Ctx } from "../../platform/context";
import { membershipModel, type MemberRow } from "./models";
import { recountTeam } from "./teams";

/**
 * Invitation delivery and acceptance: the two places Teams meets Auth A's code (message transport,
 * session creation). Kept here so routes.ts stays about Appwrite's HTTP shape.
 */
export async function sendInvitation(
  c: Ctx,
  inv: { to: { email: string; phone: string }; link: string; team: Team; inviter: User | undefined; inviteeName: string },
): Promise<unknown[]> {
  void c;
  void inv;
  // Until the messaging transport exists, behave like Appwrite without SMTP.
  throw new AppwriteError("general_smtp_disabled");
}

/** Confirm the membership (and verify the invitee's email, as Appwrite does); sign the invitee in if needed. */
export async function acceptInvitation(c: Ctx, { team, member }: { team: Team; member: MemberRow }): Promise<Response> {
  const db = c.var.db;
  const projectId = c.var.project.id;
  const now = Date.now();
  const confirmed: MemberRow = { ...member, joined: now, confirm: true, updatedAt: now };
  const model = membershipModel(confirmed, team.name, false);
  const signedIn = !!c.var.caller.user;
  if (!signedIn) throw new AppwriteError("general_not_implemented", "Signing in through an invitation needs session support.");
  await db.batch([
    db.update(users).set({ emailVerification: true, updatedAt: now }).where(and(eq(users.projectId, projectId), eq(users.id, member.userId))),
    db.update(memberships).set({ joined: now, confirm: true, updatedAt: now }).where(and(eq(memberships.projectId, projectId), eq(memberships.id, member.id))),
    recountTeam(db, projectId, team.id, now),
    recordEvent(db, {
      projectId, pattern: "teams.[teamId].memberships.[membershipId].update.status", params: { teamId: team.id, membershipId: member.id },
      payload: model, roles: [`team:${team.id}`], userId: member.userId,
    }),
  ]);
  scheduleDispatch(c.env, c.executionCtx);
  return json(c, model);
}
