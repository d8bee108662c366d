import { Hono } from "hono";
import { eq } from "drizzle-orm";
import { p, params } from "../../core/params";
import { json } from "../../core/response";
import { oauth2States } from "../../db/schema";
import { open } from "../../db/client";
import { dataDatabase } from "../../db/shards";
import type { AppEnv } from "../../platform/context";

/**
 * Test-only controls of the auth services, mounted under /v1/_edgewrite/test/auth by src/events/test-hooks.ts:
 * they answer only when the server runs with EDGEWRITE_TEST_HOOKS=1 and only to the deployment admin;
 * otherwise every path is a plain 404.
 */
export const authTestHooks = new Hono<AppEnv>();

/** Age every OAuth2 flow a project has in progress past its expiry (instead of waiting 10 minutes). */
authTestHooks.post("/oauth2/expire", async (c) => {
  const a = await params(c, { projectId: p.string({ min: 1, max: 36 }) });
  const rows = await open(await dataDatabase(c.env, a.projectId)).update(oauth2States).set({ expire: Date.now() - 1 }).where(eq(oauth2States.projectId, a.projectId)).returning({ id: oauth2States.id });
  return json(c, { expired: rows.length });
});
