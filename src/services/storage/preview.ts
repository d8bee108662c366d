import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import { requireScope } from "../../platform/caller";
import type { Ctx } from "../../platform/context";
import { READ_BUFFER } from "./constants";
import { extensionOf } from "./mime";
import { openForRead, readWhole } from "./read";
import { lookup } from "../../core/input";

/**
 * GET …/preview through the Cloudflare Images binding, cached in the Cache API per (file, parameters).
 * Mapping from Appwrite's Imagick options: width/height + gravity → exactly that size, fit "cover" with
 * gravity (one side only: the other follows the aspect ratio, rounded down, as utopia-php/image crops); borderWidth/borderColor → border; background → background; rotation → the nearest
 * quarter turn (Images rotates by 90° steps); quality → output quality. opacity and borderRadius have no
 * Images equivalent and are accepted but not applied (README). Non-images and images over 20 MB get a
 * plain placeholder, as Appwrite answers with a file-type logo.
 */
const GRAVITIES = ["center", "top-left", "top", "top-right", "left", "right", "bottom-left", "bottom", "bottom-right"] as const;
const OUTPUTS = lookup<ImageOutputOptions["format"]>({
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", avif: "image/avif",
  heic: "image/jpeg", // Images cannot encode HEIC: JPEG is sent, with its true content-type
});
const INPUTS = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"]);
/** 1×1 #eceff1 PNG: the placeholder scaled to the requested size for files that are not previewable images. */
const PLACEHOLDER = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGN48/4jAAWXAs0WoAtVAAAAAElFTkSuQmCC"), (ch) => ch.charCodeAt(0));

const hex = () => {
  const msg = "Value must be a valid hex color code";
  return p.optional(p.string({ max: 6 }).check((ctx) => {
    if (ctx.value !== "" && !/^([0-9a-f]{3}|[0-9a-f]{6})$/i.test(ctx.value)) ctx.issues.push({ code: "custom", message: msg, input: ctx.value });
  }));
};

const GRAVITY_MAP = lookup<ImageTransform["gravity"]>({
  center: "center",
  top: "top",
  bottom: "bottom",
  left: "left",
  right: "right",
  "top-left": { x: 0, y: 0, mode: "remainder" },
  "top-right": { x: 1, y: 0, mode: "remainder" },
  "bottom-left": { x: 0, y: 1, mode: "remainder" },
  "bottom-right": { x: 1, y: 1, mode: "remainder" },
});

export async function preview(c: Ctx): Promise<Response> {
  requireScope(c, "files.read");
  const a = await params(c, {
    width: p.default(p.integer({ min: 0, max: 4000 }), 0),
    height: p.default(p.integer({ min: 0, max: 4000 }), 0),
    gravity: p.default(p.enum(GRAVITIES), "center"),
    quality: p.default(p.integer({ min: -1, max: 100 }), -1),
    borderWidth: p.default(p.integer({ min: 0, max: 100 }), 0),
    borderColor: hex(),
    borderRadius: p.default(p.integer({ min: 0, max: 4000 }), 0),
    opacity: p.default(p.number({ min: 0, max: 1 }), 1),
    rotation: p.default(p.integer({ min: -360, max: 360 }), 0),
    background: hex(),
    output: p.optional(p.enum(["", ...Object.keys(OUTPUTS)] as const)),
    token: p.optional(p.string({ max: 512 })),
  });
  const { bucket, file } = await openForRead(c, { preview: true });

  const isImage = INPUTS.has(file.mimeType) && file.sizeActual <= READ_BUFFER;
  let background = a.background ?? "";
  if (!isImage && !background) background = "eceff1";
  let output = a.output || "";
  if (!output) {
    const ext = extensionOf(file.name);
    output = ext && OUTPUTS[ext] ? ext : (Object.keys(OUTPUTS).find((k) => OUTPUTS[k] === file.mimeType) ?? "jpg");
  }
  const format = OUTPUTS[output] ?? "image/jpeg";

  // Keyed like Appwrite's `cache.params`; the file's seq and update time keep a replaced file from hitting.
  const cacheKey = new Request(
    `https://preview.edgewrite.internal/${c.var.project.id}/${bucket.seq}/${file.seq}/${file.updatedAt}?` +
      new URLSearchParams({ p: JSON.stringify([a.width, a.height, a.gravity, a.quality, a.borderWidth, a.borderColor, a.rotation, background, format]) }).toString(),
  );
  // Appwrite's preview cache (app/controllers/shared/api.php): a render says `X-Appwrite-Cache: miss` (with the
  // miss's Pragma/Expires) and the action's 30 days; a cached copy says `hit` with the cache's 180 days.
  const headers = (cached: boolean) => ({
    "content-type": format,
    "cache-control": `private, max-age=${cached ? 15_552_000 : 2_592_000}`,
    "x-content-type-options": "nosniff",
    "x-appwrite-cache": cached ? "hit" : "miss",
    ...(cached ? {} : { pragma: "no-cache", expires: "0" }),
  });
  const cache = (globalThis as unknown as { caches?: { default: Cache } }).caches?.default;
  const hit = await cache?.match(cacheKey).catch(() => undefined);
  if (hit) return new Response(hit.body, { headers: headers(true) });

  const source = isImage ? await readWhole(c, file) : PLACEHOLDER;
  const transform: ImageTransform = {};
  let { width, height } = a;
  if (!isImage && !width && !height) width = height = 150;
  if (width || height) {
    // utopia-php/image's crop: the missing side follows the aspect ratio, rounded down; the result is exactly width × height.
    if (!width || !height) {
      const info = await c.env.IMAGES.info(new Blob([source]).stream()).catch(() => null);
      if (info && "width" in info) {
        width ||= Math.max(1, Math.floor((height * info.width) / info.height));
        height ||= Math.max(1, Math.floor((width * info.height) / info.width));
      }
    }
    if (width) transform.width = width;
    if (height) transform.height = height;
    transform.fit = width && height ? "cover" : "contain";
    if (width && height) transform.gravity = GRAVITY_MAP[a.gravity];
  }
  const quarter = (Math.round((((a.rotation % 360) + 360) % 360) / 90) * 90) % 360;
  if (quarter) transform.rotate = quarter as 90 | 180 | 270;
  if (a.borderWidth > 0) transform.border = { width: a.borderWidth, color: `#${a.borderColor || "000000"}` };
  if (background) transform.background = `#${background}`;

  let bytes: ArrayBuffer;
  try {
    const result = await c.env.IMAGES.input(new Blob([source]).stream())
      .transform(transform)
      .output({ format, ...(a.quality >= 0 ? { quality: a.quality } : {}), ...(background ? { background: `#${background}` } : {}) });
    bytes = await new Response(result.image()).arrayBuffer();
  } catch (e) {
    throw new AppwriteError("storage_file_type_unsupported", `The image could not be processed: ${(e as Error)?.message ?? e}`);
  }
  if (cache) c.executionCtx.waitUntil(cache.put(cacheKey, new Response(bytes, { headers: { "content-type": format, "cache-control": "public, max-age=15552000" } })).catch(() => undefined));
  return new Response(bytes, { headers: headers(false) });
}
