import { AppwriteError } from "../../core/errors";
import type { Ctx } from "../../platform/context";

/** The render Worker (render/src/index.ts) behind the RENDER service binding: one PNG, or an Appwrite error. */
export async function render(c: Ctx, path: string, init?: RequestInit, missing: "avatar_not_found" | "avatar_image_not_found" = "avatar_not_found"): Promise<Uint8Array> {
  const res = await c.env.RENDER.fetch(`https://render.internal${path}`, init);
  if (res.status === 404) throw new AppwriteError(missing);
  if (res.status === 422 || res.status === 413) throw new AppwriteError("avatar_image_not_found", "The remote image could not be read.");
  if (!res.ok) throw new AppwriteError("general_server_error", "The image renderer failed.");
  return new Uint8Array(await res.arrayBuffer());
}

const READABLE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"]);

/**
 * A remote raster image as PNG of width × height through the Images binding, utopia-php/image's crop: both
 * sides → cover, centred; one side 0 → it follows the aspect ratio (rounded down); both 0 → the image's own size.
 */
export async function resizeToPng(c: Ctx, bytes: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const info = await c.env.IMAGES.info(new Blob([bytes]).stream()).catch(() => null);
  if (!info || !("width" in info) || !READABLE.has(info.format)) throw new AppwriteError("avatar_image_not_found", "The remote file is not an image that can be read.");
  if (!width && !height) [width, height] = [info.width, info.height];
  width ||= Math.max(1, Math.floor((height * info.width) / info.height));
  height ||= Math.max(1, Math.floor((width * info.height) / info.width));
  try {
    const result = await c.env.IMAGES.input(new Blob([bytes]).stream())
      .transform({ width: Math.min(width, 2000), height: Math.min(height, 2000), fit: "cover", gravity: "center" })
      .output({ format: "image/png" });
    return new Uint8Array(await new Response(result.image()).arrayBuffer());
  } catch {
    throw new AppwriteError("avatar_image_not_found", "The remote file is not an image that can be read.");
  }
}
