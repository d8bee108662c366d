/**
 * Events that change who may read what in realtime: after them the realtime consumer refreshes the
 * affected sockets' roles (src/services/realtime/consumer.ts), so later events are filtered with the
 * new roles. The outbox flags them (`role_change`) so the direct path (src/services/realtime/direct.ts)
 * stands aside until that refresh is applied.
 */
export type RoleChange = { kind: "user"; userId: string; sessionId?: string } | { kind: "team"; teamId: string };

/**
 * Also `update.mfa`: turning MFA on (or adding a factor) can leave a one-factor session short (mfa-gate.ts);
 * and `update.impersonator`: sockets impersonating through a user who lost the flag fall back to guests.
 */
const ROLE_EVENTS = /^users\.[^.]+\.(update\.(labels|status|email|phone|verification|mfa|impersonator)|delete)$/;

export function roleChange(event: string, payload: Record<string, unknown>): RoleChange | null {
  const parts = event.split(".");
  if (parts[0] === "teams" && parts[2] === "memberships") {
    const userId = payload.userId;
    return typeof userId === "string" && userId ? { kind: "user", userId } : null;
  }
  if (parts[0] === "teams" && parts.length === 3 && parts[2] === "delete") return { kind: "team", teamId: parts[1]! };
  if (parts[0] === "users" && parts[2] === "sessions" && parts[4] === "delete") return { kind: "user", userId: parts[1]!, sessionId: parts[3] };
  if (ROLE_EVENTS.test(event)) return { kind: "user", userId: parts[1]! };
  return null;
}
