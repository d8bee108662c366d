import { bucketSql, series, type Metric, type Window } from "./range";

/** A figure of a usage model: its all-time total and its series over the window. */
export interface Figure {
  total: number;
  series: Metric[];
}

type Raw = Record<string, unknown>;

/**
 * Collects the figures one usage route needs and reads them in ONE D1 batch on the project's data database.
 * Flow metrics (requests, bandwidth, executions …) come from `usage_stats` (src/services/usage/recorder.ts);
 * stock figures (users, rows, files, functions …) are counted from their own tables — a COUNT/SUM over an
 * indexed project column, and the series groups `created_at` by bucket (so it shows what was created in each
 * bucket, where Appwrite's also subtracts deletions).
 */
export class StatsReader {
  private readonly statements: D1PreparedStatement[] = [];
  private results: D1Result<Raw>[] = [];

  constructor(
    private readonly d1: D1Database,
    private readonly projectId: string,
    readonly window: Window,
  ) {}

  private push(stmt: D1PreparedStatement): () => Raw[] {
    const at = this.statements.push(stmt) - 1;
    return () => this.results[at]?.results ?? [];
  }

  /** Any other read of the same batch (breakdowns): its rows once `run` is done. */
  query(sql: string, ...binds: unknown[]): () => Raw[] {
    return this.push(this.d1.prepare(sql).bind(...binds));
  }

  /** Recorded metrics: totals and the window's buckets, in one statement for any number of metrics. */
  flow(...metrics: string[]): (metric: string) => Figure {
    const marks = metrics.map(() => "?").join(", ");
    const rows = this.push(
      this.d1
        .prepare(`SELECT metric, period, time, value FROM usage_stats WHERE project_id = ? AND metric IN (${marks}) AND (period = 'inf' OR (period = ? AND time >= ?))`)
        .bind(this.projectId, ...metrics, this.window.period, this.window.buckets[0]),
    );
    return (metric) => {
      let total = 0;
      const values = new Map<number, number>();
      for (const r of rows()) {
        if (r.metric !== metric) continue;
        if (r.period === "inf") total = Number(r.value);
        else values.set(Number(r.time), Number(r.value));
      }
      return { total, series: series(this.window, values) };
    };
  }

  /**
   * A stock figure: `value` (`COUNT(*)`, `SUM(size)`) over `from` (a FROM … WHERE clause with `?` binds), and per
   * bucket of `created`. Clauses are Edgewrite's own SQL; only binds carry input.
   */
  stock(from: string, binds: unknown[], value = "COUNT(*)", created = "created_at"): () => Figure {
    const total = this.push(this.d1.prepare(`SELECT ${value} AS v FROM ${from}`).bind(...binds));
    const bucket = bucketSql(this.window, created);
    const perBucket = this.push(
      this.d1.prepare(`SELECT ${bucket} AS b, ${value} AS v FROM ${from} AND ${created} >= ? GROUP BY b`).bind(...binds, this.window.buckets[0]),
    );
    return () => ({
      total: Number(total()[0]?.v ?? 0),
      series: series(this.window, new Map(perBucket().map((r) => [Number(r.b), Number(r.v ?? 0)]))),
    });
  }

  async run(): Promise<void> {
    this.results = this.statements.length ? await this.d1.batch<Raw>(this.statements) : [];
  }
}

/** Figures added up (rows of several tables). */
export function sum(figures: Figure[], window: Window): Figure {
  const values = new Map<number, number>();
  let total = 0;
  for (const f of figures) {
    total += f.total;
    f.series.forEach((m, i) => values.set(window.buckets[i]!, (values.get(window.buckets[i]!) ?? 0) + m.value));
  }
  return { total, series: series(window, values) };
}

/** A figure Edgewrite does not measure (database operations and storage, image transformations): zeros. */
export const none = (window: Window): Figure => ({ total: 0, series: series(window, undefined) });
