import { Hono } from "hono";
import { and, eq } from "drizzle-orm";
import { AppwriteError } from "../../core/errors";
import { p, params } from "../../core/params";
import { json, list } from "../../core/response";
import { prepareQueries, runList } from "../../db/list";
import { users } from "../../db/schema";
import { requireScope } from "../../platform/caller";
import type { AppEnv } from "../../platform/context";
import { MEMBER_COLUMNS, MEMBER_FROM, memberFromRaw, membershipModel } from "../teams/models";
import { membershipResolver, searchClause } from "../teams/teams";

/** `GET /v1/users/{userId}/memberships` (users.read): every team membership of one user. */
export const userMembershipsRoutes = new Hono<AppEnv>();

userMembershipsRoutes.get("/:userId/memberships", async (c) => {
  const caller = requireScope(c, "users.read");
  const a = await params(c, { queries: p.optional(p.strings()), search: p.optional(p.string({ max: 256 })), total: p.default(p.boolean(), true) });
  const projectId = c.var.project.id;
  const userId = c.req.param("userId");
  const [user] = await c.var.db.select({ id: users.id }).from(users).where(and(eq(users.projectId, projectId), eq(users.id, userId))).limit(1);
  if (!user) throw new AppwriteError("user_not_found");
  const result = await runList<Record<string, unknown>>(
    c.var.d1,
    {
      from: `${MEMBER_FROM} LEFT JOIN teams tm ON tm.project_id = m.project_id AND tm.id = m.team_id`,
      columns: `${MEMBER_COLUMNS}, tm.name AS team_name`,
      base: (b) => [`m.project_id = ${b.bind(projectId)}`, `m.user_id = ${b.bind(userId)}`, searchClause(b, "(m.id || ' ' || m.user_id)", a.search)].join(" AND "),
      resolve: membershipResolver,
      sequence: "m.seq",
      id: "m.id",
    },
    prepareQueries(a.queries),
    a.total,
  );
  const rows = result.rows.map((r) => membershipModel(memberFromRaw(r), String(r.team_name ?? ""), caller.privileged));
  return json(c, list("memberships", rows, result.total));
});
