/**
 * Console auth policy routes, Appwrite's console shape (Modules/Project/Http/Project/Policies/*, AuthMethods/Update):
 * PATCH /v1/projects/{projectId}/auth/{limit|duration|max-sessions|password-history|password-dictionary|personal-data
 *   |session-alerts|session-invalidation|memberships-privacy|<method>} → the Project model. Count params are `total` (current console) or
 * `limit` (older console). Admin only.
 *
 * Settings live in `projects.settings.auth` under Appwrite's `auths` keys (sessionAlerts, membershipsUserName,
 * emailPassword, usersAuthMagicURL …); settings.ts reads them at request time and maps them onto the Project model.
 */
import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { collectParams, p, validate } from "../../core/params";
import { json } from "../../core/response";
import { projects, type Project } from "../../db/schema";
import { requireProjectAccess } from "../../platform/console-access";
import type { AppEnv, Ctx } from "../../platform/context";
import { projectModel } from "../../platform/models";
import { AUTH_METHODS, type AuthMethod } from "./settings";
import { setAuthSettings } from "../project/store";
import { hasOwn } from "../../core/input";

export const authConsoleRoutes = new Hono<AppEnv>();

/** A project policy route (Appwrite's `policies.write`/`project.policies.write`), authorized before any parameter. */
function policy(name: string, handler: (c: Ctx) => Promise<Response>): void {
  authConsoleRoutes.patch(`/:projectId/auth/${name}`, async (c) => {
    await requireProjectAccess(c, c.req.param("projectId")!, "policies.write", "project.policies.write");
    return handler(c);
  });
}

async function setAuth(c: Ctx, key: string, value: unknown) {
  return setAuthMany(c, { [key]: value });
}

/** One json_set per key (services/project/store.ts): concurrent policy changes never undo each other. */
async function setAuthMany(c: Ctx, values: Record<string, unknown>) {
  return json(c, projectModel(await setAuthSettings(c, c.req.param("projectId")!, values)));
}

/** `total` (new console) or `limit` (old console); null → the "off" value. */
async function count(c: Ctx, range: { min: number; max: number }, off: number | null): Promise<number> {
  const raw = await collectParams(c);
  const name = raw.total !== undefined ? "total" : "limit";
  const value = raw[name];
  if (value === null && off !== null) return off;
  return validate({ [name]: value }, { [name]: p.integer(range) })[name] as number;
}

policy("limit", async (c) => setAuth(c, "limit", await count(c, { min: 0, max: 10000 }, 0)));
policy("max-sessions", async (c) => setAuth(c, "sessionsLimit", await count(c, { min: 1, max: 100 }, null)));
policy("password-history", async (c) => setAuth(c, "passwordHistory", await count(c, { min: 0, max: 20 }, 0)));
policy("duration", async (c) => {
  const a = validate(await collectParams(c), { duration: p.integer({ min: 60, max: 31536000 }) });
  return setAuth(c, "duration", a.duration);
});
policy("password-dictionary", async (c) => {
  const a = validate(await collectParams(c), { enabled: p.boolean() });
  return setAuth(c, "passwordDictionary", a.enabled);
});
policy("personal-data", async (c) => {
  const a = validate(await collectParams(c), { enabled: p.boolean() });
  return setAuth(c, "personalDataCheck", a.enabled);
});

// ---- session alerts, memberships privacy, per-method toggles ------------------------------------------


policy("session-alerts", async (c) => {
  const a = validate(await collectParams(c), { alerts: p.optional(p.boolean()), enabled: p.optional(p.boolean()) });
  const value = a.alerts ?? a.enabled;
  if (value === undefined) throw new AppwriteError("general_argument_invalid", "Param \"alerts\" is not optional.");
  return setAuth(c, "sessionAlerts", value);
});

/** Appwrite's policies/session-invalidation (alias …/auth/session-invalidation): `enabled`. */
policy("session-invalidation", async (c) => {
  const a = validate(await collectParams(c), { enabled: p.boolean() });
  return setAuth(c, "invalidateSessions", a.enabled);
});

/** Older console: userName, userEmail, mfa; current: also userId, userPhone, userMFA. Unset params keep their value. */
policy("memberships-privacy", async (c) => {
  const a = validate(await collectParams(c), {
    userName: p.optional(p.boolean()), userEmail: p.optional(p.boolean()), mfa: p.optional(p.boolean()),
    userMFA: p.optional(p.boolean()), userId: p.optional(p.boolean()), userPhone: p.optional(p.boolean()),
  });
  const values: Record<string, unknown> = {};
  if (a.userName !== undefined) values.membershipsUserName = a.userName;
  if (a.userEmail !== undefined) values.membershipsUserEmail = a.userEmail;
  if ((a.mfa ?? a.userMFA) !== undefined) values.membershipsMfa = a.mfa ?? a.userMFA;
  if (a.userId !== undefined) values.membershipsUserId = a.userId;
  if (a.userPhone !== undefined) values.membershipsUserPhone = a.userPhone;
  return setAuthMany(c, values);
});

/** PATCH …/auth/{method} {status|enabled}: enable or disable one auth method (registered last: literal routes win). */
authConsoleRoutes.patch("/:projectId/auth/:method", async (c) => {
  await requireProjectAccess(c, c.req.param("projectId")!, "project.write");
  const method = c.req.param("method");
  if (!hasOwn(AUTH_METHODS, method)) {
    throw new AppwriteError("general_argument_invalid", `Invalid \`methodId\` param: Value must be one of (${Object.keys(AUTH_METHODS).join(", ")})`);
  }
  const raw = await collectParams(c);
  const name = raw.status !== undefined ? "status" : "enabled";
  const a = validate({ [name]: raw[name] }, { [name]: p.boolean() });
  return setAuth(c, AUTH_METHODS[method as AuthMethod].key, a[name]);
});
