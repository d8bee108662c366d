import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv, Ctx } from "./context";

/**
 * D1 read replication (docs/SCALING.md): with `D1_READ_REPLICATION = "enabled"`, a request's project-data
 * queries run in a D1 session (Sessions API), so reads may be served by a nearby replica while writes and
 * batches still go to the primary (a batch stays one atomic unit on the primary).
 *
 * Read-your-writes per client: the session's bookmark (the point in the database's history it has seen) is
 * returned in `X-Edgewrite-D1-Bookmark` and in an HttpOnly cookie per project; a request carrying one (the
 * header wins) starts its session there, so it never reads older data than the client last saw or wrote.
 * Without one, reads (GET/HEAD) start `first-unconstrained` (any replica) and writes `first-primary` —
 * except for API-key callers: server SDKs keep no cookies, so unless they send the header back their
 * reads start on the primary too (always consistent, never a surprise).
 *
 * Off unless enabled: the context middleware makes the session `c.var.d1`/`c.var.db` (the caller and project were
 * resolved on the primary just before). Background work (queues, cron, Durable Objects) is untouched.
 */
export const BOOKMARK_HEADER = "X-Edgewrite-D1-Bookmark";
const cookieName = (projectId: string) => `a_d1_bookmark_${projectId}`;
/** D1 bookmarks are hex groups joined by dashes; anything else is ignored rather than passed to D1. */
const BOOKMARK = /^[0-9a-f]{1,16}(-[0-9a-f]{1,64}){1,6}$/i;

export function readReplicationEnabled(env: Env): boolean {
  return (env as unknown as { D1_READ_REPLICATION?: string }).D1_READ_REPLICATION === "enabled";
}

/** The request's data database as a D1 session (when replication is on), started from the client's bookmark. */
export function replicaSession(c: Ctx, data: D1Database): D1Database {
  if (!readReplicationEnabled(c.env)) return data;
  const name = cookieName(c.var.project.id);
  const carried = [c.req.header(BOOKMARK_HEADER), getCookie(c, name)].find((b) => b !== undefined && BOOKMARK.test(b));
  const read = c.req.method === "GET" || c.req.method === "HEAD";
  const keyCaller = c.var.caller.mode === "key" || c.var.caller.mode === "admin";
  const session = data.withSession(carried ?? (read && !keyCaller ? "first-unconstrained" : "first-primary"));
  c.set("replica", { session, carried, cookie: name });
  // drizzle and the services only use prepare/batch, which a session has.
  return session as unknown as D1Database;
}

/** After the route: the session's bookmark goes back in the header and the cookie, for the client's next request. */
export const readReplication: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  // A response that already carries one passed on a later bookmark of the requests it made (GraphQL's REST calls).
  if (c.res.headers.has(BOOKMARK_HEADER)) return;
  const replica = c.var.replica;
  const bookmark = replica?.session.getBookmark();
  if (!replica || !bookmark) return;
  try {
    c.header(BOOKMARK_HEADER, bookmark);
    if (bookmark !== replica.carried) {
      const secure = new URL(c.req.url).protocol === "https:";
      setCookie(c, replica.cookie, bookmark, { path: "/", httpOnly: true, secure, sameSite: secure ? "None" : "Lax", maxAge: 86400 });
    }
  } catch {
    // A response with immutable headers (a passed-through fetch): it simply carries no bookmark.
  }
};
