import { and, eq } from "drizzle-orm";
import { writableDataDatabase } from "../../db/shards";
import { open, type DB } from "../../db/client";
import { siteDeployments, sites, type SiteDeployment } from "../../db/schema";
import { recordEvent, scheduleDispatch } from "../../events/outbox";
import { buildArchive, BuildError } from "../functions/build";
import { ArchiveError, readTarGz } from "../functions/tar";
import { mimeOfName } from "../storage/mime";
import { deploymentStatus, siteDeploymentModel } from "./models";
import { forgetSite } from "./cache";
import { r2 } from "./store";

/**
 * A site deployment's build (EXECUTIONS queue, message kind `site-build`): waiting → building → ready | failed.
 * No install or build command runs here (there is no build container): the upload is the built output, as
 * Appwrite's output directory would hold it. Every file under the output directory is put in R2 with its type
 * and an ETag, listed in the deployment's manifest. Adapter `ssr`: the output directory also holds a Worker
 * bundle, `_worker.js` (a module, or a directory with index.js — Cloudflare Pages' convention), built like a
 * function deployment (src/services/functions/build.ts) and never served as a file.
 */
export interface SiteBuildMessage {
  kind: "site-build";
  projectId: string;
  siteId: string;
  deploymentId: string;
}

export interface ManifestFile {
  type: string;
  etag: string;
  size: number;
}
export interface Manifest {
  adapter: "static" | "ssr";
  fallbackFile: string;
  files: Record<string, ManifestFile>;
}

export const WORKER_DIR = "_worker.js";

/** `./dist/` → `dist/`; `./`, `.`, `` → `` (the archive's root). */
export function outputPrefix(dir: string): string {
  const parts = dir.split("/").filter((s) => s && s !== ".");
  if (parts.some((s) => s === "..")) throw new BuildError("The output directory cannot leave the archive.");
  return parts.length ? parts.join("/") + "/" : "";
}

const TEXTUAL = /^(text\/|application\/(json|javascript|manifest\+json|xml)|image\/svg\+xml)/;

function contentType(name: string): string {
  const t = mimeOfName(name) ?? "application/octet-stream";
  return TEXTUAL.test(t) ? `${t}; charset=utf-8` : t;
}

