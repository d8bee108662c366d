import { AppwriteError } from "../../core/errors";
import { requireScope } from "../../platform/caller";
import type { Ctx } from "../../platform/context";
import { MAX_OUTPUT_CHUNK, READ_BUFFER } from "./constants";
import { isProcessed, openForRead, readWhole } from "./read";

/**
 * GET …/download (attachment) and …/view (inline), with `Range` → 206 as Appwrite serves them. View
 * never lets the API origin render active content: only Appwrite's list of passive types keeps its
 * type; anything else (HTML, SVG, XML, scripts …) is sent as text/plain with nosniff and a sandbox CSP.
 */
const INLINE_SAFE = new Set([
  "image/jpeg", "image/gif", "image/png", "image/webp", "image/heic", "image/heic-sequence", "image/avif",
  "video/mp4", "video/x-flv", "video/webm", "application/x-mpegURL", "video/MP2T", "video/3gpp", "video/quicktime", "video/x-msvideo", "video/x-ms-wmv",
  "audio/basic", "audio/L24", "audio/mid", "audio/mpeg", "audio/mp4", "audio/x-aiff", "audio/x-mpegurl", "audio/vnd.rn-realaudio", "audio/ogg", "audio/vorbis", "audio/vnd.wav", "audio/x-wav", "audio/aac", "audio/x-hx-aac-adts",
  "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.openxmlformats-officedocument.wordprocessingml.template", "application/vnd.ms-word.document.macroEnabled.12",
  "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
  "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
  "application/vnd.ms-access", "application/pdf",
]);

/**
 * `Content-Disposition` as Appwrite sends it (`attachment; filename="logo.png"`); a name that cannot sit in
 * the quotes as is (non-ASCII, quotes, backslashes, controls) gets an ASCII fallback plus the RFC 5987 UTF-8 name.
 */
function disposition(kind: "attachment" | "inline", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  if (fallback === name) return `${kind}; filename="${name}"`;
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * Appwrite's Range handling: `bytes=start-[end]` only (a suffix range `bytes=-N` is refused, as
 * StorageBase asserts); an open end is served up to `cap` bytes; beyond the file → 416.
 */
function parseRange(header: string, size: number, cap: number): { start: number; end: number } {
  const m = /^\s*([a-z]+)=(\d+)-(\d*)\s*$/i.exec(header);
  if (!m || m[1]!.toLowerCase() !== "bytes") throw new AppwriteError("storage_invalid_range");
  const start = Number(m[2]);
  let end = m[3] === "" ? NaN : Number(m[3]);
  if (Number.isNaN(end) || end - start > READ_BUFFER) end = Math.min(start + cap - 1, size - 1);
  if (start > end || end >= size) throw new AppwriteError("storage_invalid_range");
  return { start, end };
}

async function serve(c: Ctx, mode: "download" | "view"): Promise<Response> {
  requireScope(c, "files.read");
  const { file } = await openForRead(c);
  const size = file.sizeOriginal;
  const headers = new Headers({
    "content-type": mode === "download" || INLINE_SAFE.has(file.mimeType) ? file.mimeType || "application/octet-stream" : "text/plain",
    "content-disposition": disposition(mode === "download" ? "attachment" : "inline", file.name),
    "cache-control": "private, max-age=3888000",
    "x-content-type-options": "nosniff",
    "accept-ranges": "bytes",
  });
  if (mode === "view") headers.set("content-security-policy", INLINE_SAFE.has(file.mimeType) ? "script-src 'none'; object-src 'none'" : "sandbox; default-src 'none'");

  const rangeHeader = c.req.header("range");
  const range = rangeHeader ? parseRange(rangeHeader, size, mode === "download" ? MAX_OUTPUT_CHUNK : READ_BUFFER) : null;
  if (range) headers.set("content-range", `bytes ${range.start}-${range.end}/${size}`);
  const status = range ? 206 : 200;

  if (isProcessed(file)) {
    const bytes = await readWhole(c, file);
    const body = range ? bytes.subarray(range.start, range.end + 1) : bytes;
    headers.set("content-length", String(body.byteLength));
    return new Response(body, { status, headers });
  }
  const object = await c.env.BUCKET.get(file.objectKey, range ? { range: { offset: range.start, length: range.end - range.start + 1 } } : undefined);
  if (!object) throw new AppwriteError("storage_file_not_found", `File not found in ${file.id}`);
  headers.set("content-length", String(range ? range.end - range.start + 1 : size));
  return new Response(object.body, { status, headers });
}

export const download = (c: Ctx) => serve(c, "download");
export const view = (c: Ctx) => serve(c, "view");
