import { Hono } from "hono";
import type { AppEnv } from "../../platform/context";
import { consoleProject, currentProject } from "./access";
import { keyRoutes } from "./keys";
import { oauth2Routes } from "./oauth2";
import { smtpRoutes } from "./smtp";
import { templateResetRoutes, templateRoutes } from "./templates";

/**
 * The Project service's settings (SDK 27 `Project`): `/v1/project/*` for the project the request names, and
 * the same handlers under the console's `/v1/projects/{projectId}/*`. Platforms (src/platform/platforms.ts)
 * and variables (src/services/functions/variables.ts) are mounted on their own.
 */
export const projectRoutes = new Hono<AppEnv>();
projectRoutes.route("/keys", keyRoutes(currentProject, { console: false }));
projectRoutes.route("/oauth2", oauth2Routes(currentProject));
projectRoutes.route("/smtp", smtpRoutes(currentProject));
projectRoutes.route("/templates/email", templateRoutes(currentProject, false));

export const consoleProjectRoutes = new Hono<AppEnv>();
consoleProjectRoutes.route("/keys", keyRoutes(consoleProject, { console: true }));
consoleProjectRoutes.route("/smtp", smtpRoutes(consoleProject));
consoleProjectRoutes.route("/templates/email", templateResetRoutes(consoleProject));
consoleProjectRoutes.route("/templates/email", templateRoutes(consoleProject, true));
