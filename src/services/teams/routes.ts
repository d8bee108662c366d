import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { updatedAtAfter } from "../../core/time";
import { resolveId, uniqueId } from "../../core/ids";
import { isAllowed } from "../../core/permissions";
import { p, params } from "../../core/params";
import { json, list, noContent } from "../../core/response";
import { hashSecret, verifySecret } from "../../core/crypto";
import { hexSecret, TOKEN_LENGTH } from "../account/tokens";
import { isUniqueViolation } from "../../db/client";
import { prepareQueries, runList } from "../../db/list";
import { authenticators, challenges, identities, memberships, teams, users, type User } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { CONSOLE, onProjectDelete } from "../../platform/projects";
import { removeOrganizationContents } from "../../platform/console";
import { assertRolesGrantable } from "../../platform/console-access";
import { assertRedirect, withQuery } from "../auth/oauth2/redirect";
import { prefsObject } from "../users/models";
import { assertUserCapacity, prepareUser } from "../users/users";
import { authPolicy } from "../auth/policy";
import { MEMBER_COLUMNS, MEMBER_FROM, memberFromRaw, membershipModel, teamFromRaw, teamModel, type MemberRow } from "./models";
import { assertAuthMethod, membershipPrivacy } from "../auth/settings";
import {
  canOnTeam, isTeamOwner, loadMember, loadTeam, membershipPermissions, membershipResolver, phoneParam, recountTeam,
  roleKeys, searchClause, teamResolver,
} from "./teams";
import { acceptInvitation, sendInvitation } from "./invitations";

export const teamsRoutes = new Hono<AppEnv>();

const teamRoles = (teamId: string) => [`team:${teamId}`];

// ---- teams --------------------------------------------------------------------------------------

teamsRoutes.post("/", async (c) => {
  const caller = requireScope(c, "teams.write");
  const a = await params(c, { teamId: p.customId(), name: p.string({ max: 128 }), roles: p.default(roleKeys(36), ["owner"]) });
  const db = c.var.db;
  const projectId = c.var.project.id;
  const teamId = resolveId("teamId", a.teamId);
  const now = Date.now();
  const creator = caller.privileged ? undefined : caller.user;
  const team = { projectId, id: teamId, name: a.name, total: creator ? 1 : 0, prefs: {}, createdAt: now, updatedAt: now };
  const model = teamModel(team);
  const statements: unknown[] = [db.insert(teams).values(team)];
  if (creator) {
    const roles = a.roles.includes("owner") ? a.roles : [...a.roles, "owner"];
    statements.push(
      db.insert(memberships).values({ projectId, id: uniqueId(), teamId, userId: creator.id, roles, invited: now, joined: now, confirm: true, secretHash: "", createdAt: now, updatedAt: now }),
    );
  }
  statements.push(recordEvent(db, { projectId, pattern: "teams.[teamId].create", params: { teamId }, payload: model, roles: teamRoles(teamId), userId: creator?.id }));
  try {
    await db.batch(statements as unknown as Parameters<typeof db.batch>[0]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError("team_already_exists");
    throw e;
  }
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, model, 201);
});

teamsRoutes.get("/", async (c) => {
  const caller = requireScope(c, "teams.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  // Non-privileged callers see the teams they are confirmed members of (read("team:T")).
  const readable = caller.privileged ? null : caller.roles.filter((r) => /^team:[^/]+$/.test(r)).map((r) => r.slice(5));
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: "teams t",
      columns: "t.seq, t.id, t.name, t.total, t.prefs, t.created_at, t.updated_at",
      base: (b) =>
        [`t.project_id = ${b.bind(projectId)}`, readable ? `t.id IN (SELECT value FROM json_each(${b.list(readable)}))` : "1", searchClause(b, "(t.id || ' ' || t.name)", a.search)].join(" AND "),
      resolve: teamResolver,
      sequence: "t.seq",
      id: "t.id",
    },
    prepareQueries(a.queries),
    a.total,
  );
  return json(c, list("teams", result.rows.map(teamFromRaw), result.total));
});

teamsRoutes.get("/:teamId", async (c) => {
  const caller = requireScope(c, "teams.read");
  const team = await loadTeam(c.var.db, caller, c.var.project.id, c.req.param("teamId"));
  return json(c, teamModel(team));
});

