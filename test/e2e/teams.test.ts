import { beforeAll, describe, expect, it } from "vitest";
import { Account, AppwriteException, Client, ID, Query, Teams, Users } from "node-appwrite";
import { consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";

let project: TestProject;
let teams: Teams;
beforeAll(async () => {
  project = await createProject("teams");
  teams = new Teams(project.server());
});

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected an error"); }, (e: AppwriteException) => e);

describe("teams with an API key (node-appwrite 27.1.0)", () => {
  it("creates, reads, renames, lists, searches and deletes teams", async () => {
    const team = await teams.create({ teamId: "alpha", name: "Alpha Squad" });
    expect(team).toMatchObject({ $id: "alpha", name: "Alpha Squad", total: 0, prefs: {} });
    expect(team.$createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    const dup = await fail(teams.create({ teamId: "alpha", name: "again" }));
    expect([dup.code, dup.type]).toEqual([409, "team_already_exists"]);

    const generated = await teams.create({ teamId: ID.unique(), name: "Beta" });
    expect(generated.$id).toMatch(/^[0-9a-f]{20}$/);

    expect((await teams.get({ teamId: "alpha" })).name).toBe("Alpha Squad");
    expect((await teams.updateName({ teamId: "alpha", name: "Alpha Team" })).name).toBe("Alpha Team");

    const all = await teams.list();
    expect(all.total).toBe(2);
    expect(all.teams.map((t) => t.$id).sort()).toEqual(["alpha", generated.$id].sort());
    const byName = await teams.list({ queries: [Query.equal("name", ["Beta"])] });
    expect(byName.teams.map((t) => t.$id)).toEqual([generated.$id]);
    const searched = await teams.list({ search: "alpha" });
    expect(searched.teams.map((t) => t.$id)).toEqual(["alpha"]);
    const page = await teams.list({ queries: [Query.limit(1), Query.orderDesc("$createdAt")], total: false });
    expect(page).toMatchObject({ total: 0 });
    expect(page.teams).toHaveLength(1);
    const badAttr = await fail(teams.list({ queries: [Query.equal("secret", ["x"])] }));
    expect([badAttr.code, badAttr.type]).toEqual([400, "general_query_invalid"]);

    await teams.delete({ teamId: generated.$id });
    const gone = await fail(teams.get({ teamId: generated.$id }));
    expect([gone.code, gone.type]).toEqual([404, "team_not_found"]);
  });

  it("stores prefs as an object and replaces them on update", async () => {
    await teams.create({ teamId: "prefs", name: "Prefs" });
    expect(await teams.getPrefs({ teamId: "prefs" })).toEqual({});
    expect(await teams.updatePrefs({ teamId: "prefs", prefs: { theme: "dark", n: 1 } })).toEqual({ theme: "dark", n: 1 });
    expect(await teams.updatePrefs({ teamId: "prefs", prefs: { lang: "en" } })).toEqual({ lang: "en" });
    expect((await teams.get({ teamId: "prefs" })).prefs).toEqual({ lang: "en" });
    const bad = await raw("PUT", "/teams/prefs/prefs", {
      headers: { "content-type": "application/json", "x-appwrite-project": project.projectId, "x-appwrite-key": project.key },
      body: JSON.stringify({ prefs: [1, 2] }),
    });
    expect([bad.status, bad.body.type]).toEqual([400, "general_argument_invalid"]);
  });

  it("adds members at once from an API key; total counts confirmed members; roles update; delete removes", async () => {
    await teams.create({ teamId: "crew", name: "Crew" });
    const m = await teams.createMembership({ teamId: "crew", roles: ["editor"], email: "Crew.Member@Example.com", name: "Crew Member" });
    expect(m).toMatchObject({ teamId: "crew", teamName: "Crew", roles: ["editor"], confirm: true, userEmail: "crew.member@example.com", userName: "Crew Member", mfa: false });
    expect(m.joined).not.toBe("");
    expect(m.invited).not.toBe("");
    expect((await teams.get({ teamId: "crew" })).total).toBe(1);

    // The invited user was created on the fly; inviting the same user again is a conflict.
    const again = await fail(teams.createMembership({ teamId: "crew", roles: ["x"], userId: m.userId }));
    expect([again.code, again.type]).toEqual([409, "membership_already_confirmed"]);
    const mismatch = await fail(teams.createMembership({ teamId: "crew", roles: ["x"], userId: m.userId, email: "other@example.com" }));
    expect([mismatch.code, mismatch.type]).toEqual([409, "user_already_exists"]);
    const noUser = await fail(teams.createMembership({ teamId: "crew", roles: ["x"], userId: "nobody" }));
    expect([noUser.code, noUser.type]).toEqual([404, "user_not_found"]);
    const nothing = await fail(teams.createMembership({ teamId: "crew", roles: ["x"] }));
    expect([nothing.code, nothing.type, nothing.message]).toEqual([400, "general_argument_invalid", "At least one of userId, email, or phone is required"]);
    const badRole = await fail(teams.createMembership({ teamId: "crew", roles: ["-bad"], email: "r@example.com" }));
    expect([badRole.code, badRole.type]).toEqual([400, "general_argument_invalid"]);
    const noTeam = await fail(teams.createMembership({ teamId: "nope", roles: ["x"], email: "r@example.com" }));
    expect([noTeam.code, noTeam.type]).toEqual([404, "team_not_found"]);

    const listed = await teams.listMemberships({ teamId: "crew" });
    expect(listed.total).toBe(1);
    expect(listed.memberships[0]).toMatchObject({ $id: m.$id, userId: m.userId, userEmail: "crew.member@example.com" });
    expect((await teams.listMemberships({ teamId: "crew", queries: [Query.equal("confirm", [false])] })).total).toBe(0);
    expect((await teams.listMemberships({ teamId: "crew", queries: [Query.contains("roles", ["editor"])] })).total).toBe(1);
    expect((await teams.listMemberships({ teamId: "crew", search: m.userId })).total).toBe(1);

    const updated = await teams.updateMembership({ teamId: "crew", membershipId: m.$id, roles: ["admin", "editor"] });
    expect(updated.roles).toEqual(["admin", "editor"]);
    expect((await teams.getMembership({ teamId: "crew", membershipId: m.$id })).roles).toEqual(["admin", "editor"]);

    await teams.create({ teamId: "other", name: "Other" });
    const wrongTeam = await fail(teams.getMembership({ teamId: "other", membershipId: m.$id }));
    expect([wrongTeam.code, wrongTeam.type]).toEqual([404, "team_membership_mismatch"]);
    const missing = await fail(teams.getMembership({ teamId: "crew", membershipId: "missing" }));
    expect([missing.code, missing.type]).toEqual([404, "membership_not_found"]);

    await teams.deleteMembership({ teamId: "crew", membershipId: m.$id });
    expect((await teams.get({ teamId: "crew" })).total).toBe(0);
    expect((await teams.listMemberships({ teamId: "crew" })).total).toBe(0);
  });

  it("deleting a team deletes its memberships", async () => {
    await teams.create({ teamId: "doomed", name: "Doomed" });
    const m = await teams.createMembership({ teamId: "doomed", roles: [], email: "doomed@example.com" });
    await teams.delete({ teamId: "doomed" });
    await teams.create({ teamId: "doomed", name: "Reborn" });
    expect((await teams.get({ teamId: "doomed" })).total).toBe(0);
    const gone = await fail(teams.getMembership({ teamId: "doomed", membershipId: m.$id }));
    expect(gone.type).toBe("membership_not_found");
  });

  it("lists a user's memberships through the Users API", async () => {
    await teams.create({ teamId: "u1", name: "U One" });
    await teams.create({ teamId: "u2", name: "U Two" });
    const a = await teams.createMembership({ teamId: "u1", roles: ["r1"], email: "multi@example.com" });
    await teams.createMembership({ teamId: "u2", roles: ["r2"], userId: a.userId });
    const r = await new Users(project.server()).listMemberships({ userId: a.userId });
    expect(r.total).toBe(2);
    expect(r.memberships.map((m) => m.teamName).sort()).toEqual(["U One", "U Two"]);
    const filtered = await raw("GET", `/users/${a.userId}/memberships?queries[0]=${encodeURIComponent(JSON.stringify({ method: "equal", attribute: "teamId", values: ["u2"] }))}`, {
      headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key },
    });
    expect(filtered.body.memberships.map((m: { roles: string[] }) => m.roles)).toEqual([["r2"]]);
    const missing = await raw("GET", "/users/ghost/memberships", { headers: { "x-appwrite-project": project.projectId, "x-appwrite-key": project.key } });
    expect([missing.status, missing.body.type]).toEqual([404, "user_not_found"]);
  });

  it("guests cannot use teams; keys need the teams scopes", async () => {
    const err = await fail(new Teams(project.guest()).list());
    expect([err.code, err.type]).toEqual([401, "general_unauthorized_scope"]);
  });
});

/** A signed-in node client for a new user (server-created session, as an SSR app does). */
async function signedIn(email: string, name = "") {
  const users = new Users(project.server());
  const user = await users.create({ userId: ID.unique(), email, password: "correct-horse-battery", name });
  const session = await users.createSession({ userId: user.$id });
  const client = new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(session.secret);
  return { user, client, teams: new Teams(client) };
}

/** The newest message the local outbox holds for an address. */
async function lastMessage(to: string) {
  const r = await consoleCall("GET", `/projects/${project.projectId}/outbox?to=${encodeURIComponent(to)}`);
  return r.json.messages[0] as { subject: string; content: string } | undefined;
}

describe("teams from client sessions: invitation and acceptance", () => {
  it("a user's team makes them its owner; invitations go out by email and sign the invitee in on acceptance", async () => {
    const owner = await signedIn("owner@example.com", "Olivia Owner");
    const team = await owner.teams.create({ teamId: ID.unique(), name: "Client Team" });
    expect(team.total).toBe(1);
    const own = await owner.teams.listMemberships({ teamId: team.$id });
    expect(own.memberships).toHaveLength(1);
    expect(own.memberships[0]).toMatchObject({ userId: owner.user.$id, roles: ["owner"], confirm: true });

    // From a client, `url` is required and must point at a registered platform (localhost always is).
    const noUrl = await fail(owner.teams.createMembership({ teamId: team.$id, roles: ["editor"], email: "invitee@example.com" }));
    expect([noUrl.code, noUrl.type, noUrl.message]).toEqual([400, "general_argument_invalid", "URL is required"]);
    const badUrl = await fail(owner.teams.createMembership({ teamId: team.$id, roles: ["editor"], email: "invitee@example.com", url: "https://evil.example.net/accept" }));
    expect([badUrl.code, badUrl.type]).toEqual([400, "general_argument_invalid"]);
    expect(badUrl.message).toContain("evil.example.net");

    const invite = await owner.teams.createMembership({ teamId: team.$id, roles: ["editor"], email: "Invitee@Example.com", url: "http://localhost:3000/accept?from=mail" });
    expect(invite).toMatchObject({ confirm: false, joined: "", roles: ["editor"], userEmail: "invitee@example.com", teamName: "Client Team" });
    expect((await owner.teams.get({ teamId: team.$id })).total).toBe(1);

    const mail = await lastMessage("invitee@example.com");
    expect(mail?.subject).toContain("Client Team");
    const link = new URL(mail!.content.match(/http:\/\/localhost:3000\/accept\S+/)![0]);
    expect(link.searchParams.get("from")).toBe("mail");
    expect(link.searchParams.get("membershipId")).toBe(invite.$id);
    expect(link.searchParams.get("userId")).toBe(invite.userId);
    expect(link.searchParams.get("teamId")).toBe(team.$id);
    expect(link.searchParams.get("teamName")).toBe("Client Team");
    const secret = link.searchParams.get("secret")!;
    expect(secret.length).toBeGreaterThanOrEqual(64);

    // The invitation secret is never shown to the inviting client or listed.
    expect(JSON.stringify(invite)).not.toContain(secret);
    expect(JSON.stringify(await owner.teams.listMemberships({ teamId: team.$id }))).not.toContain(secret);

    const guest = new Teams(project.guest());
    const wrongSecret = await fail(guest.updateMembershipStatus({ teamId: team.$id, membershipId: invite.$id, userId: invite.userId, secret: "0".repeat(128) }));
    expect([wrongSecret.code, wrongSecret.type]).toEqual([401, "team_invalid_secret"]);
    const wrongUser = await fail(guest.updateMembershipStatus({ teamId: team.$id, membershipId: invite.$id, userId: owner.user.$id, secret }));
    expect([wrongUser.code, wrongUser.type]).toEqual([401, "team_invite_mismatch"]);
    // Someone else's session cannot accept it either.
    const wrongSession = await fail(owner.teams.updateMembershipStatus({ teamId: team.$id, membershipId: invite.$id, userId: invite.userId, secret }));
    expect([wrongSession.code, wrongSession.type]).toEqual([401, "team_invite_mismatch"]);

    const accepted = await raw("PATCH", `/teams/${team.$id}/memberships/${invite.$id}/status`, {
      headers: { "content-type": "application/json", "x-appwrite-project": project.projectId },
      body: JSON.stringify({ userId: invite.userId, secret }),
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ $id: invite.$id, confirm: true, userId: invite.userId });
    expect(accepted.body.joined).not.toBe("");
    const cookies = accepted.headers.getSetCookie();
    const cookie = cookies.find((c) => c.startsWith(`a_session_${project.projectId}=`))!;
    expect(cookie).toContain("HttpOnly");
    expect(cookies.some((c) => c.startsWith(`a_session_${project.projectId}_legacy=`))).toBe(true);

    // The cookie is a working session of the invitee, whose email the invitation verified.
    const invitee = new Client().setEndpoint(endpoint).setProject(project.projectId).setCookie(cookie.split(";")[0]!);
    const me = await new Account(invitee).get();
    expect(me).toMatchObject({ $id: invite.userId, email: "invitee@example.com", emailVerification: true });
    // Team roles apply at once: the new member reads the team, which now counts two members.
    expect((await new Teams(invitee).get({ teamId: team.$id })).total).toBe(2);

    const reused = await fail(guest.updateMembershipStatus({ teamId: team.$id, membershipId: invite.$id, userId: invite.userId, secret }));
    expect([reused.code, reused.type]).toEqual([409, "membership_already_confirmed"]);
  });

  it("only owners invite, rename, change roles or delete; members can leave; outsiders see nothing", async () => {
    const owner = await signedIn("boss@example.com");
    const member = await signedIn("member@example.com");
    const outsider = await signedIn("outsider@example.com");
    const team = await owner.teams.create({ teamId: ID.unique(), name: "Gated", roles: ["lead"] });
    const mine = (await owner.teams.listMemberships({ teamId: team.$id })).memberships[0]!;
    expect(mine.roles.sort()).toEqual(["lead", "owner"]);
    // The member joins through the API key (confirmed at once).
    const m = await teams.createMembership({ teamId: team.$id, roles: ["viewer"], userId: member.user.$id });

    expect((await member.teams.list()).teams.map((t) => t.$id)).toEqual([team.$id]);
    expect((await outsider.teams.list()).total).toBe(0);
    const hidden = await fail(outsider.teams.get({ teamId: team.$id }));
    expect([hidden.code, hidden.type]).toEqual([404, "team_not_found"]);

    const invite = await fail(member.teams.createMembership({ teamId: team.$id, roles: [], email: "x@example.com", url: "http://localhost/a" }));
    expect([invite.code, invite.type]).toEqual([401, "user_unauthorized"]);
    // No user was left behind by the refused invitation.
    expect((await new Users(project.server()).list({ queries: [Query.equal("email", ["x@example.com"])] })).total).toBe(0);
    const rename = await fail(member.teams.updateName({ teamId: team.$id, name: "Mine now" }));
    expect([rename.code, rename.type]).toEqual([401, "user_unauthorized"]);
    const roles = await fail(member.teams.updateMembership({ teamId: team.$id, membershipId: m.$id, roles: ["owner"] }));
    expect([roles.code, roles.type]).toEqual([401, "user_unauthorized"]);
    const prefs = await fail(member.teams.updatePrefs({ teamId: team.$id, prefs: { a: 1 } }));
    expect([prefs.code, prefs.type]).toEqual([401, "user_unauthorized"]);
    const del = await fail(member.teams.delete({ teamId: team.$id }));
    expect([del.code, del.type]).toEqual([401, "user_unauthorized"]);
    const kick = await fail(member.teams.deleteMembership({ teamId: team.$id, membershipId: mine.$id }));
    expect([kick.code, kick.type]).toEqual([401, "user_unauthorized"]);

    // Promotion takes effect on the member's very next request.
    await owner.teams.updateMembership({ teamId: team.$id, membershipId: m.$id, roles: ["owner"] });
    expect((await member.teams.updateName({ teamId: team.$id, name: "Shared" })).name).toBe("Shared");

    // A member may leave; then the team is hidden from them again.
    await member.teams.deleteMembership({ teamId: team.$id, membershipId: m.$id });
    expect((await member.teams.list()).total).toBe(0);
    expect((await owner.teams.get({ teamId: team.$id })).total).toBe(1);
    await owner.teams.delete({ teamId: team.$id });
  });
});
