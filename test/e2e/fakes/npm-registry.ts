import { createServer, type Server } from "node:http";
import { createTarGzip } from "nanotar";

/**
 * A fake npm registry on loopback (the API's NPM_REGISTRY in the e2e server): packuments at `/<name>`, tarballs at
 * `/<name>/-/<name>-<version>.tgz` built from PACKAGES, and `/-/requests` counting what was asked (so a test can
 * prove a build did not touch the registry). The packages are small but shaped like real ones: an ESM package
 * with an `exports` map and a dependency of its own, a CommonJS one that require()s a Node built-in, and two
 * versions of the transitive one so the range decides.
 */
export const PACKAGES: Record<string, Record<string, { dependencies?: Record<string, string>; files: Record<string, string> }>> = {
  "tiny-slug": {
    "1.2.0": {
      dependencies: { "char-map": "^2.0.0" },
      files: {
        "package.json": JSON.stringify({ name: "tiny-slug", version: "1.2.0", type: "module", exports: { ".": { import: "./dist/index.mjs", require: "./dist/index.cjs" }, "./package.json": "./package.json" }, dependencies: { "char-map": "^2.0.0" } }),
        "dist/index.mjs": `import map from "char-map";\nexport function slug(s) { return [...s.toLowerCase()].map((c) => map[c] ?? c).join("").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""); }\nexport const version = "1.2.0";\n`,
        "dist/index.cjs": `throw new Error("the require build must not be picked for an import");\n`,
      },
    },
  },
  "char-map": {
    "1.0.0": { files: { "package.json": JSON.stringify({ name: "char-map", version: "1.0.0", main: "index.js" }), "index.js": `module.exports = { "ä": "a1" };\n` } },
    "2.1.0": { files: { "package.json": JSON.stringify({ name: "char-map", version: "2.1.0", main: "index.js" }), "index.js": `module.exports = { "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss" };\n` } },
  },
  "pad-hex": {
    "3.0.1": {
      files: {
        "package.json": JSON.stringify({ name: "pad-hex", version: "3.0.1", main: "lib/pad.js" }),
        "lib/pad.js": `const { Buffer } = require("buffer");\nmodule.exports = function padHex(text, width) { return Buffer.from(String(text)).toString("hex").padStart(width, "0"); };\n`,
      },
    },
  },
};

export async function tarballOf(name: string, version: string): Promise<Uint8Array> {
  const pkg = PACKAGES[name]![version]!;
  return createTarGzip(Object.entries(pkg.files).map(([path, data]) => ({ name: `package/${path}`, data })));
}

export async function startNpmRegistry(): Promise<{ server: Server; url: string }> {
  let requests = 0;
  let url = "";
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    if (path === "/-/requests") return void res.end(String(requests));
    requests++;
    const tgz = /^\/(.+)\/-\/[^/]+-(\d+\.\d+\.\d+)\.tgz$/.exec(path);
    if (tgz && PACKAGES[tgz[1]!]?.[tgz[2]!]) {
      res.setHeader("content-type", "application/octet-stream");
      return void res.end(await tarballOf(tgz[1]!, tgz[2]!));
    }
    const name = path.slice(1);
    const versions = PACKAGES[name];
    if (!versions || !Object.hasOwn(PACKAGES, name)) {
      res.statusCode = 404;
      return void res.end(JSON.stringify({ error: "Not found" }));
    }
    const list = Object.keys(versions);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({
      name,
      "dist-tags": { latest: list[list.length - 1] },
      versions: Object.fromEntries(list.map((v) => [v, { name, version: v, dependencies: versions[v]!.dependencies ?? {}, dist: { tarball: `${url}/${name}/-/${name}-${v}.tgz` } }])),
    }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  return { server, url };
}
