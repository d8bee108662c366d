/** Appwrite's datetime format: `2020-10-15T06:38:00.000+00:00`, always UTC. */
export function formatDate(ms: number | Date): string {
  const d = typeof ms === "number" ? new Date(ms) : ms;
  return d.toISOString().replace("Z", "+00:00");
}

export const now = (): string => formatDate(Date.now());

/** Parse a user-supplied datetime (ISO 8601 with or without offset) to epoch ms, or null if invalid. */
export function parseDate(value: unknown): number | null {
  if (typeof value !== "string" || value.length > 64) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * `$updatedAt` after an update that sets `set` on `old`: Appwrite's database moves it only when a stored value
 * changes, so an update that sends back what is stored (appwrite-cli's `push` does, every time) leaves it as it was.
 */
export function updatedAtAfter<T extends { updatedAt: number }>(old: T, set: Partial<T>, now = Date.now()): number {
  const changed = Object.entries(set).some(([k, v]) => k !== "updatedAt" && JSON.stringify(v) !== JSON.stringify(old[k as keyof T]));
  return changed ? now : old.updatedAt;
}
