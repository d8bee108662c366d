import { transform } from "sucrase";
import { guardLoops } from "./loop-guard";
import { ArchiveError, readTarGz } from "./tar";
import { USER_ROOT } from "./wrapper";

/**
 * The build step: unpack the source archive, check it, pick the entrypoint and turn every file into a
 * Worker Loader module. Relative ESM imports between files work as they do in Node (module names are
 * the archive paths). A deployment with npm dependencies goes through the bundler Worker instead (install + esbuild).
 * TypeScript (`.ts`, `.mts`, `.cts`) is compiled here by stripping types (sucrase's typescript transform:
 * no type checking, modern syntax kept, type-only imports dropped); a TS module keeps its archive path as
 * its module name, and its relative imports are pointed at the files that exist (`./x.js` → `./x.ts`,
 * `./x` → `./x.ts` / `./x/index.ts` …), as TypeScript's resolver would. JSX/TSX is not compiled.
 * Every JavaScript module's loops get the execution deadline check (loop-guard.ts).
 */
export type BuiltModule = { js: string } | { cjs: string } | { text: string } | { json: unknown } | { data: string } | { wasm: string };
export interface Build {
  entry: string;
  modules: Record<string, BuiltModule>;
}

export const MAX_BUILD_BYTES = 16 * 1024 * 1024;

const TEXT = /\.(txt|md|html|htm|css|csv|svg|xml|yaml|yml|toml|map)$/i;
const JS = /\.(js|mjs)$/i;
const TS = /\.(ts|mts|cts)$/i;
const dec = new TextDecoder();

const b64 = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};

/** CommonJS if it assigns module.exports/exports.x and has no top-level `export`/`import`. */
function looksCommonJs(src: string): boolean {
  return /\bmodule\.exports\b|\bexports\.[A-Za-z_$][\w$]*\s*=/.test(src) && !/^\s*(export|import)\s/m.test(src);
}

export class BuildError extends Error {}

