import { inject } from "vitest";
import { Client } from "node-appwrite";

export const endpoint = inject("endpoint");
export const adminKey = inject("adminKey");

/** Call the console API as the deployment admin. */
export async function consoleCall(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${endpoint}${path}`, {
    method,
    headers: { "content-type": "application/json", "x-appwrite-project": "console", "x-appwrite-key": adminKey },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

export const ALL_SCOPES = [
  "sessions.write", "users.read", "users.write", "teams.read", "teams.write", "databases.read", "databases.write",
  "tables.read", "tables.write", "columns.read", "columns.write", "indexes.read", "indexes.write", "rows.read",
  "rows.write", "collections.read", "collections.write", "attributes.read", "attributes.write", "documents.read",
  "documents.write", "files.read", "files.write", "buckets.read", "buckets.write", "functions.read",
  "functions.write", "executions.read", "executions.write", "health.read", "tokens.read", "tokens.write",
  "messages.read", "messages.write", "locale.read", "avatars.read", "webhooks.read", "webhooks.write",
  "sites.read", "sites.write", "log.read", "log.write",
];

export interface TestProject {
  projectId: string;
  key: string;
  /** A node-appwrite client with an API key holding every scope. */
  server: () => Client;
  /** A node-appwrite client with no credentials. */
  guest: () => Client;
}

/** A fresh project with a full-scope API key: the starting point of every e2e test file. */
export async function createProject(name = "e2e"): Promise<TestProject> {
  const projectId = `p${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const created = await consoleCall("POST", "/projects", { projectId, name });
  if (created.status !== 201) throw new Error(`project create failed: ${JSON.stringify(created.json)}`);
  const key = await consoleCall("POST", `/projects/${projectId}/keys`, { name: "all", scopes: ALL_SCOPES });
  if (key.status !== 201) throw new Error(`key create failed: ${JSON.stringify(key.json)}`);
  const secret: string = key.json.secret;
  return {
    projectId,
    key: secret,
    server: () => new Client().setEndpoint(endpoint).setProject(projectId).setKey(secret),
    guest: () => new Client().setEndpoint(endpoint).setProject(projectId),
  };
}

/** Raw request against the API (for wire-level checks the SDK hides). */
export async function raw(method: string, path: string, init: { headers?: Record<string, string>; body?: BodyInit | null } = {}) {
  const res = await fetch(`${endpoint}${path}`, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body, text };
}

/**
 * A realtime socket authenticated by a session (`query`: more of the URL, e.g. `&channels[]=account`), with
 * `next(type)` to await (and take) the next frame of a type.
 */
export async function openRealtime(projectId: string, sessionSecret: string, query = "") {
  const { default: WebSocket } = await import("ws");
  const frames: any[] = [];
  const ws = new WebSocket(`${endpoint.replace(/^http/, "ws")}/realtime?project=${projectId}${query}`, { headers: { "x-appwrite-session": sessionSecret } });
  ws.on("message", (m) => frames.push(JSON.parse(m.toString())));
  await new Promise((res, rej) => (ws.once("open", res), ws.once("error", rej)));
  const next = async (type: string) => {
    for (let i = 0; i < 100; i++) {
      const at = frames.findIndex((f) => f.type === type);
      if (at >= 0) return frames.splice(at, 1)[0];
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${type} frame; got ${JSON.stringify(frames)}`);
  };
  return { ws, frames, next };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `fn` every `every` ms until `ok`, for at most `ms`; the last value is in the error. */
export async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000, every = 250): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (ok(last)) return last;
    await sleep(every);
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)?.slice(0, 2000)}`);
}
