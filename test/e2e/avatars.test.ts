import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Avatars as WebAvatars, Client as WebClient } from "appwrite";
import { Account, AppwriteException, Avatars, Browser, Client, CreditCard, Flag, ID, ImageFormat, Storage } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
import { createProject, endpoint, raw, until, type TestProject } from "./harness";

/**
 * Avatars (node-appwrite 27 and the web SDK's URL methods) against the real server: every answer is decoded
 * (signature + size from the header), remote images and favicons come from a fake HTTP server on loopback
 * (the e2e server sets AVATARS_ALLOW_LOOPBACK; by default loopback is refused — test/unit/core.test.ts),
 * private addresses are refused even here, also behind a redirect.
 */
let project: TestProject;
let fake: Server;
let base = "";
let png = new Uint8Array(); // a 300×200 PNG the server itself drew (the US flag), served by the fake
let jpeg = new Uint8Array(); // the same as a 240×160 JPEG, through a storage preview
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" fill="#f00"/></svg>`;
const ICO = Buffer.from("00000100010010100000010020006804000016000000", "hex"); // an ICO header; returned as it is

/** Format, width and height from a PNG's IHDR or a JPEG's SOF marker. */
function decode(buf: ArrayBuffer | Uint8Array): { format: "png" | "jpeg"; width: number; height: number } {
  const b = Buffer.from(buf instanceof Uint8Array ? buf : new Uint8Array(buf));
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    expect(b.toString("latin1", 12, 16)).toBe("IHDR");
    return { format: "png", width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    for (let i = 2; i < b.length; ) {
      const marker = b[i + 1]!;
      if (marker >= 0xc0 && marker <= 0xc3) return { format: "jpeg", width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) };
      i += 2 + b.readUInt16BE(i + 2);
    }
  }
  throw new Error(`not a PNG or JPEG: ${b.subarray(0, 16).toString("hex")}`);
}
const errorOf = async (p: Promise<unknown>) => p.then(() => { throw new Error("expected an error"); }, (e: AppwriteException) => e);
/** A URL-returning web SDK method's answer, fetched as the browser would. */
const fetchUrl = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type"), bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
};

beforeAll(async () => {
  project = await createProject("avatars");
  png = new Uint8Array(await new Avatars(project.server()).getFlag({ code: Flag.UnitedStates, width: 300, height: 200 }));
  const storage = new Storage(project.server());
  const bucket = await storage.createBucket({ bucketId: ID.unique(), name: "avatars" });
  const file = await storage.createFile({ bucketId: bucket.$id, fileId: ID.unique(), file: InputFile.fromBuffer(Buffer.from(png), "flag.png") });
  jpeg = new Uint8Array(await storage.getFilePreview({ bucketId: bucket.$id, fileId: file.$id, width: 240, height: 160, output: ImageFormat.Jpg }));
  fake = createServer((req, res) => {
    const url = req.url ?? "/";
    const send = (status: number, type: string, body: string | Uint8Array, headers: Record<string, string> = {}) => res.writeHead(status, { "content-type": type, ...headers }).end(body);
    if (url === "/photo.png") return send(200, "image/png", png);
    if (url === "/photo.jpg") return send(200, "image/jpeg", jpeg);
    if (url === "/logo.svg") return send(200, "image/svg+xml", SVG);
    if (url === "/moved") return send(302, "text/plain", "", { location: "/photo.png" });
    if (url === "/to-private") return send(302, "text/plain", "", { location: "http://169.254.169.254/latest/meta-data" });
    if (url === "/missing.png") return send(404, "text/plain", "no");
    if (url === "/not-an-image") return send(200, "image/png", "hello, not a picture");
    if (url === "/site-png/") return send(200, "text/html", `<html><head><link rel="icon" href="/small.png" sizes="16x16"><link rel="shortcut icon" href="/photo.png" sizes="300x200"></head></html>`);
    if (url === "/site-svg/") return send(200, "text/html", `<link rel="icon" href="/photo.png" sizes="512x512"><link rel="icon" href="/logo.svg">`);
    if (url === "/site-none/") return send(200, "text/html", "<html><head><title>no icons</title></head></html>");
    if (url === "/favicon.ico") return send(200, "image/x-icon", ICO);
    return send(404, "text/html", "<!doctype html><p>not found</p>");
  });
  await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => fake.close(() => r())));

