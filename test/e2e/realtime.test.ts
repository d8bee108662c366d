import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Permission, Role, TablesDB, Teams, Users } from "node-appwrite";
import { adminKey, ALL_SCOPES, consoleCall, createProject, endpoint, raw, type TestProject } from "./harness";
import { Client, Functions, ID } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { tarGz } from "./fixtures/functions";

/**
 * Appwrite's realtime protocol (appwrite-wire.md §7) driven frame by frame with `ws`. Events come from
 * real mutations (Users and Teams APIs) through the outbox → dispatcher → realtime shards.
 * Absence of an event is asserted without timers: a later "marker" event the socket must get arrives
 * first (delivery keeps outbox order per connection).
 */
type Frame = { type: string; data?: any };

class Socket {
  readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (m) => {
      this.frames.push(JSON.parse(m.toString()));
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }
  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }
  static async open(query: string, headers: Record<string, string> = {}): Promise<Socket> {
    const ws = new WebSocket(`${endpoint.replace(/^http/, "ws")}/realtime?${query}`, { headers });
    const s = new Socket(ws);
    await new Promise<void>((res, rej) => {
      ws.once("open", () => res());
      ws.once("error", rej);
    });
    return s;
  }
  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }
  /** The next frame not yet taken (frames are consumed in order). */
  private cursor = 0;
  async next(timeoutMs = 15_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.frames.length) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for a frame`);
      if (Date.now() > deadline) throw new Error(`no frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return this.frames[this.cursor++]!;
  }
  /** Take every frame received so far; returns where the untaken ones start. */
  skip(): number {
    return (this.cursor = this.frames.length);
  }
  async request(frame: unknown): Promise<Frame> {
    this.send(frame);
    return this.next();
  }
  async waitClosed(): Promise<{ code: number; reason: string }> {
    for (let i = 0; i < 75 && !this.closed; i++) await new Promise((r) => setTimeout(r, 200));
    return this.closed!;
  }
  close() {
    this.ws.close();
  }
}

/** Appwrite's Realtime::convertQueries refusal (RealtimeCustomClientQueryTest::testInvalidQueryShouldNotSubscribe). */
const UNSUPPORTED = (method: string) =>
  `Query method '${method}' is not supported in Realtime queries. Allowed: equal, notEqual, lessThan, lessThanEqual, greaterThan, greaterThanEqual, isNull, isNotNull, and, or, select`;

let project: TestProject;
let users: Users;
const sockets: Socket[] = [];
const track = (s: Socket) => (sockets.push(s), s);

async function makeUser(id: string): Promise<{ id: string; secret: string; sessionId: string }> {
  await users.create({ userId: id, email: `${id}@example.com`, password: "password-1234", name: id });
  const session = await users.createSession({ userId: id });
  expect(session.secret).toBeTruthy();
  return { id, secret: session.secret, sessionId: session.$id };
}

beforeAll(async () => {
  project = await createProject("realtime");
  users = new Users(project.server());
});
afterAll(() => sockets.forEach((s) => s.close()));

