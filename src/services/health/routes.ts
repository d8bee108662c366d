import { allDataDatabases } from "../../db/shards";
import { Hono } from "hono";
import * as z from "zod/mini";
import { uniqueId } from "../../core/ids";
import { AppwriteError, APP_VERSION } from "../../core/errors";
import { collectParams, p, params, validate } from "../../core/params";
import { json } from "../../core/response";
import { dispatcherStub } from "../../events/dispatcher";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { shardName } from "../realtime/protocol";
import { count, FAILED_QUEUE_NAMES, QUEUES } from "./queues";
import { isDeploymentAdmin } from "../../platform/console-access";

/**
 * Appwrite's Health service, each check a real round trip to what Edgewrite runs on: D1 (db), R2 (storage),
 * the Durable Objects (pubsub: a realtime shard, the pub/sub fan-out; cache: the event dispatcher, which holds
 * the state isolates share — realtime shard occupancy), D1's clock (time) and the pending work Edgewrite
 * records in D1 (queues). Queue sizes cover the caller's project; the deployment admin sees every project.
 */
export const healthRoutes = new Hono<AppEnv>();

/** `client.ping()`: plain text, which the SDK wraps as `{message: "Pong!"}`. */
healthRoutes.get("/ping", (c) => {
  requireScope(c, "global");
  return c.text("Pong!");
});

// Appwrite labels it `public`, which guests and users hold and API keys do not.
healthRoutes.get("/health/version", (c) => {
  requireScope(c, "public");
  return json(c, { version: APP_VERSION });
});

/** Run a probe: its ping in ms, or Appwrite's 500 naming what failed. */
async function timed(failure: string, probe: () => Promise<unknown>): Promise<number> {
  const start = Date.now();
  try {
    await probe();
  } catch (e) {
    console.error(`health: ${failure}`, e);
    throw new AppwriteError("general_server_error", failure);
  }
  return Date.now() - start;
}

const statusList = (statuses: { name: string; ping: number }[]) => ({ total: statuses.length, statuses: statuses.map((s) => ({ ...s, status: "pass" })) });

// The HTTP layer itself: answering is the check (Appwrite reports ping 0).
healthRoutes.get("/health", (c) => {
  requireScope(c, "health.read");
  return json(c, { name: "http", ping: 0, status: "pass" });
});

healthRoutes.get("/health/db", async (c) => {
  requireScope(c, "health.read");
  // The control database and every data database (src/db/shards.ts).
  const checks = await Promise.all(allDataDatabases(c.env).map(async ({ name, d1 }) => ({ name: `D1 (${name})`, ping: await timed(`DB failure on: ${name}`, () => d1.prepare("SELECT 1").first()) })));
  return json(c, statusList(checks));
});

healthRoutes.get("/health/cache", async (c) => {
  requireScope(c, "health.read");
  const ping = await timed("Cache failure on: EVENT_DISPATCHER", () => dispatcherStub(c.env, c.var.project.id).occupancy(c.var.project.id));
  return json(c, statusList([{ name: "Cache (EVENT_DISPATCHER)", ping }]));
});

healthRoutes.get("/health/pubsub", async (c) => {
  requireScope(c, "health.read");
  const shard = c.env.REALTIME.get(c.env.REALTIME.idFromName(shardName(c.var.project.id, 0)));
  const ping = await timed("Pubsub failure on: REALTIME", () => shard.stats());
  return json(c, statusList([{ name: "PubSub (REALTIME)", ping }]));
});

// Appwrite asks time.google.com over NTP; a Worker cannot speak UDP (and this machine is offline), so the
// second clock is D1's: in production another machine than the Worker's, so a drifting clock still shows.
const MAX_GAP_S = 60;
healthRoutes.get("/health/time", async (c) => {
  requireScope(c, "health.read");
  let remote: number;
  try {
    remote = Number((await c.env.DB.prepare("SELECT CAST(strftime('%s', 'now') AS INTEGER) AS t").first<{ t: number }>())?.t);
  } catch (e) {
    console.error("health: time", e);
    throw new AppwriteError("general_server_error", "Failed to read the time of D1");
  }
  const local = Math.floor(Date.now() / 1000);
  const diff = remote - local;
  if (Math.abs(diff) > MAX_GAP_S) throw new AppwriteError("general_server_error", "Server time gaps detected");
  return json(c, { remoteTime: remote, localTime: local, diff });
});

