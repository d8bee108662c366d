import type { MiddlewareHandler } from "hono";
import { AppwriteError } from "../core/errors";
import { open } from "../db/client";
import { resolveCaller } from "./caller";
import type { AppEnv } from "./context";
import { findProject } from "./projects";
import { originHost } from "./cors";
import { applyResponseFormat } from "./formats";

/**
 * Project (`?project=` first, then X-Appwrite-Project; none means the console), caller and the client's
 * response format, once per request.
 */
export const context: MiddlewareHandler<AppEnv> = async (c, next) => {
  const db = open(c.env.DB);
  c.set("db", db);
  const id = new URL(c.req.url).searchParams.get("project") || c.req.header("x-appwrite-project") || "console";
  const project = await findProject(db, id);
  if (!project) throw new AppwriteError("project_not_found", `Project with the requested ID '${id}' could not be found.`);
  c.set("project", project);
  c.set("caller", await resolveCaller(c, project));
  applyResponseFormat(c);
  // A browser request from an origin the project does not know is refused, as Appwrite does (keys are exempt).
  const origin = c.req.header("origin");
  if (origin && !c.get("trustedOrigin" as never) && !c.var.caller.privileged && project.id !== "console") {
    throw new AppwriteError("general_unknown_origin", `Invalid Origin. Register your new client (${originHost(origin) ?? origin}) as a new Web platform on your project console dashboard`);
  }
  await next();
};
