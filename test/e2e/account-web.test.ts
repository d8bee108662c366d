/**
 * The web SDK (appwrite@27.0.0) run in Node the way a browser would run it: a fetch wrapper keeps a cookie
 * jar (Set-Cookie → Cookie) and sends the page's Origin; a second mode gives the SDK a `window.localStorage`
 * and no cookies, so sessions ride on the X-Fallback-Cookies header the SDK stores and replays.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Account, AppwriteException, Client, ID } from "appwrite";
import { consoleCall, createProject, endpoint, type TestProject } from "./harness";

let project: TestProject;
beforeAll(async () => {
  project = await createProject("account-web");
});

const realFetch = globalThis.fetch;
const g = globalThis as unknown as { window?: unknown };
afterEach(() => {
  globalThis.fetch = realFetch;
  delete g.window;
});

/** A "browser": cookie jar + Origin header on every API call; optional localStorage (window) for the fallback mode. */
function browser(opts: { cookies: boolean; localStorage: boolean }) {
  const jar = new Map<string, string>();
  const store = new Map<string, string>();
  const seen: { url: string; headers: Headers }[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    const headers = new Headers(init.headers);
    if (url.startsWith(endpoint)) {
      headers.set("origin", "http://localhost:5173");
      if (opts.cookies && jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
      seen.push({ url, headers });
    }
    const res = await realFetch(input, { ...init, headers });
    if (opts.cookies) {
      for (const c of res.headers.getSetCookie()) {
        const [pair, ...attrs] = c.split(";");
        const [name, ...rest] = pair!.split("=");
        const value = rest.join("=");
        const expires = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith("expires="));
        const expired = expires ? Date.parse(expires.slice(8)) <= Date.now() : false;
        if (!value || expired) jar.delete(name!.trim());
        else jar.set(name!.trim(), value);
      }
    }
    return res;
  }) as typeof fetch;
  if (opts.localStorage) {
    g.window = {
      localStorage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v), removeItem: (k: string) => void store.delete(k) },
      console: { warn: () => {}, log: console.log, error: console.error },
    };
  }
  const client = new Client().setEndpoint(endpoint).setProject(project.projectId);
  return { account: new Account(client), jar, store, seen };
}

const uniq = () => `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error("expected failure"); }, (e) => e as AppwriteException);

describe("web SDK appwrite@27.0.0 with a cookie jar", () => {
  it("sign-up → email/password login (cookies) → get/update → JWT → sessions → logout clears the cookie", async () => {
    const { account, jar } = browser({ cookies: true, localStorage: false });
    const email = `${uniq()}@example.com`;
    const created = await account.create({ userId: ID.unique(), email, password: "web-pass-123", name: "Web" });
    expect(created).toMatchObject({ email, name: "Web" });
    expect(jar.size).toBe(0); // sign-up does not sign in

    const guestErr = await fail(account.get());
    expect([guestErr.code, guestErr.type]).toEqual([401, "general_unauthorized_scope"]);

    const session = await account.createEmailPasswordSession({ email, password: "web-pass-123" });
    expect(session).toMatchObject({ userId: created.$id, provider: "email", current: true, secret: "" });
    expect(jar.has(`a_session_${project.projectId}`)).toBe(true);
    expect(jar.has(`a_session_${project.projectId}_legacy`)).toBe(true);

    expect((await account.get()).$id).toBe(created.$id);
    expect((await account.updateName({ name: "Web Renamed" })).name).toBe("Web Renamed");
    expect((await account.updatePrefs({ prefs: { lang: "fr" } })).prefs).toEqual({ lang: "fr" });
    const { jwt } = await account.createJWT({});
    expect(jwt.split(".")).toHaveLength(3);
    const sessions = await account.listSessions();
    expect(sessions.sessions.map((s) => s.current)).toEqual([true]);

    const again = await fail(account.createEmailPasswordSession({ email, password: "web-pass-123" }));
    expect([again.code, again.type]).toEqual([401, "user_session_already_exists"]);
    const bad = await fail(account.updatePassword({ password: "next-pass-456", oldPassword: "nope-nope-1" }));
    expect(bad.type).toBe("user_invalid_credentials");

    await account.deleteSession({ sessionId: "current" });
    expect(jar.size).toBe(0);
    expect((await fail(account.get())).code).toBe(401);
    const wrong = await fail(account.createEmailPasswordSession({ email, password: "wrong-pass-1" }));
    expect([wrong.code, wrong.type]).toEqual([401, "user_invalid_credentials"]);
  });

  it("magic URL and email OTP sign-ins read their secrets from the console outbox", async () => {
    const { account, jar } = browser({ cookies: true, localStorage: false });
    const email = `${uniq()}@example.com`;
    const token = await account.createEmailToken({ userId: ID.unique(), email });
    const out = await consoleCall("GET", `/projects/${project.projectId}/outbox?to=${encodeURIComponent(email)}`);
    const code = /\b(\d{6})\b/.exec(out.json.messages[0].content)![1]!;
    const s = await account.createSession({ userId: token.userId, secret: code });
    expect(s.userId).toBe(token.userId);
    expect((await account.get()).emailVerification).toBe(true);
    await account.deleteSessions();
    expect(jar.size).toBe(0);

    const magic = await account.createMagicURLToken({ userId: ID.unique(), email, url: "http://localhost:5173/magic" });
    expect(magic.userId).toBe(token.userId); // known email: same user
    const out2 = await consoleCall("GET", `/projects/${project.projectId}/outbox?to=${encodeURIComponent(email)}`);
    const link = new URL(/http:\/\/localhost:5173\/magic\S+/.exec(out2.json.messages[0].content)![0]);
    await account.updateMagicURLSession({ userId: link.searchParams.get("userId")!, secret: link.searchParams.get("secret")! });
    expect((await account.get()).$id).toBe(token.userId);
  });
});

describe("web SDK appwrite@27.0.0 with localStorage (X-Fallback-Cookies)", () => {
  it("stores the fallback header on login, replays it, and stores [] on logout", async () => {
    const { account, store, seen } = browser({ cookies: false, localStorage: true });
    const email = `${uniq()}@example.com`;
    await account.create({ userId: ID.unique(), email, password: "fallback-pass-1" });
    await account.createEmailPasswordSession({ email, password: "fallback-pass-1" });
    const stored = JSON.parse(store.get("cookieFallback")!);
    expect(Object.keys(stored)).toEqual([`a_session_${project.projectId}`]);
    const me = await account.get();
    expect(me.email).toBe(email);
    expect(seen.at(-1)!.headers.get("x-fallback-cookies")).toBe(store.get("cookieFallback"));

    const anonymous = await fail(account.createAnonymousSession());
    expect(anonymous.type).toBe("user_session_already_exists");
    await account.deleteSession({ sessionId: "current" });
    expect(store.get("cookieFallback")).toBe("[]");
    expect((await fail(account.get())).code).toBe(401);
  });

  it("anonymous session, converted to a full account", async () => {
    const { account } = browser({ cookies: false, localStorage: true });
    const anon = await account.createAnonymousSession();
    expect(anon.provider).toBe("anonymous");
    const email = `${uniq()}@example.com`;
    const converted = await account.updateEmail({ email, password: "converted-pw-1" });
    expect(converted).toMatchObject({ $id: anon.userId, email });
    await account.deleteSessions();
    await account.createEmailPasswordSession({ email, password: "converted-pw-1" });
    expect((await account.get()).$id).toBe(anon.userId);
  });
});
