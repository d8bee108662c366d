import { readJson, type Files } from "./install";

/**
 * Node's module resolution over the in-memory files, for esbuild's plugin: relative paths with extension and
 * index probing, bare names through the nearest `node_modules/<name>` walking up, `package.json` `exports`
 * (subpaths, `*` patterns, conditions) then `module`/`main`. Conditions are wrangler's for Workers.
 */
const CONDITIONS = new Set(["workerd", "worker", "browser", "import", "module", "require", "default"]);
const EXTENSIONS = ["", ".ts", ".tsx", ".mts", ".js", ".mjs", ".cjs", ".jsx", ".json"];

export const NODE_BUILTINS = new Set([
  "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants", "crypto", "dgram", "diagnostics_channel",
  "dns", "domain", "events", "fs", "fs/promises", "http", "http2", "https", "inspector", "module", "net", "os", "path", "path/posix",
  "path/win32", "perf_hooks", "process", "punycode", "querystring", "readline", "repl", "stream", "stream/promises", "stream/web",
  "string_decoder", "sys", "timers", "timers/promises", "tls", "trace_events", "tty", "url", "util", "util/types", "v8", "vm",
  "wasi", "worker_threads", "zlib", "assert/strict", "dns/promises",
]);

export function normalize(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return out.join("/");
}

function file(files: Files, path: string): string | null {
  for (const ext of EXTENSIONS) if (files.has(path + ext)) return path + ext;
  // TypeScript's convention: `./x.js` written for a `./x.ts` source.
  const ts = path.replace(/\.(m|c)?js$/, (_m, k: string | undefined) => `.${k ?? ""}ts`);
  if (ts !== path && files.has(ts)) return ts;
  return null;
}

function directory(files: Files, dir: string): string | null {
  const pkg = readJson(files, `${dir}/package.json`);
  for (const field of ["module", "main"]) {
    const v = pkg?.[field];
    if (typeof v === "string") {
      const hit = file(files, normalize(`${dir}/${v}`)) ?? indexOf(files, normalize(`${dir}/${v}`));
      if (hit) return hit;
    }
  }
  return indexOf(files, dir);
}

const indexOf = (files: Files, dir: string) => file(files, `${dir}/index`);

/** A conditional target: a string, an array of alternatives, or an object of conditions (first match wins). */
function conditional(target: unknown): string | null {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const hit = conditional(t);
      if (hit) return hit;
    }
    return null;
  }
  if (target && typeof target === "object") {
    for (const [k, v] of Object.entries(target)) if (CONDITIONS.has(k)) {
      const hit = conditional(v);
      if (hit) return hit;
    }
  }
  return null;
}

function exportsTarget(exports: unknown, subpath: string): string | null {
  const isMap = exports && typeof exports === "object" && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith("."));
  if (!isMap) return subpath === "." ? conditional(exports) : null;
  const map = exports as Record<string, unknown>;
  if (Object.hasOwn(map, subpath)) return conditional(map[subpath]);
  for (const [key, target] of Object.entries(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const [pre, post] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(pre) && subpath.endsWith(post) && subpath.length >= pre.length + post.length) {
      const hit = conditional(target);
      return hit && hit.replaceAll("*", subpath.slice(pre.length, subpath.length - post.length));
    }
  }
  return null;
}

/** The file a specifier names from `importer`'s directory, or null when nothing in the files matches. */
export function resolve(files: Files, spec: string, fromDir: string): string | null {
  if (spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/")) {
    const path = normalize(spec.startsWith("/") ? spec : `${fromDir}/${spec}`);
    return file(files, path) ?? directory(files, path);
  }
  const parts = spec.split("/");
  const name = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  const rest = parts.slice(spec.startsWith("@") ? 2 : 1).join("/");
  let dir = fromDir;
  for (;;) {
    const pkgDir = normalize(`${dir}/node_modules/${name}`);
    const pkg = readJson(files, `${pkgDir}/package.json`);
    if (pkg) {
      if (pkg.exports !== undefined) {
        const target = exportsTarget(pkg.exports, rest ? `./${rest}` : ".");
        return target ? file(files, normalize(`${pkgDir}/${target}`)) : null;
      }
      return rest ? (file(files, `${pkgDir}/${rest}`) ?? directory(files, `${pkgDir}/${rest}`)) : directory(files, pkgDir);
    }
    if (!dir) return null;
    dir = dir.includes("/") ? dir.slice(0, dir.lastIndexOf("/")) : "";
  }
}
