import { Hono, type Context } from "hono";
import { AppwriteError, errorBody } from "./core/errors";
import type { AppEnv } from "./platform/context";
import { cors } from "./platform/cors";
import { context } from "./platform/middleware";
import { consoleRoutes } from "./platform/console";
import { healthRoutes } from "./services/health/routes";
import { accountRoutes } from "./services/account/routes";
import { teamsRoutes } from "./services/teams/routes";

/** The wire layer (CORS → project → caller → errors), then one router per Appwrite service. */
export const app = new Hono<AppEnv>();

app.use("*", cors);
app.use("/v1/*", context);

app.route("/v1", healthRoutes);
app.route("/v1/projects", consoleRoutes);
app.route("/v1/account", accountRoutes);
app.route("/v1/teams", teamsRoutes);

/** The only place errors become Appwrite's `{message, code, type, version}` body. */
function errorResponse(err: unknown, c: Context<AppEnv>): Response {
  const e = err instanceof AppwriteError ? err : null;
  if (!e) console.error("unhandled error", c.req.method, new URL(c.req.url).pathname, err);
  const body = errorBody(e ?? new AppwriteError("general_unknown"));
  return c.body(JSON.stringify(body), body.code as 400, {
    "content-type": "application/json",
    "cache-control": "no-cache, no-store, must-revalidate",
    expires: "0",
    pragma: "no-cache",
  });
}

app.notFound((c) => errorResponse(new AppwriteError("general_route_not_found", "The requested route was not found. Please refer to the API docs and try again."), c));
app.onError(errorResponse);
