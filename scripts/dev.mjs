// `npm run dev`: everything a fresh clone needs, then the platform on http://127.0.0.1:8787
// (env PORT and PERSIST_DIR override the port and the state directory).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ensureInstalled } from "./lib/setup.mjs";

ensureInstalled();
const { ROOT, applyMigrations, startServer } = await import("./lib/server.mjs");

const port = Number(process.env.PORT ?? 8787);
const persistDir = path.resolve(ROOT, process.env.PERSIST_DIR ?? ".wrangler/state");
const varsFile = path.join(ROOT, ".dev.vars");
if (!existsSync(varsFile)) {
  writeFileSync(varsFile, `ADMIN_KEY=${randomBytes(24).toString("hex")}\nJWT_SECRET=${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  console.log("Created .dev.vars with a random ADMIN_KEY.");
}
const adminKey = /^ADMIN_KEY=(.*)$/m.exec(readFileSync(varsFile, "utf8"))?.[1]?.trim() ?? "";

await applyMigrations({ persistDir });
const server = await startServer({ port, persistDir, log: true, testScheduled: true });
const endpoint = `${server.url}/v1`;
console.log(`
Edgewrite is running: ${endpoint}
Admin key: in ${path.relative(process.cwd(), varsFile) || ".dev.vars"} (ADMIN_KEY)

Create a project, then an API key for it:
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
const cron = setInterval(() => fetch(`${server.url}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`).catch(() => {}), 60_000);
const stop = () => {
  clearInterval(cron);
  server.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
await new Promise(() => {});