async function etagOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `"${Array.from(digest.subarray(0, 12), (b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

export function deploymentEvent(db: DB, d: SiteDeployment, action: "create" | "update" | "delete") {
  return recordEvent(db, {
    projectId: d.projectId,
    pattern: `sites.[siteId].deployments.[deploymentId].${action}`,
    params: { siteId: d.siteId, deploymentId: d.id },
    payload: siteDeploymentModel(d),
    roles: [],
  });
}

const where = (m: SiteBuildMessage) => and(eq(siteDeployments.projectId, m.projectId), eq(siteDeployments.id, m.deploymentId));

async function build(env: Env, d: SiteDeployment, log: (line: string) => void): Promise<number> {
  const source = await env.BUCKET.get(r2.source(d.projectId, d.siteId, d.id));
  if (!source) throw new BuildError("The deployment's source archive is missing.");
  const archive = await source.arrayBuffer();
  let files: Map<string, Uint8Array>;
  try {
    files = await readTarGz(archive);
  } catch (e) {
    throw new BuildError(e instanceof ArchiveError ? e.message : "The archive could not be read.");
  }
  const out = outputPrefix(d.outputDirectory);
  log(`Unpacked ${files.size} file${files.size === 1 ? "" : "s"}; output directory "${out || "./"}".`);
  const manifest: Manifest = { adapter: d.adapter === "ssr" ? "ssr" : "static", fallbackFile: d.fallbackFile.replace(/^(\.?\/)+/, ""), files: Object.create(null) };
  let size = 0;
  for (const [name, bytes] of files) {
    if (!name.startsWith(out)) continue;
    const path = name.slice(out.length);
    if (path === WORKER_DIR || path.startsWith(`${WORKER_DIR}/`)) continue; // the SSR bundle is code, not a file to serve
    const type = contentType(path);
    const etag = await etagOf(bytes);
    await env.BUCKET.put(r2.file(d.projectId, d.siteId, d.id, path), bytes, { httpMetadata: { contentType: type } });
    manifest.files[path] = { type, etag, size: bytes.byteLength };
    size += bytes.byteLength;
  }
  const count = Object.keys(manifest.files).length;
  log(`Stored ${count} static file${count === 1 ? "" : "s"}, ${size} bytes.`);
  if (manifest.adapter === "ssr") {
    const entry = files.has(`${out}${WORKER_DIR}`) ? `${out}${WORKER_DIR}` : files.has(`${out}${WORKER_DIR}/index.js`) ? `${out}${WORKER_DIR}/index.js` : "";
    if (!entry) throw new BuildError(`Adapter "ssr" needs a Worker bundle at ${out || "./"}${WORKER_DIR} (a module, or a directory with index.js) exporting a fetch handler.`);
    const { build } = await buildArchive(archive, entry, log);
    const text = JSON.stringify(build);
    await env.BUCKET.put(r2.build(d.projectId, d.siteId, d.id), text);
    size += text.length;
  } else {
    if (!count) throw new BuildError(`The output directory "${out || "./"}" holds no files.`);
    if (manifest.fallbackFile && !Object.hasOwn(manifest.files, manifest.fallbackFile)) throw new BuildError(`The fallback file "${manifest.fallbackFile}" is not in the output directory.`);
  }
  await env.BUCKET.put(r2.manifest(d.projectId, d.siteId, d.id), JSON.stringify(manifest));
  return size;
}

export async function runSiteBuild(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, msg: SiteBuildMessage): Promise<void> {
  const db = open(await writableDataDatabase(env, msg.projectId));
  const started = Date.now();
  const [taken] = await db.update(siteDeployments).set({ status: "building", updatedAt: started }).where(and(where(msg), eq(siteDeployments.status, "waiting"))).returning();
  if (!taken) return;
  await setLatest(db, taken, "building");
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  let status: "ready" | "failed" = "failed";
  let buildSize = 0;
  try {
    log(`Building deployment ${taken.id} (adapter ${taken.adapter}).`);
    if (taken.installCommand || taken.buildCommand) log("Install and build commands do not run on Edgewrite: the upload is served as the built output.");
    buildSize = await build(env, taken, log);
    status = "ready";
    log("Build completed.");
  } catch (e) {
    log(`Build failed: ${e instanceof BuildError ? e.message : "internal error"}`);
    if (!(e instanceof BuildError)) console.error("site build failed", (e as Error)?.message);
  }
  const now = Date.now();
  const [done] = await db
    .update(siteDeployments)
    .set({ status, buildSize, buildLogs: lines.join("\n") + "\n", buildDuration: Math.round((now - started) / 1000), updatedAt: now })
    .where(and(where(msg), eq(siteDeployments.status, "building")))
    .returning();
  if (!done) return; // canceled meanwhile
  await setLatest(db, done, deploymentStatus(done));
  await db.batch([deploymentEvent(db, done, "update")]);
  if (status === "ready" && done.activate) await activateSiteDeployment(db, done);
  scheduleDispatch(env, ctx, done.projectId); // the build's end is announced now, not at the next sweep
}

async function setLatest(db: DB, d: SiteDeployment, status: string) {
  await db
    .update(sites)
    .set({ latestDeploymentStatus: status })
    .where(and(eq(sites.projectId, d.projectId), eq(sites.id, d.siteId), eq(sites.latestDeploymentId, d.id)));
}

/** Make a ready deployment the site's live one (activation and rollback alike). */
export async function activateSiteDeployment(db: DB, d: SiteDeployment) {
  const [site] = await db
    .update(sites)
    .set({ deploymentId: d.id, deploymentCreatedAt: d.createdAt, updatedAt: Date.now() })
    .where(and(eq(sites.projectId, d.projectId), eq(sites.id, d.siteId)))
    .returning();
  forgetSite(d.projectId, d.siteId);
  return site;
}
