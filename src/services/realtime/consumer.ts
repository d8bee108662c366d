import { and, eq } from "drizzle-orm";
import { formatDate } from "../../core/time";
import { open } from "../../db/client";
import { memberships, sessions, users, type OutboxRow } from "../../db/schema";
import { onEvents } from "../../events/consumers";
import { roleChange } from "../../events/role-changes";
import { userRoles } from "../../platform/roles";
import { needsMoreFactors } from "../account/mfa-gate";
import { occupiedShards } from "./occupancy";
import { shardCount, shardName, type RealtimeEvent } from "./protocol";

/**
 * Realtime consumer: publishes every event of a project to those of the project's shards that hold
 * sockets (occupancy.ts), all at once (each shard indexes its own sockets by channel and applies the
 * delivery rule; events the direct path, direct.ts, brought first are dropped there). Events that change who may read
 * what (memberships, teams, labels, status, user or session deletion) are followed by a role refresh for
 * the affected user's sockets, in outbox order, so later events are filtered with the new roles.
 */

/** A role change of the project, after its refresh is applied: the direct path may resume (migrations/0019). */
const clearFence = (d1: D1Database, seq: number) => d1.prepare("UPDATE outbox SET role_change = 0 WHERE seq = ? AND role_change = 1").bind(seq);

/**
 * Current roles of a user from D1 (null when the user is gone or blocked), and which of the user's
 * sessions still owe a second factor (mfa-gate.ts): sockets they authenticated fall back to guests.
 */
async function currentRoles(d1: D1Database, projectId: string, userId: string): Promise<{ roles: string[] | null; halfSessions: string[]; impersonates: boolean }> {
  const db = open(d1);
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
  seq: row.seq,
  events: row.events,
  channels: row.channels,
  roles: row.roles,
  timestamp: formatDate(row.createdAt),
  payload: row.payload,
});

/** `d1`: the project's data database (its outbox, users and sessions). */
async function forProject(env: Env, d1: D1Database, projectId: string, rows: OutboxRow[]): Promise<void> {
  const shards = occupiedShards(projectId, shardCount(env)).map((shard) => ({ shard, stub: env.REALTIME.get(env.REALTIME.idFromName(shardName(projectId, shard))) }));
  const fences = rows.filter((r) => r.roleChange);
  if (!shards.length) {
    if (fences.length) await d1.batch(fences.map((r) => clearFence(d1, r.seq)));
    return; // nobody is connected to this project
  }
  let batch: RealtimeEvent[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const events = batch;
    batch = [];
    await Promise.all(shards.map((s) => s.stub.publish(events, "outbox", { projectId, shard: s.shard })));
  };
  for (const row of rows) {
    if (row.channels.length) batch.push(toRealtime(row));
    const change = roleChange(row.event, row.payload);
    if (!change) continue;
    await flush();
    if (change.kind === "team") {
      await Promise.all(shards.map((s) => s.stub.dropTeam(change.teamId)));
    } else if (change.sessionId) {
      await Promise.all(shards.map((s) => s.stub.refreshUser(change.userId, null, change.sessionId)));
    } else {
      const { roles, halfSessions, impersonates } = await currentRoles(d1, projectId, change.userId);
      await Promise.all(shards.map((s) => s.stub.refreshUser(change.userId, roles, undefined, halfSessions, impersonates)));
    }
  }
  await flush();
  // Lifted only now, so events written after it never overtake the ones this pass delivered.
  if (fences.length) await d1.batch(fences.map((r) => clearFence(d1, r.seq)));
}

onEvents("realtime", async (env, rows, ctx) => {
  const byProject = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    let list = byProject.get(row.projectId);
    if (!list) byProject.set(row.projectId, (list = []));
    list.push(row);
  }
  await Promise.all([...byProject].map(([projectId, list]) => forProject(env, ctx.d1, projectId, list)));
});
