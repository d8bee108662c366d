import { lookup } from "../../core/input";
/**
 * The stored `mimeType`, from the file's first bytes (as Appwrite's libmagic does), falling back to the
 * extension. The SDKs send chunks as application/octet-stream, so the client's type is not trusted.
 */
const EXT = lookup<string>({
  txt: "text/plain", csv: "text/csv", md: "text/markdown", json: "application/json", xml: "application/xml",
  html: "text/html", htm: "text/html", css: "text/css", js: "text/javascript", mjs: "text/javascript", svg: "image/svg+xml",
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", avif: "image/avif",
  heic: "image/heic", bmp: "image/bmp", ico: "image/vnd.microsoft.icon", tif: "image/tiff", tiff: "image/tiff",
  pdf: "application/pdf", zip: "application/zip", gz: "application/gzip", tar: "application/x-tar",
  mp3: "audio/mpeg", wav: "audio/x-wav", ogg: "audio/ogg", m4a: "audio/mp4", aac: "audio/aac",
  mp4: "video/mp4", webm: "video/webm", mov: "video/quicktime", avi: "video/x-msvideo",
  doc: "application/msword", docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ppt: "application/vnd.ms-powerpoint", pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  wasm: "application/wasm", woff: "font/woff", woff2: "font/woff2", ttf: "font/ttf", otf: "font/otf",
  webmanifest: "application/manifest+json", map: "application/json",
});

/** The type of a name's extension, or null (also what a site's static files are served as, src/services/sites). */
export function mimeOfName(name: string): string | null {
  return EXT[extensionOf(name)] ?? null;
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

const starts = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

function sniff(b: Uint8Array): string | null {
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts(b, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return "image/gif";
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return "image/webp";
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WAVE") return "audio/x-wav";
  if (ascii(b, 4, 8) === "ftyp") {
    const brand = ascii(b, 8, 12);
    if (brand === "avif" || brand === "avis") return "image/avif";
    if (["heic", "heix", "mif1", "msf1"].includes(brand)) return "image/heic";
    if (brand === "qt  ") return "video/quicktime";
    if (brand.startsWith("M4A")) return "audio/mp4";
    return "video/mp4";
  }
  if (ascii(b, 0, 5) === "%PDF-") return "application/pdf";
  if (starts(b, [0x50, 0x4b, 0x03, 0x04])) return null; // zip container (docx, xlsx …): the extension says which
  if (starts(b, [0x1f, 0x8b])) return "application/gzip";
  if (starts(b, [0x1a, 0x45, 0xdf, 0xa3])) return "video/webm";
  if (ascii(b, 0, 3) === "ID3" || starts(b, [0xff, 0xfb])) return "audio/mpeg";
  if (ascii(b, 0, 4) === "OggS") return "audio/ogg";
  if (ascii(b, 0, 2) === "BM") return "image/bmp";
  if (starts(b, [0x00, 0x61, 0x73, 0x6d])) return "application/wasm";
  // Text: markup that browsers would render is named as such (view serves it inert, see download.ts).
  const head = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(b.subarray(0, 512)).trimStart().toLowerCase();
  if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg"))) return "image/svg+xml";
  if (head.startsWith("<!doctype html") || head.startsWith("<html") || head.startsWith("<head") || head.startsWith("<body") || head.startsWith("<script")) return "text/html";
  if (head.startsWith("<?xml")) return "text/xml";
  return null;
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) if (b[i] === 0) return false;
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(b.subarray(0, n), { stream: true }); // a cut last char is fine
    return true;
  } catch {
    return false;
  }
}

/** Best mime type for a file whose first bytes are `head`. */
export function detectMime(head: Uint8Array, name: string): string {
  const sniffed = sniff(head);
  if (sniffed) return sniffed;
  const byExt = EXT[extensionOf(name)];
  if (byExt) return byExt;
  if (head.length === 0) return "inode/x-empty";
  return looksLikeText(head) ? "text/plain" : "application/octet-stream";
}
