import { routePath } from "hono/route";
import { APP_VERSION } from "../../core/errors";
import type { RawParams } from "../../core/params";
import type { Ctx } from "../context";
import type { Format, Model } from "./format";
import { LIST_KEYS, ROUTES } from "./routes";
import { V16 } from "./v16";
import { V17 } from "./v17";
import { V18 } from "./v18";
import { V19 } from "./v19";
import { V20 } from "./v20";
import { V21 } from "./v21";
import { V22 } from "./v22";
import { V23 } from "./v23";
import { V25 } from "./v25";

/**
 * Older clients, translated (Appwrite's request and response filters): a client that sends
 * `X-Appwrite-Response-Format: 1.4.0` has its params lifted to today's, one format at a time, and gets
 * today's models lowered back to its own. Files are named after Appwrite's filters; V24 (1.9.2 ephemeral
 * keys) and V26 (1.9.4 project settings, which Edgewrite's console model already has) change nothing here.
 */
const FORMATS: readonly Format[] = [V16, V17, V18, V19, V20, V21, V22, V23, V25]; // oldest first

/** What `collectParams` and `json` call for a client on an older format (set on the context as `formats`). */
export interface FormatAdapter {
  params(params: RawParams): Promise<void>;
  body(body: unknown): unknown;
}

/** PHP's version_compare, as far as versions go: numeric parts by value; a pre-release tag sorts lower. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.replace(/([0-9])([^0-9.])/g, "$1.$2").replace(/([^0-9.])([0-9])/g, "$1.$2").split(/[-_+.]/).filter(Boolean);
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]];
    const [pn, qn] = [p !== undefined && /^\d+$/.test(p), q !== undefined && /^\d+$/.test(q)];
    if (p === undefined) return qn ? -1 : 1;
    if (q === undefined) return pn ? 1 : -1;
    if (pn && qn) {
      if (+p !== +q) return +p < +q ? -1 : 1;
    } else if (pn !== qn) return pn ? 1 : -1;
  }
  return 0;
}

function route(c: Ctx) {
  const method = c.req.method === "HEAD" ? "GET" : c.req.method;
  return ROUTES[`${method} ${routePath(c)}`];
}

/** The formats a client announcing `version` needs, oldest first; none for today's clients. */
export function formatsFor(version: string): Format[] {
  return FORMATS.filter((f) => compareVersions(version, f.before) < 0);
}

/** Today's `model` in an older shape: the formats' response filters, newest first (Appwrite's order). */
export function lowerModel(formats: readonly Format[], model: string, m: Model): Model {
  const out = { ...m };
  for (let i = formats.length - 1; i >= 0; i--) formats[i]!.response?.[model]?.(out);
  return out;
}

function adapter(c: Ctx, formats: readonly Format[]): FormatAdapter {
  return {
    async params(params) {
      const sdkMethod = route(c)?.[0];
      if (!sdkMethod) return;
      for (const f of formats) await f.request?.[sdkMethod]?.(params, c);
    },
    body(body) {
      const model = route(c)?.[1];
      if (!model || !body || typeof body !== "object" || Array.isArray(body)) return body;
      const m = body as Model;
      const key = LIST_KEYS[model];
      // A list route answers `{total, <items>: [...]}`; bulk writes answer either shape.
      if (key && !("$id" in m) && Array.isArray(m[key])) return { ...m, [key]: (m[key] as Model[]).map((item) => lowerModel(formats, model, item)) };
      return lowerModel(formats, model, m);
    },
  };
}

/** Reads `X-Appwrite-Response-Format` once per request: sets the adapter for older clients, warns newer ones. */
export function applyResponseFormat(c: Ctx): void {
  const version = c.req.header("x-appwrite-response-format");
  if (!version) return; // no header: today's format
  const older = formatsFor(version);
  if (older.length) c.set("formats", adapter(c, older));
  if (compareVersions(version, APP_VERSION) > 0) {
    c.header("x-appwrite-warning", `The current SDK is built for Appwrite ${version}. However, the current Appwrite server version is ${APP_VERSION}. Please downgrade your SDK to match the Appwrite version: https://appwrite.io/docs/sdks`);
  }
}
