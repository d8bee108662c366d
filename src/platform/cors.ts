import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./context";
import { corsAllowed, hostnameAllowed, originVerdict, parseOrigin } from "./origin";

/** The realtime handshake runs before the project middleware: its Origin verdict is read here (origin.ts). */
export const realtimeOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("origin", await originVerdict(c));
  await next();
};

/** Appwrite's CORS lists (app/config/cors.php), plus Authorization for setBearer. */
const ALLOW_HEADERS = [
  "Accept", "Origin", "Cookie", "Set-Cookie", "Content-Type", "Content-Range", "X-Appwrite-Project", "X-Appwrite-Key",
  "X-Appwrite-Dev-Key", "X-Appwrite-Locale", "X-Appwrite-Mode", "X-Appwrite-JWT", "X-Appwrite-Organization",
  "X-Appwrite-Response-Format", "X-Appwrite-Timeout", "X-Appwrite-ID", "X-Appwrite-Timestamp", "X-Appwrite-Session",
  "X-Appwrite-Platform", "X-Appwrite-Impersonate-User-Id", "X-Appwrite-Impersonate-User-Email",
  "X-Appwrite-Impersonate-User-Phone", "X-SDK-Version", "X-SDK-Name", "X-SDK-Language", "X-SDK-Platform",
  "X-SDK-GraphQL", "X-SDK-Profile", "Range", "Cache-Control", "Expires", "Pragma", "X-Fallback-Cookies",
  "X-Edgewrite-D1-Bookmark", // read replication (src/platform/read-replication.ts)
  "X-Requested-With", "X-Forwarded-For", "X-Forwarded-User-Agent", "Authorization",
].join(", ");

/**
 * CORS with credentials. The Origin verdict (`c.var.origin`) comes from the project middleware, which reads the
 * platforms with the project (or `realtimeOrigin`); only a request that failed before either reads them here.
 * The Origin is echoed when its hostname is allowed; a preflight echoes any Origin with a hostname, as Appwrite's.
 */
export const cors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header("origin") || "";
  let echo = false;
  c.set("origin", null);
  if (origin && c.req.method === "OPTIONS") {
    echo = hostnameAllowed(parseOrigin(origin).host, ["*"]);
  }
  const set = (h: Headers) => {
    if (echo) {
      h.set("Access-Control-Allow-Origin", origin.trim().toLowerCase());
      h.set("Access-Control-Allow-Credentials", "true");
      h.append("Vary", "Origin");
    }
    h.set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
    h.set("Access-Control-Allow-Headers", ALLOW_HEADERS);
    h.set("Access-Control-Expose-Headers", "X-Appwrite-Session, X-Fallback-Cookies, X-Edgewrite-D1-Bookmark");
    h.set("Access-Control-Max-Age", "86400");
  };
  if (c.req.method === "OPTIONS") {
    const res = new Response(null, { status: 204 });
    set(res.headers);
    return res;
  }
  await next();
  if (origin) echo = corsAllowed(origin, (c.var.origin ?? (await originVerdict(c)))!.origins);
  // Responses built with `new Response` (e.g. WebSocket upgrades) may have immutable headers.
  try {
    set(c.res.headers);
  } catch {
    /* immutable: nothing to add */
  }
};
