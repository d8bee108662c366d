import { ArchiveError, readTarGz } from "./tar";

/**
 * The build step: unpack the source archive, check it, pick the entrypoint and turn every file into a
 * Worker Loader module. Relative ESM imports between files work as they do in Node (module names are
 * the archive paths). No bundler runs: bare package imports must be bundled into the archive by the user.
 * TypeScript is not compiled yet: a `.ts` entrypoint fails the build with a clear log line.
 */
export type BuiltModule = { js: string } | { cjs: string } | { text: string } | { json: unknown } | { data: string } | { wasm: string };
export interface Build {
  entry: string;
  modules: Record<string, BuiltModule>;
}

export const MAX_BUILD_BYTES = 16 * 1024 * 1024;

const TEXT = /\.(txt|md|html|htm|css|csv|svg|xml|yaml|yml|toml|map)$/i;
const JS = /\.(js|mjs)$/i;
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

export async function buildArchive(source: ArrayBuffer, entrypoint: string, log: (line: string) => void): Promise<{ build: Build; size: number }> {
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
  if (/\.(ts|mts|cts|tsx|jsx)$/i.test(entry)) {
    throw new BuildError(`Entrypoint "${entrypoint}" is TypeScript/JSX, which this server does not compile yet. Deploy the compiled JavaScript (ESM) instead.`);
  }
  if (!JS.test(entry) && !/\.cjs$/i.test(entry)) throw new BuildError(`Entrypoint "${entrypoint}" must be a JavaScript file (.js, .mjs or .cjs).`);

  const modules: Record<string, BuiltModule> = {};
  let size = 0;
  for (const [name, bytes] of files) {
    if (name === "__edgewrite_main.js") continue;
    size += bytes.byteLength;
    if (size > MAX_BUILD_BYTES) throw new BuildError(`The deployment is larger than ${MAX_BUILD_BYTES / 1024 / 1024} MiB once unpacked.`);
    if (JS.test(name)) {
      const src = dec.decode(bytes);
      modules[name] = looksCommonJs(src) ? { cjs: src } : { js: src };
    } else if (/\.cjs$/i.test(name)) {
      modules[name] = { cjs: dec.decode(bytes) };
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
  log(`Entrypoint: ${entry} (${"cjs" in modules[entry]! ? "CommonJS" : "ES module"}).`);
  log(`Built ${Object.keys(modules).length} module${Object.keys(modules).length === 1 ? "" : "s"}, ${size} bytes.`);
  return { build: { entry, modules }, size };
}

/** Turn a stored build back into Worker Loader modules. */
export function loaderModules(build: Build): Record<string, WorkerLoaderModule> {
  const out: Record<string, WorkerLoaderModule> = {};
  const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;
  for (const [name, m] of Object.entries(build.modules)) {
    if ("data" in m) out[name] = { data: unb64(m.data) };
    else if ("wasm" in m) out[name] = { wasm: unb64(m.wasm) };
    else out[name] = m as WorkerLoaderModule;
  }
  return out;
}
