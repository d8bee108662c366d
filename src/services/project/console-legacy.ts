/**
 * The console's per-project routes for the same settings (Appwrite 1.9.6 aliases, used by appwrite-cli 12's
 * `push settings`): …/service {service|serviceId, status|enabled},
 * …/api {api|protocolId, status|enabled}, …/auth/mock-numbers {numbers}. The ADMIN_KEY or the caller's organization role; same store as /v1/project.
 */
import { Hono } from "hono";
import { eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { collectParams, p, params, validate } from "../../core/params";
import { json } from "../../core/response";
import { formatDate } from "../../core/time";
import { open } from "../../db/client";
import { projects } from "../../db/schema";
import { requireProjectAccess } from "../../platform/console-access";
import type { AppEnv, Ctx } from "../../platform/context";
import { projectModel } from "../../platform/models";
import { forgetProject } from "../../platform/projects";
import { PHONE, PHONE_DESCRIPTION } from "../users/users";
import { PROTOCOLS, SERVICES } from "./config";
import { setAuthSettings, setSettings } from "./store";

export const consoleLegacyRoutes = new Hono<AppEnv>();

/** Either name pair: the 1.9.6 alias takes the new names, the CLI sends the old ones. */
async function switchParams(c: Ctx, oldName: string, newName: string, ids: readonly string[]) {
  const raw = await collectParams(c);
  const idName = raw[newName] !== undefined ? newName : oldName;
  const flagName = raw.enabled !== undefined ? "enabled" : "status";
  const a = validate(raw, { [idName]: p.enum(ids as [string, ...string[]]), [flagName]: p.boolean() });
  return { id: a[idName] as string, enabled: a[flagName] as boolean };
}

consoleLegacyRoutes.patch("/:projectId/service", async (c) => {
  await requireProjectAccess(c, c.req.param("projectId")!, "project.write");
  const s = await switchParams(c, "service", "serviceId", SERVICES);
  return json(c, projectModel(await setSettings(c, c.req.param("projectId"), [[["services", s.id], s.enabled]])));
});

consoleLegacyRoutes.patch("/:projectId/api", async (c) => {
  await requireProjectAccess(c, c.req.param("projectId")!, "project.write");
  const s = await switchParams(c, "api", "protocolId", PROTOCOLS);
  return json(c, projectModel(await setSettings(c, c.req.param("projectId"), [[["apis", s.id], s.enabled]])));
});

/** Replaces the whole list (at most 10, no duplicate numbers), as Appwrite's backwards-compatible route does. */
consoleLegacyRoutes.patch("/:projectId/auth/mock-numbers", async (c) => {
  await requireProjectAccess(c, c.req.param("projectId")!, "projects.write");
  const a = await params(c, { numbers: p.array(p.object(), { max: 10 }) });
  const seen = new Set<string>();
  const now = formatDate(Date.now());
  const numbers = a.numbers.map((n) => {
    const phone = typeof n.phone === "string" ? n.phone : "";
    const otp = typeof n.otp === "string" ? n.otp : "";
    if (!PHONE.test(phone) || !/^\d{6}$/.test(otp)) throw new AppwriteError("general_argument_invalid", `Invalid \`numbers\` param: Value must a valid array no longer than 10 items and ${PHONE_DESCRIPTION}`);
    if (seen.has(phone)) throw new AppwriteError("general_bad_request", "Duplicate phone numbers are not allowed.");
    seen.add(phone);
    return { phone, otp, $createdAt: now, $updatedAt: now };
  });
  return json(c, projectModel(await setAuthSettings(c, c.req.param("projectId"), { mockNumbers: numbers })));
});