describe("realtime connection (wire §7.1/7.2)", () => {
  it("sends `connected` first with user null for a guest, answers ping with pong", async () => {
    const s = track(await Socket.open(`project=${project.projectId}`));
    expect(await s.next()).toEqual({ type: "connected", data: { channels: [], subscriptions: [], user: null } });
    expect(await s.request({ type: "ping" })).toEqual({ type: "pong" });
  });

  it("knows the user at upgrade from the session header, the fallback cookie and the cookie", async () => {
    const u = await makeUser("hdr1");
    const byHeader = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": u.secret }));
    expect((await byHeader.next()).data.user).toMatchObject({ $id: "hdr1", email: "hdr1@example.com" });
    const byFallback = track(await Socket.open(`project=${project.projectId}`, { "x-fallback-cookies": JSON.stringify({ [`a_session_${project.projectId}`]: u.secret }) }));
    expect((await byFallback.next()).data.user.$id).toBe("hdr1");
    const byCookie = track(await Socket.open(`project=${project.projectId}`, { cookie: `a_session_${project.projectId}=${u.secret}` }));
    const c = await byCookie.next();
    expect(c.data.user.$id).toBe("hdr1");
    // The user model never carries secrets.
    expect(c.data.user.password).toBeUndefined();
  });

  it("knows the user at upgrade from a JWT (`jwt` query param, as the web SDK sends it)", async () => {
    await makeUser("jwt1");
    const { jwt } = await users.createJWT({ userId: "jwt1" });
    const byJwt = track(await Socket.open(`project=${project.projectId}&jwt=${encodeURIComponent(jwt)}`));
    const first = await byJwt.next();
    expect(first.type).toBe("connected");
    expect(first.data.user.$id).toBe("jwt1");
  });

  it("authenticates in-band with a session secret; a bad session is error 1003 and the socket stays open", async () => {
    const u = await makeUser("auth1");
    const s = track(await Socket.open(`project=${project.projectId}`));
    await s.next();
    const bad = await s.request({ type: "authentication", data: { session: "nope" } });
    expect(bad).toEqual({ type: "error", data: { code: 1003, message: "Session is not valid." } });
    const ok = await s.request({ type: "authentication", data: { session: u.secret } });
    expect(ok).toMatchObject({ type: "response", data: { to: "authentication", success: true, user: { $id: "auth1" } } });
    expect(s.closed).toBeNull();
  });

  it("refuses malformed frames and unknown types with 1003, and a query method realtime does not support", async () => {
    const s = track(await Socket.open(`project=${project.projectId}`));
    await s.next();
    expect(await s.request("not json")).toEqual({ type: "error", data: { code: 1003, message: "Message format is not valid." } });
    expect(await s.request({ type: "dance" })).toEqual({ type: "error", data: { code: 1003, message: "Message type is not valid." } });
    const contains = JSON.stringify({ method: "contains", attribute: "tags", values: ["x"] });
    const nested = JSON.stringify({ method: "and", values: [{ method: "equal", attribute: "a", values: [1] }, { method: "or", values: [JSON.parse(contains)] }] });
    for (const query of [contains, nested]) {
      const q = await s.request({ type: "subscribe", data: [{ subscriptionId: "q1", channels: ["rows"], queries: [query] }] });
      expect(q).toEqual({ type: "error", data: { code: 1003, message: `Invalid query: ${UNSUPPORTED("contains")}` } });
    }
    expect(s.closed).toBeNull();
    const noChannels = await s.request({ type: "subscribe", data: [{ subscriptionId: "q2" }] });
    expect(noChannels).toEqual({ type: "error", data: { code: 1003, message: "items: channels is not present in payload." } });
  });

  it("an unknown project is error 1008 and the socket is closed with 1008; the project header wins over the parameter", async () => {
    const s = await Socket.open(`project=nope-${Date.now()}`);
    expect(await s.next()).toEqual({ type: "error", data: { code: 1008, message: "Missing or unknown project ID" } });
    expect((await s.waitClosed()).code).toBe(1008);
    const byHeader = track(await Socket.open(`project=nope-${Date.now()}`, { "x-appwrite-project": project.projectId }));
    expect((await byHeader.next()).type).toBe("connected");
    const wrongHeader = await Socket.open(`project=${project.projectId}`, { "x-appwrite-project": `nope-${Date.now()}` });
    expect(await wrongHeader.next()).toEqual({ type: "error", data: { code: 1008, message: "Missing or unknown project ID" } });
    expect((await wrongHeader.waitClosed()).code).toBe(1008);
  });

  it("any refusal at connect is an error frame, then a close: a bad JWT is error 401, closed with 1008 (401 is no WebSocket code)", async () => {
    const s = await Socket.open(`project=${project.projectId}&jwt=not-a-jwt`);
    const f = await s.next();
    expect([f.type, f.data.code]).toEqual(["error", 401]);
    expect((await s.waitClosed()).code).toBe(1008);
  });

  it("a browser Origin that is not a platform of the project is error 1008", async () => {
    const s = await Socket.open(`project=${project.projectId}`, { origin: "https://evil.example" });
    const f = await s.next();
    expect(f.type).toBe("error");
    expect(f.data.code).toBe(1008);
    expect(f.data.message).toBe("Invalid Origin. Register your new client (evil.example) as a new Web platform on your project console dashboard");
    expect((await s.waitClosed()).code).toBe(1008);
  });

  it("limits a connection to 32 messages a minute (error 1013)", async () => {
    const s = track(await Socket.open(`project=${project.projectId}`));
    await s.next();
    for (let i = 0; i < 32; i++) s.send({ type: "unsubscribe", data: [{ subscriptionId: `x${i}` }] });
    for (let i = 0; i < 32; i++) expect((await s.next()).data.to).toBe("unsubscribe");
    expect(await s.request({ type: "unsubscribe", data: [{ subscriptionId: "x" }] })).toEqual({ type: "error", data: { code: 1013, message: "Too many messages." } });
  });
});

