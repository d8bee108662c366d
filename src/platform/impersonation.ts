/**
 * Impersonation, as Appwrite 1.9.6 (app/init/resources/request.php): a signed-in user whose `impersonator`
 * flag is set (PATCH /v1/users/{userId}/impersonator) acts as another user of the project by sending
 * `X-Appwrite-Impersonate-User-Id` / `-Email` / `-Phone` (or the `impersonateUserId` / `impersonateEmail` /
 * `impersonatePhone` query params, for URLs where headers cannot be set). The request then runs with the
 * target's identity and roles; the User/Account model shows `impersonatorUserId`, and audit rows stay
 * attributed to the impersonator (src/services/auth/audit.ts). An unknown target, or a caller without the
 * flag, leaves the request as it was. Impersonators also hold `users.read` so they can pick a target.
 * API keys do not impersonate (they have no user).
 */
import { and, eq } from "drizzle-orm";
import { memberships, users, type Project, type User } from "../db/schema";
import type { Caller, Ctx } from "./context";
import { userRoles } from "./roles";

/** Header first, then the query param (either spelling Appwrite reads). */
function requested(c: Ctx, name: "id" | "email" | "phone", param: string): string {
  return c.req.header(`x-appwrite-impersonate-user-${name}`) || c.req.query(param.toLowerCase()) || c.req.query(param) || "";
}

async function findTarget(c: Ctx, projectId: string): Promise<User | undefined> {
  const db = c.var.db;
  const byId = requested(c, "id", "impersonateUserId");
  const byEmail = requested(c, "email", "impersonateEmail");
  const byPhone = requested(c, "phone", "impersonatePhone");
  const match = byId ? eq(users.id, byId) : byEmail ? eq(users.email, byEmail.toLowerCase()) : byPhone ? eq(users.phone, byPhone) : null;
  if (!match) return undefined;
  const [row] = await db.select().from(users).where(and(eq(users.projectId, projectId), match)).limit(1);
  return row;
}

export async function applyImpersonation(c: Ctx, project: Project, caller: Caller): Promise<Caller> {
  const actor = caller.user;
  if (!actor?.impersonator) return caller;
  const scopes = new Set([...caller.scopes, "users.read"]);
  const target = await findTarget(c, project.id);
  if (!target) return { ...caller, scopes };
  const rows = await c.var.db.select().from(memberships).where(and(eq(memberships.projectId, project.id), eq(memberships.userId, target.id)));
  return { ...caller, user: target, memberships: rows, roles: userRoles(target, rows), scopes, impersonator: actor };
}
