import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { and, eq } from "drizzle-orm";
import { platforms } from "../db/schema";
import { open } from "../db/client";

/** Appwrite's CORS lists (app/config/cors.php), plus Authorization for setBearer. */
const ALLOW_HEADERS = [
  "Accept", "Origin", "Cookie", "Set-Cookie", "Content-Type", "Content-Range", "X-Appwrite-Project", "X-Appwrite-Key",
  "X-Appwrite-Dev-Key", "X-Appwrite-Locale", "X-Appwrite-Mode", "X-Appwrite-JWT", "X-Appwrite-Organization",
  "X-Appwrite-Response-Format", "X-Appwrite-Timeout", "X-Appwrite-ID", "X-Appwrite-Timestamp", "X-Appwrite-Session",
  "X-Appwrite-Platform", "X-Appwrite-Impersonate-User-Id", "X-Appwrite-Impersonate-User-Email",
  "X-Appwrite-Impersonate-User-Phone", "X-SDK-Version", "X-SDK-Name", "X-SDK-Language", "X-SDK-Platform",
  "X-SDK-GraphQL", "X-SDK-Profile", "Range", "Cache-Control", "Expires", "Pragma", "X-Fallback-Cookies",
  "X-Requested-With", "X-Forwarded-For", "X-Forwarded-User-Agent", "Authorization",
].join(", ");

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Served on loopback means local dev: then localhost origins are always trusted. */
export function isLocalDev(url: string): boolean {
  return LOOPBACK.has(new URL(url).hostname);
}

export function originHost(origin: string | undefined): string | null {
  if (!origin) return null;
  try {
    const u = new URL(origin);
    return u.protocol === "http:" || u.protocol === "https:" ? u.hostname : null;
  } catch {
    return null;
  }
}

/** Is the Origin a registered web platform of the project (or loopback in local dev)? */
export async function isTrustedOrigin(env: Env, requestUrl: string, projectId: string | null, origin: string | undefined): Promise<boolean> {
  const host = originHost(origin);
  if (!host) return false;
  if (isLocalDev(requestUrl) && LOOPBACK.has(host === "::1" ? "[::1]" : host)) return true;
  if (!projectId || projectId === "console") return false;
  const rows = await open(env.DB)
    .select({ hostname: platforms.hostname })
    .from(platforms)
    .where(and(eq(platforms.projectId, projectId), eq(platforms.type, "web")));
  return rows.some((r) => r.hostname === host || (r.hostname.startsWith("*.") && host.endsWith(r.hostname.slice(1))));
}

/**
 * CORS with credentials: echo the Origin when it is trusted; answer every OPTIONS preflight.
 * Trust is looked up once per request and cached on the context for the origin check.
 */
export const cors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header("origin");
  const projectId = new URL(c.req.url).searchParams.get("project") ?? c.req.header("x-appwrite-project") ?? null;
  const trusted = origin ? await isTrustedOrigin(c.env, c.req.url, projectId, origin) : false;
  c.set("trustedOrigin" as never, trusted as never);
  const set = (h: Headers) => {
    if (origin && trusted) {
      h.set("Access-Control-Allow-Origin", origin);
      h.set("Access-Control-Allow-Credentials", "true");
      h.append("Vary", "Origin");
    }
    h.set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
    h.set("Access-Control-Allow-Headers", ALLOW_HEADERS);
    h.set("Access-Control-Expose-Headers", "X-Appwrite-Session, X-Fallback-Cookies");
    h.set("Access-Control-Max-Age", "86400");
  };
  if (c.req.method === "OPTIONS") {
    const res = new Response(null, { status: 204 });
    set(res.headers);
    return res;
  }
  await next();
  // Responses built with `new Response` (e.g. WebSocket upgrades) may have immutable headers.
  try {
    set(c.res.headers);
  } catch {
    /* immutable: nothing to add */
  }
};
