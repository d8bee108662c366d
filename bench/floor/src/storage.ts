import type { FloorRoutes } from "./routes";

/**
 * Raw R2 work for the storage bench: what Edgewrite's upload/download routes do at minimum (put a
 * body of known length, stream an object back), with no params, permissions, D1 or processing.
 */
const CHUNK = 5 * 1024 * 1024;

export const routes: FloorRoutes = {
  "PUT /storage/object": async (req, env) => {
    const key = new URL(req.url).searchParams.get("key") ?? "object";
    const object = await env.BUCKET.put(key, await req.arrayBuffer());
    return Response.json({ key, size: object?.size ?? 0 });
  },
  /** The same bytes stored the way the chunked upload protocol stores them: one R2 multipart part per 5 MiB. */
  "PUT /storage/multipart": async (req, env) => {
    const key = new URL(req.url).searchParams.get("key") ?? "object";
    const data = new Uint8Array(await req.arrayBuffer());
    const upload = await env.BUCKET.createMultipartUpload(key);
    const parts = [];
    for (let i = 0, n = 1; i < data.byteLength; i += CHUNK, n++) parts.push(await upload.uploadPart(n, data.subarray(i, i + CHUNK)));
    const object = await upload.complete(parts);
    return Response.json({ key, size: object.size });
  },
  "GET /storage/object": async (req, env) => {
    const key = new URL(req.url).searchParams.get("key") ?? "object";
    const object = await env.BUCKET.get(key);
    if (!object) return new Response("not found", { status: 404 });
    return new Response(object.body, { headers: { "content-length": String(object.size), "content-type": "application/octet-stream" } });
  },
};
