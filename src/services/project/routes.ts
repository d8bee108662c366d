/**
 * `/v1/project` (SDK 27 `Project`, Appwrite's Modules/Project): the addressed project itself — get, delete,
 * auth methods, optional services, protocols, labels — plus its policies, mock phones, keys, SMTP, email templates
 * and OAuth2 providers; the same handlers serve the console's `/v1/projects/{projectId}/*` (consoleProjectRoutes).
 * Platforms (src/platform/platforms.ts) and variables (src/services/functions/variables.ts) are mounted on their own.
 */
import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { hasOwn } from "../../core/input";
import { p, params } from "../../core/params";
import { json, noContent } from "../../core/response";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { projectModel } from "../../platform/models";
import { AUTH_METHODS, type AuthMethod } from "../auth/settings";
import { PROTOCOLS, SERVICES } from "./config";
import { removeProject } from "../../platform/console";
import { consoleProject, currentProject } from "./access";
import { keyRoutes } from "./keys";
import { oauth2Routes } from "./oauth2";
import { smtpRoutes } from "./smtp";
import { templateResetRoutes, templateRoutes } from "./templates";
import { mockPhoneRoutes } from "./mock-phones";
import { policyRoutes } from "./policies";
import { projectOf } from "./scope";
import { setSettings, type SettingsPath } from "./store";

export const projectRoutes = new Hono<AppEnv>();

projectRoutes.route("/policies", policyRoutes);
projectRoutes.route("/mock-phones", mockPhoneRoutes);
projectRoutes.route("/keys", keyRoutes(currentProject, { console: false }));
projectRoutes.route("/oauth2", oauth2Routes(currentProject));
projectRoutes.route("/smtp", smtpRoutes(currentProject));
projectRoutes.route("/templates/email", templateRoutes(currentProject, false));

export const consoleProjectRoutes = new Hono<AppEnv>();
consoleProjectRoutes.route("/keys", keyRoutes(consoleProject, { console: true }));
consoleProjectRoutes.route("/smtp", smtpRoutes(consoleProject));
consoleProjectRoutes.route("/templates/email", templateResetRoutes(consoleProject));
consoleProjectRoutes.route("/templates/email", templateRoutes(consoleProject, true));

projectRoutes.get("/", async (c) => {
  requireScope(c, "project.read");
  return json(c, projectModel(await projectOf(c)));
});

projectRoutes.delete("/", async (c) => {
  requireScope(c, "project.write");
  const project = await projectOf(c);
  await removeProject(c, project);
  return noContent(c);
});

// SDK 27's OAuth2 server (Appwrite as an OpenID provider, newer than 1.9.6) is not built: Appwrite's error for it.
projectRoutes.put("/oauth2-server", async (c) => {
  requireScope(c, "oauth2.write");
  await projectOf(c);
  throw new AppwriteError("general_not_implemented");
});

const oneOf = (param: string, values: readonly string[]) =>
  new AppwriteError("general_argument_invalid", `Invalid \`${param}\` param: Value must be one of (${values.join(", ")})`);

/** PATCH /v1/project/{group}/{id} {enabled}: one switch, one json_set. */
async function toggle(c: Ctx, param: string, ids: readonly string[], path: (id: string) => SettingsPath): Promise<Response> {
  requireScope(c, "project.write");
  const project = await projectOf(c);
  const id = c.req.param(param) ?? "";
  if (!ids.includes(id)) throw oneOf(param, ids);
  const a = await params(c, { enabled: p.boolean() });
  return json(c, projectModel(await setSettings(c, project.id, [[path(id), a.enabled]])));
}

const METHOD_IDS = Object.keys(AUTH_METHODS);
projectRoutes.patch("/auth-methods/:methodId", (c) =>
  toggle(c, "methodId", METHOD_IDS, (id) => ["auth", hasOwn(AUTH_METHODS, id) ? AUTH_METHODS[id as AuthMethod].key : id]));
projectRoutes.patch("/services/:serviceId", (c) => toggle(c, "serviceId", SERVICES, (id) => ["services", id]));
projectRoutes.patch("/protocols/:protocolId", (c) => toggle(c, "protocolId", PROTOCOLS, (id) => ["apis", id]));

/** Appwrite: up to 1000 labels, each 1–36 letters or digits; the list replaces the previous one. */
const LABEL = /^[A-Za-z0-9]{1,36}$/;
projectRoutes.put("/labels", async (c) => {
  requireScope(c, "project.write");
  const project = await projectOf(c);
  const a = await params(c, { labels: p.array(p.string({ max: 36 }), { max: 1000 }) });
  const bad = a.labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) throw new AppwriteError("general_argument_invalid", "Invalid `labels` param: Value must a valid array no longer than 1000 items and Value must be a valid string and at least 1 chars and no longer than 36 chars");
  return json(c, projectModel(await setSettings(c, project.id, [[["labels"], [...new Set(a.labels)]]])));
});