describe("Avatars icon sets (node-appwrite 27)", () => {
  it("getFlag / getBrowser / getCreditCard: PNGs of the asked size, 100×100 by default, with Appwrite's cache headers", async () => {
    const avatars = new Avatars(project.server());
    expect(decode(await avatars.getFlag({ code: Flag.France }))).toEqual({ format: "png", width: 100, height: 100 });
    expect(decode(await avatars.getFlag({ code: Flag.Japan, width: 120, height: 80, quality: 50 }))).toEqual({ format: "png", width: 120, height: 80 });
    expect(decode(await avatars.getBrowser({ code: Browser.GoogleChrome, width: 64, height: 64 }))).toEqual({ format: "png", width: 64, height: 64 });
    expect(decode(await avatars.getBrowser({ code: Browser.AvantBrowser }))).toMatchObject({ width: 100, height: 100 });
    expect(decode(await avatars.getCreditCard({ code: CreditCard.Visa, width: 200, height: 0 }))).toEqual({ format: "png", width: 200, height: 125 }); // 0: from the icon's 750×471
    expect(decode(await avatars.getCreditCard({ code: CreditCard.MIR, width: 2000, height: 2000 }))).toMatchObject({ width: 2000, height: 2000 });
    // Every code the SDK knows is served.
    for (const code of Object.values(Browser)) expect(decode(await avatars.getBrowser({ code, width: 8, height: 8 })).width).toBe(8);
    for (const code of Object.values(CreditCard)) expect(decode(await avatars.getCreditCard({ code, width: 8, height: 8 })).width).toBe(8);
    for (const code of Object.values(Flag)) expect(decode(await avatars.getFlag({ code, width: 8, height: 6 })).height).toBe(6);

    // Appwrite's cache: a render is a miss (30 days), the same request again a hit from the cache (180 days).
    const first = await raw("GET", `/avatars/flags/de?width=31&height=17&project=${project.projectId}`);
    expect(first.headers.get("content-type")).toBe("image/png");
    expect([first.headers.get("x-appwrite-cache"), first.headers.get("cache-control"), first.headers.get("pragma")]).toEqual(["miss", "private, max-age=2592000", "no-cache"]);
    const again = await until("cache hit", () => fetchUrl(`${endpoint}/avatars/flags/de?width=31&height=17&project=${project.projectId}`), (r) => r.headers.get("x-appwrite-cache") === "hit", 5000);
    expect(again.headers.get("cache-control")).toBe("private, max-age=15552000");
    expect(decode(again.bytes)).toEqual({ format: "png", width: 31, height: 17 }); // the cached copy is the image
  });

  it("unknown codes and out-of-range sizes are Appwrite's 400s", async () => {
    for (const path of ["/avatars/flags/xx", "/avatars/browsers/unknown", "/avatars/credit-cards/unknown", "/avatars/flags/US", "/avatars/flags/us?width=2001", "/avatars/browsers/ch?height=-1", "/avatars/credit-cards/visa?quality=101"]) {
      const r = await raw("GET", path, { headers: { "x-appwrite-project": project.projectId } });
      expect(r.status, path).toBe(400);
      expect(r.body.type, path).toBe("general_argument_invalid");
    }
    const r = await raw("GET", "/avatars/flags/xx", { headers: { "x-appwrite-project": project.projectId } });
    expect(r.body.message).toMatch(/^Invalid `code` param: Value must be one of \(af, ao, /);
  });
});

describe("Avatars initials and QR", () => {
  it("getInitials: 500×500 by default, the asked size, and the signed-in user's name when none is given", async () => {
    const avatars = new Avatars(project.server());
    expect(decode(await avatars.getInitials())).toEqual({ format: "png", width: 500, height: 500 });
    expect(decode(await avatars.getInitials({ name: "Walter White", width: 200, height: 120, background: "00ff00" }))).toEqual({ format: "png", width: 200, height: 120 });
    expect(decode(await avatars.getInitials({ name: "W (Hello) W", width: 50, height: 50 }))).toMatchObject({ width: 50, height: 50 });
    const bad = await errorOf(avatars.getInitials({ name: "W W", background: "zzz" }));
    expect([bad.code, bad.type]).toEqual([400, "general_argument_invalid"]);
    expect((await errorOf(avatars.getInitials({ name: "x".repeat(129) }))).code).toBe(400);

    // A signed-in user with no name: the initials come from the account. Two different names → two different
    // images; the same name asked explicitly → byte for byte the image of the account's own.
    const email = `${ID.unique()}@example.com`;
    await new Account(project.guest()).create({ userId: ID.unique(), email, password: "password-1234", name: "Ada Lovelace" });
    // A server key sees the new session's secret (a guest's answer hides it).
    const session = await new Account(project.server()).createEmailPasswordSession({ email, password: "password-1234" });
    const user = new Client().setEndpoint(endpoint).setProject(project.projectId).setSession(session.secret);
    const own = Buffer.from(await new Avatars(user).getInitials({ width: 80, height: 80 }));
    expect(own.equals(Buffer.from(await avatars.getInitials({ name: "Ada Lovelace", width: 80, height: 80 })))).toBe(true);
    expect(own.equals(Buffer.from(await avatars.getInitials({ name: "Grace Hopper", width: 80, height: 80 })))).toBe(false);

    const r = await raw("GET", `/avatars/initials?name=AB&project=${project.projectId}`);
    expect(r.headers.get("cache-control")).toBe("private, max-age=3888000");
  });

  it("getQR: size × size PNG (400 default), download sets the attachment header, limits are 400s", async () => {
    const avatars = new Avatars(project.server());
    expect(decode(await avatars.getQR({ text: "url:https://appwrite.io/" }))).toEqual({ format: "png", width: 400, height: 400 });
    expect(decode(await avatars.getQR({ text: "héllo wörld ✓", size: 200, margin: 10 }))).toEqual({ format: "png", width: 200, height: 200 });
    const dl = await raw("GET", `/avatars/qr?text=hi&size=120&download=true&project=${project.projectId}`);
    expect(dl.headers.get("content-disposition")).toBe('attachment; filename="qr.png"');
    expect(dl.headers.get("content-type")).toBe("image/png");
    for (const q of ["size=1001", "margin=11", "size=0"]) expect((await raw("GET", `/avatars/qr?text=hi&${q}&project=${project.projectId}`)).status, q).toBe(400);
    expect((await errorOf(avatars.getQR({ text: "x".repeat(513) }))).code).toBe(400);
  });
});

describe("Avatars from remote URLs", () => {
  it("getImage: the remote image resized (400×400 default), redirects followed; SVG rasterised", async () => {
    const avatars = new Avatars(project.server());
    expect(decode(await avatars.getImage({ url: `${base}/photo.png` }))).toEqual({ format: "png", width: 400, height: 400 });
    expect(decode(await avatars.getImage({ url: `${base}/photo.png`, width: 64, height: 48 }))).toEqual({ format: "png", width: 64, height: 48 });
    expect(decode(await avatars.getImage({ url: `${base}/photo.png`, width: 150, height: 0 }))).toEqual({ format: "png", width: 150, height: 100 });
    expect(decode(jpeg)).toEqual({ format: "jpeg", width: 240, height: 160 });
    expect(decode(await avatars.getImage({ url: `${base}/photo.jpg`, width: 0, height: 80 }))).toEqual({ format: "png", width: 120, height: 80 }); // JPEG in, PNG out (Appwrite's output)
    expect(decode(await avatars.getImage({ url: `${base}/moved`, width: 30, height: 30 }))).toMatchObject({ width: 30, height: 30 });
    expect(decode(await avatars.getImage({ url: `${base}/logo.svg`, width: 80, height: 40 }))).toEqual({ format: "png", width: 80, height: 40 });
  });

  it("getImage errors: 404 image, non-image, bad URL, private addresses (also behind a redirect)", async () => {
    const avatars = new Avatars(project.server());
    expect((await errorOf(avatars.getImage({ url: `${base}/missing.png` }))).type).toBe("avatar_image_not_found");
    expect((await errorOf(avatars.getImage({ url: `${base}/not-an-image` }))).type).toBe("avatar_image_not_found");
    expect((await errorOf(avatars.getImage({ url: "invalid://appwrite.io/images/apple.png" }))).code).toBe(400);
    expect((await errorOf(avatars.getImage({ url: `${base}/photo.png`, width: 2001 }))).code).toBe(400);
    for (const url of ["http://10.0.0.1/x.png", "http://192.168.1.1/x.png", "http://169.254.169.254/latest", "http://[::ffff:10.0.0.1]/x.png", "http://intranet/x.png", "http://printer.local/x.png", `${base}/to-private`]) {
      const e = await errorOf(avatars.getImage({ url }));
      expect([e.code, e.type], url).toEqual([404, "avatar_remote_url_failed"]);
    }
  });

  it("getFavicon: the largest linked PNG as 56×56, an SVG first, else /favicon.ico as it is", async () => {
    const avatars = new Avatars(project.server());
    expect(decode(await avatars.getFavicon({ url: `${base}/site-png/` }))).toEqual({ format: "png", width: 56, height: 56 });
    expect(decode(await avatars.getFavicon({ url: `${base}/site-svg/` }))).toEqual({ format: "png", width: 56, height: 56 });
    const ico = await raw("GET", `/avatars/favicon?url=${encodeURIComponent(`${base}/site-none/`)}&project=${project.projectId}`);
    expect(ico.status).toBe(200);
    expect(ico.headers.get("content-type")).toBe("image/x-icon");
    const icoBytes = await (await fetch(`${endpoint}/avatars/favicon?url=${encodeURIComponent(`${base}/site-none/`)}&project=${project.projectId}`)).arrayBuffer();
    expect(Buffer.from(icoBytes).equals(ICO)).toBe(true);
    expect((await errorOf(avatars.getFavicon({ url: "unknown-address" }))).code).toBe(400);
    for (const url of ["http://unknown-address.test", "http://10.1.2.3/", `${base}/to-private`]) expect((await errorOf(avatars.getFavicon({ url }))).type, url).toBe("avatar_remote_url_failed");
  });

  it("getScreenshot: Appwrite's not-implemented answer (no headless browser here)", async () => {
    const e = await errorOf(new Avatars(project.server()).getScreenshot({ url: "https://example.com" }));
    expect([e.code, e.type]).toEqual([405, "general_not_implemented"]);
  });
});

describe("Avatars for guests (web SDK URL methods)", () => {
  it("every URL the web SDK builds answers a guest with an image of the asked size", async () => {
    const web = new WebAvatars(new WebClient().setEndpoint(endpoint).setProject(project.projectId));
    const cases: [string, number, number][] = [
      [web.getFlag({ code: "it" as never, width: 40, height: 30 }), 40, 30],
      [web.getBrowser({ code: "ff" as never, width: 32, height: 32 }), 32, 32],
      [web.getCreditCard({ code: "amex" as never, width: 75, height: 47 }), 75, 47],
      [web.getInitials({ name: "Guest User", width: 90, height: 60 }), 90, 60],
      [web.getQR({ text: "guest", size: 99 }), 99, 99],
      [web.getImage({ url: `${base}/photo.png`, width: 20, height: 10 }), 20, 10],
      [web.getFavicon({ url: `${base}/site-png/` }), 56, 56],
    ];
    for (const [url, width, height] of cases) {
      const res = await fetchUrl(url);
      expect(res.status, url).toBe(200);
      expect(res.type, url).toBe("image/png");
      expect(decode(res.bytes), url).toEqual({ format: "png", width, height });
    }
  });
});
