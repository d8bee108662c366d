// `npm run console:user -- <email> [name]`: create a console account, owner of a new organization, on the running
// `npm run dev` server, as the deployment admin (ADMIN_KEY from .dev.vars). Then `appwrite login`.
// The password is asked for (hidden) on a terminal, read from the first line of stdin otherwise, or taken from
// CONSOLE_PASSWORD — never from the command line, where shell history and `ps` would keep it.
// ENDPOINT (default http://127.0.0.1:$PORT/v1, PORT 8787) and ADMIN_KEY from the environment win over the defaults.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const [email, name, extra] = process.argv.slice(2);
if (!email || extra !== undefined) {
  console.error("usage: npm run console:user -- <email> [name]   (the password is asked for, or CONSOLE_PASSWORD)");
  process.exit(2);
}

/** One line from the terminal without echoing it, or from piped stdin. */
function readPassword() {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
    if (process.stdin.isTTY) {
      process.stdout.write("Password (8+ characters): ");
      rl._writeToOutput = () => {}; // hide what is typed
    }
    rl.once("line", (line) => {
      resolve(line); // before close(), whose "close" event would resolve ""
      rl.close();
      if (process.stdin.isTTY) process.stdout.write("\n");
    });
    rl.once("close", () => resolve(""));
  });
}
const password = process.env.CONSOLE_PASSWORD || (await readPassword());
if (!password) {
  console.error("No password given.");
  process.exit(2);
}
const varsFile = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", ".dev.vars");
const fromFile = existsSync(varsFile) ? /^ADMIN_KEY=(.*)$/m.exec(readFileSync(varsFile, "utf8"))?.[1]?.trim() : undefined;
const adminKey = process.env.ADMIN_KEY || fromFile;
if (!adminKey) {
  console.error("No ADMIN_KEY: run `npm run dev` once (it writes .dev.vars) or set ADMIN_KEY.");
  process.exit(2);
}
const endpoint = process.env.ENDPOINT || `http://127.0.0.1:${process.env.PORT ?? 8787}/v1`;
const res = await fetch(`${endpoint}/users`, {
  method: "POST",
  headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey },
  body: JSON.stringify({ userId: "unique()", email, password, ...(name ? { name } : {}) }),
}).catch((e) => {
  console.error(`Cannot reach ${endpoint}: ${e.message} (is \`npm run dev\` running?)`);
  process.exit(1);
});
const body = await res.json().catch(() => ({}));
if (!res.ok) {
  console.error(`${res.status} ${body.type ?? ""}: ${body.message ?? ""}`);
  process.exit(1);
}
// Its organization: a console team the account owns (ADMIN_KEY memberships are confirmed at once).
const call = (path, payload) => fetch(`${endpoint}${path}`, { method: "POST", headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey }, body: JSON.stringify(payload) });
const team = await (await call("/teams", { teamId: "unique()", name: `${name || email}'s organization` })).json();
const member = team.$id ? await call(`/teams/${team.$id}/memberships`, { userId: body.$id, roles: ["owner"] }) : null;
if (!member?.ok) {
  console.error(`Console account created, but not its organization: ${team.message ?? (await member?.text())}`);
  process.exit(1);
}
console.log(`Organization ${team.$id} created, owned by ${body.email}.`);
console.log(`Console account ${body.email} created (${body.$id}). Sign in: npx appwrite login --endpoint ${endpoint} --email ${body.email}`);
