import { and, eq } from "drizzle-orm";
import { formatDate } from "../../core/time";
import { open } from "../../db/client";
import { memberships, sessions, users, type OutboxRow } from "../../db/schema";
import { onEvents } from "../../events/consumers";
import { userRoles } from "../../platform/roles";
import { needsMoreFactors } from "../account/mfa-gate";
import { occupiedShards } from "./occupancy";
import { shardCount, shardName, type RealtimeEvent } from "./protocol";

/**
 * Realtime consumer: publishes every event of a project to those of the project's shards that hold
 * sockets (occupancy.ts), all at once (each shard indexes its own sockets by channel and applies the
 * delivery rule). Events that change who may read
 * what (memberships, teams, labels, status, user or session deletion) are followed by a role refresh for
 * the affected user's sockets, in outbox order, so later events are filtered with the new roles.
 */
type Change = { kind: "user"; userId: string; sessionId?: string } | { kind: "team"; teamId: string };

/**
 * Also `update.mfa`: turning MFA on (or adding a factor) can leave a one-factor session short (mfa-gate.ts);
 * and `update.impersonator`: sockets impersonating through a user who lost the flag fall back to guests.
 */
const ROLE_EVENTS = /^users\.[^.]+\.(update\.(labels|status|email|phone|verification|mfa|impersonator)|delete)$/;

function permissionChange(row: OutboxRow): Change | null {
  const parts = row.event.split(".");
  if (parts[0] === "teams" && parts[2] === "memberships") {
    const userId = (row.payload as { userId?: unknown }).userId;
    return typeof userId === "string" && userId ? { kind: "user", userId } : null;
  }
  if (parts[0] === "teams" && parts.length === 3 && parts[2] === "delete") return { kind: "team", teamId: parts[1]! };
  if (parts[0] === "users" && parts[2] === "sessions" && parts[4] === "delete") return { kind: "user", userId: parts[1]!, sessionId: parts[3] };
  if (ROLE_EVENTS.test(row.event)) return { kind: "user", userId: parts[1]! };
  return null;
}

/**
 * Current roles of a user from D1 (null when the user is gone or blocked), and which of the user's
 * sessions still owe a second factor (mfa-gate.ts): sockets they authenticated fall back to guests.
 */
async function currentRoles(env: Env, projectId: string, userId: string): Promise<{ roles: string[] | null; halfSessions: string[]; impersonates: boolean }> {
  const db = open(env.DB);
  const [u, m, s] = await db.batch([
    db.select().from(users).where(and(eq(users.projectId, projectId), eq(users.id, userId))).limit(1),
    db.select().from(memberships).where(and(eq(memberships.projectId, projectId), eq(memberships.userId, userId))),
    db.select({ id: sessions.id, factors: sessions.factors }).from(sessions).where(and(eq(sessions.projectId, projectId), eq(sessions.userId, userId))),
  ]);
  const user = u[0];
  if (!user || !user.status) return { roles: null, halfSessions: [], impersonates: false };
  const halfSessions: string[] = [];
  for (const session of s) if (await needsMoreFactors(db, projectId, user, session)) halfSessions.push(session.id);
  return { roles: userRoles(user, m), halfSessions, impersonates: user.impersonator };
}

const toRealtime = (row: OutboxRow): RealtimeEvent => ({
  events: row.events,
  channels: row.channels,
  roles: row.roles,
  timestamp: formatDate(row.createdAt),
  payload: row.payload,
});

async function forProject(env: Env, projectId: string, rows: OutboxRow[]): Promise<void> {
  const shards = occupiedShards(projectId, shardCount(env)).map((i) => env.REALTIME.get(env.REALTIME.idFromName(shardName(projectId, i))));
  if (!shards.length) return; // nobody is connected to this project
  let batch: RealtimeEvent[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const events = batch;
    batch = [];
    await Promise.all(shards.map((s) => s.publish(events)));
  };
  for (const row of rows) {
    if (row.channels.length) batch.push(toRealtime(row));
    const change = permissionChange(row);
    if (!change) continue;
    await flush();
    if (change.kind === "team") {
      await Promise.all(shards.map((s) => s.dropTeam(change.teamId)));
    } else if (change.sessionId) {
      await Promise.all(shards.map((s) => s.refreshUser(change.userId, null, change.sessionId)));
    } else {
      const { roles, halfSessions, impersonates } = await currentRoles(env, projectId, change.userId);
      await Promise.all(shards.map((s) => s.refreshUser(change.userId, roles, undefined, halfSessions, impersonates)));
    }
  }
  await flush();
}

onEvents("realtime", async (env, rows) => {
  const byProject = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    let list = byProject.get(row.projectId);
    if (!list) byProject.set(row.projectId, (list = []));
    list.push(row);
  }
  await Promise.all([...byProject].map(([projectId, list]) => forProject(env, projectId, list)));
});
