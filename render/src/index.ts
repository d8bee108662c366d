/**
 * Edgewrite's render Worker: everything that rasterises (SVG icon sets, initials text, QR codes, SVG favicons)
 * with resvg (WebAssembly) — kept out of the API Worker, which reaches it through the RENDER service binding
 * (src/services/avatars/render.ts). Not public: it has no route of its own in production (workers_dev = false).
 *
 *   GET  /icons/{set}/{code}?width&height   flags, browsers, credit-cards (0 = from the icon's own aspect)
 *   GET  /initials?text&background&width&height
 *   GET  /qr?text&size&margin
 *   POST /svg?width&height                  body: an SVG document (≤ 1 MB)
 *
 * Answers image/png, 404 for an unknown icon, 422 for an SVG resvg cannot read.
 */
import { ICONS } from "./icons";
import { initialsSvg } from "./initials";
import { qrSvg } from "./qr";
import { fitted, intrinsicSize, toPng } from "./raster";

const MAX_SIDE = 2000;
const MAX_SVG = 1 << 20;

const num = (u: URL, k: string, dflt = 0) => {
  const n = Math.trunc(Number(u.searchParams.get(k) ?? dflt));
  return Number.isFinite(n) ? Math.min(Math.max(n, 0), MAX_SIDE) : dflt;
};
const png = (bytes: Uint8Array) => new Response(bytes, { headers: { "content-type": "image/png" } });
const fail = (status: number, message: string) => Response.json({ message }, { status });

/** Width × height from the asked sides, the missing one following the SVG's aspect (both 0: its own size). */
function sides(svg: string, width: number, height: number): [number, number] {
  const size = intrinsicSize(svg) ?? { width: 100, height: 100 };
  if (!width && !height) return [Math.max(1, Math.round(size.width)), Math.max(1, Math.round(size.height))];
  if (!width) width = Math.max(1, Math.floor((height * size.width) / size.height));
  if (!height) height = Math.max(1, Math.floor((width * size.height) / size.width));
  return [Math.min(width, MAX_SIDE), Math.min(height, MAX_SIDE)];
}

async function svgToPng(svg: string, width: number, height: number): Promise<Response> {
  const [w, h] = sides(svg, width, height);
  try {
    return png(await toPng(fitted(svg, w, h)));
  } catch (e) {
    return fail(422, `SVG could not be rendered: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const parts = url.pathname.split("/").filter(Boolean);
    if (request.method === "GET" && parts[0] === "icons" && parts.length === 3) {
      const svg = ICONS.get(decodeURIComponent(parts[1]!))?.get(decodeURIComponent(parts[2]!));
      if (!svg) return fail(404, "icon not found");
      return svgToPng(svg, num(url, "width"), num(url, "height"));
    }
    if (request.method === "GET" && parts[0] === "initials") {
      const background = url.searchParams.get("background") ?? "";
      if (!/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/.test(background)) return fail(400, "background must be a hex colour");
      const width = Math.max(1, num(url, "width", 500)), height = Math.max(1, num(url, "height", 500));
      return png(await toPng(initialsSvg(url.searchParams.get("text") ?? "", background, width, height)));
    }
    if (request.method === "GET" && parts[0] === "qr") {
      const size = Math.max(1, num(url, "size", 400));
      const margin = Math.min(num(url, "margin", 1), 10);
      return png(await toPng(qrSvg(url.searchParams.get("text") ?? "", size, margin)));
    }
    if (request.method === "POST" && parts[0] === "svg") {
      const body = await request.arrayBuffer();
      if (body.byteLength > MAX_SVG) return fail(413, "SVG too large");
      return svgToPng(new TextDecoder().decode(body), num(url, "width"), num(url, "height"));
    }
    return fail(404, "not found");
  },
};
