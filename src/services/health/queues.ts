import { allDataDatabases, dataDatabase } from "../../db/shards";
import { LOST_MESSAGE, LOST_WORKER } from "../functions/sweeper";

/**
 * Appwrite's worker queues, mapped onto what Edgewrite itself records as pending. A size is a D1 count over
 * one project (`?1`), or the whole deployment when `?1` is '' (the admin). Work Edgewrite does inside the
 * request (mails and SMS are stored with their commit, columns and indexes are built at once, deletes are
 * synchronous) or does not have (audits, logs, usage stats, certificates, migrations, screenshots) has no
 * queue: its size is 0.
 */
interface Count {
  sql: string;
  args?: string[];
}
interface Queue {
  /** Appwrite's queue name, for /v1/health/queue/failed/{name}. */
  name: string;
  /** Jobs waiting to be taken. */
  pending?: Count;
  /** Jobs that failed for good (not the user's code failing: work the platform lost and gave up on). */
  failed?: Count;
}

const PROJECT = "(?1 = '' OR project_id = ?1)";

/** Keyed by the path under /v1/health/queue/. */
export const QUEUES: Record<string, Queue> = {
  audits: { name: "v1-audits" },
  builds: { name: "v1-builds", pending: { sql: `SELECT count(*) AS n FROM function_deployments WHERE ${PROJECT} AND status = 'waiting'` } },
  certificates: { name: "v1-certificates" },
  databases: { name: "v1-database" },
  deletes: { name: "v1-deletes" },
  functions: {
    name: "v1-functions",
    // Queued executions (async, event, schedule) not started yet; `scheduled` ones are not due.
    pending: { sql: `SELECT count(*) AS n FROM function_executions WHERE ${PROJECT} AND status = 'waiting'` },
    // Given up by the execution sweeper after its message or its worker was lost (sweeper.ts).
    failed: { sql: `SELECT count(*) AS n FROM function_executions WHERE ${PROJECT} AND status = 'failed' AND errors IN (?2, ?3)`, args: [`${LOST_MESSAGE}\n`, `${LOST_WORKER}\n`] },
  },
  logs: { name: "v1-logs" },
  mails: { name: "v1-mails" },
  // Messaging messages waiting to be sent (the queue consumer takes `processing` ones; send.ts).
  messaging: { name: "v1-messaging", pending: { sql: `SELECT count(*) AS n FROM messaging_messages WHERE ${PROJECT} AND status = 'processing'` } },
  migrations: { name: "v1-migrations" },
  "stats-resources": { name: "v1-stats-resources" },
  "stats-usage": { name: "v1-stats-usage" },
  // Webhook deliveries (webhook × event) with no outcome yet, retries included (webhooks/delivery.ts).
  webhooks: { name: "v1-webhooks", pending: { sql: `SELECT count(*) AS n FROM webhook_deliveries WHERE ${PROJECT}` } },
};

/** The names /v1/health/queue/failed/{name} accepts, as Appwrite's whitelist (v1-screenshots has no size route). */
export const FAILED_QUEUE_NAMES = [
  "v1-database", "v1-deletes", "v1-audits", "v1-mails", "v1-functions", "v1-stats-resources", "v1-stats-usage",
  "v1-webhooks", "v1-certificates", "v1-builds", "v1-screenshots", "v1-messaging", "v1-migrations",
] as const;

export async function count(env: Env, query: Count | undefined, projectId: string): Promise<number> {
  if (!query) return 0;
  // Jobs are project data: one project's data database, or ("": deployment-wide) every database summed.
  const dbs = projectId ? [await dataDatabase(env, projectId)] : allDataDatabases(env).map((d) => d.d1);
  const rows = await Promise.all(dbs.map((d1) => d1.prepare(query.sql).bind(projectId, ...(query.args ?? [])).first<{ n: number }>()));
  return rows.reduce((n, row) => n + Number(row?.n ?? 0), 0);
}