teamsRoutes.put("/:teamId", async (c) => {
  const caller = requireScope(c, "teams.write");
  const a = await params(c, { name: p.string({ max: 128 }) });
  const db = c.var.db;
  const projectId = c.var.project.id;
  const team = await loadTeam(db, caller, projectId, c.req.param("teamId"));
  if (!canOnTeam(caller, team.id, "update")) throw new AppwriteError("user_unauthorized");
  const updated = { ...team, name: a.name, updatedAt: updatedAtAfter(team, { name: a.name }) };
  const model = teamModel(updated);
  await db.batch([
    db.update(teams).set({ name: a.name, updatedAt: updated.updatedAt }).where(and(eq(teams.projectId, projectId), eq(teams.id, team.id))),
    recordEvent(db, { projectId, pattern: "teams.[teamId].update", params: { teamId: team.id }, payload: model, roles: teamRoles(team.id), userId: caller.user?.id }),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, model);
});

teamsRoutes.delete("/:teamId", async (c) => {
  const caller = requireScope(c, "teams.write");
  const db = c.var.db;
  const projectId = c.var.project.id;
  const team = await loadTeam(db, caller, projectId, c.req.param("teamId"));
  if (!canOnTeam(caller, team.id, "delete")) throw new AppwriteError("user_unauthorized");
  // A console team is an organization: its projects and organization keys go with it (Appwrite's deletes worker).
  if (projectId === CONSOLE.id) await removeOrganizationContents(c, team.id);
  await db.batch([
    db.delete(memberships).where(and(eq(memberships.projectId, projectId), eq(memberships.teamId, team.id))),
    db.delete(teams).where(and(eq(teams.projectId, projectId), eq(teams.id, team.id))),
    recordEvent(db, { projectId, pattern: "teams.[teamId].delete", params: { teamId: team.id }, payload: teamModel(team), roles: teamRoles(team.id), userId: caller.user?.id }),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});

teamsRoutes.get("/:teamId/prefs", async (c) => {
  const caller = requireScope(c, "teams.read");
  const team = await loadTeam(c.var.db, caller, c.var.project.id, c.req.param("teamId"));
  return json(c, prefsObject(team.prefs));
});

teamsRoutes.put("/:teamId/prefs", async (c) => {
  const caller = requireScope(c, "teams.write");
  const a = await params(c, { prefs: p.prefs() });
  const db = c.var.db;
  const projectId = c.var.project.id;
  const team = await loadTeam(db, caller, projectId, c.req.param("teamId"));
  if (!canOnTeam(caller, team.id, "update")) throw new AppwriteError("user_unauthorized");
  const now = Date.now();
  const model = teamModel({ ...team, prefs: a.prefs, updatedAt: now });
  await db.batch([
    db.update(teams).set({ prefs: a.prefs, updatedAt: now }).where(and(eq(teams.projectId, projectId), eq(teams.id, team.id))),
    recordEvent(db, { projectId, pattern: "teams.[teamId].update.prefs", params: { teamId: team.id }, payload: model, roles: teamRoles(team.id), userId: caller.user?.id }),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, prefsObject(a.prefs));
});

// ---- memberships --------------------------------------------------------------------------------

teamsRoutes.post("/:teamId/memberships", async (c) => {
  const caller = requireScope(c, "teams.write");
  assertAuthMethod(c, "invites");
  const a = await params(c, {
    email: p.optional(p.email()),
    userId: p.optional(p.uid()),
    phone: p.optional(phoneParam()),
    roles: roleKeys(81),
    url: p.optional(p.url()),
    name: p.optional(p.string({ max: 128 })),
  });
  await assertRedirect(c, "url", a.url);
  const privileged = caller.privileged;
  if (!a.url && !privileged) throw new AppwriteError("general_argument_invalid", "URL is required");
  if (!a.userId && !a.email && !a.phone) throw new AppwriteError("general_argument_invalid", "At least one of userId, email, or phone is required");
  const db = c.var.db;
  const projectId = c.var.project.id;
  const team = await loadTeam(db, caller, projectId, c.req.param("teamId"));
  // Checked before anything is written (Appwrite creates the invitee first; Edgewrite never leaves one behind).
  if (!isTeamOwner(caller, team.id)) throw new AppwriteError("user_unauthorized", "User is not allowed to send invitations for this team");
  assertRolesGrantable(c, a.roles);

  let email = a.email?.toLowerCase() ?? "";
  let phone = a.phone ?? "";
  let name = a.name || email;
  let invitee: User | undefined;
  if (a.userId) {
    [invitee] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.id, a.userId))).limit(1);
    if (!invitee) throw new AppwriteError("user_not_found", "User with given userId doesn't exist.");
    if (email && (invitee.email ?? "") !== email) throw new AppwriteError("user_already_exists", "Given userId and email doesn't match");
    if (phone && (invitee.phone ?? "") !== phone) throw new AppwriteError("user_already_exists", "Given userId and phone doesn't match");
    email = invitee.email ?? "";
    phone = invitee.phone ?? "";
    name = invitee.name || name;
  } else if (email) {
    [invitee] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.email, email))).limit(1);
    if (invitee && phone && (invitee.phone ?? "") !== phone) throw new AppwriteError("user_already_exists", "Given email and phone doesn't match");
  } else {
    [invitee] = await db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.phone, phone))).limit(1);
  }

  const now = Date.now();
  const statements: unknown[] = [];
  if (!invitee) {
    // Unknown invitee: created now, with no password (Appwrite stores a random one nobody knows).
    const policy = authPolicy(c.var.project);
    // The console's one way in besides the ADMIN_KEY: an organization owner's invitation (checked above) creates
    // the console account, which nobody can sign in to until the invitation is accepted.
    if (!privileged && projectId !== "console") await assertUserCapacity(db, projectId, policy);
    if (email) {
      const [taken] = await db.select({ id: identities.id }).from(identities).where(and(eq(identities.projectId, projectId), eq(identities.providerEmail, email))).limit(1);
      if (taken) throw new AppwriteError("user_email_already_exists");
    }
    const created = await prepareUser(db, projectId, policy, { id: uniqueId(), email: email || null, phone: phone || null, name });
    invitee = created.user;
    statements.push(...created.statements);
  }

  const [existing] = await db
    .select()
    .from(memberships)
    .where(and(eq(memberships.projectId, projectId), eq(memberships.teamId, team.id), eq(memberships.userId, invitee.id)))
    .limit(1);
  if (existing?.confirm) throw new AppwriteError("membership_already_confirmed");

  const secret = hexSecret(TOKEN_LENGTH.session); // Appwrite's default token length
  let member: MemberRow;
  if (!existing) {
    const id = uniqueId();
    statements.push(
      db.insert(memberships).values({
        projectId, id, teamId: team.id, userId: invitee.id, roles: a.roles, invited: now, joined: privileged ? now : null,
        confirm: privileged, secretHash: hashSecret(secret), createdAt: now, updatedAt: now,
      }),
    );
    member = { id, teamId: team.id, userId: invitee.id, roles: a.roles, invited: now, joined: privileged ? now : null, confirm: privileged, createdAt: now, updatedAt: now } as MemberRow;
  } else {
    // A pending invitation is re-sent with a fresh secret (and confirmed at once by an API key).
    statements.push(
      db
        .update(memberships)
        .set({ secretHash: hashSecret(secret), invited: now, updatedAt: now, ...(privileged ? { joined: now, confirm: true } : {}) })
        .where(and(eq(memberships.projectId, projectId), eq(memberships.id, existing.id))),
    );
    member = { id: existing.id, teamId: team.id, userId: invitee.id, roles: existing.roles, invited: now, joined: privileged ? now : existing.joined, confirm: privileged, createdAt: existing.createdAt, updatedAt: now } as MemberRow;
  }
  Object.assign(member, {
    userName: invitee.name, userEmail: invitee.email ?? "", userPhone: invitee.phone ?? "", userAccessedAt: invitee.accessedAt, mfa: false,
  });
  const model = membershipModel(member, team.name, privileged);
  statements.push(recountTeam(db, projectId, team.id, now));
  statements.push(
    recordEvent(db, {
      projectId, pattern: "teams.[teamId].memberships.[membershipId].create", params: { teamId: team.id, membershipId: member.id },
      payload: model, roles: teamRoles(team.id), userId: caller.user?.id,
    }),
  );
  if (!privileged) {
    const link = withQuery(a.url!, { membershipId: member.id, userId: invitee.id, secret, teamId: team.id, teamName: team.name });
    const extra = await sendInvitation(c, { to: { email, phone }, link, team, inviter: caller.user, inviteeName: invitee.name || name });
    statements.push(...extra);
  }
  try {
    await db.batch(statements as unknown as Parameters<typeof db.batch>[0]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppwriteError(existing ? "membership_already_confirmed" : "user_already_exists");
    throw e;
  }
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, model, 201);
});