/** Resolve a relative specifier from module `from` against the archive's files, as TypeScript would. */
function resolveRelative(from: string, spec: string, exists: (name: string) => boolean): string | null {
  const base = from.includes("/") ? from.slice(0, from.lastIndexOf("/") + 1) : "";
  const parts: string[] = [];
  for (const seg of (base + spec).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  const target = parts.join("/");
  if (exists(target)) return null; // already right
  const stem = target.replace(/\.(js|mjs|cjs)$/i, "");
  const ext = target.slice(stem.length).toLowerCase();
  const candidates = ext
    ? [stem + { ".js": ".ts", ".mjs": ".mts", ".cjs": ".cts" }[ext]!]
    : [".ts", ".mts", ".js", ".mjs", ".cjs", ".json", "/index.ts", "/index.js", "/index.mjs"].map((e) => target + e);
  const hit = candidates.find(exists);
  if (!hit) return null;
  const fromParts = base.split("/").filter(Boolean);
  const hitParts = hit.split("/");
  let common = 0;
  while (common < fromParts.length && common < hitParts.length - 1 && fromParts[common] === hitParts[common]) common++;
  const up = fromParts.length - common;
  return (up ? "../".repeat(up) : "./") + hitParts.slice(common).join("/");
}

/** Strip a TypeScript module's types and point its relative imports at existing modules. */
export function compileTypeScript(name: string, source: string, exists: (name: string) => boolean): string {
  let code: string;
  try {
    code = transform(source, { transforms: ["typescript"], disableESTransforms: true, production: true, filePath: name }).code;
  } catch (e) {
    throw new BuildError(`TypeScript: ${name}: ${(e as Error)?.message ?? String(e)}`);
  }
  const rewrite = (spec: string) => (spec.startsWith("./") || spec.startsWith("../") ? (resolveRelative(name, spec, exists) ?? spec) : spec);
  return code
    .replace(/(\b(?:from|import)\s*)(["'])(\.{1,2}\/[^"'\n]*)\2/g, (_, lead: string, q: string, spec: string) => `${lead}${q}${rewrite(spec)}${q}`)
    .replace(/(\bimport\s*\(\s*)(["'])(\.{1,2}\/[^"'\n]*)\2/g, (_, lead: string, q: string, spec: string) => `${lead}${q}${rewrite(spec)}${q}`)
    .replace(/(\brequire\s*\(\s*)(["'])(\.{1,2}\/[^"'\n]*)\2/g, (_, lead: string, q: string, spec: string) => `${lead}${q}${rewrite(spec)}${q}`);
}

/** The bundler Worker's RPC (bundler/src/index.ts), through the API's BUNDLER binding. */
export type Bundle = (files: Map<string, Uint8Array>, entrypoint: string) => Promise<({ ok: true; code: string } | { ok: false; error: string }) & { logs: string[] }>;

const INSTALL_COMMAND = /^(npm (install|i|ci)|pnpm (install|i)|yarn( install)?|bun (install|i))(\s+--?[\w-]+(=\S+)?)*$/;

/**
 * Appwrite's build `commands`: only installing dependencies can happen here (there is no shell), and that is what
 * the bundler does. Anything else fails the build with the reason rather than being skipped silently.
 */
export function checkCommands(commands: string): void {
  for (const cmd of commands.split(/&&|;|\n/).map((c) => c.trim()).filter(Boolean)) {
    if (!INSTALL_COMMAND.test(cmd)) {
      throw new BuildError(`Build command "${cmd}" cannot run: Edgewrite runs no shell. It installs package.json's dependencies and bundles them itself (npm install / npm ci); run other build steps before uploading and deploy their output.`);
    }
  }
}

/** A deployment with npm dependencies (declared, or uploaded in node_modules/) is installed and bundled. */
function wantsBundle(files: Map<string, Uint8Array>): boolean {
  for (const name of files.keys()) if (name.startsWith("node_modules/")) return true;
  const pkg = files.get("package.json");
  if (!pkg) return false;
  try {
    const deps = JSON.parse(dec.decode(pkg))?.dependencies;
    return !!deps && typeof deps === "object" && Object.keys(deps).length > 0;
  } catch {
    throw new BuildError("package.json is not valid JSON.");
  }
}

export async function buildArchive(source: ArrayBuffer, entrypoint: string, log: (line: string) => void, opts: { commands?: string; bundle?: Bundle } = {}): Promise<{ build: Build; size: number }> {
  checkCommands(opts.commands ?? "");
  let files: Map<string, Uint8Array>;
  try {
    files = await readTarGz(source);
  } catch (e) {
    throw new BuildError(e instanceof ArchiveError ? e.message : "The archive could not be read.");
  }
  log(`Unpacked ${files.size} file${files.size === 1 ? "" : "s"}.`);
  const entry = entrypoint.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
  if (!files.has(entry)) {
    throw new BuildError(`Entrypoint "${entrypoint}" was not found in the archive. Files: ${[...files.keys()].slice(0, 20).join(", ") || "(none)"}`);
  }
  if (/\.(tsx|jsx)$/i.test(entry)) {
    throw new BuildError(`Entrypoint "${entrypoint}" is JSX/TSX, which this server does not compile. Deploy JavaScript or TypeScript (.ts) instead.`);
  }
  if (!JS.test(entry) && !TS.test(entry) && !/\.cjs$/i.test(entry)) throw new BuildError(`Entrypoint "${entrypoint}" must be a JavaScript or TypeScript file (.js, .mjs, .cjs, .ts, .mts or .cts).`);

  if (opts.bundle && wantsBundle(files)) {
    log("package.json has dependencies: installing and bundling.");
    const r = await opts.bundle(files, entry);
    for (const line of r.logs) log(line);
    if (!r.ok) throw new BuildError(r.error);
    // No loop guards in a bundle: guarded library code (zod's, measured) stalled the local runtime after its
    // first run. On Cloudflare the CPU limit ends a spinning run either way; locally it holds the server.
    log(`Entrypoint: ${entry} (bundled ES module, ${r.code.length} characters; no loop guards in bundled code).`);
    return { build: { entry, modules: { [entry]: { js: r.code } } }, size: r.code.length };
  }

  const modules: Record<string, BuiltModule> = Object.create(null);
  const exists = (name: string) => files.has(name) && !/\.d\.(ts|mts|cts)$/i.test(name);
  const unguarded: string[] = [];
  const guarded = (name: string, js: string) => guardLoops(js) ?? (unguarded.push(name), js);
  let size = 0;
  let compiled = 0;
  for (const [name, bytes] of files) {
    size += bytes.byteLength;
    if (size > MAX_BUILD_BYTES) throw new BuildError(`The deployment is larger than ${MAX_BUILD_BYTES / 1024 / 1024} MiB once unpacked.`);
    if (/\.d\.(ts|mts|cts)$/i.test(name)) continue; // declarations only
    if (TS.test(name)) {
      const js = guarded(name, compileTypeScript(name, dec.decode(bytes), exists));
      modules[name] = /\.cts$/i.test(name) || looksCommonJs(js) ? { cjs: js } : { js };
      compiled++;
    } else if (JS.test(name)) {
      const src = guarded(name, dec.decode(bytes));
      modules[name] = looksCommonJs(src) ? { cjs: src } : { js: src };
    } else if (/\.cjs$/i.test(name)) {
      modules[name] = { cjs: guarded(name, dec.decode(bytes)) };
    } else if (/\.json$/i.test(name)) {
      try {
        modules[name] = { json: JSON.parse(dec.decode(bytes)) };
      } catch {
        modules[name] = { text: dec.decode(bytes) };
      }
    } else if (/\.wasm$/i.test(name)) {
      modules[name] = { wasm: b64(bytes) };
    } else if (TEXT.test(name)) {
      modules[name] = { text: dec.decode(bytes) };
    } else {
      modules[name] = { data: b64(bytes) };
    }
  }
  if (compiled) log(`Compiled ${compiled} TypeScript module${compiled === 1 ? "" : "s"} (types stripped, not checked).`);
  if (unguarded.length) log(`Could not parse ${unguarded.slice(0, 5).join(", ")}${unguarded.length > 5 ? " …" : ""}: deployed without loop guards (the timeout then holds only where CPU limits apply).`);
  log(`Entrypoint: ${entry} (${"cjs" in modules[entry]! ? "CommonJS" : "ES module"}).`);
  log(`Built ${Object.keys(modules).length} module${Object.keys(modules).length === 1 ? "" : "s"}, ${size} bytes.`);
  return { build: { entry, modules }, size };
}

/** Turn a stored build back into Worker Loader modules, named under USER_ROOT (the internal ones sit outside it). */
export function loaderModules(build: Build): Record<string, WorkerLoaderModule> {
  const out: Record<string, WorkerLoaderModule> = {};
  const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;
  for (const [name, m] of Object.entries(build.modules)) {
    if ("data" in m) out[USER_ROOT + name] = { data: unb64(m.data) };
    else if ("wasm" in m) out[USER_ROOT + name] = { wasm: unb64(m.wasm) };
    else out[USER_ROOT + name] = m as WorkerLoaderModule;
  }
  return out;
}
