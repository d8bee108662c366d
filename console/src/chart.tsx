/** A small area chart of one metric, drawn as inline SVG (no chart library): a picture, with its numbers as text. */
export interface Point {
  date: string;
  value: number;
}

const W = 320, H = 96, PAD = 4;

export function Chart({ title, total, points, format = String }: { title: string; total: number; points: Point[]; format?: (n: number) => string }) {
  const max = Math.max(1, ...points.map((p) => p.value));
  const step = points.length > 1 ? (W - 2 * PAD) / (points.length - 1) : 0;
  const xy = points.map((p, i) => [PAD + i * step, H - PAD - (p.value / max) * (H - 2 * PAD)] as const);
  const line = xy.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join("");
  const area = xy.length ? `${line}L${xy[xy.length - 1]![0].toFixed(1)},${H - PAD}L${PAD},${H - PAD}Z` : "";
  const first = points[0]?.date, last = points[points.length - 1]?.date;
  const label = `${title}: ${format(total)} in total; ${points.length} points from ${first ? new Date(first).toLocaleDateString() : "—"}, highest ${format(max === 1 && !points.some((p) => p.value) ? 0 : max)}`;
  return (
    <figure class="chart">
      <figcaption>
        <span>{title}</span>
        <strong>{format(total)}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} preserveAspectRatio="none" data-points={points.length}>
        <line x1={PAD} x2={W - PAD} y1={H - PAD} y2={H - PAD} class="axis" />
        {area && <path d={area} class="area" />}
        {line && <path d={line} class="line" />}
        {xy.map(([x, y], i) => (points[i]!.value ? <circle cx={x} cy={y} r="2" class="dot" key={i}><title>{`${new Date(points[i]!.date).toLocaleString()}: ${format(points[i]!.value)}`}</title></circle> : null))}
      </svg>
      <div class="chart-range muted small" aria-hidden="true">
        <span>{first ? new Date(first).toLocaleDateString() : ""}</span>
        <span>{last ? new Date(last).toLocaleDateString() : ""}</span>
      </div>
    </figure>
  );
}

export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) (n /= 1000), i++;
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}
