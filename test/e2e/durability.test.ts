import { execFileSync, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, Functions, Query, Storage, TablesDB, Webhooks } from "node-appwrite";
import { InputFile } from "node-appwrite/file";
// @ts-expect-error plain ESM helper shared with the dev and bench scripts
import { applyMigrations, freePort, ROOT, startServer } from "../../scripts/lib/server.mjs";
import { ALL_SCOPES, sleep, until as untilEvery } from "./harness";
import { HELLO, ON_ROW, tarGz } from "./fixtures/functions";

/**
 * Durability: a `kill -9` of the whole server (wrangler + workerd) in the middle of a burst of writes,
 * then a restart on the same state. Every committed event still reaches the webhook and the event
 * function at least once, and no R2 object is left without its file record. This file runs its OWN
 * servers on temp state directories (the shared one must not be killed). And stopping `npm run dev`
 * stops the wrangler and workerd it started.
 */
interface Server {
  url: string;
  port: number;
  stop: () => Promise<void>;
  child: { pid: number; exitCode: number | null; once(e: "exit", f: () => void): void };
}
interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
}

const ROWS = 80;
const FILES = 16;
const KILL_AFTER = 35; // row writes answered before the kill
const adminKey = `durability-admin-${randomBytes(8).toString("hex")}`;
const vars = { ADMIN_KEY: adminKey, JWT_SECRET: "durability-jwt-secret", EDGEWRITE_TEST_HOOKS: "1" };
const sign = (key: string, url: string, body: string) => createHmac("sha1", key).update(url + body).digest("base64");

let persistDir: string;
let server: Server;
let port: number;
const hits: Hit[] = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", () => {
    hits.push({ headers: req.headers, body });
    res.writeHead(200).end("ok");
  });
});

