import { eq } from "drizzle-orm";
import { open } from "../db/client";
import { platforms } from "../db/schema";
import { lookup } from "../core/input";

/**
 * Appwrite's Origin rules (Network/Platform.php, Network/Validator/Origin.php), the one place REST, CORS and the
 * realtime handshake ask "may this Origin talk to this project?".
 *
 * - Browser-like schemes (http, https, browser extensions, tauri) are matched by hostname against the project's
 *   platform hostnames (web hostnames and native keys alike) and the API's own hostname.
 * - Any other scheme is allowed when it is an allowed scheme: `exp`, `appwrite-callback-<projectId>`, and one per
 *   platform type (`appwrite-android` for Android, the four `appwrite-{ios,macos,watchos,tvos}` for Apple …).
 *   As in Appwrite 1.9, the host of a native scheme (the package or bundle id) is not compared.
 */

/** Platform types as stored; 1.9's five types plus the deprecated ones older consoles created. */
export const WEB_TYPES = ["web", "flutter-web", "unity"];
export const APPLE_TYPES = ["apple", "flutter-ios", "flutter-macos", "apple-ios", "apple-macos", "apple-watchos", "apple-tvos", "react-native-ios"];
export const ANDROID_TYPES = ["android", "flutter-android", "react-native-android"];
export const WINDOWS_TYPES = ["windows", "flutter-windows"];
export const LINUX_TYPES = ["linux", "flutter-linux"];

/** A stored (possibly deprecated) type → its 1.9 type (Platform::mapDeprecatedType). */
export function platformType(stored: string): string {
  const t = stored.toLowerCase();
  if (WEB_TYPES.includes(t)) return "web";
  if (APPLE_TYPES.includes(t)) return "apple";
  if (ANDROID_TYPES.includes(t)) return "android";
  if (WINDOWS_TYPES.includes(t)) return "windows";
  if (LINUX_TYPES.includes(t)) return "linux";
  return t;
}

const SCHEMES_BY_TYPE = lookup<string[]>({
  web: ["http", "https"],
  apple: ["appwrite-watchos", "appwrite-macos", "appwrite-tvos", "appwrite-ios"],
  android: ["appwrite-android"],
  windows: ["appwrite-windows"],
  linux: ["appwrite-linux"],
});

const WEB_SCHEMES = new Set(["http", "https", "chrome-extension", "moz-extension", "safari-web-extension", "ms-browser-extension", "tauri"]);

/** The platform's name in "Register your new client … as a new <name> platform". */
const SCHEME_NAMES = lookup({
  http: "Web",
  https: "Web",
  "appwrite-ios": "iOS",
  "appwrite-macos": "macOS",
  "appwrite-watchos": "watchOS",
  "appwrite-tvos": "tvOS",
  "appwrite-android": "Android",
  "appwrite-windows": "Windows",
  "appwrite-linux": "Linux",
  "chrome-extension": "Web (Chrome Extension)",
  "moz-extension": "Web (Firefox Extension)",
  "safari-web-extension": "Web (Safari Extension)",
  "ms-browser-extension": "Web (Edge Extension)",
  tauri: "Web (Tauri)",
});

export interface PlatformRow {
  type: string;
  hostname: string;
  key: string;
}

export interface AllowedOrigins {
  hostnames: string[];
  schemes: string[];
}

