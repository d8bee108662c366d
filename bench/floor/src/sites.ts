import type { FloorRoutes } from "./routes";

/**
 * The floor of a static site page (scripts/bench/sites.mjs): one R2 read streamed back with its type and ETag —
 * what serving a site's file must do at least, without the host's rule, the site row, the manifest or the log.
 */
export const routes: FloorRoutes = {
  "GET /sites/page": async (req, env) => {
    const key = new URL(req.url).searchParams.get("key") ?? "page";
    const object = await env.BUCKET.get(key);
    if (!object) return new Response("not found", { status: 404 });
    return new Response(object.body, { headers: { "content-type": "text/html; charset=utf-8", etag: object.httpEtag, "cache-control": "no-cache" } });
  },
};
