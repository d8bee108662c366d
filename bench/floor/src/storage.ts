import type { FloorRoutes } from "./routes";

/**
 * Raw R2 work for the storage bench: what Edgewrite's upload/download routes do at minimum (put a
 * body of known length, stream an object back), with no params, permissions, D1 or processing.
 */
export const routes: FloorRoutes = {
  "PUT /storage/object": async (req, env) => {
    const key = new URL(req.url).searchParams.get("key") ?? "object";
    const object = await env.BUCKET.put(key, await req.arrayBuffer());
    return Response.json({ key, size: object?.size ?? 0 });
  },
  "GET /storage/object": async (req, env) => {
    const key = new URL(req.url).searchParams.get("key") ?? "object";
    const object = await env.BUCKET.get(key);
    if (!object) return new Response("not found", { status: 404 });
    return new Response(object.body, { headers: { "content-length": String(object.size), "content-type": "application/octet-stream" } });
  },
};
