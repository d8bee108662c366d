import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import type { Binder, Field, Resolver } from "../../core/query/sql";
import type { DB } from "../../db/client";
import { functionDeployments, functions, type Fn, type FnDeployment } from "../../db/schema";
import { systemFields } from "../../db/list";
import { lookup } from "../../core/input";

/** R2 layout of a deployment. */
export const r2 = {
  prefix: (projectId: string, functionId: string) => `functions/${projectId}/${functionId}/`,
  source: (projectId: string, functionId: string, deploymentId: string) => `functions/${projectId}/${functionId}/${deploymentId}/source.tar.gz`,
  chunk: (projectId: string, functionId: string, deploymentId: string, n: number) => `functions/${projectId}/${functionId}/${deploymentId}/chunks/${n}`,
  build: (projectId: string, functionId: string, deploymentId: string) => `functions/${projectId}/${functionId}/${deploymentId}/build.json`,
  body: (projectId: string, executionId: string) => `functions/${projectId}/_bodies/${executionId}`,
};

export async function loadFunction(db: DB, projectId: string, functionId: string): Promise<Fn> {
  const [row] = await db.select().from(functions).where(and(eq(functions.projectId, projectId), eq(functions.id, functionId))).limit(1);
  if (!row) throw new AppwriteError("function_not_found");
  return row;
}

export async function loadDeployment(db: DB, projectId: string, functionId: string, deploymentId: string): Promise<FnDeployment> {
  const [row] = await db
    .select()
    .from(functionDeployments)
    .where(and(eq(functionDeployments.projectId, projectId), eq(functionDeployments.id, deploymentId)))
    .limit(1);
  if (!row || row.functionId !== functionId) throw new AppwriteError("deployment_not_found");
  return row;
}

/** Raw D1 rows (snake_case, JSON as text) → the drizzle row shape, for lists run through runList. */
export function fromRaw<T>(raw: Record<string, unknown>, jsonCols: readonly string[], boolCols: readonly string[] = []): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const camel = k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
    if (jsonCols.includes(camel) && typeof v === "string") {
      try {
        out[camel] = JSON.parse(v);
      } catch {
        out[camel] = v;
      }
    } else if (boolCols.includes(camel)) out[camel] = !!v;
    else out[camel] = v;
  }
  return out as T;
}

/** Resolver helper: attribute → column, plus the `$` system attributes every list supports. */
export function resolver(fields: Record<string, Field>, alias = ""): Resolver {
  const all = lookup<Field>({ ...systemFields(alias ? `${alias}.` : ""), ...fields });
  return (attribute) => all[attribute];
}

/** `search` param: every word must appear in one of the columns (LIKE, escaped). */
export function searchClause(b: Binder, columns: readonly string[], search: string | undefined): string {
  const words = (search ?? "").match(/[\p{L}\p{N}_.@+-]+/gu) ?? [];
  if (!words.length) return "1";
  return words
    .map((w) => {
      const term = b.bind(`%${w.replace(/[\\%_]/g, (m) => `\\${m}`)}%`);
      return `(${columns.map((c) => `${c} LIKE ${term} ESCAPE '\\'`).join(" OR ")})`;
    })
    .join(" AND ");
}
