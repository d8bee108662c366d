import { ProjectUsageRange, UsageRange } from "@appwrite.io/console";
import { useState } from "preact/hooks";
import { bytes, Chart } from "../chart";
import { inProject } from "../sdk";
import { ErrorNote, useLoad } from "../ui";

const DAY = 86_400_000;

/**
 * The project's usage: requests, users and executions from Project.getUsage (GET /v1/project/usage), rows from
 * TablesDB.listUsage (/v1/tablesdb/usage) and storage from Storage.getUsage (/v1/storage/usage) — the latter two
 * because project/usage has only their totals. Figures lag up to the server's usage flush interval.
 */
export function Overview({ projectId }: { projectId: string }) {
  const [range, setRange] = useState<"24h" | "30d">("30d");
  const usage = useLoad(async () => {
    const api = inProject(projectId);
    const now = Date.now();
    // project/usage counts whole days between the dates and drops buckets at or after endDate's day: end tomorrow.
    const endDate = new Date(now - (now % DAY) + DAY).toISOString();
    const startDate = new Date(now - (range === "24h" ? DAY : 30 * DAY)).toISOString();
    const period = range === "24h" ? ProjectUsageRange.OneHour : ProjectUsageRange.OneDay;
    const r = range === "24h" ? UsageRange.TwentyFourHours : UsageRange.ThirtyDays;
    const [project, tables, storage] = await Promise.all([api.project.getUsage({ startDate, endDate, period }), api.tables.listUsage({ range: r }), api.storage.getUsage({ range: r })]);
    return { project, tables, storage };
  }, [projectId, range]);
  return (
    <section aria-labelledby="overview-h">
      <div class="heading">
        <h1 id="overview-h">Overview</h1>
        <div role="group" aria-label="Range" class="segmented">
          {(["24h", "30d"] as const).map((r) => (
            <button type="button" key={r} aria-pressed={range === r} onClick={() => setRange(r)}>{r === "24h" ? "24 hours" : "30 days"}</button>
          ))}
        </div>
      </div>
      <ErrorNote error={usage.error} />
      {!usage.data && !usage.error && <p aria-busy="true">Loading usage…</p>}
      {usage.data && (
        <div class="charts" aria-busy={usage.loading}>
          <Chart title="Requests" total={usage.data.project.requests.reduce((a, p) => a + p.value, 0)} points={usage.data.project.requests} />
          <Chart title="Users" total={usage.data.project.usersTotal} points={usage.data.project.users} />
          <Chart title="Rows" total={usage.data.tables.rowsTotal} points={usage.data.tables.rows} />
          <Chart title="Storage" total={usage.data.storage.filesStorageTotal} points={usage.data.storage.storage} format={bytes} />
          <Chart title="Executions" total={usage.data.project.executionsTotal} points={usage.data.project.executions} />
        </div>
      )}
      <p class="muted small">Counts are flushed by each server isolate about once a minute; new requests show up after that.</p>
    </section>
  );
}
