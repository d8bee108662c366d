import { bindingNamed } from "../src/db/shards";
import { DurableObject } from "cloudflare:workers";
import type { Query } from "../src/core/query/parse";
import { uniqueId } from "../src/core/ids";
import { open } from "../src/db/client";
import { dispatcherStub, testHooksEnabled } from "../src/events/dispatcher";
import { convertChannels } from "../src/events/channels";
import { resolveUser } from "../src/platform/caller";
import { findProject } from "../src/platform/projects";
import { GUEST_ROLES } from "../src/platform/roles";
import { needsMoreFactors } from "../src/services/account/mfa-gate";
import { abuseEnabled } from "../src/services/auth/rate-limit";
import { accountModel } from "../src/services/users/models";
import { CONSOLE_REALTIME_ROLE, consoleRecheckMs, consoleWatcher, consoleWatcherRoles, consoleWatcherUser, consoleWatcherValid } from "../src/services/realtime/console";
import { compileQueries, matchesQueries } from "../src/services/realtime/queries";
import {
  errorFrame, INIT_HEADER, MAX_SUBSCRIPTIONS, MESSAGES_PER_MINUTE, subscribeItemError,
  type ConnectionInit, type RealtimeEvent, type SubscriptionInit,
} from "../src/services/realtime/protocol";
import { parseJson } from "../src/core/input";

/**
 * One realtime shard: holds a share of a project's WebSockets with the hibernation API.
 *
 * State that must survive hibernation/eviction lives in the object's SQLite storage (connections with
 * their user and roles, subscriptions as the client sent them); each socket's attachment carries its
 * connection id and its message-rate window. In memory, rebuilt lazily on wake-up:
 *   conns: connId → {socket, user, roles, subscriptions}
 *   index: channel → connId → subscription ids      (delivery looks up only the event's channels)
 * Pings are answered by the runtime's auto-response, so idle connections never wake the object.
 *
 * Occupancy (src/services/realtime/occupancy.ts): before its first socket gets `connected`, the shard
 * tells the event dispatcher it is occupied; after its last socket goes, that it is empty. The consumer
 * publishes only to occupied shards. Reports are numbered (`meta.occ_seq`) so they apply in order.
 */
interface Attachment {
  c: string; // connection id
  w: number; // rate window start (ms)
  n: number; // messages in the window
}

interface Sub {
  channels: string[]; // as sent
  converted: string[];
  queries: string[];
  parsed: Query[];
  /** When it was made (ms): an outbox copy of an older event is not for it (Appwrite delivers only what happens after). */
  since: number;
}

interface Conn {
  id: string;
  ws: WebSocket;
  userId: string;
  sessionId: string;
  /** Who is impersonating `userId` through their session `sessionId` ("" when nobody is). */
  actorId: string;
  roles: Set<string>;
  /** The roles as one string: delivery decides once per distinct role set per event. */
  roleKey: string;
  subs: Map<string, Sub>;
}

/** What a path brought: events new to this shard, second copies, and the bookkeeping to store after sending. */
interface Taken {
  fresh: RealtimeEvent[];
  duplicates: number;
  persist: () => void;
}

const roleKey = (roles: Iterable<string>) => [...roles].sort().join("\n");

/** Direct-path seqs a shard remembers while the outbox has not passed them (beyond: a possible duplicate). */
const MAX_DIRECT_SEEN = 10_000;

class FrameError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

const PING = JSON.stringify({ type: "ping" });
const PONG = JSON.stringify({ type: "pong" });

