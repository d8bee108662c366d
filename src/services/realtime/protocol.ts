/**
 * Realtime wire shapes shared by the upgrade route (src/services/realtime/routes.ts), the shard object
 * (durable-objects/realtime.ts) and the realtime event consumer. See appwrite-wire.md §7.
 */
import { isValidId } from "../../core/ids";
import { abuseEnabled } from "../auth/rate-limit";

/** Subscriptions of one connection, as the client sent them (channels unconverted) + query strings. */
export interface SubscriptionInit {
  id: string;
  /** Channels exactly as the client named them; converted (account → account.U) per user on load. */
  channels: string[];
  queries: string[];
}

/** What the upgrade route hands the shard for a new connection (internal header, never client input). */
export interface ConnectionInit {
  connId: string;
  projectId: string;
  /** Which of the project's shards this is (the shard reports its occupancy under this number). */
  shard: number;
  userId: string;
  sessionId: string;
  /** The impersonator acting as `userId` through their own session `sessionId` ("" when nobody is). */
  impersonatorId: string;
  roles: string[];
  subscriptions: SubscriptionInit[];
  /** The `connected` frame, already serialised. */
  connected: string;
}

/** One event as the realtime consumer (or the direct path, direct.ts) publishes it to a project's shards. */
export interface RealtimeEvent {
  /** The outbox row's seq: shards deliver each event once, whichever path brings it first. */
  seq: number;
  events: string[];
  channels: string[];
  roles: string[];
  timestamp: string;
  payload: Record<string, unknown>;
}

export const INIT_HEADER = "x-edgewrite-realtime-init";

/** Per-connection limits. Appwrite: 32 messages per minute per connection (off with _APP_OPTIONS_ABUSE=disabled). */
export const MESSAGES_PER_MINUTE = 32;
/**
 * Appwrite's connect abuse limit: 128 connections per minute per IP (app/realtime.php, key `url:{url},ip:{ip}`),
 * answered with error 1013 "Too many requests" and a close. Edgewrite counts per project. The
 * REALTIME_CONNECT_LIMIT var overrides it ("0" turns it off); _APP_OPTIONS_ABUSE=disabled turns it off too.
 */
export const CONNECTIONS_PER_MINUTE = 128;
export function connectLimit(env: Env): number {
  if (!abuseEnabled(env)) return 0;
  const raw = (env as unknown as { REALTIME_CONNECT_LIMIT?: string }).REALTIME_CONNECT_LIMIT;
  const n = Number(raw);
  return raw !== undefined && raw !== "" && Number.isInteger(n) && n >= 0 ? n : CONNECTIONS_PER_MINUTE;
}
/** Edgewrite bounds per-connection state so one socket cannot exhaust a shard's memory. */
export const MAX_SUBSCRIPTIONS = 100;
export const MAX_CHANNELS = 100;

export const errorFrame = (code: number, message: string) => JSON.stringify({ type: "error", data: { code, message } });

/** The close code for an error frame's code: itself when it is a sendable WebSocket code (RFC 6455 §7.4). */
export function closeCode(code: number): number {
  const sendable = (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999);
  return sendable ? code : code === 0 || code >= 500 ? 1011 : 1008;
}

/** Appwrite's SubscribePayload validator messages (prefixed `items: ` by the dispatcher). */
export function subscribeItemError(item: unknown): string | null {
  if (!item || typeof item !== "object" || Array.isArray(item)) return "Each subscribe payload must be an object.";
  const o = item as Record<string, unknown>;
  if ("subscriptionId" in o && !isValidId(o.subscriptionId)) return "subscriptionId is not a valid id.";
  if (!("channels" in o)) return "channels is not present in payload.";
  if (!Array.isArray(o.channels)) return "channels is not a valid array.";
  if (o.channels.some((c) => typeof c !== "string")) return "channels must contain only strings.";
  if (o.channels.length > MAX_CHANNELS) return `channels must not contain more than ${MAX_CHANNELS} items.`;
  if ("queries" in o && o.queries !== undefined && !Array.isArray(o.queries)) return "queries is not a valid array.";
  return null;
}

/**
 * Shard count per project. A connection lands on one shard (random); every event of the project is
 * published to all of them. Override with the REALTIME_SHARDS var.
 */
export const DEFAULT_SHARDS = 4;
export function shardCount(env: Env): number {
  const n = Number((env as unknown as { REALTIME_SHARDS?: string }).REALTIME_SHARDS);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : DEFAULT_SHARDS;
}
export const shardName = (projectId: string, shard: number) => `${projectId}/${shard}`;
