/**
 * Platforms of every type, and Appwrite 1.9's Origin rules (platform/origin.ts) on REST, CORS and realtime.
 *
 * The mobile half runs react-native-appwrite@0.31.0 in Node the way a phone runs it: `react-native` is shimmed
 * to `{ Platform: { OS } }` (the SDK then sends `Origin: appwrite-<os>://<bundle/package>` itself), `fetch` keeps
 * the OS's cookie store, `FormData` reads `{ uri, name, type }` files as RN's networking does, and `WebSocket`
 * takes RN's third `{ headers }` argument and the same cookies.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire, Module } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { default as WS } from "ws";
import { AppwriteException, Client, Permission, Project, Query, Role, Storage as ServerStorage, TablesDB as ServerTablesDB } from "node-appwrite";
import { consoleCall, createProject, endpoint, raw, until, type TestProject } from "./harness";

type RN = typeof import("react-native-appwrite");

// ---- the device -------------------------------------------------------------------------------

const device = { OS: "android" };
const sdkPath = createRequire(import.meta.url).resolve("react-native-appwrite");
const fromSdk = createRequire(sdkPath);
for (const [name, exports] of [["react-native", { Platform: device }], ["expo-file-system", {}]] as const) {
  const path = fromSdk.resolve(name);
  const mod = new Module(path);
  Object.assign(mod, { filename: path, loaded: true, exports });
  fromSdk.cache[path] = mod;
}
const rn: RN = fromSdk(sdkPath);

const g = globalThis as Record<string, unknown>;
const saved = { fetch: g.fetch, FormData: g.FormData, WebSocket: g.WebSocket, window: g.window };
afterAll(() => Object.assign(g, saved));

/** RN's FormData sends `{ uri, name, type }` as the file at `uri`. */
class DeviceFormData extends FormData {
  override append(name: string, value: unknown, filename?: string): void {
    if (value && typeof value === "object" && "uri" in value) {
      const f = value as { uri: string; name: string; type: string };
      super.append(name, new Blob([readFileSync(fileURLToPath(f.uri))], { type: f.type }), f.name);
    } else if (value instanceof Blob) super.append(name, value, filename);
    else super.append(name, String(value));
  }
}

/** Turn this process into a phone running `os` with app id `appId`; returns the SDK client and its cookie store. */
function phone(os: "android" | "ios", appId: string, projectId: string) {
  device.OS = os;
  const jar = new Map<string, string>();
  const frames: { type: string; data: any }[] = []; // what the phone's socket received
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const realFetch = saved.fetch as typeof fetch;
  g.fetch = async (input: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", cookieHeader());
    const res = await realFetch(input, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const at = pair!.indexOf("=");
      const [name, value] = [pair!.slice(0, at).trim(), pair!.slice(at + 1)];
      if (value && !/max-age=0|expires=thu, 01 jan 1970/i.test(c)) jar.set(name, value);
      else jar.delete(name);
    }
    return res;
  };
  g.FormData = DeviceFormData;
  g.WebSocket = class extends WS {
    constructor(url: string, protocols?: string[], options?: { headers?: Record<string, string> }) {
      super(url, protocols, { headers: { ...options?.headers, ...(jar.size ? { cookie: cookieHeader() } : {}) } });
      this.on("message", (m) => frames.push(JSON.parse(m.toString())));
    }
  };
  // React Native's `window` is the global object, without localStorage (so the SDK logs "Failed to parse cookie
  // fallback" on connecting, as it does on a phone, and relies on the OS cookies the socket sends).
  g.window = globalThis;
  const client = new rn.Client().setEndpoint(endpoint).setProject(projectId).setPlatform(appId);
  return { client, jar, frames, account: new rn.Account(client), tables: new rn.TablesDB(client), storage: new rn.Storage(client), realtime: new rn.Realtime(client) };
}

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected failure"); }, (e) => e as { code: number; type: string; message: string });
const uniq = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;

// ---- react-native-appwrite on Android and iOS -------------------------------------------------

let project: TestProject;
const D = "app";
const T = "notes";
const B = "uploads";
beforeAll(async () => {
  project = await createProject("platforms");
  const server = new ServerTablesDB(project.server());
  await server.create({ databaseId: D, name: "App" });
  await server.createTable({
    databaseId: D, tableId: T, name: "Notes", permissions: [Permission.create(Role.users())], rowSecurity: true,
    columns: [{ key: "text", type: "varchar", size: 100, required: true }],
  });
  await new ServerStorage(project.server()).createBucket({ bucketId: B, name: "Uploads", permissions: [Permission.create(Role.users())], fileSecurity: true });
});

