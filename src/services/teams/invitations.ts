import { batch } from "../../db/client";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { json } from "../../core/response";
import { memberships, users, type Team, type User } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import type { Ctx } from "../../platform/context";
import { membershipModel, type MemberRow } from "./models";
import { recountTeam } from "./teams";
import { sendMessage } from "../messaging/transport";
import { invitationMail, sms } from "../auth/mails";
import { createSession } from "../account/sessions";

/**
 * Invitation delivery and acceptance: the two places Teams meets Auth A's code (message transport,
 * session creation). Kept here so routes.ts stays about Appwrite's HTTP shape.
 */
export async function sendInvitation(
  c: Ctx,
  inv: { to: { email: string; phone: string }; link: string; team: Team; inviter: User | undefined; inviteeName: string },
): Promise<unknown[]> {
  if (inv.to.email) {
    // Appwrite's {{owner}} is the inviter's name, even when empty.
    const owner = inv.inviter?.name ?? "";
    return sendMessage(c, invitationMail(inv.to.email, { user: inv.inviteeName, project: c.var.project.name, team: inv.team.name, owner, link: inv.link }));
  }
  // Appwrite sends phone invitations as an SMS carrying the link.
  return sendMessage(c, sms(inv.to.phone, inv.link));
}

/** Confirm the membership (and verify the invitee's email, as Appwrite does); sign the invitee in if needed. */
export async function acceptInvitation(c: Ctx, { team, member }: { team: Team; member: MemberRow }): Promise<Response> {
  const db = c.var.db;
  const projectId = c.var.project.id;
  const now = Date.now();
  const confirmed: MemberRow = { ...member, joined: now, confirm: true, updatedAt: now };
  const model = membershipModel(confirmed, team.name, false);
  const statements = [
    db.update(users).set({ emailVerification: true, updatedAt: now }).where(and(eq(users.projectId, projectId), eq(users.id, member.userId))),
    db.update(memberships).set({ joined: now, confirm: true, updatedAt: now }).where(and(eq(memberships.projectId, projectId), eq(memberships.id, member.id))),
    recountTeam(db, projectId, team.id, now),
    recordEvent(db, {
      projectId, pattern: "teams.[teamId].memberships.[membershipId].update.status", params: { teamId: team.id, membershipId: member.id },
      payload: model, roles: [`team:${team.id}`], userId: member.userId,
    }),
  ];
  if (c.var.caller.user) {
    await batch(db, statements);
  } else {
    // Nobody signed in: the invitee gets an email session (factor "email": the invitation proved the address).
    const [user] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.id, member.userId))).limit(1);
    if (!user) throw new AppwriteError("user_not_found");
    await createSession(c, { user: { ...user, emailVerification: true }, provider: "email", providerUid: user.email ?? "", factors: ["email"], statements });
  }
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, model);
}
