import type { Context } from "hono";
import type { Key, Membership, Project, Session, User } from "../db/schema";
import type { DB } from "../db/client";
import type { OriginCheck } from "./origin";
import type { FormatAdapter } from "./formats";

/** Who is calling, resolved once per request by `resolveCaller`. */
export interface Caller {
  /** guest: no credentials; user: session or JWT; key: project API key; admin: the deployment's ADMIN_KEY. */
  mode: "guest" | "user" | "key" | "admin";
  user?: User;
  session?: Session;
  key?: Key;
  memberships: Membership[];
  /** Authorization roles (`any`, `users`, `user:U`, `team:T/owner` …). */
  roles: string[];
  scopes: Set<string>;
  /** API keys and admins skip document-level authorization (scopes still apply). */
  privileged: boolean;
  /** Authenticated through X-Appwrite-JWT. */
  jwt: boolean;
  /** Set while a user with the impersonator flag acts as `user` (src/platform/impersonation.ts); `session` stays theirs. */
  impersonator?: User;
  /** A console identity (src/platform/console-access.ts): organization (console team) id → the scopes held there. */
  console?: { grants: ReadonlyMap<string, ReadonlySet<string>> };
}

export interface Vars {
  project: Project;
  caller: Caller;
  /**
   * The project's data database (users, sessions, tables, rows, files, functions and rules, webhooks, events …),
   * named by `projects.database` (src/db/shards.ts) — `db` is drizzle over it. `c.env.DB` is the control database
   * (projects, keys, platforms, organization keys, the console's users and organizations); for a console request
   * both are `DB`, so a console route that reaches into a project's data uses `projectData` (console-access.ts).
   */
  db: DB;
  d1: D1Database;
  /** The request's D1 session when read replication is on (src/platform/read-replication.ts). */
  replica?: { session: D1DatabaseSession; carried: string | undefined; cookie: string };
  rawParams: Record<string, unknown>;
  /** The request's Origin checked against the project's platforms (null: no Origin header). */
  origin: OriginCheck | null;
  /** Set for clients on an older response format (src/platform/formats). */
  formats?: FormatAdapter;
}

export type AppEnv = { Bindings: Env; Variables: Vars };
export type Ctx = Context<AppEnv>;