// Write, read back and delete a small object: the bucket holding files, deployments and builds.
healthRoutes.get("/health/storage", async (c) => {
  requireScope(c, "health.read");
  const key = `health/${uniqueId()}`;
  const ping = await timed("Storage failure on: BUCKET", async () => {
    try {
      await c.env.BUCKET.put(key, "test", { httpMetadata: { contentType: "text/plain" } });
      if ((await (await c.env.BUCKET.get(key))?.text()) !== "test") throw new Error("content mismatch");
    } finally {
      await c.env.BUCKET.delete(key).catch(() => undefined);
    }
  });
  return json(c, { name: "storage", ping, status: "pass" });
});

// Appwrite checks its local volumes; a Worker has no disk, so this lists the bucket (reads, no writes).
healthRoutes.get("/health/storage/local", async (c) => {
  requireScope(c, "health.read");
  const ping = await timed("Device BUCKET is not readable", () => c.env.BUCKET.list({ limit: 1 }));
  return json(c, { name: "storage/local", ping, status: "pass" });
});

// No virus scanner runs on Workers: Appwrite's answer when ClamAV is disabled.
healthRoutes.get("/health/anti-virus", (c) => {
  requireScope(c, "health.read");
  return json(c, { version: "", status: "disabled" });
});

const RESERVED_TLDS = new Set(["localhost", "local", "localdomain", "internal", "intranet", "lan", "home", "corp", "test", "example", "invalid", "arpa", "onion"]);
/** Appwrite's `domain`: a domain or a URL, whose host must be a public name (no IP literal, no reserved TLD). */
const isPublic = (host: string) => {
  const tld = host.slice(host.lastIndexOf(".") + 1);
  return /^[a-z]{2,63}$/.test(tld) && !RESERVED_TLDS.has(tld);
};
const hostOf = (v: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && URL.canParse(v) ? new URL(v).hostname : v);
const publicDomain = z.pipe(
  z.pipe(z.string({ error: "Value must be a valid domain" }), z.transform(hostOf)),
  z.pipe(p.domain() as z.ZodMiniType<string, string>, z.string().check(z.refine(isPublic, { error: "Value must be a public domain" }))),
);

/**
 * A Worker cannot see a peer's certificate: `fetch` validates the chain and the host name itself and fails
 * otherwise (or Cloudflare answers 525/526). So a host reached over HTTPS proves a valid, unexpired certificate
 * for that name; its fields (names, issuer, validity) cannot be read and are empty. An unreachable host or a
 * refused certificate is `health_invalid_host`, as Appwrite's failed TLS connection.
 */
healthRoutes.get("/health/certificate", async (c) => {
  requireScope(c, "health.read");
  const a = await params(c, { domain: publicDomain });
  let status: number;
  try {
    status = (await fetch(`https://${a.domain}/`, { method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(10_000) })).status;
  } catch (e) {
    throw new AppwriteError("health_invalid_host", `Failed to connect to host: ${e instanceof Error ? e.message : "unknown"}`);
  }
  // Cloudflare's own answers when the TLS handshake failed (525) or the certificate was refused (526).
  if (status === 525 || status === 526) throw new AppwriteError("health_invalid_host", `Failed to connect to host: TLS failed (${status})`);
  return json(c, { name: "", subjectSN: "", issuerOrganisation: "", validFrom: "", validTo: "", signatureTypeSN: "" });
});

/** The caller's project, or every project for the deployment admin. */
const queueScope = (c: Ctx) => (isDeploymentAdmin(c.var.caller) ? "" : c.var.project.id);

function assertThreshold(size: number, threshold: number, failed = false): void {
  if (size >= threshold) {
    throw new AppwriteError("health_queue_size_exceeded", `Queue ${failed ? "failed jobs" : "jobs"} threshold hit. Current value is ${size} and threshold is ${threshold}.`);
  }
}

const threshold = { threshold: p.default(p.integer(), 5000) };

for (const [path, queue] of Object.entries(QUEUES)) {
  healthRoutes.get(`/health/queue/${path}`, async (c) => {
    requireScope(c, "health.read");
    const a = await params(c, threshold);
    const size = await count(c.env, queue.pending, queueScope(c));
    assertThreshold(size, a.threshold);
    return json(c, { size });
  });
}

healthRoutes.get("/health/queue/failed/:name", async (c) => {
  requireScope(c, "health.read");
  const a = validate({ ...(await collectParams(c)), name: c.req.param("name") }, { ...threshold, name: p.enum(FAILED_QUEUE_NAMES) });
  const queue = Object.values(QUEUES).find((q) => q.name === a.name);
  const size = await count(c.env, queue?.failed, queueScope(c));
  assertThreshold(size, a.threshold, true);
  return json(c, { size });
});
