/**
 * The one writer of `projects.settings` for project configuration (auth policies, methods, services, protocols,
 * labels, mock phones). Every change is ONE SQL statement on the control database that edits only the keys it
 * names (json_set / json_insert / json_remove), so two concurrent updates of different settings never lose each
 * other, and it returns the row as it is now. The per-isolate project cache is evicted after each write.
 */
import { eq, sql, type SQL } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { open } from "../../db/client";
import { projects, type Project } from "../../db/schema";
import type { Ctx } from "../../platform/context";
import { forgetProject } from "../../platform/projects";
import { touchAccess } from "../../platform/access";
import { mockNumbersOf, type MockNumber } from "./config";

/**
 * A settings path of names from constant tables or validated ids: `["templates", "verification-en"]` →
 * `$."templates"."verification-en"` (each name quoted, so a dot inside one stays part of it).
 */
export type SettingsPath = readonly string[];
const jsonPath = (path: SettingsPath) => `$.${path.map((name) => `"${name}"`).join(".")}`;

const notFound = (id: string) => new AppwriteError("project_not_found", `Project with the requested ID '${id}' could not be found.`);

/** Run one `settings = <expr>` update; `guard` is an extra WHERE condition (no row back → `onGuard` decides). */
async function write(c: Ctx, projectId: string, settings: SQL, guard?: SQL): Promise<Project | null> {
  const db = open(c.env.DB);
  const where = guard ? sql`${eq(projects.id, projectId)} AND ${guard}` : eq(projects.id, projectId);
  const [row] = await db.update(projects).set({ settings: settings as never, updatedAt: Date.now() }).where(where).returning();
  forgetProject(projectId);
  await touchAccess(c.env, projectId);
  return row ?? null;
}

/** Set several values at once (JSON-encoded, intermediate objects created as needed). */
export async function setSettings(c: Ctx, projectId: string, values: readonly [SettingsPath, unknown][]): Promise<Project> {
  let expr: SQL = sql`${projects.settings}`;
  for (const [path, value] of values) expr = sql`json_set(${expr}, ${jsonPath(path)}, json(${JSON.stringify(value)}))`;
  const row = await write(c, projectId, expr);
  if (!row) throw notFound(projectId);
  return row;
}

export const setAuthSettings = (c: Ctx, projectId: string, values: Record<string, unknown>) =>
  setSettings(c, projectId, Object.entries(values).map(([k, v]) => [["auth", k], v] as [SettingsPath, unknown]));

// ---- mock phones: `settings.auth.mockNumbers` = [{phone, otp, $createdAt, $updatedAt}] (Appwrite's shape) --------

export const MOCK_NUMBERS_MAX = 5000; // Appwrite's APP_LIMIT_COUNT

const MOCKS = sql.raw(`coalesce(json_extract(settings, '$.auth.mockNumbers'), json('[]'))`);
const mockIndex = (phone: string) => sql`(SELECT key FROM json_each(${MOCKS}) WHERE json_extract(value, '$.phone') = ${phone})`;
const hasMock = (phone: string) => sql`EXISTS ${mockIndex(phone)}`;

/** Append a mock number unless it exists or the list is full — decided inside the one UPDATE. */
export async function insertMockNumber(c: Ctx, projectId: string, mock: MockNumber): Promise<void> {
  const list = sql`json_insert(${MOCKS}, '$[#]', json(${JSON.stringify(mock)}))`;
  const room = sql`json_array_length(${MOCKS}) < ${MOCK_NUMBERS_MAX}`;
  if (await write(c, projectId, sql`json_set(settings, '$.auth.mockNumbers', ${list})`, sql`NOT ${hasMock(mock.phone)} AND ${room}`)) return;
  const project = await loadProject(c, projectId);
  if (mockNumbersOf(project).some((m) => m.phone === mock.phone)) throw new AppwriteError("mock_number_already_exists");
  throw new AppwriteError("mock_number_limit_exceeded");
}

/** Change one mock number's OTP in place; null when the number is not there. */
export async function updateMockNumber(c: Ctx, projectId: string, phone: string, otp: string, at: string): Promise<MockNumber | null> {
  const at0 = sql`'$.auth.mockNumbers[' || ${mockIndex(phone)} || ']'`;
  const expr = sql`json_set(settings, ${at0} || '.otp', ${otp}, ${at0} || '."$updatedAt"', ${at})`;
  const row = await write(c, projectId, expr, hasMock(phone));
  return row ? (mockNumbersOf(row).find((m) => m.phone === phone) ?? null) : null;
}

/** Remove one mock number; false when it was not there. */
export async function deleteMockNumber(c: Ctx, projectId: string, phone: string): Promise<boolean> {
  const expr = sql`json_remove(settings, '$.auth.mockNumbers[' || ${mockIndex(phone)} || ']')`;
  return (await write(c, projectId, expr, hasMock(phone))) !== null;
}

/** The project row from the control database, fresh (not the per-isolate cache). */
export async function loadProject(c: Ctx, projectId: string): Promise<Project> {
  const [row] = await open(c.env.DB).select().from(projects).where(eq(projects.id, projectId)).limit(1);
  if (!row) throw notFound(projectId);
  return row;
}