teamsRoutes.get("/:teamId/memberships", async (c) => {
  const caller = requireScope(c, "teams.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  const team = await loadTeam(c.var.db, caller, projectId, c.req.param("teamId"));
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: MEMBER_FROM,
      columns: MEMBER_COLUMNS,
      base: (b) => [`m.project_id = ${b.bind(projectId)}`, `m.team_id = ${b.bind(team.id)}`, searchClause(b, "(m.id || ' ' || m.user_id)", a.search)].join(" AND "),
      resolve: membershipResolver,
      sequence: "m.seq",
      id: "m.id",
    },
    prepareQueries(a.queries),
    a.total,
  );
  const visible = membershipPrivacy(c.var.project, caller.privileged);
  return json(c, list("memberships", result.rows.map((r) => membershipModel(memberFromRaw(r), team.name, caller.privileged, visible)), result.total));
});

/** Team (readable by the caller) and one of its memberships, with Appwrite's error order. */
async function teamAndMember(c: Ctx) {
  const caller = c.var.caller;
  const projectId = c.var.project.id;
  const team = await loadTeam(c.var.db, caller, projectId, c.req.param("teamId")!);
  const member = await loadMember(c.var.d1, projectId, c.req.param("membershipId")!);
  if (!member) throw new AppwriteError("membership_not_found");
  if (member.teamId !== team.id) throw new AppwriteError("team_membership_mismatch");
  return { team, member };
}

