import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { fromSearchParams } from "../../core/params";
import { open } from "../../db/client";
import { bindingNamed } from "../../db/shards";
import { convertChannels } from "../../events/channels";
import { guest, resolveUser, sessionFromRequest } from "../../platform/caller";
import type { AppEnv, Caller } from "../../platform/context";
import { findProject } from "../../platform/projects";
import { protocolEnabled } from "../project/config";
import { needsMoreFactors } from "../account/mfa-gate";
import { applyImpersonation } from "../../platform/impersonation";
import { clientIp } from "../../platform/client";
import { accountModel } from "../users/models";
import { closeCode, connectLimit, errorFrame, INIT_HEADER, MAX_CHANNELS, shardCount, shardName, type ConnectionInit, type SubscriptionInit } from "./protocol";
import { compileQueries } from "./queries";
import { consoleWatcher, consoleWatcherRoles } from "./console";
import { getCookie } from "hono/cookie";
import { allowedOrigins, checkOrigin } from "../../platform/origin";
import { noteOccupied } from "./direct";
import "./consumer";
import { recordRealtimeConnection } from "../usage/recorder";

/**
 * `GET /v1/realtime?project=P` — the WebSocket upgrade (appwrite-wire.md §7.1). Mounted before the
 * project/caller middleware: failures must become `error` frames on an accepted socket (Appwrite sends
 * the error, then closes with 1008), not HTTP error bodies.
 */
export const realtimeRoutes = new Hono<AppEnv>();

class UpgradeError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/**
 * Accept a socket only to tell the client why it cannot stay: Appwrite's onOpen sends every error as a
 * frame and closes. Its close carries the error code; codes that are not WebSocket close codes (401, 503…)
 * close with 1008 (a refusal) or 1011 (a server error), since the runtime sends only valid ones.
 */
function refuse(code: number, message: string): Response {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  server.send(errorFrame(code, message));
  server.close(closeCode(code), message.slice(0, 120));
  return new Response(null, { status: 101, webSocket: client });
}

/** Legacy URL form: `channels[]=…` plus per-channel queries `<channel with . → _>[]=<query>` (Realtime::constructSubscriptions). */
/** The distinct slot numbers of `channel[<n>][]=…` parameters, in the order they first appear. */
function slotNumbers(url: URL, channel: string): number[] {
  const seen: number[] = [];
  for (const key of url.searchParams.keys()) {
    const m = /^(.+)\[(\d{1,4})\]/.exec(key);
    if (!m || (m[1] !== channel && m[1] !== channel.replaceAll(".", "_"))) continue;
    const n = Number(m[2]);
    if (!seen.includes(n)) seen.push(n);
  }
  return seen;
}

function legacySubscriptions(url: URL, names: string[]): { subs: SubscriptionInit[]; mapping: string[] | Record<string, string> } {
  const raw = fromSearchParams(url.searchParams);
  const slots: { channels: string[]; queries: string[] }[] = [];
  for (const channel of names) {
    let params = raw[channel.replaceAll(".", "_")] ?? raw[channel];
    if (channel === "project" && typeof params === "string") params = undefined;
    if (params === undefined || params === null) {
      slots[0] ??= { channels: [], queries: [] };
      slots[0].channels.push(channel);
      continue;
    }
    const list = Array.isArray(params) ? params : [params];
    // The parsed params keep the slots' order but not their numbers (`channel[1][]=…`): read those from the URL.
    const numbers = slotNumbers(url, channel);
    list.forEach((slot, n) => {
      const i = numbers[n] ?? n;
      slots[i] ??= { channels: [], queries: [] };
      if (!slots[i]!.channels.includes(channel)) slots[i]!.channels.push(channel);
      if (slots[i]!.queries.length === 0) slots[i]!.queries = (Array.isArray(slot) ? slot : [slot]).map(String);
    });
  }
  const subs: SubscriptionInit[] = [];
  // Slot → subscription ID, as Appwrite's `$mapping[$index]`: PHP encodes it as a list when the slots are 0…n-1 and
  // as an object otherwise (the SDKs' Realtime class numbers its slots from 1: `{"1": "…"}`).
  const bySlot = new Map<number, string>();
  slots.forEach((slot, index) => {
    if (!slot) return;
    let queries: string[];
    try {
      queries = compileQueries(slot.queries).strings;
    } catch (e) {
      throw new UpgradeError(1008, (e as Error).message);
    }
    const id = uniqueId();
    subs.push({ id, channels: slot.channels, queries });
    bySlot.set(index, id);
  });
  const keys = [...bySlot.keys()];
  const mapping = keys.every((k, i) => k === i) ? [...bySlot.values()] : Object.fromEntries([...bySlot].map(([k, v]) => [String(k), v]));
  return { subs, mapping };
}

/**
 * Appwrite's connect abuse limit (app/realtime.php): `limit` connections per minute per IP, counted in a
 * fixed window in D1's `rate_limits` (the REST limiter's table, src/services/auth/rate-limit.ts). True when over.
 */
