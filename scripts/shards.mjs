// `npm run shards -- list | move <projectId> <DB_n> | add [--remote]`: Edgewrite's data databases (docs/SCALING.md).
// list/move talk to a running server as the deployment admin: EDGEWRITE_ENDPOINT (default http://127.0.0.1:8787/v1)
// and ADMIN_KEY from the environment.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT, OFFLINE_ENV, d1Bindings } from "./lib/server.mjs";

const [cmd, ...args] = process.argv.slice(2);
const endpoint = (process.env.EDGEWRITE_ENDPOINT ?? "http://127.0.0.1:8787/v1").replace(/\/$/, "");
const adminKey = process.env.ADMIN_KEY ?? "";

async function call(method, p, body) {
  if (!adminKey) throw new Error("set ADMIN_KEY (the deployment's admin key) in the environment");
  const res = await fetch(`${endpoint}${p}`, { method, headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey }, body: body && JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${json.type}: ${json.message}`);
  return json;
}

async function list() {
  const { databases } = await call("GET", "/edgewrite/shards");
  for (const d of databases) console.log(`${d.name.padEnd(8)} ${String(d.projects).padStart(6)} projects${d.control ? "  (control)" : ""}${d.openForNew ? "  open for new projects" : ""}`);
}

async function move(projectId, database) {
  if (!projectId || !database) throw new Error("usage: npm run shards -- move <projectId> <DB_n>");
  let m = await call("POST", "/edgewrite/shards/moves", { projectId, database });
  console.log(`move ${m.$id}: ${projectId} ${m.source} → ${m.target}`);
  let last = "";
  while (m.status !== "done" && m.status !== "failed") {
    await new Promise((r) => setTimeout(r, 500));
    m = await call("GET", `/edgewrite/shards/moves/${m.$id}`);
    const line = `${m.status} ${m.rowsCopied}/${m.rowsTotal} rows`;
    if (line !== last) console.log(`  ${line}`);
    last = line;
  }
  if (m.status === "failed") throw new Error(`move failed: ${m.error} (the project stays on ${m.source}, writable again)`);
  console.log(`done: ${projectId} now on ${m.target}`);
}

function add(remote) {
  const config = path.join(ROOT, "wrangler.toml");
  const have = d1Bindings("wrangler.toml").filter((b) => /^DB_\d+$/.test(b)).map((b) => Number(b.slice(3)));
  const n = (have.length ? Math.max(...have) : 0) + 1;
  const binding = `DB_${n}`;
  const name = `edgewrite-data-${n}`;
  const wrangler = path.join(ROOT, "node_modules/.bin/wrangler");
  let id = "<database_id printed by wrangler d1 create>";
  if (remote) {
    const out = execFileSync(wrangler, ["d1", "create", name], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ...OFFLINE_ENV } });
    id = /database_id\s*=\s*"([^"]+)"/.exec(out)?.[1] ?? /"database_id":\s*"([^"]+)"/.exec(out)?.[1] ?? id;
  }
  const block = `\n[[d1_databases]]\nbinding = "${binding}"\ndatabase_name = "${name}"\ndatabase_id = "${id}"\nmigrations_dir = "migrations"\n`;
  console.log(`1. ${remote ? "created" : "create"} the database:  npx wrangler d1 create ${name}`);
  console.log(`2. add to ${path.relative(process.cwd(), config)} (after the other [[d1_databases]]):${block}`);
  console.log(`3. apply every migration to it:  npx wrangler d1 migrations apply ${binding} ${remote ? "--remote" : "--local"}`);
  console.log(`4. deploy; new projects go to the open data database with the fewest projects (SHARDS_NEW to choose), and`);
  console.log(`   npm run shards -- move <projectId> ${binding}   moves an existing one.`);
}

try {
  if (cmd === "list") await list();
  else if (cmd === "move") await move(args[0], args[1]);
  else if (cmd === "add") add(args.includes("--remote"));
  else {
    console.log("usage: npm run shards -- list | move <projectId> <DB_n> | add [--remote]");
    process.exitCode = cmd ? 1 : 0;
  }
} catch (e) {
  console.error(String(e.message ?? e));
  process.exitCode = 1;
}