teamsRoutes.get("/:teamId/memberships/:membershipId", async (c) => {
  const caller = requireScope(c, "teams.read");
  const { team, member } = await teamAndMember(c);
  return json(c, membershipModel(member, team.name, caller.privileged, membershipPrivacy(c.var.project, caller.privileged)));
});

teamsRoutes.patch("/:teamId/memberships/:membershipId", async (c) => {
  const caller = requireScope(c, "teams.write");
  const a = await params(c, { roles: roleKeys(81) });
  const { team, member } = await teamAndMember(c);
  if (!isTeamOwner(caller, team.id)) throw new AppwriteError("user_unauthorized", "User is not allowed to modify roles");
  assertRolesGrantable(c, a.roles);
  const db = c.var.db;
  const projectId = c.var.project.id;
  const now = Date.now();
  const model = membershipModel({ ...member, roles: a.roles, updatedAt: now }, team.name, caller.privileged);
  await db.batch([
    db.update(memberships).set({ roles: a.roles, updatedAt: now }).where(and(eq(memberships.projectId, projectId), eq(memberships.id, member.id))),
    recordEvent(db, {
      projectId, pattern: "teams.[teamId].memberships.[membershipId].update", params: { teamId: team.id, membershipId: member.id },
      payload: model, roles: teamRoles(team.id), userId: caller.user?.id,
    }),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return json(c, model);
});

teamsRoutes.delete("/:teamId/memberships/:membershipId", async (c) => {
  const caller = requireScope(c, "teams.write");
  const db = c.var.db;
  const projectId = c.var.project.id;
  const member = await loadMember(c.var.d1, projectId, c.req.param("membershipId"));
  if (!member) throw new AppwriteError("team_invite_not_found");
  const team = await loadTeam(db, caller, projectId, c.req.param("teamId"));
  if (member.teamId !== team.id) throw new AppwriteError("team_membership_mismatch");
  if (!caller.privileged && !isAllowed(caller.roles, membershipPermissions(team.id, member.userId), "delete")) throw new AppwriteError("user_unauthorized");
  const now = Date.now();
  await db.batch([
    db.delete(memberships).where(and(eq(memberships.projectId, projectId), eq(memberships.id, member.id))),
    recountTeam(db, projectId, team.id, now),
    recordEvent(db, {
      projectId, pattern: "teams.[teamId].memberships.[membershipId].delete", params: { teamId: team.id, membershipId: member.id },
      payload: membershipModel(member, team.name, false), roles: teamRoles(team.id), userId: caller.user?.id,
    }),
  ]);
  scheduleDispatch(c.env, c.executionCtx, c.var.project.id);
  return noContent(c);
});

/** Accept an invitation: confirms the membership and, when nobody is signed in, signs the invitee in. */
teamsRoutes.patch("/:teamId/memberships/:membershipId/status", async (c) => {
  requireScope(c, "public");
  const a = await params(c, { userId: p.uid(), secret: p.string({ max: 256 }) });
  const db = c.var.db;
  const projectId = c.var.project.id;
  const member = await loadMember(c.var.d1, projectId, c.req.param("membershipId"));
  if (!member) throw new AppwriteError("membership_not_found");
  const [team] = await db.select().from(teams).where(and(eq(teams.projectId, projectId), eq(teams.id, c.req.param("teamId")))).limit(1);
  if (!team) throw new AppwriteError("team_not_found");
  if (member.teamId !== team.id) throw new AppwriteError("team_membership_mismatch");
  const [row] = await db.select({ secretHash: memberships.secretHash }).from(memberships).where(and(eq(memberships.projectId, projectId), eq(memberships.id, member.id))).limit(1);
  if (!row?.secretHash || !verifySecret(a.secret, row.secretHash)) throw new AppwriteError("team_invalid_secret");
  const current = c.var.caller.user;
  const mismatch = () => new AppwriteError("team_invite_mismatch", `Invite does not belong to current user (${current?.email ?? ""})`);
  if (a.userId !== member.userId) throw mismatch();
  if (current && current.id !== member.userId) throw mismatch();
  if (member.confirm) throw new AppwriteError("membership_already_confirmed");
  return acceptInvitation(c, { team, member });
});

// A deleted project takes its MFA and OAuth2 rows with it (teams and memberships are platform tables).
onProjectDelete(async (_env, db, projectId) => {
  await db.batch([
    db.delete(authenticators).where(eq(authenticators.projectId, projectId)),
    db.delete(challenges).where(eq(challenges.projectId, projectId)),
    db.delete(identities).where(eq(identities.projectId, projectId)),
  ]);
});