async function overConnectLimit(env: Env, projectId: string, ip: string, limit: number): Promise<boolean> {
  if (limit <= 0) return false;
  const now = Date.now();
  const windowStart = Math.floor(now / 60_000) * 60_000;
  const row = await env.DB.prepare("INSERT INTO rate_limits (key, count, expire) VALUES (?1, 1, ?2) ON CONFLICT(key) DO UPDATE SET count = count + 1 RETURNING count")
    .bind(`${projectId}|realtime.connect|url:/v1/realtime,ip:${ip}|${windowStart}`, windowStart + 60_000)
    .first<{ count: number }>();
  return Number(row?.count ?? 0) > limit;
}

realtimeRoutes.get("/", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppwriteError("general_argument_invalid", "The realtime endpoint only accepts WebSocket upgrade requests.", 426);
  }
  const url = new URL(c.req.url);
  try {
    // The header wins over the query parameter (app/init/realtime/connection.php).
    const projectId = c.req.header("x-appwrite-project") || url.searchParams.get("project") || "";
    // Mounted before the context middleware: the project from the control DB, its users from its data DB.
    const project = projectId && projectId !== "console" ? await findProject(open(c.env.DB), projectId) : null;
    if (!project) throw new UpgradeError(1008, "Missing or unknown project ID");
    const db = open(bindingNamed(c.env, project.database)); // its users and sessions (src/db/shards.ts)
    if (await overConnectLimit(c.env, project.id, clientIp(c as never), connectLimit(c.env))) throw new UpgradeError(1013, "Too many requests");

    // Cross-site socket hijacking guard: an Origin must be one the project's platforms allow (origin.ts).
    const origin = c.var.origin;
    if (origin && !origin.allowed) throw new UpgradeError(1008, origin.description);

    let caller: Caller;
    try {
      const jwt = c.req.header("x-appwrite-jwt") || url.searchParams.get("jwt") || null;
      caller = await applyImpersonation(c.req, db, project, await resolveUser(c.env, db, project, sessionFromRequest(c, project.id), jwt));
    } catch (e) {
      if (e instanceof AppwriteError) throw new UpgradeError(e.code, e.message);
      throw e;
    }
    // Appwrite's websocket switch (Project.updateProtocol): refused to everyone but API keys and admins.
    if (!protocolEnabled(project, "websocket") && !caller.privileged) throw new UpgradeError(403, "The requested API is disabled. You can enable the API from the Appwrite console.");
    if (caller.user && !caller.user.status) caller = guest();
    // A sign-in that still owes its second factor is a guest here, as it is nobody on the REST API (mfa-gate.ts).
    if (caller.user && (await needsMoreFactors(db, project.id, caller.user, caller.session))) caller = guest();
    // On https the console's session is its first-party httpOnly cookie, sent with the upgrade from the console's
    // own origin only (never from a project's platform: that would hand a site the console's view of the project).
    let roles = caller.roles;
    let sessionId = caller.session?.id ?? "";
    const consoleCookie = !caller.user && getCookie(c as never, "a_session_console");
    if (consoleCookie && c.req.header("origin") && checkOrigin(c.req.header("origin")!, allowedOrigins(c.req.url, "console", [])).allowed) {
      const watcher = await consoleWatcher(c.env, project, consoleCookie);
      if (watcher) {
        roles = consoleWatcherRoles(watcher.userId);
        sessionId = watcher.sessionId;
      }
    }
    const userId = caller.user?.id ?? "";

    const requested = fromSearchParams(url.searchParams).channels;
    const list = (Array.isArray(requested) ? requested : requested === undefined ? [] : [requested]).filter((x): x is string => typeof x === "string");
    if (list.length > MAX_CHANNELS) throw new UpgradeError(1008, `A connection can subscribe to at most ${MAX_CHANNELS} channels.`);
    const names = convertChannels(list, userId || undefined);
    const legacy = names.length ? legacySubscriptions(url, names) : { subs: [], mapping: [] };

    const shard = Math.floor(Math.random() * shardCount(c.env));
    const init: ConnectionInit = {
      connId: uniqueId(),
      projectId: project.id,
      shard,
      userId,
      sessionId,
      impersonatorId: caller.impersonator?.id ?? "",
      roles,
      subscriptions: legacy.subs,
      connected: JSON.stringify({ type: "connected", data: { channels: names, subscriptions: legacy.mapping, user: caller.user ? accountModel(caller.user, [], caller.impersonator?.id ?? null) : null } }),
    };
    const stub = c.env.REALTIME.get(c.env.REALTIME.idFromName(shardName(project.id, shard)));
    const headers = new Headers({ upgrade: "websocket", [INIT_HEADER]: JSON.stringify(init) });
    const accepted = await stub.fetch("https://realtime.internal/connect", { headers });
    if (accepted.status === 101) {
      recordRealtimeConnection(c.env, project.id);
      noteOccupied(project.id, shard); // this isolate's direct path knows it at once
    }
    return accepted;
  } catch (e) {
    if (e instanceof UpgradeError) return refuse(e.code, e.message);
    console.error("realtime upgrade failed", e);
    return refuse(500, "Error: Server Error");
  }
});
