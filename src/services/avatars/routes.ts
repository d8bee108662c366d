/**
 * Appwrite's Avatars service. Rasterising (icon sets, initials, QR codes, SVG) happens in the render Worker
 * behind the RENDER service binding (render/), remote raster images are resized by the Images binding; the
 * API Worker carries only parameters, the outbound-fetch guard and the cache.
 */
import { Hono } from "hono";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import { requireScope } from "../../platform/caller";
import type { AppEnv, Ctx } from "../../platform/context";
import { BROWSERS, CREDIT_CARDS, FLAGS } from "./codes";
import { favicon } from "./favicon";
import { render, resizeToPng } from "./images";
import { initialsOf } from "./initials";
import { safeFetch } from "./remote";

export const avatarsRoutes = new Hono<AppEnv>();

const side = (dflt: number) => p.default(p.integer({ min: 0, max: 2000 }), dflt);
const quality = () => p.default(p.integer({ min: -1, max: 100 }), -1);
const webUrl = () => {
  const msg = "Value must be a valid URL with following schemes (http, https)";
  return p.string({ max: 2048 }).check((ctx) => {
    if (!/^https?:\/\/[^/?#\s]+/i.test(ctx.value) || !URL.canParse(ctx.value)) ctx.issues.push({ code: "custom", message: msg, input: ctx.value });
  });
};
const hexColor = () => {
  const msg = "Value must be a valid hex color code";
  return p.default(p.string({ max: 6 }).check((ctx) => {
    if (ctx.value !== "" && !/^([0-9a-f]{3}|[0-9a-f]{6})$/i.test(ctx.value)) ctx.issues.push({ code: "custom", message: msg, input: ctx.value });
  }), "");
};

const IMAGE_CAP = 10 << 20; // remote images: Appwrite reads whole bodies; Edgewrite stops at 10 MB

/** Appwrite's cache headers: initials and QR say only their own max-age (45 days). */
function image(c: Ctx, bytes: Uint8Array, type: string, extra: Record<string, string> = {}): Response {
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": type, "x-content-type-options": "nosniff", ...extra });
}

/**
 * Routes Appwrite labels `cache`: a render says `X-Appwrite-Cache: miss` with 30 days, a copy from the Cache
 * API says `hit` with the cache's 180 days (as storage previews, src/services/storage/preview.ts). Keyed per
 * project and parameters.
 */
async function cached(c: Ctx, key: Record<string, unknown>, produce: () => Promise<{ bytes: Uint8Array; type: string }>): Promise<Response> {
  const cacheKey = new Request(`https://avatars.edgewrite.internal/${c.var.project.id}?` + new URLSearchParams({ k: JSON.stringify(key) }).toString());
  const cache = (globalThis as unknown as { caches?: { default: Cache } }).caches?.default;
  const hit = await cache?.match(cacheKey).catch(() => undefined);
  if (hit) {
    const type = hit.headers.get("content-type") ?? "image/png";
    return image(c, new Uint8Array(await hit.arrayBuffer()), type, { "cache-control": "private, max-age=15552000", "x-appwrite-cache": "hit" });
  }
  const { bytes, type } = await produce();
  const store = new Response(bytes.slice(), { headers: { "content-type": type, "cache-control": "public, max-age=15552000" } });
  const put = cache?.put(cacheKey, store).catch(() => {});
  if (put) c.executionCtx.waitUntil(put);
  return image(c, bytes, type, { "cache-control": "private, max-age=2592000", "x-appwrite-cache": "miss", pragma: "no-cache", expires: "0" });
}

/** Flags, browsers, credit cards: Appwrite's WhiteList → 400 for an unknown code; 100×100 PNG by default. */
function iconRoute(set: string, codes: readonly string[]) {
  avatarsRoutes.get(`/${set}/:code`, async (c) => {
    requireScope(c, "avatars.read");
    const a = await params(c, { code: p.enum(codes as [string, ...string[]]), width: side(100), height: side(100), quality: quality() });
    // quality: Appwrite passes it to its PNG encoder; lossless PNG output here has no quality to set.
    return cached(c, { set, code: a.code, width: a.width, height: a.height }, async () => ({
      bytes: await render(c, `/icons/${set}/${encodeURIComponent(a.code)}?width=${a.width}&height=${a.height}`),
      type: "image/png",
    }));
  });
}
iconRoute("flags", FLAGS);
iconRoute("browsers", BROWSERS);
iconRoute("credit-cards", CREDIT_CARDS);

avatarsRoutes.get("/initials", async (c) => {
  requireScope(c, "avatars.read");
  const a = await params(c, { name: p.default(p.string({ max: 128 }), ""), width: side(500), height: side(500), background: hexColor() });
  const user = c.var.caller.user;
  const { initials, color } = initialsOf(a.name || user?.name || user?.email || "");
  // Appwrite's Imagick cannot draw a 0-pixel side; a 0 here takes the other side (both 0: Appwrite's 500).
  const width = a.width || a.height || 500, height = a.height || a.width || 500;
  const q = new URLSearchParams({ text: initials, background: a.background ? `#${a.background}` : color, width: String(width), height: String(height) });
  return image(c, await render(c, `/initials?${q}`), "image/png", { "cache-control": "private, max-age=3888000" });
});

avatarsRoutes.get("/qr", async (c) => {
  requireScope(c, "avatars.read");
  const a = await params(c, {
    text: p.string({ min: 1, max: 512 }),
    size: p.default(p.integer({ min: 1, max: 1000 }), 400),
    margin: p.default(p.integer({ min: 0, max: 10 }), 1),
    download: p.default(p.boolean(), false),
  });
  const q = new URLSearchParams({ text: a.text, size: String(a.size), margin: String(a.margin) });
  const extra: Record<string, string> = { "cache-control": "private, max-age=3888000" };
  if (a.download) extra["content-disposition"] = 'attachment; filename="qr.png"';
  return image(c, await render(c, `/qr?${q}`), "image/png", extra);
});

avatarsRoutes.get("/favicon", async (c) => {
  requireScope(c, "avatars.read");
  const a = await params(c, { url: webUrl() });
  return cached(c, { favicon: a.url }, () => favicon(c, a.url));
});

avatarsRoutes.get("/image", async (c) => {
  requireScope(c, "avatars.read");
  const a = await params(c, { url: webUrl(), width: side(400), height: side(400) });
  return cached(c, { image: a.url, width: a.width, height: a.height }, async () => {
    const res = await safeFetch(a.url, c.env, IMAGE_CAP, "image/*,*/*;q=0.5");
    if (res.status !== 200) throw new AppwriteError("avatar_image_not_found");
    const svg = res.contentType === "image/svg+xml" || /^\s*(<\?xml[^>]*>\s*)?<svg\b/i.test(new TextDecoder().decode(res.body.subarray(0, 256)));
    const bytes = svg
      ? await render(c, `/svg?width=${a.width}&height=${a.height}`, { method: "POST", body: res.body }, "avatar_image_not_found")
      : await resizeToPng(c, res.body, a.width, a.height);
    return { bytes, type: "image/png" };
  });
});

// Screenshots need a headless browser per request (Cloudflare Browser Rendering, not available to local
// `wrangler dev`): answered as Appwrite answers a method it lacks.
avatarsRoutes.get("/screenshots", (c) => {
  requireScope(c, "avatars.read");
  throw new AppwriteError("general_not_implemented");
});
