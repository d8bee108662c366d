/**
 * Which shards of a project hold sockets. Each shard reports its transitions (empty → occupied before it
 * answers its first socket, occupied → empty after its last close) to the event dispatcher object, which
 * keeps them in its own SQLite storage (durable-objects/event-dispatcher.ts). Reports carry a per-shard
 * sequence number, so a late "empty" can never overwrite a newer "occupied".
 *
 * The realtime consumer runs inside that same object, so it reads the record synchronously through the
 * reader the object registers here; anywhere else (no reader) every shard counts as occupied, which is
 * only slower, never wrong.
 */
export type OccupancyReader = (projectId: string) => number[];

let reader: OccupancyReader | null = null;

export function setOccupancyReader(r: OccupancyReader | null): void {
  reader = r;
}

/** Shards (0 … n-1) that may hold sockets of the project. */
export function occupiedShards(projectId: string, n: number): number[] {
  if (!reader) return Array.from({ length: n }, (_, i) => i);
  return reader(projectId).filter((i) => i >= 0 && i < n);
}