for (const [os, type, name] of [["android", "react-native-android", "Android"], ["ios", "react-native-ios", "iOS"]] as const) {
  describe(`react-native-appwrite@0.31.0 on ${name}`, () => {
    const appId = `io.edgewrite.${os}.${uniq()}`;

    it(`is refused until its ${name} platform is registered, with Appwrite's message naming it`, async () => {
      const { account } = phone(os, appId, project.projectId);
      const e = await fail(account.get());
      expect([e.code, e.type, e.message]).toEqual([403, "general_unknown_origin", `Invalid Origin. Register your new client (${appId}) as a new ${name} platform on your project console dashboard`]);
      const created = await consoleCall("POST", `/projects/${project.projectId}/platforms`, { type, name: `${name} app`, key: appId, store: "" });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ type: os === "ios" ? "apple" : "android", key: appId, hostname: "" });
    });

    it("signs up, signs in (the OS cookie store keeps the session) and reads the account", async () => {
      const { account, jar } = phone(os, appId, project.projectId);
      const email = `${uniq()}@example.com`;
      const user = await account.create({ userId: rn.ID.unique(), email, password: "phone-pass-123", name: name });
      const session = await account.createEmailPasswordSession({ email, password: "phone-pass-123" });
      expect(session.userId).toBe(user.$id);
      expect(jar.has(`a_session_${project.projectId}`)).toBe(true);
      expect(await account.get()).toMatchObject({ $id: user.$id, email, name });
    });

    it("creates and lists its rows, and a realtime event arrives over the SDK's socket", async () => {
      const { account, tables, realtime, frames } = phone(os, appId, project.projectId);
      const email = `${uniq()}@example.com`;
      await account.create({ userId: rn.ID.unique(), email, password: "phone-pass-123" });
      await account.createEmailPasswordSession({ email, password: "phone-pass-123" });
      const events: { events: string[]; payload: { text?: string } }[] = [];
      const errors: unknown[] = [];
      realtime.onError((e) => errors.push(e));
      const sub = await realtime.subscribe(`tablesdb.${D}.tables.${T}.rows`, (m) => events.push(m as never));
      try {
        // The server confirms the subscription (for the signed-in user) before the row is written, so the event cannot be missed.
        const connected = await until("connected", async () => frames.find((f) => f.type === "connected"), Boolean, 10_000, 50);
        expect(connected!.data.user.email).toBe(email);
        await until("subscribed", async () => frames.some((f) => f.type === "response" && f.data.to === "subscribe"), Boolean, 10_000, 50);
        const row = await tables.createRow({ databaseId: D, tableId: T, rowId: rn.ID.unique(), data: { text: `from ${os}` } });
        const listed = await tables.listRows({ databaseId: D, tableId: T });
        expect(listed.rows.map((r) => r.$id)).toEqual([row.$id]); // its own row only (row security)
        const got = await until("the row event", async () => events, (e) => e.length > 0, 15_000, 100);
        expect(got[0]!.events).toContain(`tablesdb.${D}.tables.${T}.rows.${row.$id}.create`);
        expect(got[0]!.payload.text).toBe(`from ${os}`);
        expect(errors).toEqual([]);
      } finally {
        await sub.close();
        await realtime.disconnect();
      }
    });

    it("uploads a file from a device path and downloads the same bytes", async () => {
      const { account, storage } = phone(os, appId, project.projectId);
      const email = `${uniq()}@example.com`;
      await account.create({ userId: rn.ID.unique(), email, password: "phone-pass-123" });
      await account.createEmailPasswordSession({ email, password: "phone-pass-123" });
      const path = join(tmpdir(), `edgewrite-${os}-${uniq()}.txt`);
      const content = `hello from ${os} ${uniq()}`;
      writeFileSync(path, content);
      const file = await storage.createFile({ bucketId: B, fileId: rn.ID.unique(), file: { name: "note.txt", type: "text/plain", size: content.length, uri: pathToFileURL(path).href } as never });
      expect(file).toMatchObject({ name: "note.txt", sizeOriginal: content.length });
      const bytes = await storage.getFileDownload({ bucketId: B, fileId: file.$id });
      expect(Buffer.from(bytes as ArrayBuffer).toString()).toBe(content);
    });
  });
}

// ---- raw Origins, as Appwrite 1.9.6 judges them -----------------------------------------------

