/**
 * Impersonation, as Appwrite 1.9.6 (app/init/resources/request.php): a signed-in user whose `impersonator`
 * flag is set (PATCH /v1/users/{userId}/impersonator) acts as another user of the project by sending
 * `X-Appwrite-Impersonate-User-Id` / `-Email` / `-Phone` (or the `impersonateUserId` / `impersonateEmail` /
 * `impersonatePhone` query params, for URLs where headers cannot be set). The request then runs with the
 * target's identity and roles; the User/Account model shows `impersonatorUserId`, and audit rows stay
 * attributed to the impersonator (src/services/auth/audit.ts). An unknown target, or a caller without the
 * flag, leaves the request as it was. Impersonators also hold `users.read` so they can pick a target.
 * API keys do not impersonate (they have no user). Realtime connections read the same headers and params.
 * A blocked impersonator impersonates nobody: the request stays theirs, so the caller's block check refuses it
 * (Appwrite checks only the target's status, which would let a blocked account keep acting through others).
 */
import { and, eq } from "drizzle-orm";
import { memberships, users, type Project, type User } from "../db/schema";
import type { DB } from "../db/client";
import type { Caller } from "./context";
import { userRoles } from "./roles";

/** The request as impersonation reads it (Hono's `c.req`, for HTTP and realtime upgrades alike). */
interface Req {
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

/** Header first, then the query param (either spelling Appwrite reads). */
function requested(req: Req, name: "id" | "email" | "phone", param: string): string {
  return req.header(`x-appwrite-impersonate-user-${name}`) || req.query(param.toLowerCase()) || req.query(param) || "";
}

async function findTarget(req: Req, db: DB, projectId: string): Promise<User | undefined> {
  const byId = requested(req, "id", "impersonateUserId");
  const byEmail = requested(req, "email", "impersonateEmail");
  const byPhone = requested(req, "phone", "impersonatePhone");
  const match = byId ? eq(users.id, byId) : byEmail ? eq(users.email, byEmail.toLowerCase()) : byPhone ? eq(users.phone, byPhone) : null;
  if (!match) return undefined;
  const [row] = await db.select().from(users).where(and(eq(users.projectId, projectId), match)).limit(1);
  return row;
}

export async function applyImpersonation(req: Req, db: DB, project: Project, caller: Caller): Promise<Caller> {
  const actor = caller.user;
  if (!actor?.impersonator || !actor.status) return caller;
  const scopes = new Set([...caller.scopes, "users.read"]);
  const target = await findTarget(req, db, project.id);
  if (!target) return { ...caller, scopes };
  const rows = await db.select().from(memberships).where(and(eq(memberships.projectId, project.id), eq(memberships.userId, target.id)));
  return { ...caller, user: target, memberships: rows, roles: userRoles(target, rows), scopes, impersonator: actor };
}
