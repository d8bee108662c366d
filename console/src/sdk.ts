import { Account, Client, Functions, Project, Projects, Realtime, Storage, TablesDB, Teams, Tokens, Users } from "@appwrite.io/console";

/**
 * Every call goes through the official console SDK (@appwrite.io/console), against this same origin's /v1: the
 * console is served by the API's own Worker, so the session cookie is first-party and CSRF's Origin rule holds.
 */
export const endpoint = `${location.origin}/v1`;

/** The console project: the signed-in console user, their organizations (console teams) and projects. */
const client = new Client().setEndpoint(endpoint).setProject("console");
export const account = new Account(client);
export const teams = new Teams(client);
export const projects = new Projects(client);

/**
 * One project, as a console user acting in it (`X-Appwrite-Mode: admin`): the user's role in the project's
 * organization decides what they may do (src/platform/console-access.ts).
 */
export function inProject(projectId: string) {
  const c = new Client().setEndpoint(endpoint).setProject(projectId).setMode("admin");
  return { client: c, users: new Users(c), project: new Project(c), tables: new TablesDB(c), storage: new Storage(c), tokens: new Tokens(c), teams: new Teams(c), functions: new Functions(c) };
}

/**
 * Bytes of a `/v1` URL the SDK built (a preview, a download) fetched by the SDK's own client, so they carry the admin
 * mode and the session that an <img src> or a link could not (their only credential would be a cookie, without mode).
 */
export async function bytesOf(projectId: string, url: string): Promise<ArrayBuffer> {
  return inProject(projectId).client.call("get", new URL(url), {}, {}, "arrayBuffer");
}

/**
 * Realtime in one project for the console user. The socket cannot carry the admin-mode header, so the SDK's
 * `authentication` message presents the console session (kept in localStorage where the browser refuses the
 * cookie, i.e. local http); on https the first-party `a_session_console` cookie goes with the upgrade instead.
 * The server admits a member of the project's organization and delivers every event of the project to it.
 */
export function realtimeIn(projectId: string) {
  const c = new Client().setEndpoint(endpoint).setProject(projectId);
  try {
    const session = JSON.parse(localStorage.getItem("cookieFallback") ?? "{}")?.a_session_console;
    if (typeof session === "string") c.config.session = session;
  } catch {
    // no fallback session: the cookie is the credential
  }
  return new Realtime(c);
}

/** Appwrite's error message, as the server sent it. */
export const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
