/**
 * Appwrite's service and REST switches (app/controllers/shared/api.php steps 7–8b), checked on every request
 * after the caller is known: a disabled optional service answers `general_service_disabled`, a disabled REST
 * protocol `general_api_disabled` — except to API keys and admins, who keep working (Appwrite's rule).
 * A route's service is its SDK namespace, which in Edgewrite is the first path segment after /v1.
 */
import type { MiddlewareHandler } from "hono";
import { AppwriteError } from "../../core/errors";
import type { AppEnv } from "../../platform/context";
import { protocolEnabled, serviceEnabled, SERVICES } from "./config";

const OPTIONAL = new Set<string>(SERVICES);

export const serviceGate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const project = c.var.project;
  if (project.id !== "console" && !c.var.caller.privileged) {
    const service = new URL(c.req.url).pathname.split("/")[2] ?? "";
    // The GraphQL endpoint has its own protocol switch (graphql.php's init); the REST routes it runs pass here too.
    if (service === "graphql") {
      if (!protocolEnabled(project, "graphql")) throw new AppwriteError("general_api_disabled");
      return next();
    }
    if (OPTIONAL.has(service) && !serviceEnabled(project, service)) throw new AppwriteError("general_service_disabled");
    if (!protocolEnabled(project, "rest")) throw new AppwriteError("general_api_disabled");
  }
  await next();
};
