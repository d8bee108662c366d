/** Appwrite's datetime format: `2020-10-15T06:38:00.000+00:00`, always UTC. */
export function formatDate(ms: number | Date): string {
  const d = typeof ms === "number" ? new Date(ms) : ms;
  return d.toISOString().replace("Z", "+00:00");
}

export const now = (): string => formatDate(Date.now());

/**
 * A date (`2022-1-4` too), optional time (`T` or a space; seconds and fraction optional), then optionally `Z`, an offset
 * (`+02:00`, `+0200`, `+02`) or, after a space, a zone name (`UTC`, `America/New_York`) — what Appwrite's
 * datetime validator takes from SDKs and its own e2e tests.
 */
const DATETIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?)|\s+([A-Za-z][A-Za-z0-9_+\-/]{0,63}))?$/i;

/**
 * Parse a user-supplied datetime to epoch ms (null if invalid): the one parser for every datetime that comes
 * in (datetime columns, queries, `expire`, `scheduledAt`, …). No offset means UTC, as on Appwrite's servers.
 * Years 0000–9999 only, each field in range (no `27:30`, no 31 February).
 */
export function parseDate(value: unknown): number | null {
  if (typeof value !== "string" || value.length > 96) return null;
  const m = DATETIME.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysIn(year!, month!) || hour > 23 || minute > 59 || second > 59) return null;
  const wall = utc(year!, month!, day!, hour, minute, second, ms);
  if (m[8]) return m[8].toUpperCase() === "Z" ? wall : wall - offsetMinutes(m[8]) * 60_000;
  if (m[9]) {
    const zone = timeZone(m[9]);
    return zone ? wall - zoneOffset(zone, wall) : null;
  }
  return wall;
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !leap(year) ? 1 : 0);
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. */
function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

function offsetMinutes(offset: string): number {
  const digits = offset.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return offset[0] === "-" ? -minutes : minutes;
}

/** IANA zones come from the runtime's Intl (workerd ships the tz database): one formatter per zone, reused. */
const zones = new Map<string, Intl.DateTimeFormat | null>();
function timeZone(name: string): Intl.DateTimeFormat | null {
  if (zones.has(name)) return zones.get(name)!;
  let format: Intl.DateTimeFormat | null = null;
  try {
    format = new Intl.DateTimeFormat("en-US", { timeZone: name, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
  } catch {
    /* not a zone name */
  }
  if (zones.size < 1000) zones.set(name, format);
  return format;
}

/** The zone's offset (ms) for a wall-clock time read as UTC: two passes settle it across DST changes. */
function zoneOffset(zone: Intl.DateTimeFormat, wall: number): number {
  const at = (t: number) => {
    const f = Object.fromEntries(zone.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
    return utc(Number(f.year), Number(f.month), Number(f.day), Number(f.hour), Number(f.minute), Number(f.second), 0) - Math.floor(t / 1000) * 1000;
  };
  const first = at(wall);
  return at(wall - first);
}

/**
 * `$updatedAt` after an update that sets `set` on `old`: Appwrite's database moves it only when a stored value
 * changes, so an update that sends back what is stored (appwrite-cli's `push` does, every time) leaves it as it was.
 */
export function updatedAtAfter<T extends { updatedAt: number }>(old: T, set: Partial<T>, now = Date.now()): number {
  const changed = Object.entries(set).some(([k, v]) => k !== "updatedAt" && JSON.stringify(v) !== JSON.stringify(old[k as keyof T]));
  return changed ? now : old.updatedAt;
}
