import { Hono } from "hono";
import { and, desc, eq, sql } from "drizzle-orm";
import { json } from "../../core/response";
import { formatDate } from "../../core/time";
import { projectData, requireProjectAccess } from "../../platform/console-access";
import type { AppEnv } from "../../platform/context";
import { CONSOLE, onProjectDelete } from "../../platform/projects";
import { requireAdmin } from "../../platform/caller";
import { messageOutbox } from "../auth/tables";
import { messageRoutes } from "./messages";
import { providerRoutes } from "./providers";
import { subscriberLogRoutes, topicRoutes } from "./topics";
import "./send";

/** /v1/messaging: Appwrite's Messaging service (providers, topics and subscribers, messages). */
export const messagingRoutes = new Hono<AppEnv>();
messagingRoutes.route("/providers", providerRoutes);
messagingRoutes.route("/topics", topicRoutes);
messagingRoutes.route("/subscribers", subscriberLogRoutes);
messagingRoutes.route("/messages", messageRoutes);

/** Console-only: the message outbox — the local inbox, and the delivery log of auth messages sent through providers (mounted at /v1/projects). */
export const outboxRoutes = new Hono<AppEnv>();

outboxRoutes.get("/:projectId/outbox", async (c) => {
  const projectId = c.req.param("projectId")!;
  // The console's own outbox (console invitations, recovery) is the deployment admin's to read.
  if (projectId === CONSOLE.id) requireAdmin(c, "projects.read");
  else await requireProjectAccess(c, projectId, "projects.read");
  const db = await projectData(c, projectId, false);
  const url = new URL(c.req.url);
  const channel = url.searchParams.get("channel");
  const to = url.searchParams.get("to");
  const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 100) || 100, 1), 1000);
  const where = and(eq(messageOutbox.projectId, projectId), channel ? eq(messageOutbox.channel, channel) : undefined, to ? eq(messageOutbox.recipient, to) : undefined);
  const [rows, count] = await db.batch([
    db.select().from(messageOutbox).where(where).orderBy(desc(messageOutbox.seq)).limit(limit),
    db.select({ n: sql<number>`count(*)` }).from(messageOutbox).where(where),
  ]);
  return json(c, {
    total: Number(count[0]?.n ?? 0),
    // transport/status/error: where an auth message went and what the provider said (src/services/messaging/auth-delivery.ts).
    messages: rows.map((m) => ({
      $id: m.id, channel: m.channel, to: m.recipient, subject: m.subject, content: m.content, text: m.content, html: m.html,
      template: m.meta?.template ?? "", transport: m.transport, status: m.status, providerId: m.providerId, error: m.error, attempts: m.attempts,
      $createdAt: formatDate(m.createdAt), $updatedAt: formatDate(m.updatedAt || m.createdAt),
    })),
  });
});

onProjectDelete(async (_env, db, projectId) => {
  await db.delete(messageOutbox).where(eq(messageOutbox.projectId, projectId));
});
