import { and, eq, inArray } from "drizzle-orm";
import { AppwriteError, errorBody } from "../../core/errors";
import { uniqueId } from "../../core/ids";
import { open, type DB } from "../../db/client";
import { projectPlacement } from "../../db/shards";
import { functionVariables, siteLogs, sites, type FnVariable, type Site } from "../../db/schema";
import { MOVING_MESSAGE } from "../../platform/moving";
import { findRule } from "../functions/domains";
import { filterHeaders, REQUEST_HEADER_ALLOWLIST, RESPONSE_HEADER_ALLOWLIST } from "../functions/execute";
import { hostOnly, visitorHeaders } from "../functions/http";
import type { Exports } from "../functions/runtime";
import { decryptValue } from "../functions/secrets";
import type { Manifest, ManifestFile } from "./build";
import { cachedSite, rememberSite, siteEpoch, type Serving } from "./cache";
import { runSsr } from "./ssr";
import { r2 } from "./store";
import { requestIp } from "../../platform/client";

/**
 * Site hosts, `<label>.<SITES_DOMAIN>` (default sites.localhost; "" turns them off): routed by Host before the
 * /v1 app (src/index.ts), as function domains are, so nothing of the API is served there and a site never gets
 * the API's cookies or `x-appwrite-*` headers from a visitor (functions/http.ts visitorHeaders). Every request
 * is one site log (Appwrite's: an `http` execution of the site), written after the answer.
 *
 * Static files: the manifest (build.ts) says what exists, so a miss costs no R2 read and a matching
 * If-None-Match is a 304 with none at all. `/`, `dir/` → index.html; `x` → `x`, `x.html`, `x/index.html`;
 * then SSR (adapter ssr), the fallback file (SPA, 200), 404.html (404), or a plain 404. Caching: HTML and
 * unhashed names `no-cache` (revalidated by ETag); hashed asset names (`name-<hash>.ext`, `/_next/static/`)
 * a year, immutable.
 */
