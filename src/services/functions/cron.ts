import { Cron } from "croner";

/**
 * Function schedules: 5-field cron expressions (and @yearly/@annually/@monthly/@weekly/@daily/@midnight/
 * @hourly), evaluated in UTC, as Appwrite's Cron validator accepts them. croner does the calendar work.
 */
const MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

function pattern(expr: string): Cron | null {
  const e = expr.trim();
  if (!MACROS.has(e.toLowerCase()) && e.split(/\s+/).length !== 5) return null;
  try {
    return new Cron(e, { paused: true, timezone: "UTC", mode: "5-part" });
  } catch {
    return null;
  }
}

export function isValidCron(expr: string): boolean {
  if (expr === "") return true;
  const c = pattern(expr);
  return !!c && c.nextRun() !== null;
}

/** Next run strictly after `from` (epoch ms), or null. */
export function nextRun(expr: string, from: number): number | null {
  const c = pattern(expr);
  return c?.nextRun(new Date(from))?.getTime() ?? null;
}

/** Last run at or before `at` (epoch ms), or null. */
export function previousRun(expr: string, at: number): number | null {
  const c = pattern(expr);
  return c?.previousRuns(1, new Date(at))[0]?.getTime() ?? null;
}
