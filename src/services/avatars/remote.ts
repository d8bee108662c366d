import { isPrivateHost } from "../../core/addresses";
import { AppwriteError } from "../../core/errors";

/**
 * Outbound fetches for getImage and getFavicon, on a user's behalf: only http(s) to public hosts, every redirect
 * hop re-checked (at most 5, as Appwrite's favicon fetch), one deadline for the whole chain, bodies capped.
 * Refused: literal private and link-local addresses (src/core/addresses.ts), loopback (127/8, ::1, `localhost`
 * and `*.localhost`), single-label names and special-use domains (`.local`, `.internal`, `.test` …: Appwrite
 * accepts only known public suffixes). Loopback is allowed only when AVATARS_ALLOW_LOOPBACK is "enabled" —
 * the e2e server's fakes listen there; never set it in production. A Worker cannot resolve DNS before
 * `fetch`, so a public name that points at a private address is not caught here (Cloudflare's egress does not
 * reach a deployment's private network anyway).
 */
const MAX_REDIRECTS = 5;
const TIMEOUT_MS = 10_000;
const SPECIAL_USE = /\.(local|localdomain|internal|intranet|lan|home|corp|test|example|invalid|onion|arpa)$/i;

function loopback(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";
}

/** Why this URL may not be fetched, or null when it may. */
export function refusal(raw: string, env: { AVATARS_ALLOW_LOOPBACK?: string }): string | null {
  if (!URL.canParse(raw)) return "Malformed URL.";
  const url = new URL(raw);
  if (url.protocol !== "http:" && url.protocol !== "https:") return `Scheme '${url.protocol.slice(0, -1)}' is not allowed.`;
  if (url.username || url.password) return "URLs with credentials are not allowed.";
  const host = url.hostname.toLowerCase();
  if (loopback(host)) return env.AVATARS_ALLOW_LOOPBACK === "enabled" ? null : `Hostname '${host}' is not a public address.`;
  if (isPrivateHost(host)) return `Hostname '${host}' is not a public address.`;
  const ip = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith("[");
  if (!ip && (!host.includes(".") || SPECIAL_USE.test(host.replace(/\.$/, "")))) return `Hostname '${host}' is not a known public domain.`;
  return null;
}

export interface Fetched {
  status: number;
  contentType: string;
  url: string;
  body: Uint8Array;
}

/** Read at most `cap` bytes of a body; null when it is longer (the rest is not read). */
async function readCapped(res: Response, cap: number): Promise<Uint8Array | null> {
  const declared = Number(res.headers.get("content-length") ?? "");
  if (declared > cap) return (await res.body?.cancel(), null);
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) return (await reader.cancel(), null);
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) (out.set(ch, at), (at += ch.byteLength));
  return out;
}

/** GET a remote URL under the rules above; any failure (refused, unreachable, too large, too slow) is avatar_remote_url_failed. */
export async function safeFetch(raw: string, env: { AVATARS_ALLOW_LOOPBACK?: string }, cap: number, accept: string): Promise<Fetched> {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  let url = raw;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const why = refusal(url, env);
    if (why) throw new AppwriteError("avatar_remote_url_failed", why);
    let res: Response;
    try {
      res = await fetch(url, { redirect: "manual", signal, headers: { accept, "user-agent": "Edgewrite-Avatars/1.0 (Appwrite-compatible)" } });
    } catch {
      throw new AppwriteError("avatar_remote_url_failed");
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      if (!URL.canParse(location, url)) throw new AppwriteError("avatar_remote_url_failed", "Malformed redirect.");
      url = new URL(location, url).href;
      continue;
    }
    let body: Uint8Array | null;
    try {
      body = await readCapped(res, cap);
    } catch {
      throw new AppwriteError("avatar_remote_url_failed");
    }
    if (!body) throw new AppwriteError("avatar_remote_url_failed", `The remote file is larger than ${cap} bytes.`);
    return { status: res.status, contentType: (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase(), url, body };
  }
  throw new AppwriteError("avatar_remote_url_failed", "Too many redirects.");
}
