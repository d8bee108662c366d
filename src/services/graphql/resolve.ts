import { GraphQLError } from "graphql";
import type { Context } from "hono";
import { KEY_DESCRIPTION } from "../../core/ids";
import { inputObject, parseJson } from "../../core/input";
import type { AppEnv } from "../../platform/context";
import { carryClientIdentity } from "../../platform/client";
import { BOOKMARK_HEADER } from "../../platform/read-replication";
import type { GraphqlContext } from "./schema";

/** Requests made by resolvers: they never reach the GraphQL endpoint again (no recursion). */
const innerCalls = new WeakSet<Request>();
export const isInnerCall = (req: Request): boolean => innerCalls.has(req);

/** Headers that describe the GraphQL request's own body; the REST call gets its own. */
const BODY_HEADERS = ["content-type", "content-length", "x-sdk-graphql", "transfer-encoding"];

/**
 * Each root field runs its REST route through the app itself (Appwrite's Resolvers::api): a new request to
 * `/v1/…` with the caller's own headers — cookies, session, JWT, key, project — so the whole middleware
 * chain (project, caller, scopes, service switches) and the route's own authorization decide, exactly as for
 * the REST call. Cookies and X-Fallback-Cookies the route sets (sessions) reach the client.
 */
export function restRunner(c: Context<AppEnv>, fetchApp: (req: Request) => Promise<Response>): GraphqlContext & { apply(res: Response): Response } {
  const base = new Headers(c.req.raw.headers);
  for (const h of BODY_HEADERS) base.delete(h);
  const setCookies: string[] = [];
  let fallback: string | null = null;
  let bookmark: string | null = null;
  const origin = new URL(c.req.url).origin;

  return {
    async run(_field, [method, template], args) {
      const rest = inputObject();
      for (const k of Object.keys(args)) rest[k] = args[k];
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
        const v = String(rest[name] ?? "");
        delete rest[name];
        // `.`/`..` would be dot segments (in any spelling) and move the call to another route: no id is one.
        if (/^(\.|%2e){1,2}$/i.test(v)) throw new GraphQLError(`Invalid \`${name}\` param: ${KEY_DESCRIPTION}`, { extensions: { code: 400, type: "general_argument_invalid" } });
        return encodeURIComponent(v);
      });
      const url = new URL(origin + path);
      const headers = new Headers(base);
      if (bookmark) headers.set(BOOKMARK_HEADER, bookmark); // read-your-writes across the batch
      let body: BodyInit | undefined;
      if (method === "GET") {
        for (const [k, v] of flatten(rest)) url.searchParams.append(k, v);
      } else if (Object.values(rest).some((v) => v instanceof Blob)) {
        body = formOf(rest); // fetch sets the multipart boundary
      } else {
        headers.set("content-type", "application/json");
        body = JSON.stringify(rest);
      }
      const req = new Request(url, { method, headers, body });
      carryClientIdentity(c.req.raw, req);
      innerCalls.add(req);
      const res = await fetchApp(req);
      setCookies.push(...res.headers.getSetCookie());
      fallback = res.headers.get("x-fallback-cookies") ?? fallback;
      bookmark = res.headers.get(BOOKMARK_HEADER) ?? bookmark;
      const text = await res.text();
      const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
      if (res.status >= 400) {
        const err = isJson ? (safeParse(text) as { message?: string; type?: string } | null) : null;
        throw new GraphQLError(err?.message ?? (text || "Server Error"), { extensions: { code: res.status, type: err?.type ?? "general_unknown" } });
      }
      if (!isJson || res.status === 204 || text.trim() === "") return { status: "OK" };
      return escape(safeParse(text));
    },
    apply(res) {
      for (const cookie of setCookies) res.headers.append("set-cookie", cookie);
      if (fallback !== null) res.headers.set("x-fallback-cookies", fallback);
      if (bookmark) res.headers.set(BOOKMARK_HEADER, bookmark); // its cookie is among the Set-Cookies above
      return res;
    },
  };
}

function safeParse(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return null;
  }
}

/** `$id` → `_id` at every depth (GraphQL names cannot start with `$`), into null-prototype objects. */
function escape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(escape);
  if (value === null || typeof value !== "object") return value;
  const out = inputObject();
  for (const [k, v] of Object.entries(value)) out[k.startsWith("$") ? `_${k.slice(1)}` : k] = escape(v);
  return out;
}

/** GET params as the SDKs send them: arrays as `key[i]`, nested objects as `key[sub]`. */
function flatten(value: Record<string, unknown>, prefix = ""): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}[${k}]` : k;
    if (v === undefined || v === null) continue;
    if (typeof v === "object") out.push(...flatten(v as Record<string, unknown>, key));
    else out.push([key, String(v)]);
  }
  return out;
}

/** Multipart params as the SDKs send uploads: files with their names, arrays as repeated `key[]`. */
function formOf(params: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    if (v instanceof File) form.append(k, v, v.name);
    else if (v instanceof Blob) form.append(k, v, "blob");
    else if (Array.isArray(v)) for (const item of v) form.append(`${k}[]`, typeof item === "object" ? JSON.stringify(item) : String(item));
    else form.append(k, typeof v === "object" ? JSON.stringify(v) : String(v));
  }
  return form;
}
