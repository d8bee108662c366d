/**
 * Realtime channels an event is published on (Appwrite's Realtime::fromPayload), from the concrete
 * event name and the payload. Roles come from the resource and are passed by the service that records it.
 */
const ACTIONS = new Set(["create", "update", "upsert", "delete"]);
const LEAVES = new Set(["documents", "rows", "files", "executions", "functions", "account", "teams", "memberships", "presences"]);

function baseChannels(parts: string[], payload: Record<string, unknown>): string[] {
  switch (parts[0]) {
    case "users":
      return ["account", `account.${parts[1]}`];
    case "teams":
      return parts[2] === "memberships" ? ["memberships", `memberships.${parts[3]}`] : ["teams", `teams.${parts[1]}`];
    case "databases":
    case "tablesdb": {
      const resource = parts[4];
      if (resource !== "rows" && resource !== "documents") return [];
      const [d, t, r] = [parts[1], parts[3], parts[5]];
      return [
        "documents", `databases.${d}.collections.${t}.documents`, `databases.${d}.collections.${t}.documents.${r}`,
        "rows", `databases.${d}.tables.${t}.rows`, `databases.${d}.tables.${t}.rows.${r}`,
        `tablesdb.${d}.tables.${t}.rows`, `tablesdb.${d}.tables.${t}.rows.${r}`,
      ];
    }
    case "buckets":
      return parts[2] === "files" ? ["files", `buckets.${parts[1]}.files`, `buckets.${parts[1]}.files.${parts[3]}`] : [];
    case "functions":
      // Appwrite publishes deployment events on `console` (to the console project); here that channel is on the
      // project's socket, with no read roles, so only a console watcher (console.ts) receives them.
      if (parts[2] === "deployments") return ["console"];
      return parts[2] === "executions" ? ["executions", `executions.${parts[3]}`, `functions.${parts[1]}`] : [];
    case "presences":
      return ["presences", `presences.${parts[1]}`];
    default:
      void payload;
      return [];
  }
}

export function channelsFor(concreteEvent: string, payload: Record<string, unknown> = {}): string[] {
  const parts = concreteEvent.split(".");
  const channels = baseChannels(parts, payload);
  const n = parts.length;
  let action = ACTIONS.has(parts[n - 1]!) ? parts[n - 1] : ACTIONS.has(parts[n - 2]!) ? parts[n - 2] : undefined;
  // Only top-level user events get account.<action> (not sessions, challenges, recovery …).
  if (parts[0] === "users" && parts[2] !== action) action = undefined;
  if (!action) return channels;
  const out = new Set(channels);
  for (const ch of channels) {
    const s = ch.split(".");
    if (LEAVES.has(s[s.length - 1]!) || (s.length >= 2 && LEAVES.has(s[s.length - 2]!))) out.add(`${ch}.${action}`);
  }
  return [...out];
}

/**
 * Subscribe-side conversion (Appwrite's Realtime::convertChannels). Signed-in user U: `account` gains
 * `account.U`, `account.<action>` becomes `account.U.<action>`. Guest: `account` and `account.<action>`
 * stay as sent (they never match: account events carry `user:` roles only). Other `account.X` go.
 */
export function convertChannels(channels: readonly string[], userId: string | undefined): string[] {
  const out = new Set<string>();
  for (const ch of channels) {
    if (ch !== "account" && !ch.startsWith("account.")) {
      out.add(ch);
      continue;
    }
    if (!userId) {
      if (ch === "account" || ACTIONS.has(ch.slice("account.".length))) out.add(ch);
      continue;
    }
    if (ch === "account") {
      out.add("account");
      out.add(`account.${userId}`);
    } else if (ACTIONS.has(ch.slice("account.".length))) {
      out.add(`account.${userId}.${ch.slice("account.".length)}`);
    } else if (ch === `account.${userId}` || ch.startsWith(`account.${userId}.`)) {
      out.add(ch);
    }
  }
  return [...out];
}