export class RealtimeShard extends DurableObject<Env> {
  private conns = new Map<string, Conn>();
  private index = new Map<string, Map<string, Set<string>>>();
  private loaded = false;
  private projectId = "";
  private shard = -1;
  /** What the dispatcher was last told (mirrors `meta.occ`); `occupying` coalesces concurrent first sockets. */
  private reported = false;
  private occupying: Promise<void> | null = null;
  /**
   * Each event once, whichever path brings it first. The outbox consumer publishes a project's events in
   * seq order: `outboxHigh` is the last seq it brought; `direct` the seqs above it the direct path
   * (src/services/realtime/direct.ts) delivered already. Both are kept in storage too, so a shard that
   * hibernates between the two copies still drops the second.
   */
  private outboxHigh = 0;
  private direct = new Set<number>();
  private counts = { direct: 0, outbox: 0, duplicates: 0 };
  private dropDirect = false; // test hook (testDropDirect)

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS conns (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, user_id TEXT NOT NULL, session_id TEXT NOT NULL, roles TEXT NOT NULL, actor_id TEXT NOT NULL DEFAULT '')`);
    // Shards created before impersonation have no actor_id column.
    if (!ctx.storage.sql.exec<{ name: string }>("PRAGMA table_info(conns)").toArray().some((c) => c.name === "actor_id")) {
      ctx.storage.sql.exec("ALTER TABLE conns ADD COLUMN actor_id TEXT NOT NULL DEFAULT ''");
    }
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS subs (conn_id TEXT NOT NULL, sub_id TEXT NOT NULL, channels TEXT NOT NULL, queries TEXT NOT NULL, since INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (conn_id, sub_id))`);
    if (!ctx.storage.sql.exec<{ name: string }>("PRAGMA table_info(subs)").toArray().some((c) => c.name === "since")) {
      ctx.storage.sql.exec("ALTER TABLE subs ADD COLUMN since INTEGER NOT NULL DEFAULT 0");
    }
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS direct_seen (seq INTEGER PRIMARY KEY)`);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  private meta(key: string): string | undefined {
    return this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private setMeta(key: string, value: string | number): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, String(value));
  }

  /** Which project's shard this is, and which number (its occupancy reports need both). */
  private identify(projectId: string, shard: number): void {
    this.projectId = projectId;
    this.shard = shard;
    this.setMeta("project_id", projectId);
    this.setMeta("shard", shard);
  }

  /**
   * Tell the dispatcher this shard is (not) occupied; the number orders this shard's reports. "Occupied"
   * counts only once the dispatcher has it; "empty" counts at once (a new socket re-reports).
   */
  private async report(occupied: boolean): Promise<void> {
    if (!this.projectId || this.shard < 0) return;
    const seq = Number(this.meta("occ_seq") ?? 0) + 1;
    this.setMeta("occ_seq", seq);
    if (!occupied) {
      this.reported = false;
      this.setMeta("occ", 0);
    }
    await dispatcherStub(this.env, this.projectId).setOccupancy(this.projectId, this.shard, occupied, seq);
    if (occupied) {
      this.reported = true;
      this.setMeta("occ", 1);
    }
  }

  /** Before a socket is answered: make sure the project's events are sent here. */
  private async occupy(): Promise<void> {
    while (!this.reported) {
      this.occupying ??= this.report(true).finally(() => (this.occupying = null));
      await this.occupying;
    }
  }

  /** After the last socket went, or (`force`) when events arrive for nobody: stop the fan-out to this shard. */
  private vacate(force = false): void {
    if ((!this.reported && !force) || this.conns.size > 0 || this.occupying) return;
    this.ctx.waitUntil(this.report(false).catch((e) => console.error("realtime occupancy report failed", String(e))));
  }

  // ---- state ------------------------------------------------------------------------------------

  /** Rebuild the in-memory view after a wake-up; forget rows of sockets that are gone. */
  private ensure(): void {
    if (this.loaded) return;
    this.loaded = true;
    this.projectId = this.meta("project_id") ?? "";
    this.shard = Number(this.meta("shard") ?? -1);
    this.reported = this.meta("occ") === "1";
    this.outboxHigh = Number(this.meta("outbox_high") ?? 0);
    for (const r of this.ctx.storage.sql.exec<{ seq: number }>("SELECT seq FROM direct_seen ORDER BY seq").toArray()) this.direct.add(r.seq);
    const live = new Map<string, WebSocket>();
    for (const ws of this.ctx.getWebSockets()) {
      const a = ws.deserializeAttachment() as Attachment | null;
      if (a?.c) live.set(a.c, ws);
    }
    const sql = this.ctx.storage.sql;
    for (const row of sql.exec<{ id: string; project_id: string; user_id: string; session_id: string; roles: string; actor_id: string }>("SELECT * FROM conns").toArray()) {
      const ws = live.get(row.id);
      if (!ws) {
        sql.exec("DELETE FROM conns WHERE id = ?", row.id);
        sql.exec("DELETE FROM subs WHERE conn_id = ?", row.id);
        continue;
      }
      this.projectId = row.project_id;
      const roles = JSON.parse(row.roles) as string[];
      this.conns.set(row.id, { id: row.id, ws, userId: row.user_id, sessionId: row.session_id, actorId: row.actor_id, roles: new Set(roles), roleKey: roleKey(roles), subs: new Map() });
    }
    for (const row of sql.exec<{ conn_id: string; sub_id: string; channels: string; queries: string; since: number }>("SELECT * FROM subs").toArray()) {
      const conn = this.conns.get(row.conn_id);
      if (!conn) {
        sql.exec("DELETE FROM subs WHERE conn_id = ?", row.conn_id);
        continue;
      }
      const queries = JSON.parse(row.queries) as string[];
      this.putSub(conn, row.sub_id, JSON.parse(row.channels) as string[], queries, compileQueries(queries).parsed, false, row.since);
    }
  }

  private putSub(conn: Conn, id: string, channels: string[], queries: string[], parsed: Query[], persist = true, since = Date.now()): Sub {
    this.unindex(conn, id);
    const sub: Sub = { channels, converted: convertChannels(channels, conn.userId || undefined), queries, parsed, since };
    conn.subs.set(id, sub);
    for (const ch of sub.converted) {
      let byConn = this.index.get(ch);
      if (!byConn) this.index.set(ch, (byConn = new Map()));
      let ids = byConn.get(conn.id);
      if (!ids) byConn.set(conn.id, (ids = new Set()));
      ids.add(id);
    }
    if (persist) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO subs (conn_id, sub_id, channels, queries, since) VALUES (?, ?, ?, ?, ?)", conn.id, id, JSON.stringify(channels), JSON.stringify(queries), since);
    return sub;
  }

  private unindex(conn: Conn, id: string): boolean {
    const old = conn.subs.get(id);
    if (!old) return false;
    for (const ch of old.converted) {
      const byConn = this.index.get(ch);
      const ids = byConn?.get(conn.id);
      ids?.delete(id);
      if (ids && ids.size === 0) byConn!.delete(conn.id);
      if (byConn && byConn.size === 0) this.index.delete(ch);
    }
    conn.subs.delete(id);
    return true;
  }

  private saveConn(conn: Conn): void {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO conns (id, project_id, user_id, session_id, roles, actor_id) VALUES (?, ?, ?, ?, ?, ?)",
      conn.id, this.projectId, conn.userId, conn.sessionId, JSON.stringify([...conn.roles]), conn.actorId,
    );
  }

  private dropConn(id: string): void {
    const conn = this.conns.get(id);
    if (conn) for (const subId of [...conn.subs.keys()]) this.unindex(conn, subId);
    this.conns.delete(id);
    this.ctx.storage.sql.exec("DELETE FROM conns WHERE id = ?", id);
    this.ctx.storage.sql.exec("DELETE FROM subs WHERE conn_id = ?", id);
    if (this.conns.size === 0) this.vacate();
  }

  /** A user's identity changed (authentication, role refresh): re-convert every subscription. */
  private setIdentity(conn: Conn, userId: string, sessionId: string, roles: readonly string[], actorId = conn.actorId): void {
    const changedUser = conn.userId !== userId;
    conn.userId = userId;
    conn.sessionId = sessionId;
    conn.actorId = actorId;
    conn.roles = new Set(roles);
    conn.roleKey = roleKey(roles);
    this.saveConn(conn);
    if (changedUser) for (const [id, s] of [...conn.subs]) this.putSub(conn, id, s.channels, s.queries, s.parsed, false, s.since);
  }

  // ---- connection -------------------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    this.ensure();
    const init = JSON.parse(request.headers.get(INIT_HEADER) ?? "null") as ConnectionInit | null;
    if (!init) return new Response("bad init", { status: 400 });
    if (this.projectId !== init.projectId || this.shard !== init.shard) this.identify(init.projectId, init.shard);
    await this.occupy();
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ c: init.connId, w: Date.now(), n: 0 } satisfies Attachment);
    const conn: Conn = { id: init.connId, ws: server, userId: init.userId, sessionId: init.sessionId, actorId: init.impersonatorId, roles: new Set(init.roles), roleKey: roleKey(init.roles), subs: new Map() };
    this.conns.set(conn.id, conn);
    this.saveConn(conn);
    for (const s of init.subscriptions) this.putSub(conn, s.id, s.channels, s.queries, compileQueries(s.queries).parsed);
    if (conn.roles.has(CONSOLE_REALTIME_ROLE)) await this.armConsoleRecheck();
    server.send(init.connected);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.ensure();
    const att = ws.deserializeAttachment() as Attachment | null;
    const conn = att ? this.conns.get(att.c) : undefined;
    try {
      if (!att || !conn) throw new FrameError(1008, "Missing project context. Reconnect to the project first.");
      const now = Date.now();
      if (now - att.w >= 60_000) {
        att.w = now;
        att.n = 0;
      }
      att.n++;
      ws.serializeAttachment(att);
      if (att.n > MESSAGES_PER_MINUTE && abuseEnabled(this.env)) throw new FrameError(1013, "Too many messages.");
      const reply = await this.handle(conn, typeof message === "string" ? message : new TextDecoder().decode(message));
      if (reply) ws.send(reply);
    } catch (e) {
      const code = e instanceof FrameError ? e.code : 500;
      const msg = e instanceof FrameError ? e.message : "Error: Server Error";
      if (!(e instanceof FrameError)) console.error("realtime message failed", e);
      try {
        ws.send(errorFrame(code, msg));
        if (code === 1008) ws.close(1008, msg.slice(0, 120));
      } catch {
        /* socket already gone */
      }
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.ensure();
    const att = ws.deserializeAttachment() as Attachment | null;
    if (att?.c) this.dropConn(att.c);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      /* already closed */
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.ensure();
    const att = ws.deserializeAttachment() as Attachment | null;
    if (att?.c) this.dropConn(att.c);
  }

  private async handle(conn: Conn, text: string): Promise<string | null> {
    let msg: unknown;
    try {
      msg = parseJson(text);
    } catch {
      msg = null;
    }
    if (!msg || typeof msg !== "object" || Array.isArray(msg) || (!("type" in msg) && !("data" in msg))) {
      throw new FrameError(1003, "Message format is not valid.");
    }
    const { type, data } = msg as { type?: unknown; data?: unknown };
    switch (type) {
      case "ping":
        return PONG;
      case "authentication":
        return this.authenticate(conn, data);
      case "subscribe":
        return this.subscribe(conn, data);
      case "unsubscribe":
        return this.unsubscribe(conn, data);
      default:
        throw new FrameError(1003, "Message type is not valid.");
    }
  }

  private async authenticate(conn: Conn, data: unknown): Promise<string> {
    const session = data && typeof data === "object" ? (data as Record<string, unknown>).session : undefined;
    if (session === undefined) throw new FrameError(1003, "Payload is not valid. Session is required");
    if (typeof session !== "string" || session.length > 2048) throw new FrameError(1003, "session: Value must be a valid string and no longer than 2048 chars");
    const project = await findProject(open(this.env.DB), this.projectId); // control
    if (!project) throw new FrameError(1008, "Missing or unknown project ID");
    const db = open(bindingNamed(this.env, project.database)); // its users and sessions
    const caller = await resolveUser(this.env, db, project, session, null).catch(() => null);
    if (!caller?.user) {
      // Not the project's user: maybe the console acting in the project (src/services/realtime/console.ts).
      const watcher = await consoleWatcher(this.env, project, session);
      if (!watcher) throw new FrameError(1003, "Session is not valid.");
      // No project user: account channels stay empty; the marker role receives every event of the project.
      this.setIdentity(conn, "", watcher.sessionId, consoleWatcherRoles(watcher.userId), "");
      await this.armConsoleRecheck();
      return JSON.stringify({ type: "response", data: { to: "authentication", success: true, user: null } });
    }
    if (!caller.session || !caller.user.status) throw new FrameError(1003, "Session is not valid.");
    // A sign-in that still owes its second factor authenticates nothing (the REST gate's rule, mfa-gate.ts).
    if (await needsMoreFactors(db, project.id, caller.user, caller.session)) throw new FrameError(401, "More factors are required to complete the sign in process.");
    this.setIdentity(conn, caller.user.id, caller.session.id, caller.roles, "");
    return JSON.stringify({ type: "response", data: { to: "authentication", success: true, user: accountModel(caller.user) } });
  }

  private subscribe(conn: Conn, data: unknown): string {
    if (data === undefined || data === null) throw new FrameError(1003, "Payload is not valid. Items is required");
    if (!Array.isArray(data)) throw new FrameError(1003, "items: Payload is not valid.");
    const items: { id: string; channels: string[]; queries: string[]; parsed: Query[] }[] = [];
    for (const item of data) {
      const err = subscribeItemError(item);
      if (err) throw new FrameError(1003, `items: ${err}`);
      const o = item as { subscriptionId?: string; channels: string[]; queries?: unknown[] };
      let compiled;
      try {
        compiled = compileQueries(o.queries ?? []);
      } catch (e) {
        throw new FrameError(1003, `Invalid query: ${(e as Error).message}`);
      }
      items.push({ id: o.subscriptionId ?? uniqueId(), channels: o.channels, queries: compiled.strings, parsed: compiled.parsed });
    }
    const fresh = new Set(items.map((i) => i.id).filter((id) => !conn.subs.has(id)));
    if (conn.subs.size + fresh.size > MAX_SUBSCRIPTIONS) throw new FrameError(1003, `items: A connection can hold at most ${MAX_SUBSCRIPTIONS} subscriptions.`);
    const out = items.map((i) => {
      const sub = this.putSub(conn, i.id, i.channels, i.queries, i.parsed);
      return { subscriptionId: i.id, channels: sub.converted, queries: sub.queries };
    });
    return JSON.stringify({ type: "response", data: { to: "subscribe", success: true, subscriptions: out } });
  }

  private unsubscribe(conn: Conn, data: unknown): string {
    if (data === undefined || data === null) throw new FrameError(1003, "Payload is not valid. Items is required");
    if (!Array.isArray(data) || data.some((i) => !i || typeof i !== "object" || typeof (i as { subscriptionId?: unknown }).subscriptionId !== "string")) {
      throw new FrameError(1003, "items: Payload is not valid.");
    }
    const out = (data as { subscriptionId: string }[]).map(({ subscriptionId }) => {
      const removed = this.unindex(conn, subscriptionId);
      if (removed) this.ctx.storage.sql.exec("DELETE FROM subs WHERE conn_id = ? AND sub_id = ?", conn.id, subscriptionId);
      return { subscriptionId, removed };
    });
    return JSON.stringify({ type: "response", data: { to: "unsubscribe", success: true, subscriptions: out } });
  }

  // ---- RPC from the realtime event consumer -----------------------------------------------------

  /**
   * Deliver events (from the outbox consumer, or `direct` from the writing request): one frame per
   * connection listing every matching subscription. Returns frames sent.
   */
  async publish(events: RealtimeEvent[], via: "outbox" | "direct" = "outbox", at?: { projectId: string; shard: number }): Promise<number> {
    this.ensure();
    // A shard that never had a socket does not know whose it is, yet it is sent events until it reports
    // "empty" (occupancy.ts: never reported counts as occupied): the sender says so.
    if (at && (!this.projectId || this.shard < 0)) this.identify(at.projectId, at.shard);
    const { fresh, duplicates, persist } = via === "direct" ? this.takeDirect(events) : this.takeOutbox(events);
    let sent = 0;
    if (this.conns.size === 0) this.vacate(true); // a stale "occupied" (sockets dropped by a restart, a lost report, never a socket): stop the fan-out here
    else {
      // Counted only where sockets are: what each path brought first, and the second copies dropped.
      this.counts[via] += fresh.length;
      this.counts.duplicates += duplicates;
      for (const ev of fresh) sent += this.deliver(ev, via === "outbox" ? Date.parse(ev.timestamp) : Infinity);
    }
    // Stored after the frames left: a storage write holds back frames sent after it (the output gate).
    persist();
    return sent;
  }

  /** Direct-path events the outbox has not brought, nor the direct path before. */
  private takeDirect(events: RealtimeEvent[]): Taken {
    if (this.dropDirect || !this.conns.size) return { fresh: [], duplicates: 0, persist: () => {} };
    const fresh = events.filter((ev) => ev.seq > this.outboxHigh && !this.direct.has(ev.seq));
    for (const ev of fresh) this.direct.add(ev.seq);
    let forgetBelow = 0;
    if (this.direct.size > MAX_DIRECT_SEEN) {
      // The outbox is far behind: forget the oldest (their outbox copy may then reach a client twice).
      const keep = [...this.direct].sort((a, b) => a - b).slice(-MAX_DIRECT_SEEN / 2);
      this.direct = new Set(keep);
      forgetBelow = keep[0]!;
    }
    const sql = this.ctx.storage.sql;
    return {
      fresh,
      duplicates: events.length - fresh.length,
      persist: () => {
        for (const ev of fresh) sql.exec("INSERT OR IGNORE INTO direct_seen (seq) VALUES (?)", ev.seq);
        if (forgetBelow) sql.exec("DELETE FROM direct_seen WHERE seq < ?", forgetBelow);
      },
    };
  }

  /** Outbox events (in seq order) past what it brought before, minus those the direct path delivered. */
  private takeOutbox(events: RealtimeEvent[]): Taken {
    const fresh: RealtimeEvent[] = [];
    const high = this.outboxHigh;
    let duplicates = 0;
    for (const ev of events) {
      if (ev.seq <= this.outboxHigh) continue; // a re-sent pass (delivery is at least once)
      this.outboxHigh = ev.seq;
      if (this.direct.has(ev.seq)) duplicates++;
      else fresh.push(ev);
    }
    if (this.outboxHigh === high) return { fresh, duplicates, persist: () => {} };
    for (const seq of this.direct) if (seq <= this.outboxHigh) this.direct.delete(seq);
    const upTo = this.outboxHigh;
    return {
      fresh,
      duplicates,
      persist: () => {
        this.setMeta("outbox_high", upTo);
        this.ctx.storage.sql.exec("DELETE FROM direct_seen WHERE seq <= ?", upTo);
      },
    };
  }

  /** To the subscriptions that match and were made before `madeAt` (the event's time for outbox copies). */
  private deliver(ev: RealtimeEvent, madeAt: number): number {
    const matched = new Map<Conn, string[]>();
    const anyRole = ev.roles.includes("any");
    const allowed = new Map<string, boolean>(); // roleKey → may receive
    for (const ch of ev.channels) {
      const byConn = this.index.get(ch);
      if (!byConn) continue;
      for (const [connId, subIds] of byConn) {
        const conn = this.conns.get(connId);
        if (!conn) continue;
        if (!anyRole) {
          let ok = allowed.get(conn.roleKey);
          if (ok === undefined) allowed.set(conn.roleKey, (ok = conn.roles.has(CONSOLE_REALTIME_ROLE) || ev.roles.some((r) => conn.roles.has(r))));
          if (!ok) continue;
        }
        let list = matched.get(conn);
        for (const subId of subIds) {
          if (list?.includes(subId)) continue; // matched through another of the event's channels
          const sub = conn.subs.get(subId);
          if (!sub || sub.since > madeAt || !matchesQueries(sub.parsed, ev.payload)) continue;
          if (!list) matched.set(conn, (list = []));
          list.push(subId);
        }
      }
    }
    if (matched.size === 0) return 0;
    // Serialised once per event; per socket only its subscription ids are appended (ids are
    // validated Appwrite ids, so they need no JSON escaping).
    const head = `${JSON.stringify({ type: "event", data: { events: ev.events, channels: ev.channels, timestamp: ev.timestamp, payload: ev.payload } }).slice(0, -2)},"subscriptions":["`;
    let sent = 0;
    for (const [conn, ids] of matched) {
      try {
        conn.ws.send(`${head}${ids.join('","')}"]}}`);
        sent++;
      } catch {
        this.dropConn(conn.id);
      }
    }
    return sent;
  }

  /**
   * A user's permissions changed (membership, labels, status, deletion, session revoked): replace the
   * roles of that user's connections. `roles = null` turns them into guests. With `sessionId`, only
   * connections authenticated by that session are affected. Connections of `halfSessions` (sessions
   * that still owe a second factor, mfa-gate.ts) become guests. Connections on which this user
   * impersonates someone become guests too when the session goes, or the user may no longer
   * impersonate (`impersonates` false: flag removed, blocked or deleted).
   */
  async refreshUser(userId: string, roles: string[] | null, sessionId?: string, halfSessions: string[] = [], impersonates = false): Promise<number> {
    this.ensure();
    let n = 0;
    for (const conn of this.conns.values()) {
      if (conn.actorId === userId && (sessionId ? conn.sessionId === sessionId : !roles || !impersonates || halfSessions.includes(conn.sessionId))) {
        this.setIdentity(conn, "", "", GUEST_ROLES, "");
        n++;
        continue;
      }
      if (conn.userId !== userId || (sessionId && conn.sessionId !== sessionId)) continue;
      if (roles && !halfSessions.includes(conn.sessionId)) this.setIdentity(conn, userId, conn.sessionId, roles);
      else this.setIdentity(conn, "", "", GUEST_ROLES, "");
      n++;
    }
    return n;
  }

  /**
   * Console watchers (src/services/realtime/console.ts) are admitted through the console project, whose role changes
   * (removed from the organization, role lowered, blocked, session deleted) never reach this project's outbox, so the
   * shard re-checks them on an alarm while any is connected; one that no longer qualifies becomes a guest.
   */
  private async armConsoleRecheck(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + consoleRecheckMs(this.env));
  }

  override async alarm(): Promise<void> {
    this.ensure();
    const watchers = [...this.conns.values()].filter((c) => c.roles.has(CONSOLE_REALTIME_ROLE));
    if (!watchers.length) return;
    const project = await findProject(open(this.env.DB), this.projectId);
    const verdicts = new Map<string, Promise<boolean>>(); // one check per console session
    const checked = watchers.map((conn) => {
      const userId = consoleWatcherUser(conn.roles);
      const key = `${userId} ${conn.sessionId}`;
      if (!verdicts.has(key)) verdicts.set(key, project ? consoleWatcherValid(this.env, project, userId, conn.sessionId) : Promise.resolve(false));
      return { conn, verdict: verdicts.get(key)! };
    });
    for (const { conn, verdict } of checked) if (!(await verdict)) this.setIdentity(conn, "", "", GUEST_ROLES, "");
    if ([...this.conns.values()].some((c) => c.roles.has(CONSOLE_REALTIME_ROLE))) await this.armConsoleRecheck();
  }

  /** A team was deleted: nobody holds its roles any more. */
  async dropTeam(teamId: string): Promise<void> {
    this.ensure();
    for (const conn of this.conns.values()) {
      const keep = [...conn.roles].filter((r) => r !== `team:${teamId}` && !r.startsWith(`team:${teamId}/`));
      if (keep.length !== conn.roles.size) this.setIdentity(conn, conn.userId, conn.sessionId, keep);
    }
  }

  async stats(): Promise<{ connections: number; subscriptions: number; channels: number; delivered: { direct: number; outbox: number; duplicates: number } }> {
    this.ensure();
    let subscriptions = 0;
    for (const c of this.conns.values()) subscriptions += c.subs.size;
    return { connections: this.conns.size, subscriptions, channels: this.index.size, delivered: { ...this.counts } };
  }

  /** Test hook (EDGEWRITE_TEST_HOOKS=1): drop every direct-path event, as if each send were lost. */
  async testDropDirect(drop: boolean): Promise<void> {
    if (!testHooksEnabled(this.env)) throw new Error("test hooks are disabled");
    this.dropDirect = drop;
  }
}