describe("subscriptions and delivery", () => {
  it("subscribe with client ids, replace on repeat, unsubscribe; one frame lists every matching subscription", async () => {
    const u = await makeUser("sub1");
    const s = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": u.secret }));
    await s.next();
    const r1 = await s.request({ type: "subscribe", data: [{ subscriptionId: "s1", channels: ["account"], queries: [] }] });
    expect(r1.data).toEqual({ to: "subscribe", success: true, subscriptions: [{ subscriptionId: "s1", channels: ["account", "account.sub1"], queries: [] }] });

    await users.updateName({ userId: "sub1", name: "first" });
    const e1 = await s.next();
    expect(e1.type).toBe("event");
    expect(e1.data.subscriptions).toEqual(["s1"]);
    expect(e1.data.events).toContain("users.sub1.update.name");
    expect(e1.data.events).toContain("users.*.update.name");
    expect(e1.data.channels).toEqual(expect.arrayContaining(["account", "account.sub1", "account.update", "account.sub1.update"]));
    expect(e1.data.payload).toMatchObject({ $id: "sub1", name: "first" });
    expect(e1.data.payload.password).toBeUndefined();
    expect(e1.data.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);

    // s1 now listens to updates only (replace, not merge); s2 to everything on the account.
    const r2 = await s.request({ type: "subscribe", data: [{ subscriptionId: "s1", channels: ["account.update"] }, { subscriptionId: "s2", channels: ["account"] }] });
    expect(r2.data.subscriptions.map((x: any) => [x.subscriptionId, x.channels])).toEqual([["s1", ["account.sub1.update"]], ["s2", ["account", "account.sub1"]]]);
    await users.updateName({ userId: "sub1", name: "second" });
    const e2 = await s.next();
    expect(e2.data.subscriptions.sort()).toEqual(["s1", "s2"]);
    expect(e2.data.payload.name).toBe("second");

    const r3 = await s.request({ type: "unsubscribe", data: [{ subscriptionId: "s1" }, { subscriptionId: "ghost" }] });
    expect(r3.data).toEqual({ to: "unsubscribe", success: true, subscriptions: [{ subscriptionId: "s1", removed: true }, { subscriptionId: "ghost", removed: false }] });
    await users.updateName({ userId: "sub1", name: "third" });
    const e3 = await s.next();
    expect(e3.data.subscriptions).toEqual(["s2"]);
  });

  it("subscription queries filter on the payload as Appwrite's RuntimeQuery (strict equal, missing attribute never matches, select(*) wins)", async () => {
    const u = await makeUser("qry1");
    const s = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": u.secret }));
    await s.next();
    const q = (method: string, attribute: string, values: unknown[] = []) => ({ method, attribute, values });
    const subs = {
      eq: [q("equal", "name", ["wanted"])],
      or: [{ method: "or", values: [q("equal", "name", ["other"]), q("isNotNull", "email")] }],
      lt: [q("lessThan", "name", ["b"])],
      missing: [q("isNull", "nothing")], // an attribute the payload lacks: false, isNull included
      array: [q("equal", "labels", ["vip"])], // `===`: an array never equals a scalar (no `contains` in 1.9.6)
      all: [q("select", "", ["*"]), q("equal", "name", ["nobody"])], // any select("*") means every event
    };
    const data = Object.entries(subs).map(([subscriptionId, list]) => ({ subscriptionId, channels: ["account"], queries: list.map((x) => JSON.stringify(x)) }));
    const r = await s.request({ type: "subscribe", data });
    expect(r.data.subscriptions.map((x: { queries: string[] }) => x.queries)).toEqual(data.map((d) => d.queries));
    await users.updateLabels({ userId: "qry1", labels: ["vip"] });
    expect((await s.next()).data.subscriptions.sort()).toEqual(["all", "or"]);
    await users.updateName({ userId: "qry1", name: "wanted" });
    expect((await s.next()).data.subscriptions.sort()).toEqual(["all", "eq", "or"]);
    await users.updateName({ userId: "qry1", name: "a" });
    expect((await s.next()).data.subscriptions.sort()).toEqual(["all", "lt", "or"]);
  });

  it("account events reach only their own user; a guest on `account` gets none", async () => {
    const a = await makeUser("own-a");
    const b = await makeUser("own-b");
    const sa = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": a.secret }));
    const sb = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": b.secret }));
    const sg = track(await Socket.open(`project=${project.projectId}`));
    for (const s of [sa, sb, sg]) await s.next();
    for (const s of [sa, sb, sg]) await s.request({ type: "subscribe", data: [{ subscriptionId: "acc", channels: ["account", "account.own-a"] }] });
    await users.updateName({ userId: "own-a", name: "A!" });
    await users.updateName({ userId: "own-b", name: "B!" });
    expect((await sa.next()).data.payload.name).toBe("A!");
    // B's first event is its own: A's event was never sent to B.
    expect((await sb.next()).data.payload).toMatchObject({ $id: "own-b", name: "B!" });
    expect(sg.frames.filter((f) => f.type === "event")).toEqual([]);
  });

  it("team events follow membership: roles are recomputed when a membership is created and deleted", async () => {
    const m = await makeUser("member1");
    const teams = new Teams(project.server());
    const team = await teams.create({ teamId: "team1", name: "Team one" });
    const s = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": m.secret }));
    await s.next();
    await s.request({ type: "subscribe", data: [{ subscriptionId: "t", channels: ["teams", "account"] }] });

    await teams.updateName({ teamId: team.$id, name: "hidden" }); // not a member yet: must not arrive
    await users.updateName({ userId: "member1", name: "marker-1" });
    // The user's own creation events may still come first: dispatch is debounced, so they can be
    // delivered after the socket subscribed (realtime never promised to skip events older than a subscription).
    let f = await s.next();
    while (f.data.payload?.name !== "marker-1") {
      expect(f.data.payload?.name).not.toBe("hidden");
      f = await s.next();
    }

    const membership = await teams.createMembership({ teamId: team.$id, roles: ["dev"], userId: "member1" });
    await teams.updateName({ teamId: team.$id, name: "visible" });
    f = await s.next();
    while (f.data.payload?.name !== "visible") f = await s.next(); // membership events may come first
    expect(f.data.events).toContain("teams.team1.update");

    await teams.deleteMembership({ teamId: team.$id, membershipId: membership.$id });
    await teams.updateName({ teamId: team.$id, name: "hidden-again" });
    await users.updateName({ userId: "member1", name: "marker-2" });
    f = await s.next();
    while (f.data.payload?.name !== "marker-2") {
      expect(f.data.payload?.name).not.toBe("hidden-again");
      f = await s.next();
    }
  });

  it("the legacy URL form: channels[] with per-channel queries, server-chosen ids in `connected`", async () => {
    const u = await makeUser("legacy1");
    const q = encodeURIComponent(JSON.stringify({ method: "equal", attribute: "name", values: ["match"] }));
    const s = track(await Socket.open(`project=${project.projectId}&channels[]=account&channels[]=teams&account[]=${q}`, { "x-appwrite-session": u.secret }));
    const c = await s.next();
    expect(c.type).toBe("connected");
    expect(c.data.channels).toEqual(["account", "account.legacy1", "teams"]);
    expect(c.data.subscriptions).toHaveLength(1);
    expect(c.data.user.$id).toBe("legacy1");
    await users.updateName({ userId: "legacy1", name: "nope" });
    await users.updateName({ userId: "legacy1", name: "match" });
    const e = await s.next();
    expect(e.data.payload.name).toBe("match");
    expect(e.data.subscriptions).toEqual(c.data.subscriptions);
  });

  it("a legacy URL query realtime does not support is error 1008 and a close", async () => {
    const q = encodeURIComponent(JSON.stringify({ method: "search", attribute: "name", values: ["x"] }));
    const s = await Socket.open(`project=${project.projectId}&channels[]=teams&teams[]=${q}`);
    expect(await s.next()).toEqual({ type: "error", data: { code: 1008, message: UNSUPPORTED("search") } });
    expect((await s.waitClosed()).code).toBe(1008);
  });

  it("a revoked session stops account events on sockets it authenticated", async () => {
    const u = await makeUser("revoke1");
    const s = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": u.secret }));
    await s.next();
    await s.request({ type: "subscribe", data: [{ subscriptionId: "a", channels: ["account"] }] });
    await users.deleteSession({ userId: "revoke1", sessionId: u.sessionId });
    await users.updateName({ userId: "revoke1", name: "after-logout" });
    // Wait until the realtime consumer has passed that event, then flush the socket with a ping:
    // the pong comes after any frame the shard sent before it.
    const status = async () => (await fetch(`${endpoint}/_edgewrite/test/dispatcher/${project.projectId}`, { headers: { "x-appwrite-project": "console", "x-appwrite-key": adminKey } })).json();
    const before = (await status()).cursors.realtime;
    await users.updateName({ userId: "revoke1", name: "later" });
    for (let i = 0; i < 75 && (await status()).cursors.realtime <= before; i++) await new Promise((r) => setTimeout(r, 200));
    s.send({ type: "ping" });
    while ((await s.next()).type !== "pong");
    const events = s.frames.filter((f) => f.type === "event");
    expect(events.map((e) => e.data.payload.name)).not.toContain("after-logout");
    expect(events.map((e) => e.data.payload.name)).not.toContain("later");
  });
});

