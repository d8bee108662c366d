/**
 * Removing a project: what services registered (R2 objects, per-project tables …), its data rows, then its
 * control rows (the project, its keys and platforms). Data first, so a failure leaves a project that can be
 * deleted again rather than orphaned data. Shared by DELETE /v1/project and the console's DELETE /v1/projects/{id}.
 */
import { eq } from "drizzle-orm";
import { open, type DB } from "../../db/client";
import { keys, memberships, outbox, platforms, projects, sessions, teams, tokens, users } from "../../db/schema";
import { forgetKeys } from "../../platform/caller";
import { forgetProject, runProjectCleanups } from "../../platform/projects";

export async function deleteProject(env: Env, data: DB, projectId: string): Promise<void> {
  await runProjectCleanups(env, data, projectId);
  const scoped = [users, sessions, tokens, teams, memberships, outbox] as const;
  await data.batch(scoped.map((t) => data.delete(t).where(eq(t.projectId, projectId))) as never);
  const control = open(env.DB);
  await control.batch([control.delete(projects).where(eq(projects.id, projectId)), control.delete(keys).where(eq(keys.projectId, projectId)), control.delete(platforms).where(eq(platforms.projectId, projectId))]);
  forgetProject(projectId);
  forgetKeys();
}
