/**
 * Account activity logs (Appwrite's audits, as read by `GET /v1/account/logs` and `GET /v1/users/{userId}/logs`).
 *
 *   await db.batch([mutation, audit(c, user, "user.update"), recordEvent(...)]);
 *
 * `audit(...)` returns an insert for the same D1 batch as the mutation. Rows are keyed by the user who acted
 * (Appwrite's audit user), so actions taken with an API key are not in a user's logs, as in Appwrite. Event
 * names are Appwrite's `audits.event` labels: user.create, user.update, session.create|update|delete,
 * recovery.create|update, verification.create|update, challenge.create, challenges.update, identity.delete.
 * Stored: ip, user agent (parsed on read into the os/client/device fields), country (request.cf); no secrets.
 */
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { AppwriteError } from "../../core/errors";
import { groupQueries, parseQueries } from "../../core/query/parse";
import { TOTAL_CAP } from "../../core/query/sql";
import { formatDate } from "../../core/time";
import type { User } from "../../db/schema";
import type { Ctx } from "../../platform/context";
import { onProjectDelete } from "../../platform/projects";
import { requestCountry, requestUserAgent } from "../account/sessions";
import { clientIp } from "../../platform/client";
import { clientInfo, countryName } from "./user-agent";

/** drizzle mirror of migrations/0008_auth_logs_targets.sql `auth_logs`. */
export const authLogs = sqliteTable("auth_logs", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  projectId: text("project_id").notNull(),
  userId: text("user_id").notNull(),
  event: text("event").notNull(),
  resource: text("resource").notNull().default(""),
  mode: text("mode").notNull().default("default"),
  userType: text("user_type").notNull().default("user"),
  userEmail: text("user_email").notNull().default(""),
  userName: text("user_name").notNull().default(""),
  ip: text("ip").notNull().default(""),
  userAgent: text("user_agent").notNull().default(""),
  countryCode: text("country_code").notNull().default("--"),
  time: integer("time").notNull(),
});
export type AuthLog = typeof authLogs.$inferSelect;

onProjectDelete(async (_env, db, projectId) => {
  await db.delete(authLogs).where(eq(authLogs.projectId, projectId));
});

/**
 * One audit row for `user` (the actor), attributed to this request's ip / user agent / country. While an
 * impersonator acts as the user, the row is the impersonator's (Appwrite's rule), the resource still the target.
 */
export function audit(c: Ctx, target: Pick<User, "id" | "email" | "name">, event: string, resource = `user/${target.id}`): BatchItem<"sqlite"> {
  const { impersonator, user: current } = c.var.caller;
  const user = impersonator && current?.id === target.id ? impersonator : target;
  const mode = c.req.header("x-appwrite-mode") === "admin" ? "admin" : "default";
  return c.var.db.insert(authLogs).values({
    projectId: c.var.project.id,
    userId: user.id,
    event,
    resource,
    mode,
    userType: "user",
    userEmail: user.email ?? "",
    userName: user.name ?? "",
    ip: clientIp(c),
    userAgent: requestUserAgent(c),
    countryCode: requestCountry(c),
    time: Date.now(),
  });
}

/** The user's logs go with the user. */
export function deleteUserLogs(c: Ctx, userId: string): BatchItem<"sqlite"> {
  return c.var.db.delete(authLogs).where(and(eq(authLogs.projectId, c.var.project.id), eq(authLogs.userId, userId)));
}

/** The Log model. */
export function logModel(l: AuthLog) {
  return {
    event: l.event,
    userId: l.userId,
    userEmail: l.userEmail,
    userName: l.userName,
    mode: l.mode,
    userType: l.userType,
    ip: l.ip,
    time: formatDate(l.time),
    ...clientInfo(l.userAgent || "UNKNOWN"),
    countryCode: l.countryCode,
    countryName: countryName(l.countryCode),
  };
}

/**
 * `{total, logs}` for one user, newest first. Appwrite accepts only `limit` and `offset` queries here
 * (default limit: APP_LIMIT_COUNT, 5000); `total` is capped at 5000; `total=false` → 0.
 */
export async function listLogs(c: Ctx, userId: string, queries: readonly string[] | undefined, withTotal: boolean) {
  const parsed = parseQueries(queries);
  for (const q of parsed) {
    const method = (q as { method?: string }).method ?? "";
    if (method !== "limit" && method !== "offset") {
      throw new AppwriteError("general_argument_invalid", `Invalid \`queries\` param: Invalid query method: ${method}`);
    }
  }
  const g = groupQueries(parsed, TOTAL_CAP);
  const d1 = c.var.d1;
  const projectId = c.var.project.id;
  const page = d1
    .prepare("SELECT * FROM auth_logs WHERE project_id = ?1 AND user_id = ?2 ORDER BY seq DESC LIMIT ?3 OFFSET ?4")
    .bind(projectId, userId, g.limit, g.offset);
  const statements = [page];
  if (withTotal) {
    statements.push(d1.prepare(`SELECT COUNT(*) AS total FROM (SELECT 1 FROM auth_logs WHERE project_id = ?1 AND user_id = ?2 LIMIT ${TOTAL_CAP})`).bind(projectId, userId));
  }
  const [rows, count] = await d1.batch<Record<string, unknown>>(statements);
  const logs = (rows?.results ?? []).map((r) =>
    logModel({
      seq: Number(r.seq),
      projectId: String(r.project_id),
      userId: String(r.user_id),
      event: String(r.event),
      resource: String(r.resource ?? ""),
      mode: String(r.mode ?? ""),
      userType: String(r.user_type ?? ""),
      userEmail: String(r.user_email ?? ""),
      userName: String(r.user_name ?? ""),
      ip: String(r.ip ?? ""),
      userAgent: String(r.user_agent ?? ""),
      countryCode: String(r.country_code ?? "--"),
      time: Number(r.time),
    }),
  );
  return { total: withTotal ? Number(count?.results?.[0]?.total ?? 0) : 0, logs };
}