export function sitesDomain(env: Env): string {
  const v = (env as unknown as { SITES_DOMAIN?: string }).SITES_DOMAIN;
  return String(v ?? "sites.localhost")
    .trim()
    .toLowerCase()
    .replace(/^\.+|\.+$/g, "");
}

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";
const HASHED = /[.-](?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{8,}\.(m?js|css|woff2?|ttf|otf|png|jpe?g|gif|svg|webp|avif|ico|wasm|map)$/;

export const cacheControl = (path: string, type: string) =>
  !type.startsWith("text/html") && (HASHED.test(path.slice(path.lastIndexOf("/") + 1)) || path.startsWith("_next/static/")) ? IMMUTABLE : REVALIDATE;

function errorResponse(err: unknown): Response {
  if (!(err instanceof AppwriteError)) console.error("site request failed", err);
  const body = errorBody(err instanceof AppwriteError ? err : new AppwriteError("general_unknown"));
  return new Response(JSON.stringify(body), { status: body.code, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}

async function loadServing(env: Env, db: DB, projectId: string, siteId: string): Promise<Serving> {
  const hit = cachedSite(projectId, siteId);
  if (hit) return hit;
  const epoch = siteEpoch(projectId, siteId);
  const [rows, vars] = await db.batch([
    db.select().from(sites).where(and(eq(sites.projectId, projectId), eq(sites.id, siteId))).limit(1),
    db.select().from(functionVariables).where(and(eq(functionVariables.projectId, projectId), inArray(functionVariables.resourceType, ["project", "site"]), inArray(functionVariables.resourceId, ["", siteId]))),
  ]);
  const site = rows[0];
  if (!site) throw new AppwriteError("site_not_found");
  let manifest: Manifest | null = null;
  if (site.deploymentId) {
    const obj = await env.BUCKET.get(r2.manifest(projectId, siteId, site.deploymentId));
    if (obj) {
      const parsed = JSON.parse(await obj.text()) as Manifest;
      manifest = { ...parsed, files: Object.assign(Object.create(null) as Manifest["files"], parsed.files) }; // looked up by request paths
    }
  }
  const serving: Serving = { site, manifest, variables: await siteVariables(env, vars, siteId), at: Date.now(), epoch };
  rememberSite(serving);
  return serving;
}

/** Project variables, then the site's own (which win), decrypted. */
async function siteVariables(env: Env, rows: FnVariable[], siteId: string): Promise<Record<string, string>> {
  const vars: Record<string, string> = Object.create(null);
  const ordered = [...rows.filter((r) => r.resourceType === "project"), ...rows.filter((r) => r.resourceType === "site" && r.resourceId === siteId)];
  for (const r of ordered) vars[r.key] = r.secret ? await decryptValue(env, r.value) : r.value;
  return vars;
}

/** The manifest path a request path names, or null. */
function resolvePath(m: Manifest, pathname: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(pathname).replace(/^\/+/, "");
  } catch {
    return null;
  }
  if (path.split("/").some((s) => s === "..")) return null;
  const has = (p: string) => Object.hasOwn(m.files, p);
  const candidates = path === "" || path.endsWith("/") ? [`${path}index.html`] : [path, `${path}.html`, `${path}/index.html`];
  return candidates.find(has) ?? null;
}

async function fileResponse(env: Env, site: Site, request: Request, path: string, file: ManifestFile, status = 200): Promise<Response> {
  const headers = new Headers({ "content-type": file.type, etag: file.etag, "cache-control": status === 200 ? cacheControl(path, file.type) : REVALIDATE, "x-content-type-options": "nosniff" });
  const inm = request.headers.get("if-none-match");
  if (status === 200 && inm && inm.split(",").some((t) => t.trim().replace(/^W\//, "") === file.etag)) return new Response(null, { status: 304, headers });
  headers.set("content-length", String(file.size));
  if (request.method === "HEAD") return new Response(null, { status, headers });
  const obj = await env.BUCKET.get(r2.file(site.projectId, site.id, site.deploymentId, path));
  if (!obj) throw new AppwriteError("deployment_not_found", "The deployment's file is missing.");
  return new Response(obj.body, { status, headers });
}

/** The SSR Worker's answer: its cookies stay on the site's host. */
function ssrResponse(res: Response): Response {
  const headers = new Headers();
  res.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers.set(name, value);
  });
  for (const c of res.headers.getSetCookie()) headers.append("set-cookie", hostOnly(c));
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function answer(env: Env, ctx: ExecutionContext, s: Serving, request: Request, url: URL): Promise<{ res: Response; errors: string }> {
  const { site, manifest } = s;
  if (!site.enabled) throw new AppwriteError("site_not_found");
  if (!site.deploymentId || !manifest) throw new AppwriteError("deployment_not_found", "No deployment is live on this site yet. Create and activate a deployment first.");
  const method = request.method.toUpperCase();
  const readOnly = method === "GET" || method === "HEAD";
  const path = readOnly ? resolvePath(manifest, url.pathname) : null;
  if (path) return { res: await fileResponse(env, site, request, path, manifest.files[path]!), errors: "" };
  if (manifest.adapter === "ssr") {
    const headers = visitorHeaders(request.headers, "domain");
    headers["x-forwarded-for"] = requestIp(request);
    const forwarded = new Request(url.toString(), { method, headers, body: readOnly ? null : request.body, redirect: "manual" });
    const r = await runSsr(env, (ctx as unknown as { exports: Exports }).exports, site, s.variables, forwarded);
    return { res: ssrResponse(r.response), errors: r.errors };
  }
  if (!readOnly) return { res: new Response("Method Not Allowed", { status: 405, headers: { allow: "GET, HEAD" } }), errors: "" };
  const fb = manifest.fallbackFile;
  if (fb && manifest.files[fb]) return { res: await fileResponse(env, site, request, fb, manifest.files[fb]!), errors: "" };
  if (manifest.files["404.html"]) return { res: await fileResponse(env, site, request, "404.html", manifest.files["404.html"]!, 404), errors: "" };
  return { res: new Response("Not Found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": REVALIDATE } }), errors: "" };
}

/** The Worker's first stop for site hosts (src/index.ts); null for every other host. */
export async function serveSiteDomain(request: Request, env: Env, ctx: ExecutionContext): Promise<Response | null> {
  const base = sitesDomain(env);
  if (!base) return null;
  const url = new URL(request.url);
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (host !== base && !host.endsWith(`.${base}`)) return null;
  const started = Date.now();
  try {
    if (host === base) throw new AppwriteError("general_access_forbidden", "This domain cannot be used for security reasons. Please use any subdomain instead.");
    const rule = await findRule(env, host);
    if (!rule || rule.deploymentResourceType !== "site") throw new AppwriteError("rule_not_found", "This domain is not connected to any Appwrite resources. Visit domains tab under function/site settings to configure it.");
    const placement = await projectPlacement(env, rule.projectId);
    if (placement.moving) throw new AppwriteError("general_service_disabled", MOVING_MESSAGE);
    const db = open(placement.d1);
    const serving = await loadServing(env, db, rule.projectId, rule.deploymentResourceId);
    const { res, errors } = await answer(env, ctx, serving, request, url);
    const site = serving.site;
    const now = Date.now();
    const requestHeaders = filterHeaders({ ...visitorHeaders(request.headers, "domain"), "x-appwrite-client-ip": requestIp(request) }, REQUEST_HEADER_ALLOWLIST);
    const log = {
      projectId: site.projectId,
      id: uniqueId(),
      siteId: site.id,
      deploymentId: site.deploymentId,
      requestMethod: request.method.toUpperCase(),
      requestPath: url.pathname + url.search,
      requestHeaders,
      responseStatusCode: res.status,
      responseHeaders: filterHeaders(Object.fromEntries(res.headers), RESPONSE_HEADER_ALLOWLIST),
      logs: "",
      errors: site.logging ? errors : "",
      duration: (now - started) / 1000,
      createdAt: now,
      updatedAt: now,
    };
    ctx.waitUntil(db.insert(siteLogs).values(log).run().catch((e: Error) => console.error("site log write failed", e?.message)));
    return res;
  } catch (e) {
    return errorResponse(e);
  }
}