/** What a project's platforms allow (Platform::getHostnames / getSchemes). */
export function platformOrigins(rows: PlatformRow[]): AllowedOrigins {
  const hostnames: string[] = [];
  const schemes: string[] = [];
  for (const row of rows) {
    const type = platformType(row.type);
    const name = (type === "web" ? row.hostname : row.key).toLowerCase();
    if (name && SCHEMES_BY_TYPE[type]) hostnames.push(name);
    schemes.push(...(SCHEMES_BY_TYPE[type] ?? []));
  }
  return { hostnames: [...new Set(hostnames)], schemes: [...new Set(schemes)] };
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Served on loopback means local dev: `localhost` is then the API's domain, as in Appwrite's default `_APP_DOMAIN`. */
export function isLocalDev(url: string): boolean {
  return LOOPBACK.has(new URL(url).hostname);
}

/**
 * Everything an Origin may be for a request to `projectId`: the API's own hostname (Appwrite's `_APP_DOMAIN`;
 * `localhost` and `127.0.0.1` in local dev) plus, for a project, its platforms and the two built-in schemes.
 */
export function allowedOrigins(requestUrl: string, projectId: string | null, rows: PlatformRow[]): AllowedOrigins {
  const own = new URL(requestUrl).hostname;
  const hostnames = isLocalDev(requestUrl) ? [own, "localhost", "127.0.0.1"] : [own];
  if (!projectId || projectId === "console") return { hostnames, schemes: [] };
  const platform = platformOrigins(rows);
  return { hostnames: [...hostnames, ...platform.hostnames], schemes: ["exp", `appwrite-callback-${projectId}`, ...platform.schemes] };
}

/** The project's platforms, read once per request that carries an Origin. */
export async function loadPlatformRows(env: Env, projectId: string | null): Promise<PlatformRow[]> {
  if (!projectId || projectId === "console") return [];
  return open(env.DB)
    .select({ type: platforms.type, hostname: platforms.hostname, key: platforms.key })
    .from(platforms)
    .where(eq(platforms.projectId, projectId));
}

/**
 * The Origin verdict from the project's platforms read here, for what runs before the project middleware (the
 * realtime handshake) or failed before it set one; the project middleware reads platforms with the project.
 */
export async function originVerdict(c: { req: { url: string; header(name: string): string | undefined }; env: Env }): Promise<OriginCheck | null> {
  const origin = c.req.header("origin") || "";
  if (!origin) return null;
  const projectId = new URL(c.req.url).searchParams.get("project") || c.req.header("x-appwrite-project") || null;
  return checkOrigin(origin, allowedOrigins(c.req.url, projectId, await loadPlatformRows(c.env, projectId)));
}

/** Utopia's Hostname validator: exact, `*`, or `*.suffix` (never the bare root); no ports or paths. */
export function hostnameAllowed(host: string, allowList: string[]): boolean {
  if (host === "" || host === "0" || host.length > 253 || host.includes("/") || host.includes(":")) return false;
  return allowList.some((allowed) => host === allowed || allowed === "*" || (allowed.startsWith("*") && host.endsWith(allowed.slice(1))));
}

/** `scheme://host…` split the way PHP's parse_url (and Origin::parseScheme) would. */
export function parseOrigin(origin: string): { scheme: string | null; host: string } {
  const trimmed = origin.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1] ?? null;
  let host = "";
  try {
    host = new URL(trimmed).hostname.toLowerCase();
  } catch {
    /* no authority: no host */
  }
  return { scheme: scheme?.toLowerCase() ?? null, host };
}

export interface OriginCheck {
  origin: string;
  /** What the project allows (CORS echoes the Origin by these hostnames). */
  origins: AllowedOrigins;
  allowed: boolean;
  /** Appwrite's validator description: the error message when refused. */
  description: string;
}

/** Origin::isValid + getDescription; as `"URI"` it is the Redirect validator (same rules, "Invalid URI." texts). */
export function checkOrigin(origin: string, allowed: AllowedOrigins, what: "Origin" | "URI" = "Origin"): OriginCheck {
  const { scheme, host } = parseOrigin(origin);
  const ok = scheme !== null && (WEB_SCHEMES.has(scheme) ? hostnameAllowed(host, allowed.hostnames) : allowed.schemes.includes(scheme));
  return { origin, origins: allowed, allowed: ok, description: ok ? "" : describe(origin, scheme, host, what) };
}

function describe(origin: string, scheme: string | null, host: string, what: "Origin" | "URI"): string {
  const platform = scheme ? (SCHEME_NAMES[scheme] ?? "") : "";
  if (!host && !scheme) return `Invalid ${what}.`;
  if (!platform && what === "Origin") {
    return `Invalid Scheme. The scheme used (${scheme}) in the Origin (${origin}) is not supported. If you are using a custom scheme, please change it to \`appwrite-callback-<PROJECT_ID>\``;
  }
  return `Invalid ${what}. Register your new client ${host ? `(${host})` : ""} as a new ${platform} platform on your project console dashboard`;
}

/** Appwrite's Cors::headers rule: the Origin is echoed when its hostname is allowed, whatever its scheme. */
export function corsAllowed(origin: string, allowed: AllowedOrigins): boolean {
  return hostnameAllowed(parseOrigin(origin).host, allowed.hostnames);
}
