import type { OutboxRow } from "../db/schema";

/**
 * Who receives committed events: realtime fan-out, webhooks, function triggers. Each consumer gets
 * outbox rows in `seq` order and must be idempotent — delivery is at least once.
 */
export type EventConsumer = (env: Env, events: OutboxRow[], ctx: { waitUntil(p: Promise<unknown>): void }) => Promise<void>;

const consumers = new Map<string, EventConsumer>();

export function onEvents(name: string, consumer: EventConsumer): void {
  consumers.set(name, consumer);
}

export function eventConsumers(): ReadonlyMap<string, EventConsumer> {
  return consumers;
}
