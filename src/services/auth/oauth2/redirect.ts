import { AppwriteError } from "../../../core/errors";
import type { Ctx } from "../../../platform/context";
import { allowedOrigins, checkOrigin, loadPlatformRows } from "../../../platform/origin";

/**
 * Appwrite's `Redirect` validator (open-redirect protection) for `url`, `success`, `failure` params: the Origin
 * rules (`platform/origin.ts`) applied to the URL — http(s) to the API's own or a platform's hostname, native
 * platform schemes, `exp` and `appwrite-callback-<projectId>` (mobile OAuth callbacks).
 */
export async function redirectProblem(c: Ctx, value: string): Promise<string | null> {
  const projectId = c.var.project.id;
  const check = checkOrigin(value, allowedOrigins(c.req.url, projectId, await loadPlatformRows(c.env, projectId)), "URI");
  return check.allowed ? null : check.description;
}

/** Param-level check: ``Invalid `url` param: Invalid URI. Register your new client …`` (400 general_argument_invalid). */
export async function assertRedirect(c: Ctx, param: string, value: string | undefined): Promise<void> {
  if (!value) return;
  const problem = await redirectProblem(c, value);
  if (problem) throw new AppwriteError("general_argument_invalid", `Invalid \`${param}\` param: ${problem}`);
}

/** Appends query params to a URL the way Appwrite's Template::mergeQuery does (existing keys are replaced). */
export function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}
