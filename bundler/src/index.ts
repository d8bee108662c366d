import { WorkerEntrypoint } from "cloudflare:workers";
import * as esbuild from "esbuild-wasm/esm/browser.js";
import wasmModule from "esbuild-wasm/esbuild.wasm";
import { install, InstallError, type Files } from "./install";
import { NODE_BUILTINS, resolve } from "./resolve";

/**
 * The bundler Worker (service binding BUNDLER of the API Worker): `bundle()` installs a deployment's npm
 * dependencies and bundles its entrypoint into one ES module with esbuild (WebAssembly build). The API
 * keeps everything else about a build (archive checks, loop guards, storage, logs).
 */
export interface BundleInput {
  files: Files;
  entrypoint: string;
  /** The npm registry to install from (the API's NPM_REGISTRY). */
  registry: string;
}
export type BundleResult = ({ ok: true; code: string; installed: number; inputs: number } | { ok: false; error: string }) & { logs: string[] };

let ready: Promise<void> | undefined;

// A Map: the extension comes from an uploaded file's name (".constructor" must not find Object's).
const LOADERS = new Map<string, esbuild.Loader>(Object.entries({ ts: "ts", mts: "ts", cts: "ts", tsx: "tsx", jsx: "jsx", js: "js", mjs: "js", cjs: "js", json: "json" }));
const loaderOf = (path: string) => LOADERS.get(path.slice(path.lastIndexOf(".") + 1).toLowerCase()) ?? "text";
const dirOf = (path: string) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");

export default class Bundler extends WorkerEntrypoint {
  override async fetch(): Promise<Response> {
    return new Response("Edgewrite's bundler: reached through the API Worker's BUNDLER binding only.", { status: 404 });
  }

  async bundle(input: BundleInput): Promise<BundleResult> {
    const files = input.files;
    const logs: string[] = [];
    const log = (line: string) => void logs.push(line);
    try {
      const started = Date.now();
      const installed = await install(files, input.registry, log);
      if (installed) log(`Installed ${installed} package${installed === 1 ? "" : "s"} from ${input.registry} in ${Date.now() - started} ms.`);
      ready ??= esbuild.initialize({ wasmModule, worker: false });
      await ready;
      const plugin: esbuild.Plugin = {
        name: "edgewrite-files",
        setup(b) {
          b.onResolve({ filter: /.*/ }, (a) => {
            const bare = a.path.replace(/^node:/, "");
            if (a.path.startsWith("node:") || NODE_BUILTINS.has(bare)) return { path: `node:${bare}`, external: true };
            if (a.path.startsWith("cloudflare:")) return { path: a.path, external: true };
            const hit = a.kind === "entry-point" ? a.path : resolve(files, a.path, a.resolveDir);
            if (!hit || !files.has(hit)) {
              const bareName = !a.path.startsWith(".") && !a.path.startsWith("/");
              return { errors: [{ text: `Cannot resolve "${a.path}" from ${a.importer || "the entrypoint"}${bareName ? ": add it to package.json's dependencies or upload its node_modules" : ""}.` }] };
            }
            return { path: hit, namespace: "files" };
          });
          b.onLoad({ filter: /.*/, namespace: "files" }, (a) => ({ contents: files.get(a.path)!, loader: loaderOf(a.path), resolveDir: dirOf(a.path) }));
        },
      };
      const t = Date.now();
      const r = await esbuild.build({
        entryPoints: [input.entrypoint],
        bundle: true,
        write: false,
        format: "esm",
        platform: "neutral",
        target: "es2022",
        metafile: true,
        logLevel: "silent",
        // CommonJS packages that require() a Node built-in: esbuild's shim calls the module-level `require`.
        banner: { js: 'import { createRequire as __edgewriteRequire } from "node:module"; const require = __edgewriteRequire("/");' },
        plugins: [plugin],
      });
      const inputs = Object.keys(r.metafile?.inputs ?? {}).length;
      log(`Bundled ${inputs} module${inputs === 1 ? "" : "s"} with esbuild ${esbuild.version} in ${Date.now() - t} ms.`);
      return { ok: true, code: r.outputFiles[0]!.text, installed, inputs, logs };
    } catch (e) {
      if (e instanceof InstallError) return { ok: false, error: `npm install: ${e.message}`, logs };
      const errors = (e as { errors?: esbuild.Message[] }).errors;
      if (errors?.length) return { ok: false, error: errors.slice(0, 5).map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : "") + m.text).join("\n"), logs };
      return { ok: false, error: `bundler: ${(e as Error)?.message ?? String(e)}`, logs };
    }
  }
}
