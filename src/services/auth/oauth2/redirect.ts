import { eq } from "drizzle-orm";
import { AppwriteError } from "../../../core/errors";
import { platforms } from "../../../db/schema";
import type { Ctx } from "../../../platform/context";
import { isLocalDev } from "../../../platform/cors";

/**
 * Appwrite's `Redirect` validator (open-redirect protection) for `url`, `success`, `failure` params:
 * http(s) URLs must point at a hostname registered as a platform of the project (`localhost` is always
 * allowed, as in Appwrite's default platform hostnames; other loopback hosts when the API itself is served
 * on loopback). Custom schemes are allowed for `appwrite-callback-<projectId>` (mobile OAuth callbacks).
 */
export async function redirectProblem(c: Ctx, value: string): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return "Invalid URI.";
  }
  const projectId = c.var.project.id;
  const scheme = u.protocol.replace(/:$/, "");
  if (scheme !== "http" && scheme !== "https") {
    if (scheme === `appwrite-callback-${projectId}`) return null;
    return `Invalid URI. Register your new client (${scheme}) as a new platform on your project console dashboard`;
  }
  const host = u.hostname;
  if (host === "localhost") return null;
  if (isLocalDev(c.req.url) && (host === "127.0.0.1" || host === "[::1]")) return null;
  const rows = await c.var.db.select({ hostname: platforms.hostname }).from(platforms).where(eq(platforms.projectId, projectId));
  const ok = rows.some((r) => r.hostname && (r.hostname === host || (r.hostname.startsWith("*.") && host.endsWith(r.hostname.slice(1)))));
  return ok ? null : `Invalid URI. Register your new client (${host}) as a new Web platform on your project console dashboard`;
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