describe("who a connection is, and how many may connect", () => {
  it("a guest keeps `account` and `account.<action>` in its subscription (they never match); other account channels go", async () => {
    const s = track(await Socket.open(`project=${project.projectId}`));
    await s.next();
    const r = await s.request({ type: "subscribe", data: [{ subscriptionId: "g", channels: ["account", "account.update", "account.someone", "teams"] }] });
    expect(r.data.subscriptions[0].channels).toEqual(["account", "account.update", "teams"]);
    // Authenticating rebinds them to the user: account.update → account.<id>.update.
    const u = await makeUser("guest2user");
    await s.request({ type: "authentication", data: { session: u.secret } });
    await users.updateName({ userId: "guest2user", name: "now-mine" });
    const e = await s.next();
    expect(e.data.subscriptions).toEqual(["g"]);
    expect(e.data.payload.name).toBe("now-mine");
  });

  it("a session that still owes its second factor does not authenticate realtime (upgrade, in-band, and when MFA is turned on)", async () => {
    const u = await makeUser("mfa-rt");
    const before = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": u.secret }));
    expect((await before.next()).data.user.$id).toBe("mfa-rt");
    await before.request({ type: "subscribe", data: [{ subscriptionId: "a", channels: ["account"] }] });
    await users.updateEmailVerification({ userId: "mfa-rt", emailVerification: true });
    await users.updateMFA({ userId: "mfa-rt", mfa: true }); // u's one-factor session now owes a second factor

    const half = await users.createSession({ userId: "mfa-rt" });
    const s = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": half.secret }));
    expect((await s.next()).data.user).toBeNull();
    const auth = await s.request({ type: "authentication", data: { session: half.secret } });
    expect(auth).toEqual({ type: "error", data: { code: 401, message: "More factors are required to complete the sign in process." } });
    await s.request({ type: "subscribe", data: [{ subscriptionId: "a", channels: ["account"] }] });

    await users.updateName({ userId: "mfa-rt", name: "secret-name" });
    // Marker: once another user's later event arrived, the name change has been fanned out to every shard;
    // a frame through each shard object (unsubscribe, not the runtime-answered ping) then flushes its socket.
    const marker = await makeUser("mfa-marker");
    const m = track(await Socket.open(`project=${project.projectId}`, { "x-appwrite-session": marker.secret }));
    await m.next();
    await m.request({ type: "subscribe", data: [{ subscriptionId: "a", channels: ["account"] }] });
    await users.updateName({ userId: "mfa-marker", name: "m" });
    expect((await m.next()).data.payload.name).toBe("m");
    for (const x of [s, before]) {
      x.send({ type: "unsubscribe", data: [{ subscriptionId: "flush" }] });
      while ((await x.next()).data?.to !== "unsubscribe");
    }
    expect(s.frames.filter((f) => f.type === "event")).toEqual([]);
    expect(before.frames.filter((f) => f.type === "event").map((f) => f.data.payload.name)).not.toContain("secret-name");
  });

  it("limits connections to 128 a minute per IP (error 1013 \"Too many requests\", then a close)", async () => {
    const own = await createProject("realtime-abuse"); // the count is per project: other tests are unaffected
    // Stay inside one fixed one-minute window.
    const into = Date.now() % 60_000;
    if (into > 40_000) await new Promise((r) => setTimeout(r, 60_000 - into + 100));
    const opened: Socket[] = [];
    try {
      for (let i = 0; i < 128; i += 32) {
        const batch = await Promise.all(Array.from({ length: 32 }, () => Socket.open(`project=${own.projectId}`)));
        opened.push(...batch);
        for (const s of batch) expect((await s.next()).type).toBe("connected");
      }
      const over = await Socket.open(`project=${own.projectId}`);
      expect(await over.next()).toEqual({ type: "error", data: { code: 1013, message: "Too many requests" } });
      expect((await over.waitClosed()).code).toBe(1013);
    } finally {
      opened.forEach((s) => s.close());
    }
  });
});

/**
 * Realtime in one hop (src/services/realtime/direct.ts): the writing request sends its events straight to
 * the shards; the outbox delivers them again and the shards drop the second copy. Shard counters
 * (`delivered`: events each path brought first, duplicates dropped) show which path delivered.
 */
