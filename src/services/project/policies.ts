/**
 * `/v1/project/policies/*` (SDK 27 `Project.listPolicies/getPolicy/update*Policy`). Each policy is a view of
 * `projects.settings.auth` under the keys the auth code reads (policy.ts, settings.ts) and the legacy console
 * routes write (auth/console-routes.ts): one source of truth. Updates answer the Project model, except
 * password-strength, which answers its policy (as Appwrite does).
 */
import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { lookup } from "../../core/input";
import { p, params } from "../../core/params";
import { json, list } from "../../core/response";
import type { Project } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { projectModel } from "../../platform/models";
import { authPolicy, passwordStrength } from "../auth/policy";
import { authOf, invalidateSessionsEnabled, membershipPrivacy, sessionAlertsEnabled } from "../auth/settings";
import { limitOffset, projectOf } from "./scope";
import { setAuthSettings, setSettings, type SettingsPath } from "./store";

export const policyRoutes = new Hono<AppEnv>();

const READ = ["policies.read", "project.policies.read"] as const;
const WRITE = ["policies.write", "project.policies.write"] as const;

/** Every policy's current value, in Appwrite's order (its `$id` → the model). */
function policies(project: Project): Record<string, unknown>[] {
  const a = authOf(project);
  const pol = authPolicy(project);
  const privacy = membershipPrivacy(project, false);
  const enabled = (v: boolean) => ({ enabled: v });
  const entries: [string, object][] = [
    ["password-dictionary", enabled(pol.passwordDictionary)],
    ["password-history", { total: pol.passwordHistory }],
    ["password-strength", pol.passwordStrength],
    ["password-personal-data", enabled(pol.personalDataCheck)],
    ["session-alert", enabled(sessionAlertsEnabled(project))],
    ["session-duration", { duration: pol.duration }],
    ["session-invalidation", enabled(invalidateSessionsEnabled(project))],
    ["session-limit", { total: pol.sessionsLimit }],
    ["user-limit", { total: pol.limit }],
    ["membership-privacy", {
      userId: privacy.userId, userEmail: privacy.userEmail, userPhone: privacy.userPhone, userName: privacy.userName,
      userMFA: privacy.mfa, userAccessedAt: a.membershipsUserAccessedAt !== false,
    }],
    ["mfa-factors", { totp: true, email: true, phone: true, custom: false, ...((a.mfaFactors ?? {}) as object) }],
    ["deny-aliased-email", enabled(pol.emails.canonical)],
    ["deny-corporate-email", enabled(pol.emails.corporate)],
    ["deny-disposable-email", enabled(pol.emails.disposable)],
    ["deny-free-email", enabled(pol.emails.free)],
  ];
  return entries.map(([$id, v]) => ({ $id, ...v }));
}

policyRoutes.get("/", async (c) => {
  requireScope(c, ...READ);
  const project = await projectOf(c);
  const all = policies(project);
  const { page, total } = await limitOffset(c, all);
  return json(c, list("policies", page, total));
});

policyRoutes.get("/:policyId", async (c) => {
  requireScope(c, ...READ);
  const project = await projectOf(c);
  const all = policies(project);
  const id = c.req.param("policyId");
  const found = all.find((x) => x.$id === id);
  if (!found) throw new AppwriteError("general_argument_invalid", `Invalid \`policyId\` param: Value must be one of (${all.map((x) => x.$id).join(", ")})`);
  return json(c, found);
});

/** A policy update: scope first, then params, then one settings write; answers the Project model. */
function update(name: string, read: (c: Ctx) => Promise<Record<string, unknown>>): void {
  policyRoutes.patch(`/${name}`, async (c) => {
    requireScope(c, ...WRITE);
    const project = await projectOf(c);
    const row = await setAuthSettings(c, project.id, await read(c));
    return json(c, projectModel(row));
  });
}

const flag = (key: string) => async (c: Ctx) => ({ [key]: (await params(c, { enabled: p.boolean() })).enabled });

update("password-dictionary", flag("passwordDictionary"));
update("password-personal-data", flag("personalDataCheck"));
update("session-alert", flag("sessionAlerts"));
update("session-invalidation", flag("invalidateSessions"));
update("deny-aliased-email", flag("canonicalEmails"));
update("deny-corporate-email", flag("corporateEmails"));
update("deny-disposable-email", flag("disposableEmails"));
update("deny-free-email", flag("freeEmails"));
// `total: null` turns these off (Appwrite's Nullable ranges).
update("password-history", async (c) => ({ passwordHistory: (await params(c, { total: p.default(p.integer({ min: 1, max: 20 }), 0) })).total }));
update("user-limit", async (c) => ({ limit: (await params(c, { total: p.default(p.integer({ min: 0, max: 10000 }), 0) })).total }));
update("session-limit", async (c) => ({ sessionsLimit: (await params(c, { total: p.integer({ min: 1, max: 100 }) })).total }));
update("session-duration", async (c) => ({ duration: (await params(c, { duration: p.integer({ min: 60, max: 31536000 }) })).duration }));

/** Unset params keep their value. */
const PRIVACY_KEYS = lookup({
  userId: "membershipsUserId", userEmail: "membershipsUserEmail", userPhone: "membershipsUserPhone",
  userName: "membershipsUserName", userMFA: "membershipsMfa", userAccessedAt: "membershipsUserAccessedAt",
});
update("membership-privacy", async (c) => {
  const b = p.optional(p.boolean());
  const a = await params(c, { userId: b, userEmail: b, userPhone: b, userName: b, userMFA: b, userAccessedAt: b });
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) values[PRIVACY_KEYS[k]!] = v;
  return values;
});

/** Each given rule is its own json_set path, so concurrent changes of different rules both stay. */
policyRoutes.patch("/password-strength", async (c) => {
  requireScope(c, ...WRITE);
  const project = await projectOf(c);
  const b = p.optional(p.boolean());
  const a = await params(c, { min: p.optional(p.integer({ min: 8, max: 256 })), uppercase: b, lowercase: b, number: b, symbols: b });
  const given = Object.entries(a).filter(([, v]) => v !== undefined).map(([k, v]) => [["auth", "passwordStrength", k], v] as [SettingsPath, unknown]);
  const row = given.length ? await setSettings(c, project.id, given) : project;
  return json(c, { $id: "password-strength", ...passwordStrength(authOf(row)) });
});
