import { AppwriteError } from "../../core/errors";
import { randomHex } from "../../core/crypto";

/**
 * Execution bodies as bytes (Appwrite's binary executions, FunctionsCustomServerTest::testCreateCustomExecutionBinary*):
 * a multipart request's `body` field is taken byte for byte (FormData would decode it as UTF-8 text), and a
 * response is sent as multipart when the caller accepts it, or as JSON only when the body is valid UTF-8.
 */

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const enc = new TextEncoder();

/** The bytes as text, or null when they are not valid UTF-8. */
export function utf8(bytes: Uint8Array): string | null {
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** The raw content of the form field `name` of a multipart/form-data body; null when absent or malformed. */
export function multipartField(body: Uint8Array, contentType: string, name: string): Uint8Array | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) return null;
  const delimiter = enc.encode(`\r\n--${boundary[1] ?? boundary[2]}`);
  const crlf2 = enc.encode("\r\n\r\n");
  // The first delimiter may open the body without its leading CRLF.
  let at = indexOf(body, delimiter.subarray(2), 0);
  while (at >= 0) {
    const headersStart = at + delimiter.length; // past "--boundary" and its CRLF (as long as the CRLF-led delimiter)
    const headersEnd = indexOf(body, crlf2, headersStart);
    if (headersEnd < 0) return null;
    const next = indexOf(body, delimiter, headersEnd + 4);
    if (next < 0) return null;
    const headers = new TextDecoder().decode(body.subarray(headersStart, headersEnd));
    const disposition = /^content-disposition:[^\r\n]*;\s*name="([^"]*)"/im.exec(headers);
    if (disposition?.[1] === name) return body.slice(headersEnd + 4, next);
    at = next + 2;
  }
  return null;
}

/** Which representation the caller asked for, by the first `accept` entry Appwrite recognises (JSON by default). */
export function wantsMultipart(accept: string | undefined): boolean {
  for (const type of (accept ?? "").split(",").map((t) => t.trim())) {
    if (type.startsWith("application/json") || type.startsWith("application/*")) return false;
    if (type.startsWith("multipart/form-data") || type.startsWith("multipart/*")) return true;
  }
  return false;
}

/** A model as multipart/form-data: one part per field, bytes and strings as they are, anything else as JSON. */
export function multipartResponse(fields: Record<string, unknown>, status: number): Response {
  const boundary = `----EdgewriteBoundary${randomHex(12)}`;
  const parts: Uint8Array[] = [];
  for (const [key, value] of Object.entries(fields)) {
    parts.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n`));
    parts.push(value instanceof Uint8Array ? value : enc.encode(typeof value === "string" ? value : JSON.stringify(value)));
    parts.push(enc.encode("\r\n"));
  }
  parts.push(enc.encode(`--${boundary}--\r\n`));
  return new Response(new Blob(parts), { status, headers: { "content-type": `multipart/form-data; boundary=${boundary}` } });
}

/** A response body for the JSON model: Appwrite's encoder refuses bytes that are not UTF-8 (400, general_unknown). */
export function jsonBody(bytes: Uint8Array): string {
  const text = utf8(bytes);
  if (text === null) throw new AppwriteError("general_unknown", "Failed to parse response: Malformed UTF-8 characters, possibly incorrectly encoded", 400);
  return text;
}
