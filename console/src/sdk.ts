import { Account, Client, Project, Projects, Storage, TablesDB, Teams, Users } from "@appwrite.io/console";

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
  return { users: new Users(c), project: new Project(c), tables: new TablesDB(c), storage: new Storage(c) };
}

/** Appwrite's error message, as the server sent it. */
export const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
