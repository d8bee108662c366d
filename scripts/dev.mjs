// `npm run dev`: everything a fresh clone needs, then the platform on http://127.0.0.1:8787
// (env PORT and PERSIST_DIR override the port and the state directory).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureInstalled } from "./lib/setup.mjs";

ensureInstalled();
const { ROOT, applyMigrations, killServersNow, startServer, stopServers } = await import("./lib/server.mjs");

// However this process is told to end — Ctrl-C, SIGTERM, a closed terminal (SIGHUP), a crash — wrangler and
// workerd (their own process group, started by startServer) end with it, even while they are starting.
let cron;
let ending = false;
const end = async () => {
  if (ending) return;
  ending = true;
  clearInterval(cron);
  await stopServers();
  process.exit(0);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, end);
process.on("exit", killServersNow);
// npm passes no signal on (npm → sh → this process): when npm or the shell goes away, whatever killed it,
// this process ends too.
const watched = [process.ppid];
if (process.env.npm_lifecycle_event) watched.push(Number(execFileSync("ps", ["-o", "ppid=", "-p", String(process.ppid)], { encoding: "utf8" }).trim()));
const alive = (pid) => {
  try {
    return process.kill(pid, 0);
  } catch (e) {
    return e.code === "EPERM";
  }
};
setInterval(() => (process.ppid !== watched[0] || !watched.every(alive)) && end(), 500).unref();

const port = Number(process.env.PORT ?? 8787);
const persistDir = path.resolve(ROOT, process.env.PERSIST_DIR ?? ".wrangler/state");
const varsFile = path.join(ROOT, ".dev.vars");
if (!existsSync(varsFile)) {
  writeFileSync(varsFile, `ADMIN_KEY=${randomBytes(24).toString("hex")}\nJWT_SECRET=${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  console.log("Created .dev.vars with a random ADMIN_KEY.");
}
const adminKey = /^ADMIN_KEY=(.*)$/m.exec(readFileSync(varsFile, "utf8"))?.[1]?.trim() ?? "";

await applyMigrations({ persistDir });
// The console rebuilds on every change to console/ while dev runs (wrangler serves the new files at once).
const { buildConsole } = await import("./lib/console-build.mjs");
await buildConsole({ watch: true });
const server = await startServer({ port, persistDir, log: true, testScheduled: true, console: false });
const endpoint = `${server.url}/v1`;
console.log(`
Edgewrite is running: ${endpoint}
Console: ${server.url}/console
Admin key: in ${path.relative(process.cwd(), varsFile) || ".dev.vars"} (ADMIN_KEY)

Create your console account (an owner of every project), then sign the CLI in:
  npm run console:user -- you@example.com
  npx appwrite login --endpoint ${endpoint} --email you@example.com

Or, as the deployment admin, create a project, then an API key for it:
  curl -s -X POST ${endpoint}/projects -H 'content-type: application/json' \\
    -H 'x-appwrite-project: console' -H "x-appwrite-key: $(grep ADMIN_KEY .dev.vars | cut -d= -f2)" \\
    -d '{"projectId":"demo","name":"Demo"}'
  curl -s -X POST ${endpoint}/projects/demo/keys -H 'content-type: application/json' \\
    -H 'x-appwrite-project: console' -H "x-appwrite-key: $(grep ADMIN_KEY .dev.vars | cut -d= -f2)" \\
    -d '{"name":"server","scopes":["users.read","users.write","databases.read","databases.write","tables.read","tables.write","rows.read","rows.write","buckets.read","buckets.write","files.read","files.write","functions.read","functions.write","executions.read","executions.write","health.read"]}'
`);
void adminKey;
// wrangler dev never fires cron triggers; fire the minutely one ourselves so outbox sweeps and upload
// cleanup run locally exactly as deployed (function schedules use Durable Object alarms and need nothing).
cron = setInterval(() => fetch(`${server.url}/_edgewrite/cron`).catch(() => {}), 60_000);
await new Promise(() => {});