describe("Origin rules for every platform scheme", () => {
  let p: TestProject;
  const get = (origin: string, projectId = p.projectId) => raw("GET", "/ping", { headers: { origin, "x-appwrite-project": projectId } });
  const verdict = async (origin: string) => {
    const r = await get(origin);
    return r.status === 200 ? "ok" : `${r.status} ${r.body.type}: ${r.body.message}`;
  };

  beforeAll(async () => {
    p = await createProject("platforms-origins");
    const make = (body: Record<string, string>) => consoleCall("POST", `/projects/${p.projectId}/platforms`, { name: "app", ...body });
    for (const body of [
      { type: "web", hostname: "app.example.com" },
      { type: "flutter-web", hostname: "*.flutter.example.com" },
      { type: "android", key: "com.example.android" },
      { type: "apple-ios", key: "com.example.ios" },
      { type: "flutter-windows", key: "com.example.windows" },
      { type: "flutter-linux", key: "com.example.linux" },
    ]) expect((await make(body)).status).toBe(201);
  });

  it("a project with no platforms refuses every origin but its API's own hosts and the built-in schemes", async () => {
    const bare = await createProject("platforms-bare");
    const on = async (origin: string) => (await get(origin, bare.projectId)).status;
    expect(await on("https://app.example.com")).toBe(403);
    expect((await get("appwrite-android://com.example.android", bare.projectId)).body.message).toBe(
      "Invalid Origin. Register your new client (com.example.android) as a new Android platform on your project console dashboard",
    );
    expect(await on("appwrite-ios://com.example.ios")).toBe(403);
    expect(await on(`appwrite-callback-${bare.projectId}://`)).toBe(200);
    expect(await on("exp://192.168.1.2:8081")).toBe(200); // Expo Go
    expect(await on(`appwrite-callback-${p.projectId}://`)).toBe(403); // another project's callback scheme
    // Served on loopback, localhost is the API's own domain (Appwrite's default _APP_DOMAIN), any port and web scheme.
    expect(await on("http://localhost:3000")).toBe(200);
    expect(await on("tauri://localhost")).toBe(200);
    expect(await on("http://[::1]:3000")).toBe(403); // a hostname never has a colon
  });

  it("web schemes match hostnames (exact, wildcard subdomains, native keys); other schemes match by scheme", async () => {
    expect(await verdict("https://app.example.com")).toBe("ok");
    expect(await verdict("http://app.example.com:8080")).toBe("ok");
    expect(await verdict("https://APP.example.com")).toBe("ok");
    expect(await verdict("https://a.b.flutter.example.com")).toBe("ok");
    expect(await verdict("https://flutter.example.com")).toBe(
      "403 general_unknown_origin: Invalid Origin. Register your new client (flutter.example.com) as a new Web platform on your project console dashboard",
    );
    expect(await verdict("https://evil.example")).toContain("(evil.example) as a new Web platform");
    expect(await verdict("chrome-extension://abcdefgh")).toBe(
      "403 general_unknown_origin: Invalid Origin. Register your new client (abcdefgh) as a new Web (Chrome Extension) platform on your project console dashboard",
    );
    expect(await verdict("moz-extension://app.example.com")).toBe("ok");

    expect(await verdict("appwrite-android://com.example.android")).toBe("ok");
    // An Apple platform opens all four Apple schemes.
    for (const s of ["ios", "macos", "watchos", "tvos"]) expect(await verdict(`appwrite-${s}://com.example.ios`)).toBe("ok");
    expect(await verdict("appwrite-windows://com.example.windows")).toBe("ok");
    expect(await verdict("appwrite-linux://com.example.linux")).toBe("ok");
    // As in Appwrite 1.9.6, a native scheme is allowed by its platform type; the package in the host is not compared.
    expect(await verdict("appwrite-android://com.unknown.app")).toBe("ok");

    expect(await verdict("random-scheme://localhost")).toBe(
      "403 general_unknown_origin: Invalid Scheme. The scheme used (random-scheme) in the Origin (random-scheme://localhost) is not supported. If you are using a custom scheme, please change it to `appwrite-callback-<PROJECT_ID>`",
    );
    expect(await verdict("null")).toBe("403 general_unknown_origin: Invalid Origin.");
  });

  it("a wrong scheme for the platform is refused: Android only does not let iOS in", async () => {
    const android = await createProject("platforms-android-only");
    await consoleCall("POST", `/projects/${android.projectId}/platforms`, { type: "react-native-android", name: "rn", key: "com.example.rn" });
    const ios = await get("appwrite-ios://com.example.rn", android.projectId);
    expect([ios.status, ios.body.message]).toEqual([403, "Invalid Origin. Register your new client (com.example.rn) as a new iOS platform on your project console dashboard"]);
    expect((await get("appwrite-android://com.example.rn", android.projectId)).status).toBe(200);
    // An API key is not a browser: its Origin is not checked.
    const keyed = await raw("GET", "/ping", { headers: { origin: "appwrite-ios://com.example.rn", "x-appwrite-project": android.projectId, "x-appwrite-key": android.key } });
    expect(keyed.status).toBe(200);
  });

  it("redirect URLs (a magic URL's `url` here) follow the same rules, in Appwrite's URI words", async () => {
    const magic = (url: string) => raw("POST", "/account/tokens/magic-url", {
      headers: { "content-type": "application/json", "x-appwrite-project": p.projectId },
      body: JSON.stringify({ userId: "unique()", email: `${uniq()}@example.com`, url }),
    });
    expect((await magic("appwrite-ios://com.example.ios/auth")).status).toBe(201);
    expect((await magic(`appwrite-callback-${p.projectId}://auth`)).status).toBe(201);
    expect((await magic("https://app.example.com/auth")).status).toBe(201);
    const web = await magic("https://evil.example/auth");
    expect([web.status, web.body.message]).toEqual([400, "Invalid `url` param: Invalid URI. Register your new client (evil.example) as a new Web platform on your project console dashboard"]);
    expect((await magic("javascript:alert(1)")).status).toBe(400);
  });

  it("CORS echoes an Origin whose hostname is allowed, whatever its scheme; preflights echo any Origin", async () => {
    const known = await get("https://app.example.com");
    expect(known.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(known.headers.get("access-control-allow-credentials")).toBe("true");
    expect((await get("appwrite-android://com.example.android")).headers.get("access-control-allow-origin")).toBe("appwrite-android://com.example.android");
    expect((await get("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
    const pre = await raw("OPTIONS", "/ping", { headers: { origin: "https://evil.example", "access-control-request-method": "GET", "x-appwrite-project": p.projectId } });
    expect([pre.status, pre.headers.get("access-control-allow-origin")]).toEqual([204, "https://evil.example"]);
  });

  it("the realtime handshake applies the same rules: a native Origin connects, an unknown one is closed with 1008", async () => {
    const open = (origin: string) =>
      new Promise<{ first: any; code?: number }>((resolve, reject) => {
        const ws = new WS(`${endpoint.replace(/^http/, "ws")}/realtime?project=${p.projectId}`, { headers: { origin } });
        let first: any;
        ws.on("message", (m) => {
          first ??= JSON.parse(m.toString());
          if (first.type === "connected") (ws.close(), resolve({ first }));
        });
        ws.on("close", (code) => resolve({ first, code }));
        ws.on("error", reject);
      });
    expect((await open("appwrite-tvos://com.example.ios")).first.type).toBe("connected");
    const web = await open("https://evil.example");
    expect([web.first.data.message, web.code]).toEqual(["Invalid Origin. Register your new client (evil.example) as a new Web platform on your project console dashboard", 1008]);
    const bad = await open("appwrite-windows-phone://x");
    expect(bad.first).toEqual({ type: "error", data: { code: 1008, message: "Invalid Scheme. The scheme used (appwrite-windows-phone) in the Origin (appwrite-windows-phone://x) is not supported. If you are using a custom scheme, please change it to `appwrite-callback-<PROJECT_ID>`" } });
    expect(bad.code).toBe(1008);
  });
});

// ---- the console API: every type, Appwrite 1.9's validation and models -------------------------

describe("console platforms", () => {
  let p: TestProject;
  const base = () => `/projects/${p.projectId}/platforms`;
  beforeAll(async () => {
    p = await createProject("platforms-console");
  });

  it("creates every legacy type under its 1.9 type and shows each with its 1.9 model", async () => {
    const types = { web: "web", "flutter-web": "web", unity: "web", "flutter-ios": "apple", "flutter-macos": "apple", "apple-ios": "apple", "apple-macos": "apple", "apple-watchos": "apple", "apple-tvos": "apple", "react-native-ios": "apple", android: "android", "flutter-android": "android", "react-native-android": "android", "flutter-windows": "windows", "flutter-linux": "linux" };
    for (const [legacy, modern] of Object.entries(types)) {
      const body = modern === "web" ? { type: legacy, name: legacy, hostname: `${legacy}.example.com` } : { type: legacy, name: legacy, key: `com.example.${legacy}` };
      const r = await consoleCall("POST", base(), { platformId: legacy, ...body });
      expect(r.status, legacy).toBe(201);
      // The legacy create answers the Web model (hostname + key) whatever the type.
      expect(r.json).toEqual({ $id: legacy, $createdAt: expect.any(String), $updatedAt: expect.any(String), name: legacy, type: modern, hostname: body.hostname ?? "", key: body.key ?? "" });
    }
    const got = await consoleCall("GET", `${base()}/react-native-ios`);
    expect(got.json).toEqual({ $id: "react-native-ios", $createdAt: expect.any(String), $updatedAt: expect.any(String), name: "react-native-ios", type: "apple", bundleIdentifier: "com.example.react-native-ios" });
    const list = await consoleCall("GET", base());
    expect(list.json.total).toBe(15);
    const byId = new Map<string, any>(list.json.platforms.map((x: any) => [x.$id, x]));
    expect(byId.get("flutter-android")).toMatchObject({ type: "android", applicationId: "com.example.flutter-android" });
    expect(byId.get("flutter-windows")).toMatchObject({ type: "windows", packageIdentifierName: "com.example.flutter-windows" });
    expect(byId.get("flutter-linux")).toMatchObject({ type: "linux", packageName: "com.example.flutter-linux" });
    expect(byId.get("unity")).toMatchObject({ type: "web", hostname: "unity.example.com", key: "" });
    expect((await consoleCall("GET", `${base()}?total=false`)).json.total).toBe(0);
  });

  it("refuses what Appwrite refuses", async () => {
    const post = (body: Record<string, unknown>) => consoleCall("POST", base(), { name: "x", ...body });
    const badType = await post({ type: "windows-phone", key: "x" });
    expect([badType.status, badType.json.type]).toEqual([400, "general_bad_request"]);
    expect(badType.json.message).toBe('Param "type" is invalid: Value must be one of (web, flutter-web, unity, flutter-macos, flutter-ios, react-native-ios, apple-ios, apple-macos, apple-watchos, apple-tvos, flutter-android, android, react-native-android, flutter-linux, flutter-windows)');
    for (const hostname of ["https://app.example.com", "app.example.com:8080", "app.example.com/path"]) {
      const r = await post({ type: "web", hostname });
      expect([r.status, r.json.message], hostname).toEqual([400, "Invalid `hostname` param: Value must be a valid hostname without path, port and protocol."]);
    }
    const noHost = await post({});
    expect([noHost.status, noHost.json.message]).toEqual([400, 'Param "hostname" is not optional.']);
    const noName = await consoleCall("POST", base(), { type: "web", hostname: "a.example.com" });
    expect([noName.status, noName.json.message]).toEqual([400, 'Param "name" is not optional.']);
    expect((await post({ platformId: "dup", hostname: "a.example.com" })).status).toBe(201);
    const dup = await post({ platformId: "dup", hostname: "b.example.com" });
    expect([dup.status, dup.json.type]).toEqual([409, "platform_already_exists"]);
    const missing = await consoleCall("GET", `${base()}/nope`);
    expect([missing.status, missing.json.type]).toEqual([404, "platform_not_found"]);
  });

  it("updates a web platform's hostname (and with it the origins it allows); a native one has no hostname", async () => {
    await consoleCall("POST", base(), { platformId: "site", type: "web", name: "Site", hostname: "old.example.com" });
    const before = await raw("GET", "/ping", { headers: { origin: "https://new.example.com", "x-appwrite-project": p.projectId } });
    expect(before.status).toBe(403);
    const updated = await consoleCall("PUT", `${base()}/site`, { name: "Site 2", hostname: "new.example.com" });
    expect(updated.json).toMatchObject({ $id: "site", name: "Site 2", type: "web", hostname: "new.example.com" });
    const after = await raw("GET", "/ping", { headers: { origin: "https://new.example.com", "x-appwrite-project": p.projectId } });
    expect(after.status).toBe(200);

    await consoleCall("POST", base(), { platformId: "droid", type: "android", name: "Droid", key: "com.example.droid" });
    const unsupported = await consoleCall("PUT", `${base()}/droid`, { name: "Droid", hostname: "x.example.com" });
    expect([unsupported.status, unsupported.json.type]).toEqual([400, "platform_method_unsupported"]);
    expect((await consoleCall("DELETE", `${base()}/droid`)).status).toBe(204);
    expect((await consoleCall("GET", `${base()}/droid`)).status).toBe(404);
  });

  it("node-appwrite's Project service manages 1.9 platforms of each type with a platforms.* key", async () => {
    const q = await createProject("platforms-sdk");
    const key = await consoleCall("POST", `/projects/${q.projectId}/keys`, { name: "platforms", scopes: ["platforms.read", "platforms.write"] });
    const svc = new Project(new Client().setEndpoint(endpoint).setProject(q.projectId).setKey(key.json.secret));
    // What they register is what lets apps in: the Linux scheme opens only while a Linux platform exists.
    const linux = () => raw("GET", "/ping", { headers: { origin: "appwrite-linux://com.sdk.linux", "x-appwrite-project": q.projectId } });
    expect((await linux()).status).toBe(403);
    const stamps = { $createdAt: expect.any(String), $updatedAt: expect.any(String) };
    expect(await svc.createAndroidPlatform({ platformId: "sdk-android", name: "A", applicationId: "com.sdk.android" })).toEqual({ $id: "sdk-android", ...stamps, name: "A", type: "android", applicationId: "com.sdk.android" });
    expect(await svc.createApplePlatform({ platformId: "sdk-apple", name: "B", bundleIdentifier: "com.sdk.apple" })).toMatchObject({ type: "apple", bundleIdentifier: "com.sdk.apple" });
    expect(await svc.createWindowsPlatform({ platformId: "sdk-windows", name: "C", packageIdentifierName: "com.sdk.windows" })).toMatchObject({ type: "windows", packageIdentifierName: "com.sdk.windows" });
    expect(await svc.createLinuxPlatform({ platformId: "sdk-linux", name: "D", packageName: "com.sdk.linux" })).toMatchObject({ type: "linux", packageName: "com.sdk.linux" });
    expect(await svc.createWebPlatform({ platformId: "sdk-web", name: "E", hostname: "sdk.example.com" })).toMatchObject({ type: "web", hostname: "sdk.example.com" });

    expect(await svc.updateApplePlatform({ platformId: "sdk-apple", name: "B2", bundleIdentifier: "com.sdk.apple2" })).toMatchObject({ name: "B2", bundleIdentifier: "com.sdk.apple2" });
    const wrong = await svc.updateAndroidPlatform({ platformId: "sdk-apple", name: "x", applicationId: "y" }).catch((e: AppwriteException) => e);
    expect([(wrong as AppwriteException).code, (wrong as AppwriteException).type]).toEqual([400, "platform_method_unsupported"]);
    const dup = await svc.createLinuxPlatform({ platformId: "sdk-linux", name: "D", packageName: "x" }).catch((e: AppwriteException) => e);
    expect((dup as AppwriteException).type).toBe("platform_already_exists");
    expect((await svc.getPlatform({ platformId: "sdk-windows" })).type).toBe("windows");
    expect((await svc.listPlatforms()).platforms.map((x) => x.$id).sort()).toEqual(["sdk-android", "sdk-apple", "sdk-linux", "sdk-web", "sdk-windows"]);
    const byKey = await svc.listPlatforms({ queries: [Query.equal("applicationId", ["com.sdk.android"])] });
    expect([byKey.total, byKey.platforms.map((x) => x.$id)]).toEqual([1, ["sdk-android"]]);
    const page = await svc.listPlatforms({ queries: [Query.notEqual("type", ["web"]), Query.orderDesc("name"), Query.limit(2)] });
    expect([page.total, page.platforms.map((x) => x.$id)]).toEqual([4, ["sdk-linux", "sdk-windows"]]);
    const bad = await svc.listPlatforms({ queries: [Query.equal("secret", ["x"])] }).catch((e: AppwriteException) => e);
    expect([(bad as AppwriteException).code, (bad as AppwriteException).type]).toEqual([400, "general_query_invalid"]);

    expect((await linux()).status).toBe(200);
    await svc.deletePlatform({ platformId: "sdk-linux" });
    expect((await linux()).status).toBe(403);

    // Without the scope a key is refused, with Appwrite's scope error.
    const other = await consoleCall("POST", `/projects/${q.projectId}/keys`, { name: "none", scopes: ["users.read"] });
    const denied = await raw("GET", "/project/platforms", { headers: { "x-appwrite-project": q.projectId, "x-appwrite-key": other.json.secret } });
    expect([denied.status, denied.body.type]).toEqual([401, "general_unauthorized_scope"]);
  });
});
