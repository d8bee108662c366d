import { Hono } from "hono";
import { json } from "../core/response";
import { functionsDomain } from "../services/functions/domains";
import { SIZE_LIMIT } from "../services/functions/deployments";
import { STORAGE_LIMIT } from "../services/storage/constants";
import { requireConsoleCaller } from "./console-access";
import type { AppEnv } from "./context";

/**
 * `GET /v1/console/variables` (Appwrite's ConsoleVariables): what the console and appwrite-cli read to learn
 * the server's capabilities — the CLI names a new function's domain `<id>.<_APP_DOMAIN_FUNCTIONS>`.
 * Every value states what this deployment does, not Appwrite's defaults.
 */
export const consoleVariableRoutes = new Hono<AppEnv>();

/** Builds run as Queue consumer invocations, which Cloudflare stops after 15 minutes of wall time. */
const BUILD_TIMEOUT_S = 900;

consoleVariableRoutes.get("/variables", (c) => {
  requireConsoleCaller(c, "projects.read");
  return json(c, {
    // Custom domains are neither verified nor routed (proxy-routes.ts): no DNS targets to point them at.
    _APP_DOMAIN_TARGET_CNAME: "",
    _APP_DOMAIN_TARGET_AAAA: "",
    _APP_DOMAIN_TARGET_A: "",
    _APP_DOMAIN_TARGET_CAA: '0 issue ""',
    _APP_STORAGE_LIMIT: STORAGE_LIMIT,
    _APP_COMPUTE_BUILD_TIMEOUT: BUILD_TIMEOUT_S,
    _APP_COMPUTE_SIZE_LIMIT: SIZE_LIMIT,
    _APP_USAGE_STATS: c.env._APP_USAGE_STATS === "disabled" ? "disabled" : "enabled", // src/services/usage/
    _APP_VCS_ENABLED: false,
    _APP_DOMAIN_ENABLED: false,
    _APP_ASSISTANT_ENABLED: false,
    _APP_DOMAIN_SITES: "",
    _APP_DOMAIN_FUNCTIONS: functionsDomain(c.env),
    // Cloudflare terminates TLS; the Worker itself never redirects http to https.
    _APP_OPTIONS_FORCE_HTTPS: "disabled",
    _APP_DOMAINS_NAMESERVERS: "",
    _APP_DB_ADAPTER: "sqlite", // D1
    supportForRelationships: true,
    supportForOperators: true,
    supportForSpatials: false,
    supportForSpatialIndexNull: false,
    supportForFulltextWildcard: false,
    supportForMultipleFulltextIndexes: true,
    supportForAttributeResizing: true,
    supportForSchemas: false,
    maxIndexLength: 0, // SQLite has no index key length limit (index `lengths` are kept, not applied)
    supportForIntegerIds: false,
  });
});
