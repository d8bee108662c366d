import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import { json, list } from "../../core/response";
import { requireScope } from "../../platform/caller";
import type { AppEnv } from "../../platform/context";
import { ALL_RUNTIMES } from "./runtimes";

/**
 * `GET /v1/functions/templates[/{templateId}]` (Appwrite's TemplateFunction). Appwrite's catalogue points at
 * github.com/appwrite/templates, deployed by a VCS download and `npm install`; Edgewrite has neither (no VCS,
 * no outbound network, bare imports must be bundled), and not one of those templates runs here unchanged, so
 * the catalogue is empty: every list is empty and every template is `function_template_not_found`.
 * List parameters are validated as Appwrite's, so clients get the same errors.
 */
export const functionTemplateRoutes = new Hono<AppEnv>();

const USE_CASES = ["starter", "databases", "ai", "messaging", "utilities", "dev-tools", "auth"] as const;

functionTemplateRoutes.get("/", async (c) => {
  requireScope(c, "public");
  await params(c, {
    runtimes: p.optional(p.array(p.enum(ALL_RUNTIMES as [string, ...string[]]))),
    useCases: p.optional(p.array(p.enum(USE_CASES))),
    limit: p.optional(p.integer({ min: 1, max: 5000 })),
    offset: p.optional(p.integer({ min: 0, max: 5000 })),
    total: p.optional(p.boolean()),
  });
  return json(c, list("templates", [], 0));
});

functionTemplateRoutes.get("/:templateId", (c) => {
  requireScope(c, "public");
  throw new AppwriteError("function_template_not_found");
});
