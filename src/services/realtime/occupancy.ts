/**
 * Which shards of a project hold sockets. Each shard reports its transitions (empty → occupied before it
 * answers its first socket, occupied → empty after its last close) to its project's event dispatcher
 * object, which keeps them in its own SQLite storage (durable-objects/event-dispatcher.ts). Reports carry a
 * per-shard sequence number, so a late "empty" can never overwrite a newer "occupied".
 *
 * The realtime consumer runs inside that same object, so it reads the record synchronously through the
 * reader the object registers here for its project (several projects' objects may share an isolate);
 * anywhere else (no reader) every shard counts as occupied, which is only slower, never wrong. For the same
 * reason a shard that never reported to this object (e.g. reported to the single dispatcher before 0018)
 * counts as occupied until it says otherwise: a shard receiving events for nobody reports "empty".
 */
export type OccupancyReader = () => { shard: number; occupied: boolean }[];

const readers = new Map<string, OccupancyReader>();

export function setOccupancyReader(projectId: string, r: OccupancyReader | null): void {
  if (r) readers.set(projectId, r);
  else readers.delete(projectId);
}

/** Shards (0 … n-1) that may hold sockets of the project. */
export function occupiedShards(projectId: string, n: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  const reader = readers.get(projectId);
  if (!reader) return all;
  const empty = new Set(reader().flatMap((r) => (r.occupied ? [] : [r.shard])));
  return all.filter((i) => !empty.has(i));
}
