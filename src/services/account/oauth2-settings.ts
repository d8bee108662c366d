import { open } from "../../db/client";
import { Hono } from "hono";
import { eq, sql } from "drizzle-orm";
import * as z from "zod/mini";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import { json } from "../../core/response";
import { platforms, projects, keys } from "../../db/schema";
import { requireProjectAccess } from "../../platform/console-access";
import type { AppEnv } from "../../platform/context";
import { projectModel } from "../../platform/models";
import { forgetProject } from "../../platform/projects";
import { touchAccess } from "../../platform/access";
import { isProvider, providerNames } from "../auth/oauth2/providers";
import { storedProvider, type StoredProvider } from "../auth/oauth2/settings";

/**
 * Console: `PATCH /v1/projects/{projectId}/oauth2 {provider, appId?, secret?, enabled?}` → Project.
 * Edgewrite extension: `endpoints: {authorize?, token?, user?}` overrides the provider's URLs (tests run the
 * `mock` provider against a fake server on loopback). Only `settings.oauth2.<provider>` is rewritten, in SQL,
 * so concurrent edits of other settings are kept. App secrets are stored as given (they must be sent to the
 * provider) and never returned: the Project model shows `secret: ""`.
 */
export const oauthSettingsRoutes = new Hono<AppEnv>();

oauthSettingsRoutes.patch("/:projectId/oauth2", async (c) => {
  await requireProjectAccess(c, c.req.param("projectId")!, "projects.write");
  const url = z.optional(p.url());
  const a = await params(c, {
    provider: p.string({ max: 128 }),
    appId: p.optional(p.string({ max: 256 })),
    secret: p.optional(p.string({ max: 512 })),
    enabled: p.optional(p.boolean()),
    endpoints: p.optional(p.object()),
  });
  if (!isProvider(a.provider)) throw new AppwriteError("general_argument_invalid", `Invalid \`provider\` param: Value must be one of (${providerNames().join(", ")})`);
  const projectId = c.req.param("projectId");
  const db = open(c.env.DB); // the project row, its platforms and keys: control data
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId)).limit(1);
  if (!project) throw new AppwriteError("project_not_found", `Project with the requested ID '${projectId}' could not be found.`);
  const next: StoredProvider = { ...storedProvider(project, a.provider) };
  if (a.appId !== undefined) next.appId = a.appId;
  if (a.secret !== undefined) next.secret = a.secret;
  if (a.enabled !== undefined) next.enabled = a.enabled;
  if (a.endpoints !== undefined) {
    const e: Record<string, string> = {};
    for (const k of ["authorize", "token", "user"] as const) {
      const v = a.endpoints[k];
      if (v === undefined || v === "") continue;
      const r = url.safeParse(v);
      if (!r.success || typeof v !== "string") throw new AppwriteError("general_argument_invalid", `Invalid \`endpoints\` param: ${k} must be a valid URL`);
      e[k] = v;
    }
    next.endpoints = e;
  }
  const path = `$.oauth2."${a.provider}"`;
  const now = Date.now();
  const [ps, ks] = await db.batch([
    db.select().from(platforms).where(eq(platforms.projectId, projectId)),
    db.select().from(keys).where(eq(keys.projectId, projectId)),
    db
      .update(projects)
      .set({
        settings: sql`json_set(json_set(${projects.settings}, '$.oauth2', json(coalesce(json_extract(${projects.settings}, '$.oauth2'), '{}'))), ${path}, json(${JSON.stringify(next)}))`,
        updatedAt: now,
      })
      .where(eq(projects.id, projectId)),
  ]);
  forgetProject(projectId);
  await touchAccess(c.env, projectId);
  const [updated] = await db.select().from(projects).where(eq(projects.id, projectId)).limit(1);
  return json(c, projectModel(updated!, { platforms: ps, keys: ks }));
});