const api = (p: string) => `${server.url}/v1${p}`;
async function asAdmin(method: string, p: string, body?: unknown) {
  const res = await fetch(api(p), { method, headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function killHard(s: Server): Promise<void> {
  const gone = new Promise<void>((r) => (s.child.exitCode !== null ? r() : s.child.once("exit", () => r())));
  process.kill(-s.child.pid, "SIGKILL");
  await gone;
}

/** Poll `fn` until `ok`, with a generous deadline (a restarted server has a lot to catch up on). */
const until = <T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 240_000) => untilEvery(what, fn, ok, ms, 1000);

async function all<T>(page: (offset: number) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += 100) {
    const got = await page(offset);
    out.push(...got);
    if (got.length < 100) return out;
  }
}

/** A fresh project on this file's server, with a full-scope key. */
async function newProject() {
  const projectId = `dur${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  expect((await asAdmin("POST", "/projects", { projectId, name: "durability" })).status).toBe(201);
  const key = (await asAdmin("POST", `/projects/${projectId}/keys`, { name: "all", scopes: ALL_SCOPES })).json.secret as string;
  return { projectId, client: () => new Client().setEndpoint(`${server.url}/v1`).setProject(projectId).setKey(key) };
}

/** A function with an active, built deployment of `files`. */
async function deployed(functions: Functions, functionId: string, files: Record<string, string>, extra: Record<string, unknown> = {}) {
  const fn = await functions.create({ functionId, name: functionId, runtime: "node-22" as never, ...extra });
  const created = await functions.createDeployment({ functionId, code: InputFile.fromBuffer(await tarGz(files), "code.tar.gz"), activate: true, entrypoint: "index.js" });
  await until("deployment build", () => functions.getDeployment({ functionId, deploymentId: created.$id }), (d) => d.status === "ready", 60_000);
  await until("active deployment", () => functions.get({ functionId }), (f) => f.deploymentId === created.$id, 30_000);
  return fn;
}

beforeAll(async () => {
  persistDir = mkdtempSync(path.join(tmpdir(), "edgewrite-durability-"));
  await applyMigrations({ persistDir });
  port = await freePort();
  server = await startServer({ port, persistDir, vars });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((r) => (receiver.closeAllConnections(), receiver.close(() => r())));
  rmSync(persistDir, { recursive: true, force: true });
});

describe("a kill -9 during a burst of writes, then a restart on the same state", () => {
  it("delivers every committed event at least once and leaves no storage object orphaned", async () => {
    const { projectId, client } = await newProject();
    const tables = new TablesDB(client());
    const storage = new Storage(client());
    const functions = new Functions(client());

    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const hook = await new Webhooks(client()).create({ webhookId: "burst", url: hookUrl, name: "Burst", events: ["databases.*.tables.*.rows.*.create", "buckets.*.files.*.create"] });
    const databaseId = "db";
    const tableId = "notes";
    await tables.create({ databaseId, name: "DB" });
    await tables.createTable({ databaseId, tableId, name: "Notes", columns: [{ key: "title", type: "varchar", size: 64, required: true }] as never });
    await storage.createBucket({ bucketId: "files", name: "Files" });
    const fn = await deployed(functions, "onrow", ON_ROW, { events: ["databases.*.tables.*.rows.*.create"], timeout: 5 });

    // The burst: row writes and file uploads from 8 concurrent writers; the kill lands mid-way.
    let answered = 0;
    let killed = false;
    const jobs: (() => Promise<unknown>)[] = [];
    for (let i = 0; i < ROWS; i++) {
      jobs.push(() => tables.createRow({ databaseId, tableId, rowId: `r${i}`, data: { title: `t${i}` } }).then(() => answered++));
      if (i % 5 === 0 && i / 5 < FILES) jobs.push(() => storage.createFile({ bucketId: "files", fileId: `f${i / 5}`, file: InputFile.fromBuffer(randomBytes(96 * 1024), `f${i / 5}.bin`) }));
    }
    jobs.push(() => storage.createFile({ bucketId: "files", fileId: "big", file: InputFile.fromBuffer(randomBytes(6 * 1024 * 1024), "big.bin") }));
    const writers = Array.from({ length: 8 }, async () => {
      while (!killed && jobs.length) await jobs.shift()!().catch(() => undefined);
    });
    await until("the burst to be half-way", async () => answered, (n) => n >= KILL_AFTER, 120_000);
    killed = true;
    await killHard(server);
    await Promise.all(writers);
    const deliveredBeforeRestart = hits.length;

    server = await startServer({ port, persistDir, vars });
    // Nothing fires crons under wrangler dev: fire the minutely one as `npm run dev` does, and run the
    // sweeps with a 5 s grace in place of minutes (same code as the cron): what was handed on before the
    // kill is overdue by then, while what the restarted server hands on is not re-sent.
    const swept = { deliveries: 0, executions: 0, objects: 0 };
    const sweep = async () => {
      await fetch(`${server.url}/_edgewrite/cron`);
      const r = await asAdmin("POST", "/_edgewrite/test/sweep", { graceMs: 5000 });
      expect(r.status).toBe(200);
      swept.deliveries += r.json.resent.webhooks;
      swept.executions += r.json.resent.functions;
      swept.objects += r.json.objects.removed;
    };

    const rowIds = (await all((offset) => tables.listRows({ databaseId, tableId, queries: [Query.limit(100), Query.offset(offset)] }).then((l) => l.rows))).map((r) => r.$id);
    const fileIds = (await all((offset) => storage.listFiles({ bucketId: "files", queries: [Query.limit(100), Query.offset(offset)] }).then((l) => l.files))).filter((f) => f.chunksUploaded === f.chunksTotal).map((f) => f.$id);
    expect(rowIds.length).toBeGreaterThanOrEqual(KILL_AFTER);

    const delivered = (id: string) => hits.some((h) => JSON.parse(h.body).$id === id);
    const missing = () => ({ webhook: [...rowIds, ...fileIds].filter((id) => !delivered(id)) });
    const ranFor = async () => {
      const runs = await all((offset) => functions.listExecutions({ functionId: fn.$id, queries: [Query.limit(100), Query.offset(offset)] }).then((l) => l.executions));
      return new Set(runs.filter((e) => e.status === "completed").flatMap((e) => /row=(\S+)/.exec(e.logs)?.[1] ?? []));
    };
    const done = await until("every committed event delivered", async () => {
      await sweep();
      const ran = await ranFor();
      return { ...missing(), execution: rowIds.filter((id) => !ran.has(id)) };
    }, (m) => !m.webhook.length && !m.execution.length);
    expect(done).toEqual({ webhook: [], execution: [] });

    // Every delivery carries Appwrite's headers and a valid signature.
    for (const h of hits) {
      expect(h.headers["x-appwrite-webhook-id"]).toBe("burst");
      expect(h.headers["x-appwrite-webhook-project-id"]).toBe(projectId);
      expect(h.headers["x-appwrite-webhook-signature"]).toBe(sign(hook.secret, hookUrl, h.body));
      const id = JSON.parse(h.body).$id as string;
      expect(String(h.headers["x-appwrite-webhook-events"]).split(",")).toContain(id.startsWith("r") ? `databases.${databaseId}.tables.${tableId}.rows.${id}.create` : `buckets.files.files.${id}.create`);
    }

    // No R2 object under the project's storage prefix is left without a file record.
    const records = new Set((await all((offset) => storage.listFiles({ bucketId: "files", queries: [Query.limit(100), Query.offset(offset)] }).then((l) => l.files))).map((f) => f.$id));
    const orphans = await until("the orphan sweep", async () => {
      await sweep();
      const r = await asAdmin("GET", `/_edgewrite/test/storage/${projectId}/objects`);
      expect(r.status).toBe(200);
      return (r.json.keys as string[]).filter((k) => !records.has(k.split("/").pop()!.replace(/\.[0-9a-f]+$/, "")));
    }, (o) => !o.length, 60_000);
    expect(orphans).toEqual([]);
    const runs = await all((offset) => functions.listExecutions({ functionId: fn.$id, queries: [Query.limit(100), Query.offset(offset)] }).then((l) => l.executions));
    console.log(
      `durability: ${rowIds.length} rows + ${fileIds.length} files committed; webhook hits ${deliveredBeforeRestart} before the kill, ${hits.length} in all; ` +
        `${new Set(hits.map((h) => JSON.parse(h.body).$id)).size} distinct; ${runs.length} executions; re-sent by the sweeps: ${swept.deliveries} deliveries, ${swept.executions} executions; ${swept.objects} orphaned objects removed`,
    );
  }, 600_000);
});

/** pid → pgid and command of every process on the machine. */
function processes(): { pid: number; pgid: number; ppid: number; comm: string }[] {
  return execFileSync("ps", ["-eo", "pid=,pgid=,ppid=,comm="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, pgid, ppid, comm]) => ({ pid: Number(pid), pgid: Number(pgid), ppid: Number(ppid), comm: comm ?? "" }));
}

const listening = (p: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(p, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });

describe("a queued execution whose worker died mid-run", () => {
  it("is run again once it is older than its function's timeout; a younger one is left running", async () => {
    const { projectId, client } = await newProject();
    const functions = new Functions(client());
    const fn = await deployed(functions, "hello", HELLO, { timeout: 15 });
    const stuck = async (ageMs: number) => {
      const r = await asAdmin("POST", "/_edgewrite/test/functions/stuck", { projectId, functionId: fn.$id, ageMs, status: "processing" });
      expect(r.status).toBe(201);
      return r.json.$id as string;
    };
    const dead = await stuck(10 * 60_000);
    const running = await stuck(5_000); // within its 15 s timeout: its worker may still be at it

    const sweep = await asAdmin("POST", "/_edgewrite/test/functions/sweep", { stuckAfterMs: 0 });
    expect(sweep.json.requeued).toBe(1);
    const done = await until("the re-run", () => functions.getExecution({ functionId: fn.$id, executionId: dead }), (e) => e.status === "completed" || e.status === "failed", 60_000);
    expect(done).toMatchObject({ status: "completed", responseStatusCode: 200, responseBody: "" });
    expect(done.logs).toContain("hello log");
    expect((await functions.getExecution({ functionId: fn.$id, executionId: running })).status).toBe("processing");
  }, 120_000);
});

describe("stopping `npm run dev`", () => {
  const cases = [
    { via: "node scripts/dev.mjs", signal: "SIGINT" },
    { via: "node scripts/dev.mjs", signal: "SIGTERM" },
    { via: "node scripts/dev.mjs", signal: "SIGHUP" },
    { via: "npm run dev", signal: "SIGTERM" }, // npm passes no signal on: dev.mjs notices npm is gone
  ] as const;
  for (const { via, signal } of cases) {
    it(`stops wrangler and workerd on ${signal} to the ${via.split(" ")[0]} process only (${via})`, async () => {
      const devPort = await freePort();
      const state = mkdtempSync(path.join(tmpdir(), "edgewrite-dev-"));
      const [cmd, ...args] = via === "npm run dev" ? ["npm", "run", "dev"] : [process.execPath, "scripts/dev.mjs"];
      // setsid: the launched process leads a group of its own, as in a terminal.
      const dev = spawn(cmd!, args, { cwd: ROOT, env: { ...process.env, PORT: String(devPort), PERSIST_DIR: state }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      dev.stdout!.on("data", (d) => (output += d));
      dev.stderr!.on("data", (d) => (output += d));
      const exited = new Promise<void>((r) => dev.once("exit", () => r()));
      let wranglerGroup = 0;
      const group = () => processes().filter((p) => p.pgid === wranglerGroup || p.pgid === dev.pid);
      try {
        await until("npm run dev to serve", () => fetch(`http://127.0.0.1:${devPort}/v1/health/version`).then((r) => r.status, () => 0), (s) => s === 200, 90_000);
        // What dev.mjs started: wrangler in a process group of its own, with workerd inside it.
        const launched = new Set(processes().filter((p) => p.pgid === dev.pid).map((p) => p.pid));
        wranglerGroup = processes().find((p) => launched.has(p.ppid) && p.pgid !== dev.pid)?.pgid ?? 0;
        expect(wranglerGroup, output).toBeGreaterThan(0);
        expect(group().map((p) => p.comm)).toContain("workerd");

        process.kill(dev.pid!, signal);
        await exited;
        // node exits only once everything it started is gone; npm exits at once and dev.mjs follows.
        if (via === "npm run dev") await until("dev.mjs to follow npm", async () => group(), (g) => !g.length, 30_000);
        expect(group()).toEqual([]);
        expect(await listening(devPort)).toBe(false);
      } finally {
        for (const pgid of [dev.pid!, wranglerGroup]) if (pgid) try { process.kill(-pgid, "SIGKILL"); } catch { /* gone */ }
        rmSync(state, { recursive: true, force: true });
      }
    }, 150_000);
  }
});
