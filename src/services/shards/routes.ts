import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { json } from "../../core/response";
import { p, params } from "../../core/params";
import { loadMove, MoveRefused, moveModel, projectRowCounts, startMove } from "./move";
import { CONTROL, dataBindings, openForNew, projectCounts } from "../../db/shards";
import { requireAdmin } from "../../platform/caller";
import type { AppEnv } from "../../platform/context";

/**
 * `/v1/edgewrite/shards` — Edgewrite's own (Appwrite has no such API): the deployment's databases, for the
 * ADMIN_KEY only. `databases`: the control database `DB` (which also holds projects created before 0025) and
 * every data database `DB_n`, each with how many projects live there and whether new projects may be placed there;
 * a project's placement; moves of a project to another database (move.ts).
 */
export const shardRoutes = new Hono<AppEnv>();

shardRoutes.get("/", async (c) => {
  requireAdmin(c, "projects.read");
  const counts = await projectCounts(c.env);
  const open = new Set(openForNew(c.env));
  const databases = [CONTROL, ...dataBindings(c.env)].map((name) => ({ name, control: name === CONTROL, projects: counts.get(name) ?? 0, openForNew: open.has(name) }));
  return json(c, { total: databases.length, databases });
});

/** Where one project's data lives, and whether it is being moved. */
shardRoutes.get("/projects/:projectId", async (c) => {
  requireAdmin(c, "projects.read");
  const projectId = c.req.param("projectId");
  const row = await c.env.DB.prepare(`SELECT "database" AS name, moving FROM projects WHERE id = ?`).bind(projectId).first<{ name: string | null; moving: number }>();
  if (!row) throw new AppwriteError("project_not_found", `Project with the requested ID '${projectId}' could not be found.`);
  // `?rows=true`: the project's row count on every database (what a move copies and leaves behind).
  const rows = c.req.query("rows") === "true" ? await projectRowCounts(c.env, projectId) : undefined;
  return json(c, { projectId, database: row.name || CONTROL, moving: !!row.moving, ...(rows ? { rows } : {}) });
});

/** Start moving a project to another database: 202 with the move; its progress at GET …/moves/{moveId}. */
shardRoutes.post("/moves", async (c) => {
  requireAdmin(c, "projects.write");
  const a = await params(c, { projectId: p.string({ min: 1, max: 36 }), database: p.string({ min: 1, max: 36 }) });
  let move;
  try {
    move = await startMove(c.env, a.projectId, a.database);
  } catch (e) {
    if (e instanceof MoveRefused) throw new AppwriteError(e.type, e.message);
    throw e;
  }
  await c.env.SHARD_MOVER.get(c.env.SHARD_MOVER.idFromName(move.id)).start(move.id);
  return json(c, moveModel(move), 202);
});

shardRoutes.get("/moves/:moveId", async (c) => {
  requireAdmin(c, "projects.read");
  const move = await loadMove(c.env, c.req.param("moveId"));
  if (!move) throw new AppwriteError("general_route_not_found", "Move with the requested ID could not be found.");
  return json(c, moveModel(move));
});
