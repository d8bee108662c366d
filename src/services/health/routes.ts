import { Hono } from "hono";
import { APP_VERSION } from "../../core/errors";
import { json } from "../../core/response";
import { requireScope } from "../../platform/caller";
import type { AppEnv } from "../../platform/context";

export const healthRoutes = new Hono<AppEnv>();

/** `client.ping()`: plain text, which the SDK wraps as `{message: "Pong!"}`. */
healthRoutes.get("/ping", (c) => {
  requireScope(c, "global");
  return c.text("Pong!");
});

healthRoutes.get("/health", async (c) => {
  requireScope(c, "health.read");
  const start = Date.now();
  await c.env.DB.prepare("SELECT 1").first();
  return json(c, { name: "database", ping: Date.now() - start, status: "pass" });
});

// Appwrite labels it `public`, which guests and users hold and API keys do not.
healthRoutes.get("/health/version", (c) => {
  requireScope(c, "public");
  return json(c, { version: APP_VERSION });
});
