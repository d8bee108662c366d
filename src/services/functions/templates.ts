import { Hono } from "hono";
import { createTarGzip } from "nanotar";
import { AppwriteError } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { p, params } from "../../core/params";
import { json, list } from "../../core/response";
import { functionDeployments } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { uploaded } from "./deployments";
import { deploymentModel } from "./models";
import { ALL_RUNTIMES } from "./runtimes";
import { findTemplate, templateModel, TEMPLATE_MODELS, templateSource, TEMPLATE_OWNER, TEMPLATE_REPOSITORY } from "./templates/catalogue";
import { loadFunction, r2 } from "./store";

/** `GET /v1/functions/templates[/{templateId}]`: Edgewrite's own catalogue (templates/catalogue.ts). */
export const functionTemplateRoutes = new Hono<AppEnv>();

const USE_CASES = ["starter", "databases", "ai", "messaging", "utilities", "dev-tools", "auth"] as const;

functionTemplateRoutes.get("/", async (c) => {
  requireScope(c, "public");
  const a = await params(c, {
    runtimes: p.default(p.array(p.enum(ALL_RUNTIMES as [string, ...string[]])), []),
    useCases: p.default(p.array(p.enum(USE_CASES)), []),
    limit: p.default(p.integer({ min: 1, max: 5000 }), 25),
    offset: p.default(p.integer({ min: 0, max: 5000 }), 0),
    total: p.default(p.boolean(), true),
  });
  const found = TEMPLATE_MODELS
    .filter((t) => !a.runtimes.length || t.runtimes.some((r) => a.runtimes.includes(r.name)))
    .filter((t) => !a.useCases.length || t.useCases.some((u) => (a.useCases as string[]).includes(u)));
  return json(c, list("templates", found.slice(a.offset, a.offset + a.limit), a.total ? found.length : 0));
});

functionTemplateRoutes.get("/:templateId", (c) => {
  requireScope(c, "public");
  const t = findTemplate(c.req.param("templateId"));
  if (!t) throw new AppwriteError("function_template_not_found");
  return json(c, templateModel(t));
});

/**
 * `POST /v1/functions/{functionId}/deployments/template` (createTemplateDeployment): the template's files become
 * the deployment's source archive, built like an upload. Only Edgewrite's catalogue can be deployed: there is no
 * VCS to clone another repository from.
 */
export async function createTemplateDeployment(c: Ctx) {
  requireScope(c, "functions.write");
  const projectId = c.var.project.id;
  const a = await params(c, {
    functionId: p.uid(),
    repository: p.string({ max: 128 }),
    owner: p.string({ max: 128 }),
    rootDirectory: p.string({ max: 128 }),
    type: p.enum(["commit", "branch", "tag"]),
    reference: p.string({ max: 128 }),
    activate: p.default(p.boolean(), false),
  });
  const fn = await loadFunction(c.var.db, projectId, a.functionId);
  const source = templateSource(a.owner, a.repository, a.rootDirectory);
  if (!source) {
    throw new AppwriteError("function_template_not_found", `Edgewrite deploys only its own templates (owner "${TEMPLATE_OWNER}", repository "${TEMPLATE_REPOSITORY}", a rootDirectory from GET /v1/functions/templates); it cannot clone ${a.owner}/${a.repository}.`);
  }
  // The function's entrypoint when the template has that file (Appwrite uses the function's), else the template's.
  const entrypoint = fn.entrypoint && Object.hasOwn(source.files, fn.entrypoint) ? fn.entrypoint : source.entrypoint;
  const archive = await createTarGzip(Object.entries(source.files).map(([name, data]) => ({ name, data })));
  const id = uniqueId();
  await c.env.BUCKET.put(r2.source(projectId, fn.id, id), archive);
  const now = Date.now();
  const [d] = await c.var.db
    .insert(functionDeployments)
    .values({ projectId, id, functionId: fn.id, type: "vcs", entrypoint, commands: "", activate: a.activate, status: "waiting", sourceSize: archive.byteLength, chunksTotal: 1, chunks: [1], createdAt: now, updatedAt: now })
    .returning();
  await uploaded(c, d!);
  return json(c, deploymentModel(d!), 202);
}
