import type { HonoRequest, MiddlewareHandler } from "hono";
import { AppwriteError } from "../core/errors";
import { open } from "../db/client";
import { withDirectRealtime } from "../services/realtime/direct";
import { resolveCaller } from "./caller";
import type { AppEnv } from "./context";
import { applyResponseFormat } from "./formats";
import { findProject } from "./projects";

/**
 * Appwrite's HTTP server takes request bodies up to 12 MiB (app/http.php, Swoole's package_max_length) and
 * answers 413 beyond, before any route (so no Appwrite error body); the SDKs send files in 5 MiB chunks.
 * Cloudflare would take 100 MB, so the limit is ours to keep.
 */
export const PAYLOAD_LIMIT = 12 * 1024 * 1024;
export const payloadLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const length = c.req.header("content-length");
  const within = length !== undefined ? Number(length) <= PAYLOAD_LIMIT : !c.req.raw.body || (await bufferBody(c.req, PAYLOAD_LIMIT));
  if (!within) return c.text("Request Entity Too Large", 413);
  await next();
};

/**
 * A body without Content-Length (chunked) is read here, keeping at most `limit` bytes, so the limit holds for it
 * too. A longer one is still read to its end, and dropped: cancelling it mid-upload restarted the local runtime.
 */
async function bufferBody(req: HonoRequest, limit: number): Promise<boolean> {
  const reader = req.raw.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    size += r.value.byteLength;
    if (size <= limit) chunks.push(r.value);
  }
  if (size > limit) return false;
  const { url, method, headers, cf } = req.raw;
  req.raw = new Request(url, { method, headers, body: new Blob(chunks), cf });
  return true;
}

/**
 * Project (`?project=` first, then X-Appwrite-Project; none means the console), caller and the client's
 * response format, once per request.
 */
export const context: MiddlewareHandler<AppEnv> = async (c, next) => {
  const d1 = withDirectRealtime(c.env.DB); // the project's data DB; its committed events go straight to realtime
  const db = open(d1);
  c.set("db", db);
  c.set("d1", d1);
  const id = new URL(c.req.url).searchParams.get("project") || c.req.header("x-appwrite-project") || "console";
  const project = await findProject(db, id);
  if (!project) throw new AppwriteError("project_not_found", `Project with the requested ID '${id}' could not be found.`);
  c.set("project", project);
  c.set("caller", await resolveCaller(c, project));
  applyResponseFormat(c);
  // A browser request from an origin the project (for the console: the API's own host) does not know is refused,
  // as Appwrite does; keys are exempt, console sessions are held to console origins in caller.ts.
  const origin = c.var.origin;
  if (origin && !origin.allowed && !c.var.caller.privileged) {
    throw new AppwriteError("general_unknown_origin", origin.description);
  }
  await next();
};
