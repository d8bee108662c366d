// Start and stop `wrangler dev` for dev, e2e tests and the bench: offline, in its own process group.
import { spawn, execFile } from "node:child_process";
import { createServer } from "node:net";
import { promisify } from "node:util";
import path from "node:path";
import { buildConsole } from "./console-build.mjs";
import { readFileSync } from "node:fs";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const WRANGLER = path.join(ROOT, "node_modules/.bin/wrangler");

/** Nothing waits on the internet: no metrics, no cf.json fetch, no update banner, no crash reports. */
export const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
};

/** Workers the API Worker reaches through service bindings (wrangler.toml `[[services]]`), started beside it. */
export const SERVICE_CONFIGS = ["render/wrangler.toml", "bundler/wrangler.toml"];

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The D1 binding names a wrangler config declares (`DB` and the data databases `DB_n`). */
export function d1Bindings(config = "wrangler.toml") {
  const text = readFileSync(path.resolve(ROOT, config), "utf8");
  return [...text.matchAll(/\[\[d1_databases\]\][^[]*?binding\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
}

/** Apply D1 migrations to every database of a local state directory (idempotent): every binding gets all of them. */
export async function applyMigrations({ persistDir, config = "wrangler.toml" }) {
  for (const binding of d1Bindings(config)) {
    await promisify(execFile)(WRANGLER, ["d1", "migrations", "apply", binding, "--local", "--persist-to", persistDir, "-c", config], {
      cwd: ROOT,
      env: { ...process.env, ...OFFLINE_ENV, CI: "true" },
    });
  }
}

/** Process groups of the servers this process started and that still run (wrangler + workerd each). */
const groups = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const signalGroup = (pgid, sig) => {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
};

/** Wait up to `ms` for a process group to be empty; true when it is. */
async function emptied(pgid, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (!signalGroup(pgid, 0)) return true;
  return !signalGroup(pgid, 0);
}

/** SIGTERM a server's whole process group; SIGKILL whatever is left after 5 s. Resolves once the group is empty. */
async function stopGroup(pgid) {
  groups.delete(pgid);
  if (!signalGroup(pgid, "SIGTERM") || (await emptied(pgid, 5000))) return;
  signalGroup(pgid, "SIGKILL");
  await emptied(pgid, 2000);
}

/** Stop every server this process started (also those still starting). */
export async function stopServers() {
  await Promise.all([...groups].map(stopGroup));
}

/** Last resort from a synchronous `exit` handler: signal every group, no waiting. */
export function killServersNow() {
  for (const pgid of groups) signalGroup(pgid, "SIGTERM");
}

/**
 * Start `wrangler dev`; resolves once it answers. `stop()` ends the whole process group (wrangler + workerd)
 * and resolves when nothing of it is left.
 * The console's static assets (console/dist) are built first, unless `o.console` is false (the caller builds them).
 * @param {{port?: number, persistDir: string, config?: string, vars?: Record<string,string>, log?: boolean, testScheduled?: boolean, console?: boolean}} o
 */
export async function startServer(o) {
  if (o.console !== false) await buildConsole();
  const port = o.port ?? (await freePort());
  const inspector = await freePort();
  // The API Worker with the Workers it binds to as services (the render Worker for /v1/avatars), all in one
  // wrangler dev process: the first config is the one served on `port`.
  const configs = o.config ? [o.config] : ["wrangler.toml", ...SERVICE_CONFIGS];
  const args = ["dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", o.persistDir, ...configs.flatMap((c) => ["-c", c]), "--log-level", o.log ? "info" : "warn", "--show-interactive-dev-session=false"];
  // The API Worker's local cron trigger (/_edgewrite/cron, src/index.ts): wrangler dev's own
  // /cdn-cgi/handler/scheduled answers 500 once a Worker has [assets], so dev, tests and the bench use this one.
  const vars = o.config ? (o.vars ?? {}) : { EDGEWRITE_LOCAL_CRON: "1", ...o.vars };
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  if (o.testScheduled) args.push("--test-scheduled");
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: { ...process.env, ...OFFLINE_ENV },
    detached: true, // its own process group, so stop() takes workerd down with it
    stdio: ["ignore", o.log ? "inherit" : "pipe", o.log ? "inherit" : "pipe"],
  });
  groups.add(child.pid);
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopGroup(child.pid);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop(); // workerd may outlive its wrangler
      throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    }
    try {
      await fetch(`${url}/v1/health/version`); // any HTTP answer means the runtime is serving
      return { url, port, stop, child, output: () => output };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`wrangler dev did not start within 60 s:\n${output}`);
}
