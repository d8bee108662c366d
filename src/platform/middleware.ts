import type { HonoRequest, MiddlewareHandler } from "hono";
import { AppwriteError } from "../core/errors";
import { open } from "../db/client";
import { hashSecretNative } from "../core/crypto";
import {
  accessGuard, deferredAccess, forgetAccess, loadAccess, mayDefer, notePlacement, placementHint, readStamp, recalledAccess, rememberAccess,
  STAMP_TTL_MS, stampGuard, type Access,
} from "./access";
import { recheckScopes, resolveCaller } from "./caller";
import { allowedOrigins, checkOrigin } from "./origin";
import { withDirectRealtime } from "../services/realtime/direct";
import { replicaSession } from "./read-replication";
import type { AppEnv } from "./context";
import { applyResponseFormat } from "./formats";
import { bindingNamed, bindingOf, CONTROL } from "../db/shards";
import { CONSOLE } from "./projects";
import { MOVING_MESSAGE, refuseWritesWhileMoving } from "./moving";

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
 * Project (`?project=` first, then X-Appwrite-Project; none means the console), caller, Origin verdict and the
 * client's response format, once per request: project, key and platforms in one control-database round trip
 * (access.ts), or — on the hot row routes, for a key this isolate already resolved — none, checked instead by a
 * guard in each of the request's own batches (signatures on the control database, the access stamp on a data one).
 */
export const context: MiddlewareHandler<AppEnv> = async (c, next) => {
  const id = new URL(c.req.url).searchParams.get("project") || c.req.header("x-appwrite-project") || "console";
  const apiKey = c.req.header("x-appwrite-key");
  const keyHash = apiKey ? await hashSecretNative(apiKey) : null;
  const origin = c.req.header("origin") || "";
  const withPlatforms = origin !== "";
  const fresh = () => loadAccess(c.env, id, keyHash, withPlatforms);
  const use = (d1: D1Database) => {
    c.set("d1", d1);
    c.set("db", open(d1));
  };
  // The project's data database (src/db/shards.ts), named by the project row read with its key and platforms.
  const dataOf = (access: Access) => bindingNamed(c.env, access.project.database);
  let inUse: D1Database | null = null;
  const apply = async (access: Access | null) => {
    if (!access) throw new AppwriteError("project_not_found", `Project with the requested ID '${id}' could not be found.`);
    c.set("project", access.project);
    // Caller resolution reads the project's sessions and users here (on the primary). A re-read mid-request keeps
    // the request's database; a project that moved meanwhile is refused as a moving one (its writes wait).
    if (!inUse) use((inUse = dataOf(access)));
    else if (dataOf(access) !== inUse) throw new AppwriteError("general_service_disabled", MOVING_MESSAGE);
    if (withPlatforms) c.set("origin", checkOrigin(origin, allowedOrigins(c.req.url, id, access.platforms ?? [])));
    const caller = await resolveCaller(c, access.project, { key: access.key, keyHash });
    c.set("caller", caller);
    // A browser request from an origin the project (for the console: the API's own host) does not know is refused,
    // as Appwrite does; keys are exempt, console sessions are held to console origins in caller.ts.
    const verdict = c.var.origin;
    if (verdict && !verdict.allowed && !caller.privileged) throw new AppwriteError("general_unknown_origin", verdict.description);
    return caller;
  };
  // A remembered resolution is checked where the request's batches run: by the signatures of the access rows for a
  // project on the control database, by the project's access stamp on a data database (access.ts).
  const deferrable = !!keyHash && mayDefer(c.req.method, c.req.path);
  const remembered = deferrable ? recalledAccess(id, keyHash, withPlatforms) : undefined;
  const recalled = remembered && (dataOf(remembered) === c.env.DB || (remembered.stamp && Date.now() - remembered.stamp.at < STAMP_TTL_MS)) ? remembered : undefined;
  // The request's data database: a D1 session when read replication is on, whose committed events go straight to
  // realtime (direct.ts); a remembered access is re-validated inside each of its batches (access.ts).
  const database = () => withDirectRealtime(replicaSession(c, c.var.d1));
  if (recalled) {
    await apply(recalled);
    const stamp = recalled.stamp?.value;
    const guard = stamp !== undefined ? (d1: D1Database) => stampGuard(d1, id, stamp) : () => accessGuard(c.env.DB, id, keyHash, recalled);
    const d1 = deferredAccess(database(), guard, async () => {
      forgetAccess(id);
      await apply(await fresh());
      refuseWritesWhileMoving(c);
      recheckScopes(c);
    });
    use(d1);
  } else {
    // To be remembered on a data database, the project's stamp is read first, then its access rows.
    const hint = deferrable ? placementHint(id) : undefined;
    const at = Date.now();
    const stamp = hint && hint !== CONTROL ? await readStamp(bindingNamed(c.env, hint), id).catch(() => null) : null;
    const access = await fresh();
    const caller = await apply(access);
    const placed = bindingOf(access!.project);
    if (id !== CONSOLE.id) notePlacement(id, placed);
    if (caller.mode === "key" && caller.key && keyHash) {
      if (placed === CONTROL) rememberAccess(id, keyHash, withPlatforms, access!);
      else if (stamp !== null && hint === placed && !access!.project.moving) rememberAccess(id, keyHash, withPlatforms, { ...access!, stamp: { value: stamp, at } });
    }
    use(database());
  }
  refuseWritesWhileMoving(c);
  applyResponseFormat(c);
  await next();
};