describe("realtime in one hop (direct path beside the outbox)", () => {
  let own: TestProject;
  let ownUsers: Users;
  const admin = { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey };
  const hook = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${endpoint}/_edgewrite/test${path}`, { method, headers: admin, body: body === undefined ? undefined : JSON.stringify(body) });
    expect(r.status).toBe(200);
    return r.json();
  };
  const delivered = async () => {
    const { shards } = await hook("GET", `/realtime/${own.projectId}`);
    // `occupied`: shards holding sockets — each event reaches every one of them (by both paths).
    const sum = { direct: 0, outbox: 0, duplicates: 0, channels: 0, occupied: 0 };
    for (const s of shards) {
      if (s.connections > 0) sum.occupied++;
      sum.direct += s.delivered.direct;
      sum.outbox += s.delivered.outbox;
      sum.duplicates += s.delivered.duplicates;
      sum.channels += s.channels;
    }
    return sum;
  };
  /** Until the realtime consumer has passed every event written so far; then a ping flushes the socket. */
  const outboxPassed = async (...ss: Socket[]) => {
    await hook("POST", "/sweep", { graceMs: 3_600_000 }); // runs the dispatcher now (after a simulated crash)
    const { cursors } = await hook("GET", `/dispatcher/${own.projectId}`);
    const target = cursors.realtime;
    await new Promise((r) => setTimeout(r, 50));
    for (const s of ss) {
      s.send({ type: "ping" });
      while ((await s.next()).type !== "pong");
    }
    return target;
  };
  /** Until the dispatcher pass armed to crash (fail-once) ran: kicks are debounced, so it comes after the direct path. */
  const faultTaken = async () => {
    for (let i = 0; i < 50 && (await hook("GET", `/dispatcher/${own.projectId}`)).faultsPending > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await hook("GET", `/dispatcher/${own.projectId}`)).faultsPending).toBe(0);
  };
  const names = (s: Socket, from = 0) => s.frames.slice(from).filter((f) => f.type === "event").map((f) => f.data.payload.name as string);
  const makeOwnUser = async (id: string) => {
    await ownUsers.create({ userId: id, email: `${id}@example.com`, password: "password-1234", name: id });
    return (await ownUsers.createSession({ userId: id })).secret;
  };
  const subscribed = async (secret: string | null, channels: string[]) => {
    const s = track(await Socket.open(`project=${own.projectId}`, secret ? { "x-appwrite-session": secret } : {}));
    expect((await s.next()).type).toBe("connected");
    await s.request({ type: "subscribe", data: [{ subscriptionId: "s", channels }] });
    return s;
  };

  beforeAll(async () => {
    own = await createProject("realtime-direct");
    ownUsers = new Users(own.server());
  });

  it("shards without sockets drop out of the fan-out, also those that never had one", async () => {
    const s = await subscribed(await makeOwnUser("fanout1"), ["account"]);
    await ownUsers.updateName({ userId: "fanout1", name: "to-every-shard-once" });
    await outboxPassed(s);
    const { shards } = await hook("GET", `/realtime/${own.projectId}`);
    const idle = shards.flatMap((x: { connections: number }, i: number) => (x.connections ? [] : [i]));
    expect(idle.length).toBe(shards.length - 1); // the project's first socket: every other shard never had one
    // Each idle shard got the outbox's events once (never reported counts as occupied), found no socket
    // and reported "empty" (in its waitUntil), though no socket ever told it whose shard it is.
    let empty: number[] = [];
    for (let i = 0; i < 50; i++) {
      empty = (await hook("GET", `/dispatcher/${own.projectId}`)).empty;
      if (idle.every((x: number) => empty.includes(x))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(empty).toEqual(idle);
    await ownUsers.updateName({ userId: "fanout1", name: "only-occupied" });
    await outboxPassed(s);
    expect(names(s).slice(-2)).toEqual(["to-every-shard-once", "only-occupied"]);
  });

  it("both paths deliver every event, and each reaches the socket exactly once", async () => {
    const s = await subscribed(await makeOwnUser("dup1"), ["account"]);
    await outboxPassed(s); // the user's own creation events (they may reach the new socket) are counted before
    const [from, before] = [s.skip(), await delivered()];
    for (let i = 0; i < 6; i++) await ownUsers.updateName({ userId: "dup1", name: `n${i}` });
    await outboxPassed(s);
    expect(names(s, from)).toEqual(["n0", "n1", "n2", "n3", "n4", "n5"]);
    const after = await delivered();
    // Every event came twice (direct + outbox), one copy went to the socket, the other was dropped.
    expect(after.direct - before.direct + after.outbox - before.outbox).toBe(6 * after.occupied);
    expect(after.duplicates - before.duplicates).toBe(6 * after.occupied);
    expect(after.direct - before.direct).toBeGreaterThan(0);
  });

  it("with the dispatcher down the event still arrives (direct path); the outbox's copy later is dropped", async () => {
    const s = await subscribed(await makeOwnUser("down1"), ["account"]);
    await outboxPassed(s);
    const from = s.skip();
    await hook("POST", `/dispatcher/${own.projectId}/fail-once`);
    await ownUsers.updateName({ userId: "down1", name: "while-down" });
    const f = await s.next(5_000);
    expect(f.data.payload.name).toBe("while-down");
    await faultTaken(); // the dispatcher pass did crash
    const before = await delivered();
    await outboxPassed(s);
    expect(names(s, from)).toEqual(["while-down"]);
    const after = await delivered();
    expect(after.duplicates - before.duplicates).toBe(after.occupied);
  });

  it("when direct sends are lost, the outbox delivers", async () => {
    const s = await subscribed(await makeOwnUser("lost1"), ["account"]);
    await outboxPassed(s);
    const from = s.skip();
    await hook("POST", `/realtime/${own.projectId}/direct`, { drop: true });
    try {
      const before = await delivered();
      await ownUsers.updateName({ userId: "lost1", name: "via-outbox" });
      expect((await s.next()).data.payload.name).toBe("via-outbox");
      await outboxPassed(s);
      const after = await delivered();
      expect(after.outbox - before.outbox).toBe(after.occupied);
      expect(after.direct - before.direct).toBe(0);
      expect(names(s, from)).toEqual(["via-outbox"]);
    } finally {
      await hook("POST", `/realtime/${own.projectId}/direct`, { drop: false });
    }
  });

  it("an event from before a subscription is not delivered to it, even when the outbox brings it late", async () => {
    const secret = await makeOwnUser("late1");
    const early = await subscribed(secret, ["account"]);
    await outboxPassed(early);
    const from = early.skip();
    await hook("POST", `/realtime/${own.projectId}/direct`, { drop: true });
    try {
      await hook("POST", `/dispatcher/${own.projectId}/fail-once`); // the outbox's pass comes after the new sockets
      await ownUsers.updateName({ userId: "late1", name: "before-subscribing" });
      const late = [await subscribed(secret, ["account"]), await subscribed(secret, ["account"]), await subscribed(secret, ["account"])];
      await faultTaken();
      await outboxPassed(early, ...late);
      expect(names(early, from)).toEqual(["before-subscribing"]);
      for (const s of late) expect(names(s)).toEqual([]);
      await ownUsers.updateName({ userId: "late1", name: "after-subscribing" });
      await outboxPassed(early, ...late);
      for (const s of late) expect(names(s)).toEqual(["after-subscribing"]);
    } finally {
      await hook("POST", `/realtime/${own.projectId}/direct`, { drop: false });
    }
  });

  it("the direct path checks each socket's roles: a non-member gets no team event, a member does", async () => {
    const teams = new Teams(own.server());
    await makeOwnUser("perm-in");
    const outsider = await subscribed(await makeOwnUser("perm-out"), ["teams", "account"]);
    const team = await teams.create({ teamId: "perm-team", name: "start" });
    await teams.createMembership({ teamId: team.$id, roles: [], userId: "perm-in" });
    const member = await subscribed((await ownUsers.createSession({ userId: "perm-in" })).secret, ["teams"]);
    await outboxPassed(member, outsider); // the membership's role refresh is applied
    const [m0, o0] = [member.skip(), outsider.skip()];
    await hook("POST", `/dispatcher/${own.projectId}/fail-once`); // only the direct path runs for the next write
    await teams.updateName({ teamId: team.$id, name: "members-only" });
    expect((await member.next(5_000)).data.payload.name).toBe("members-only");
    await ownUsers.updateName({ userId: "perm-out", name: "marker" }); // the outsider's own event comes next
    expect((await outsider.next(5_000)).data.payload.name).toBe("marker");
    await outboxPassed(member, outsider);
    expect(names(outsider, o0)).toEqual(["marker"]);
    expect(names(member, m0)).toEqual(["members-only"]);
  });

  it("after a role change the direct path stands aside until the outbox has refreshed the roles", async () => {
    const teams = new Teams(own.server());
    const keepSecret = await makeOwnUser("fence-keep");
    const goneSecret = await makeOwnUser("fence-gone");
    const team = await teams.create({ teamId: "fence-team", name: "start" });
    await teams.createMembership({ teamId: team.$id, roles: [], userId: "fence-keep" });
    const goneMembership = await teams.createMembership({ teamId: team.$id, roles: [], userId: "fence-gone" });
    const keep = await subscribed(keepSecret, ["teams"]);
    const gone = await subscribed(goneSecret, ["teams"]);
    await outboxPassed(keep, gone);
    const [k0, g0] = [keep.skip(), gone.skip()];

    await hook("POST", `/dispatcher/${own.projectId}/fail-once`);
    await teams.deleteMembership({ teamId: team.$id, membershipId: goneMembership.$id }); // roles not refreshed yet
    await faultTaken();
    await hook("POST", `/dispatcher/${own.projectId}/fail-once`);
    await teams.updateName({ teamId: team.$id, name: "after-removal" });
    await new Promise((r) => setTimeout(r, 700)); // the direct path would have delivered within milliseconds
    expect(names(keep, k0)).not.toContain("after-removal");
    expect(names(gone, g0)).not.toContain("after-removal");

    await outboxPassed(keep, gone); // refresh, then the event, in outbox order
    expect(names(keep, k0)).toContain("after-removal");
    expect(names(gone, g0)).not.toContain("after-removal");

    // The fence is lifted: the next event goes direct again, to the remaining member only.
    await hook("POST", `/dispatcher/${own.projectId}/fail-once`);
    await teams.updateName({ teamId: team.$id, name: "direct-again" });
    let f = await keep.next(5_000);
    while (f.data.payload?.name !== "direct-again") f = await keep.next(5_000);
    await outboxPassed(keep, gone);
    expect(names(gone, g0)).not.toContain("direct-again");
  });

  it("a row's event (payload and roles built by SQL in the write's batch) arrives by the direct path as committed; rows a subscriber may not read do not", async () => {
    const tables = new TablesDB(own.server());
    await tables.create({ databaseId: "rtdb", name: "rtdb" });
    await tables.createTable({ databaseId: "rtdb", tableId: "notes", name: "notes", permissions: [Permission.read(Role.users())], rowSecurity: true, columns: [{ key: "v", type: "integer", required: false }] });
    const reader = await subscribed(await makeOwnUser("row-reader"), ["databases.rtdb.tables.notes.rows"]);
    const guest = await subscribed(null, ["databases.rtdb.tables.notes.rows", "account"]);
    await outboxPassed(reader, guest);
    const [r0, g0] = [reader.skip(), guest.skip()];
    await hook("POST", `/dispatcher/${own.projectId}/fail-once`);
    await tables.createRow({ databaseId: "rtdb", tableId: "notes", rowId: "n1", data: { v: 7 }, permissions: [Permission.read(Role.user("someone-else"))] });
    const f = await reader.next(5_000);
    expect(f.data.events).toContain("databases.rtdb.tables.notes.rows.n1.create");
    expect(f.data.payload).toMatchObject({ $id: "n1", v: 7, $tableId: "notes", $databaseId: "rtdb" });
    await outboxPassed(reader, guest);
    expect(reader.frames.slice(r0).filter((x) => x.type === "event")).toHaveLength(1);
    expect(guest.frames.slice(g0).filter((x) => x.type === "event")).toEqual([]); // users() may read; a guest may not
  });

  it("the channel index follows subscribe, unsubscribe and resubscribe across many channels", async () => {
    const s = track(await Socket.open(`project=${own.projectId}`, { "x-appwrite-session": await makeOwnUser("idx1") }));
    await s.next();
    const base = (await delivered()).channels;
    const noise = Array.from({ length: 60 }, (_, i) => ({ subscriptionId: `noise${i}`, channels: [`databases.db${i}.tables.t.rows`, `buckets.b${i}.files`] }));
    await s.request({
      type: "subscribe",
      data: [...noise, { subscriptionId: "a", channels: ["account"] }, { subscriptionId: "b", channels: ["account.update", "account"] }, { subscriptionId: "c", channels: ["account.idx1.update"] }],
    });
    expect((await delivered()).channels - base).toBeGreaterThanOrEqual(120);
    await ownUsers.updateName({ userId: "idx1", name: "one" });
    let f = await s.next();
    expect(f.data.subscriptions.sort()).toEqual(["a", "b", "c"]); // b matched on two channels, listed once

    await s.request({ type: "unsubscribe", data: [{ subscriptionId: "b" }, ...noise.map((n) => ({ subscriptionId: n.subscriptionId }))] });
    await ownUsers.updateName({ userId: "idx1", name: "two" });
    f = await s.next();
    expect(f.data.subscriptions.sort()).toEqual(["a", "c"]);

    await s.request({ type: "subscribe", data: [{ subscriptionId: "b", channels: ["teams"] }] });
    await ownUsers.updateName({ userId: "idx1", name: "three" });
    expect((await s.next()).data.subscriptions.sort()).toEqual(["a", "c"]);
    await s.request({ type: "subscribe", data: [{ subscriptionId: "b", channels: ["account"] }, { subscriptionId: "c", channels: ["teams"] }] });
    await ownUsers.updateName({ userId: "idx1", name: "four" });
    expect((await s.next()).data.subscriptions.sort()).toEqual(["a", "b"]);

    await s.request({ type: "unsubscribe", data: ["a", "b", "c"].map((subscriptionId) => ({ subscriptionId })) });
    expect((await delivered()).channels).toBe(base); // nothing left behind in the index
    await outboxPassed(s);
    expect(names(s)).toEqual(["one", "two", "three", "four"]);
  });
});

describe("the console watching a project (its rows grid and file browser)", () => {
  const tag = Date.now().toString(36);
  let watched: { projectId: string; tables: TablesDB };
  /** A console user (project `console`) with a role in the watched project's organization, and their session secret. */
  const consoleUser = async (name: string, teamId: string | null, roles: string[]) => {
    const email = `${name}-${tag}@example.com`;
    const made = await consoleCall("POST", "/users", { userId: "unique()", email, password: "console-password-1", name });
    expect(made.status).toBe(201);
    if (teamId) expect((await consoleCall("POST", `/teams/${teamId}/memberships`, { userId: made.json.$id, roles })).status).toBe(201);
    const session = await raw("POST", "/account/sessions/email", { headers: { "content-type": "application/json", "x-appwrite-project": "console" }, body: JSON.stringify({ email, password: "console-password-1" }) });
    expect(session.status).toBe(201);
    return /(?:^|, )a_session_console=([^;]+)/.exec(session.headers.get("set-cookie") ?? "")![1]!;
  };
  let owner: string;
  let teamId: string;
  let watchedKey: string;

  beforeAll(async () => {
    const team = await consoleCall("POST", "/teams", { teamId: "unique()", name: `Watchers ${tag}` });
    teamId = team.json.$id;
    const projectId = `watch-${tag}`;
    expect((await consoleCall("POST", "/projects", { projectId, name: "Watched", teamId })).status).toBe(201);
    const key = await consoleCall("POST", `/projects/${projectId}/keys`, { name: "all", scopes: ALL_SCOPES });
    expect((await consoleCall("POST", `/projects/${projectId}/platforms`, { type: "web", name: "app", hostname: "app.watched.example" })).status).toBe(201);
    const tables = new TablesDB(new Client().setEndpoint(endpoint).setProject(projectId).setKey(key.json.secret));
    await tables.create({ databaseId: "db", name: "db" });
    await tables.createTable({ databaseId: "db", tableId: "t", name: "t", permissions: [], rowSecurity: true });
    await tables.createStringColumn({ databaseId: "db", tableId: "t", key: "name", size: 32, required: false });
    watched = { projectId, tables };
    watchedKey = key.json.secret;
    owner = await consoleUser("watch-owner", teamId, ["owner"]);
  });

  const rows = "databases.db.tables.t.rows";
  it("an organization member's console session (in-band) receives every event of the project, also rows nobody may read", async () => {
    const s = track(await Socket.open(`project=${watched.projectId}&channels[]=${rows}`));
    expect((await s.next()).data.user).toBeNull();
    const ok = await s.request({ type: "authentication", data: { session: owner } });
    expect(ok).toEqual({ type: "response", data: { to: "authentication", success: true, user: null } });
    await watched.tables.createRow({ databaseId: "db", tableId: "t", rowId: "secret", data: { name: "no permissions" } });
    const e = await s.next();
    expect(e.type).toBe("event");
    expect(e.data.payload).toMatchObject({ $id: "secret", name: "no permissions", $permissions: [] });
  });

  it("a console user outside the organization, or in it without data reads, is not admitted", async () => {
    const outsider = await consoleUser("watch-outsider", null, []);
    const billing = await consoleUser("watch-billing", teamId, ["billing"]);
    for (const session of [outsider, billing]) {
      const s = track(await Socket.open(`project=${watched.projectId}&channels[]=${rows}`));
      await s.next();
      expect(await s.request({ type: "authentication", data: { session } })).toEqual({ type: "error", data: { code: 1003, message: "Session is not valid." } });
    }
  });

  it("the console cookie counts at upgrade from the console's origin only, never from a project's web platform", async () => {
    const fromConsole = track(await Socket.open(`project=${watched.projectId}&channels[]=${rows}`, { cookie: `a_session_console=${owner}`, origin: endpoint.replace(/\/v1$/, "") }));
    const fromPlatform = track(await Socket.open(`project=${watched.projectId}&channels[]=${rows}`, { cookie: `a_session_console=${owner}`, origin: "https://app.watched.example" }));
    await fromConsole.next();
    await fromPlatform.next();
    await watched.tables.createRow({ databaseId: "db", tableId: "t", rowId: "hidden", data: { name: "hidden" } });
    await watched.tables.createRow({ databaseId: "db", tableId: "t", rowId: "public", data: { name: "public" }, permissions: [Permission.read(Role.any())] });
    expect((await fromConsole.next()).data.payload.$id).toBe("hidden");
    expect((await fromConsole.next()).data.payload.$id).toBe("public");
    // The platform's socket is a guest: the marker row (readable by any) comes first, the hidden one never.
    expect((await fromPlatform.next()).data.payload.$id).toBe("public");
  });

  it("a member removed from the organization stops receiving what only the console may see, on the open socket", async () => {
    const email = `watch-leaver-${tag}@example.com`;
    const leaver = await consoleUser("watch-leaver", teamId, ["developer"]);
    const userId = (await consoleCall("GET", `/users?search=${encodeURIComponent(email)}`)).json.users[0].$id;
    const s = track(await Socket.open(`project=${watched.projectId}&channels[]=${rows}`));
    await s.next();
    expect((await s.request({ type: "authentication", data: { session: leaver } })).data.success).toBe(true);
    await watched.tables.createRow({ databaseId: "db", tableId: "t", rowId: "before", data: { name: "before" } });
    expect((await s.next()).data.payload.$id).toBe("before");
    const membership = (await consoleCall("GET", `/teams/${teamId}/memberships`)).json.memberships.find((m: { userId: string }) => m.userId === userId);
    expect((await consoleCall("DELETE", `/teams/${teamId}/memberships/${membership.$id}`)).status).toBe(204);
    // REALTIME_CONSOLE_RECHECK_MS is 500 in the e2e server. Each probe writes a row nobody may read, then a public
    // one: while the socket is still the console's both arrive; once re-checked it is a guest and gets only the second.
    let demotedAfter = -1;
    for (let i = 0; i < 12 && demotedAfter < 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await watched.tables.createRow({ databaseId: "db", tableId: "t", rowId: `hidden-${i}`, data: { name: "hidden" } });
      await watched.tables.createRow({ databaseId: "db", tableId: "t", rowId: `public-${i}`, data: { name: "public" }, permissions: [Permission.read(Role.any())] });
      if ((await s.next()).data.payload.$id === `public-${i}`) demotedAfter = i;
      else expect((await s.next()).data.payload.$id).toBe(`public-${i}`);
    }
    expect(demotedAfter).toBeGreaterThanOrEqual(0);
  });

  it("deployment events go on Appwrite's `console` channel: to a console watcher, never to a guest subscribed to it", async () => {
    const watcher = track(await Socket.open(`project=${watched.projectId}&channels[]=console`));
    const guest = track(await Socket.open(`project=${watched.projectId}&channels[]=console&channels[]=${rows}`));
    await watcher.next();
    await guest.next();
    await watcher.request({ type: "authentication", data: { session: owner } });
    const functions = new Functions(new Client().setEndpoint(endpoint).setProject(watched.projectId).setKey(watchedKey));
    const fn = await functions.create({ functionId: ID.unique(), name: "watched", runtime: "node-22" as never });
    const d = await functions.createDeployment({ functionId: fn.$id, code: InputFile.fromBuffer(await tarGz({ "index.js": "export default async ({ res }) => res.text('ok');" }), "code.tar.gz"), activate: true, entrypoint: "index.js" });
    const seen: { events: string[]; payload: { $id: string; status: string } }[] = [];
    while (!seen.some((e) => e.payload.status === "ready")) {
      const f = await watcher.next(60_000);
      if (f.type === "event") seen.push(f.data);
    }
    expect(seen[0]!.events).toContain(`functions.${fn.$id}.deployments.${d.$id}.create`);
    expect(seen.every((e) => e.payload.$id === d.$id)).toBe(true);
    // The guest's next event is the public row written after the build, not a deployment event.
    await watched.tables.createRow({ databaseId: "db", tableId: "t", rowId: "after-build", data: { name: "after" }, permissions: [Permission.read(Role.any())] });
    expect((await guest.next()).data.payload.$id).toBe("after-build");
  });

  it("`connected` maps URL subscription slots to IDs as Appwrite does: an object when the slots do not start at 0", async () => {
    const all = encodeURIComponent(JSON.stringify({ method: "select", values: ["*"] }));
    const s = track(await Socket.open(`project=${watched.projectId}&channels[]=${rows}&${rows}[1][]=${all}`));
    const c = await s.next();
    expect(Object.keys(c.data.subscriptions)).toEqual(["1"]);
    await s.request({ type: "authentication", data: { session: owner } });
    await watched.tables.createRow({ databaseId: "db", tableId: "t", rowId: ID.unique(), data: { name: "slot" } });
    const e = await s.next();
    expect(e.data.subscriptions).toEqual([c.data.subscriptions["1"]]);
  });
});
