import { Hono, type Context } from "hono";
import { AppwriteError, errorBody } from "./core/errors";
import type { AppEnv } from "./platform/context";
import { cors, realtimeOrigin } from "./platform/cors";
import { context, payloadLimit } from "./platform/middleware";
import { readReplication } from "./platform/read-replication";
import { consoleRoutes } from "./platform/console";
import { consolePlatformRoutes, projectPlatformRoutes } from "./platform/platforms";
import { healthRoutes } from "./services/health/routes";
import { accountRoutes } from "./services/account/routes";
import { teamsRoutes } from "./services/teams/routes";
import { userMembershipsRoutes } from "./services/users/memberships";
import { realtimeRoutes } from "./services/realtime/routes";
import { consoleWebhookRoutes, webhookRoutes } from "./services/webhooks/routes";
import { testHookRoutes } from "./events/test-hooks";
import { accountMfaRoutes } from "./services/account/mfa";
import { mfaGate } from "./services/account/mfa-gate";
import { usersMfaRoutes } from "./services/users/mfa";
import { accountOAuthRoutes } from "./services/account/oauth2";
import { oauthSettingsRoutes } from "./services/account/oauth2-settings";
import { accountIdentitiesRoutes, usersIdentitiesRoutes } from "./services/account/identities";
import { usersRoutes } from "./services/users/routes";
import { messagingRoutes, outboxRoutes } from "./services/messaging/routes";
import { authConsoleRoutes } from "./services/auth/console-routes";
import { storageRoutes } from "./services/storage/routes";
import { tokenRoutes } from "./services/tokens/routes";
import { functionRoutes, projectVariableRoutes } from "./services/functions/routes";
import { proxyRoutes } from "./services/functions/proxy-routes";
import { siteRoutes } from "./services/sites/routes";
import { functionTemplateRoutes } from "./services/functions/templates";
import { consoleVariableRoutes } from "./platform/console-variables";
import { tablesdbRoutes } from "./services/tablesdb/routes";
import { databasesRoutes } from "./services/databases/routes";
import { consoleProjectRoutes, projectRoutes } from "./services/project/routes";
import { localeRoutes } from "./services/locale/routes";
import { avatarsRoutes } from "./services/avatars/routes";
import { messageDelivery } from "./services/messaging/auth-delivery";
import { organizationRoutes } from "./services/organization/routes";
import { usageMeter } from "./services/usage/meter";
import { usageListRoutes, usageResourceRoutes } from "./services/usage/routes";
import { serviceGate } from "./services/project/gate";
import { shardRoutes } from "./services/shards/routes";
import { consoleLegacyRoutes } from "./services/project/console-legacy";
import { graphqlRoutes } from "./services/graphql/routes";

/** The wire layer (CORS → project → caller → errors), then one router per Appwrite service. */
export const app = new Hono<AppEnv>();

app.use("*", cors);
// Realtime answers its own failures as WebSocket error frames, so it runs before the project/caller middleware.
app.use("/v1/realtime/*", realtimeOrigin);
app.route("/v1/realtime", realtimeRoutes);
app.use("/v1/*", payloadLimit);
app.use("/v1/*", context);
app.use("/v1/*", readReplication); // D1 Sessions API: replica reads, read-your-writes by bookmark
app.use("/v1/*", usageMeter);
app.use("/v1/*", mfaGate);
app.use("/v1/*", messageDelivery);
app.use("/v1/*", serviceGate);

app.route("/v1", healthRoutes);
app.route("/v1", usageListRoutes); // `/v1/<service>/usage`: before each service's `/:id`
app.route("/v1/projects/:projectId/webhooks", consoleWebhookRoutes);
app.route("/v1/projects/:projectId/platforms", consolePlatformRoutes);
app.route("/v1/projects/:projectId", consoleProjectRoutes);
app.route("/v1/projects", oauthSettingsRoutes);
app.route("/v1/projects", consoleRoutes);
app.route("/v1/console", consoleVariableRoutes);
app.route("/v1/organization", organizationRoutes);
app.route("/v1/webhooks", webhookRoutes);
app.route("/v1/_edgewrite/test", testHookRoutes);
app.route("/v1/edgewrite/shards", shardRoutes); // ADMIN_KEY only: data databases, placement, moves
app.route("/v1/account/mfa", accountMfaRoutes);
app.route("/v1/account", accountOAuthRoutes);
app.route("/v1/account", accountIdentitiesRoutes);
app.route("/v1/account", accountRoutes);
app.route("/v1/teams", teamsRoutes);
app.route("/v1/users", userMembershipsRoutes);
app.route("/v1/users", usersMfaRoutes);
app.route("/v1/users", usersIdentitiesRoutes);
app.route("/v1/users", usersRoutes);
app.route("/v1/projects", outboxRoutes);
app.route("/v1/projects", consoleLegacyRoutes); // before authConsoleRoutes' …/auth/:method
app.route("/v1/projects", authConsoleRoutes);
app.route("/v1/storage", storageRoutes);
app.route("/v1/tablesdb", tablesdbRoutes);
app.route("/v1/databases", databasesRoutes);
app.route("/v1/tokens", tokenRoutes);
app.route("/v1/functions/templates", functionTemplateRoutes); // before /v1/functions/{functionId}
app.route("/v1/functions", functionRoutes);
app.route("/v1/project/variables", projectVariableRoutes);
app.route("/v1/sites", siteRoutes);
app.route("/v1/project/platforms", projectPlatformRoutes);
app.route("/v1/project", projectRoutes);
app.route("/v1/proxy", proxyRoutes);
app.route("/v1/locale", localeRoutes);
app.route("/v1/messaging", messagingRoutes);
app.route("/v1/avatars", avatarsRoutes);
app.route("/v1/graphql", graphqlRoutes);
app.route("/v1", usageResourceRoutes); // `/v1/<service>/:id/usage`: after every service, whose static paths win

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
