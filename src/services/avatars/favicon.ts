import { AppwriteError } from "../../core/errors";
import type { Ctx } from "../../platform/context";
import { render, resizeToPng } from "./images";
import { safeFetch } from "./remote";

const PAGE_CAP = 1 << 20; // HTML read for <link> tags
const ICON_CAP = 5 << 20;
const SIDE = 56; // Appwrite's favicon size

/**
 * Appwrite's choice of icon among a page's `<link rel="icon|shortcut icon">`: an SVG wins outright (the last
 * one); otherwise the .ico/.png/.jpg/.jpeg with the largest `sizes` area (later ties win). None → /favicon.ico
 * on the page's origin. Read with the runtime's HTMLRewriter (no HTML parser in the bundle).
 */
async function pickIcon(page: Uint8Array, base: string): Promise<{ href: string; ext: string } | null> {
  let best: { href: string; ext: string } | null = null;
  let space = 0;
  const rewriter = new HTMLRewriter().on("link", {
    element(el) {
      const rel = (el.getAttribute("rel") ?? "").toLowerCase();
      if (rel !== "icon" && rel !== "shortcut icon") return;
      const href = el.getAttribute("href") ?? "";
      if (!URL.canParse(href, base)) return;
      const absolute = new URL(href, base);
      const ext = /\.([a-z0-9]+)$/i.exec(absolute.pathname)?.[1]?.toLowerCase() ?? "";
      if (ext === "svg") {
        space = Infinity;
        best = { href: absolute.href, ext };
      } else if (["ico", "png", "jpg", "jpeg"].includes(ext)) {
        const [w, h] = (el.getAttribute("sizes") ?? "").toLowerCase().split("x").map((n) => parseInt(n, 10) || 0);
        const area = (w ?? 0) * (h ?? 0);
        if (area >= space) {
          space = area;
          best = { href: absolute.href, ext };
        }
      }
    },
  });
  await rewriter.transform(new Response(page, { headers: { "content-type": "text/html" } })).arrayBuffer();
  return best;
}

/** GET /v1/avatars/favicon: `{bytes, type}` — an .ico as it is (image/x-icon), anything else as a 56×56 PNG. */
export async function favicon(c: Ctx, url: string): Promise<{ bytes: Uint8Array; type: string }> {
  const page = await safeFetch(url, c.env, PAGE_CAP, "text/html,*/*;q=0.5");
  const icon = (await pickIcon(page.body, page.url)) ?? { href: new URL("/favicon.ico", page.url).href, ext: "ico" };
  const res = await safeFetch(icon.href, c.env, ICON_CAP, "image/*,*/*;q=0.5");
  if (res.status !== 200) throw new AppwriteError("avatar_icon_not_found");
  if (icon.ext === "ico") {
    const head = new TextDecoder().decode(res.body.subarray(0, 16)).trimStart().toLowerCase();
    if (!res.body.length || head.startsWith("<html") || head.startsWith("<!doc")) throw new AppwriteError("avatar_icon_not_found", "Favicon not found");
    return { bytes: res.body, type: "image/x-icon" };
  }
  if (icon.ext === "svg") {
    // Appwrite answers a sanitised SVG; Edgewrite rasterises it instead, so no remote SVG is ever served from the API's origin.
    return { bytes: await render(c, `/svg?width=${SIDE}&height=${SIDE}`, { method: "POST", body: res.body }, "avatar_image_not_found"), type: "image/png" };
  }
  return { bytes: await resizeToPng(c, res.body, SIDE, SIDE), type: "image/png" };
}
