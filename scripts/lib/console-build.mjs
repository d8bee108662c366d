// The Edgewrite Console (console/): a static single-page app, built with Vite into console/dist, which wrangler
// serves as Workers static assets ([assets] in wrangler.toml) at /console — never part of the API Worker's bundle.
// Called by startServer (so `npm run dev`, the e2e global setup and the bench build it), vitest.config.ts (`npm test`,
// any vitest run) and `npm run build` / `npm run deploy`.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

export const CONSOLE_SRC = path.join(ROOT, "console");
export const CONSOLE_DIST = path.join(CONSOLE_SRC, "dist");
/** Where the files are served from: the assets directory maps URL paths to files, so they live in dist/console/. */
const OUT = path.join(CONSOLE_DIST, "console");

/**
 * The console's HTML is ours alone: scripts, styles and API calls come from this origin only. The API (/v1) is
 * the same origin, so `connect-src 'self'` covers it (and its realtime WebSocket).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

// Workers static assets read `_headers` at the root of the assets directory (never served itself). The SPA fallback
// (any unknown /console/... page answered with /index.html) carries the headers of the path asked for.
const HEADERS = `/console
  Content-Security-Policy: ${CONSOLE_CSP}
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
/console/*
  Content-Security-Policy: ${CONSOLE_CSP}
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
/console/assets/*
  Cache-Control: public, max-age=31536000, immutable
`;

function viteConfig(watch) {
  return {
    configFile: false,
    root: CONSOLE_SRC,
    base: "/console/",
    logLevel: "warn",
    publicDir: false,
    mode: "production",
    // Never the dev JSX transform (jsxDEV with source positions), even when built under vitest (NODE_ENV=test).
    oxc: { jsx: { runtime: "automatic", importSource: "preact", development: false } },
    build: {
      outDir: OUT,
      emptyOutDir: true,
      target: "es2022",
      modulePreload: { polyfill: false }, // no inline or extra script: `script-src 'self'` holds
      reportCompressedSize: false,
      chunkSizeWarningLimit: 400,
      watch: watch ? {} : null,
    },
  };
}

/** Files beside the build: the `_headers` rules and /index.html, which `not_found_handling` serves for deep links. */
function finish() {
  mkdirSync(CONSOLE_DIST, { recursive: true });
  writeFileSync(path.join(CONSOLE_DIST, "_headers"), HEADERS);
  copyFileSync(path.join(OUT, "index.html"), path.join(CONSOLE_DIST, "index.html"));
}

/** The newest modification time among the console's sources (and this script, whose config shapes the build). */
function newestSource(dir = CONSOLE_SRC) {
  let newest = dir === CONSOLE_SRC ? statSync(import.meta.filename).mtimeMs : 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "dist" || e.name === "node_modules") continue;
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** A build newer than every source (and the lock file: new versions of preact or the SDK) is kept. */
function fresh() {
  const built = path.join(CONSOLE_DIST, "index.html");
  if (!existsSync(built)) return false;
  const lock = path.join(ROOT, "package-lock.json");
  return statSync(built).mtimeMs > Math.max(newestSource(), existsSync(lock) ? statSync(lock).mtimeMs : 0);
}

/**
 * Build once (about a second; nothing when the build is fresh, unless `force`), so servers started one after another
 * (e2e files start their own) never rebuild under a running one. `watch`: keep rebuilding on change (npm run dev);
 * resolves after the first build.
 */
export async function buildConsole({ watch = false, force = false } = {}) {
  if (!watch && !force && fresh()) return;
  const { build } = await import("vite");
  if (!watch) {
    await build(viteConfig(false));
    finish();
    return;
  }
  const watcher = await build(viteConfig(true));
  await new Promise((resolve, reject) => {
    watcher.on("event", (e) => {
      if (e.code === "END") {
        try {
          finish();
        } catch (err) {
          console.error(`console build: ${err.message}`);
        }
        resolve();
      } else if (e.code === "ERROR") {
        console.error(`console build: ${e.error?.message ?? e.error}`);
        resolve(); // the server still starts; the next save rebuilds
      }
    });
  });
  return watcher;
}

// `node scripts/lib/console-build.mjs`: build once (npm run build).
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) await buildConsole({ force: true });
