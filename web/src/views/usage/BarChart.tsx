/**
 * Small hand-written SVG bar charts: vertical bars over time, or horizontal bars by group. Each is
 * an image with a summary for screen readers and a table of its numbers in a <details>.
 */
import { niceTicks, scale, type Metric, type Point } from "./usage-data";

export interface ChartProps {
  title: string;
  points: Point[];
  metric: Metric;
  format: (v: number) => string;
  /** Name of the group column in the table ("Day", "Model", "Agent"). */
  groupName: string;
  formatCost: (v: number) => string;
  formatTokens: (v: number) => string;
}

function summary(p: ChartProps): string {
  const total = p.points.reduce((s, x) => s + x[p.metric], 0);
  const top = [...p.points].sort((a, b) => b[p.metric] - a[p.metric])[0];
  const what = p.metric === "cost" ? "cost" : "tokens";
  return `${p.title}: ${p.points.length} ${p.groupName.toLowerCase()} rows, total ${what} ${p.format(total)}${
    top && top[p.metric] > 0 ? `, highest ${top.label} with ${p.format(top[p.metric])}` : ""
  }.`;
}

function DataTable(p: ChartProps) {
  return (
    <details className="chart-data">
      <summary>Numbers of “{p.title}”</summary>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{p.groupName}</th>
              <th scope="col" className="num">
                Cost
              </th>
              <th scope="col" className="num">
                Tokens
              </th>
              <th scope="col" className="num">
                Calls
              </th>
            </tr>
          </thead>
          <tbody>
            {p.points.map((x) => (
              <tr key={x.key}>
                <th scope="row">{x.label}</th>
                <td className="num">{p.formatCost(x.cost)}</td>
                <td className="num">{p.formatTokens(x.tokens)}</td>
                <td className="num">{x.calls}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** Bars over time (one per day). */
export function ColumnChart(p: ChartProps) {
  const width = 960;
  const height = 240;
  const left = 56;
  const bottom = 22;
  const top = 8;
  const max = Math.max(0, ...p.points.map((x) => x[p.metric]));
  const ticks = niceTicks(max);
  const y = scale(ticks[ticks.length - 1]!, height - bottom - top);
  const band = (width - left) / Math.max(1, p.points.length);
  const labelEvery = Math.max(1, Math.ceil(p.points.length / 10));
  return (
    <figure className="chart">
      <figcaption>{p.title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary(p)} className="chart-svg">
        {ticks.map((t) => (
          <g key={t}>
            <line className="chart-grid" x1={left} x2={width} y1={height - bottom - y(t)} y2={height - bottom - y(t)} />
            <text className="chart-tick" x={left - 4} y={height - bottom - y(t) + 4} textAnchor="end">
              {p.format(t)}
            </text>
          </g>
        ))}
        {p.points.map((x, i) => {
          const h = y(x[p.metric]);
          return (
            <g key={x.key}>
              <rect
                className="chart-bar"
                x={left + i * band + band * 0.15}
                width={Math.max(1, band * 0.7)}
                y={height - bottom - h}
                height={h}
              >
                <title>{`${x.label}: ${p.format(x[p.metric])}`}</title>
              </rect>
              {i % labelEvery === 0 ? (
                <text className="chart-tick" x={left + i * band + band / 2} y={height - 6} textAnchor="middle">
                  {x.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <DataTable {...p} />
    </figure>
  );
}

/** Horizontal bars, one per group, biggest first, with their values written out. */
export function BarList(p: ChartProps) {
  const rowH = 26;
  const width = 640;
  const labelW = 170;
  const valueW = 80;
  const shown = p.points.slice(0, 12);
  const height = Math.max(1, shown.length) * rowH + 4;
  const max = Math.max(0, ...shown.map((x) => x[p.metric]));
  const x = scale(max, width - labelW - valueW);
  const clip = (s: string) => (s.length > 24 ? `${s.slice(0, 23)}…` : s);
  return (
    <figure className="chart">
      <figcaption>{p.title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary(p)} className="chart-svg">
        {shown.map((pt, i) => (
          <g key={pt.key || i}>
            <text className="chart-label" x={labelW - 6} y={i * rowH + 17} textAnchor="end">
              {clip(pt.label)}
            </text>
            <rect
              className="chart-bar"
              x={labelW}
              y={i * rowH + 4}
              height={rowH - 8}
              width={Math.max(1, x(pt[p.metric]))}
            >
              <title>{`${pt.label}: ${p.format(pt[p.metric])}`}</title>
            </rect>
            <text className="chart-label" x={labelW + x(pt[p.metric]) + 6} y={i * rowH + 17}>
              {p.format(pt[p.metric])}
            </text>
          </g>
        ))}
      </svg>
      {p.points.length > shown.length ? (
        <p className="muted">
          The {shown.length} biggest of {p.points.length}; the table has them all.
        </p>
      ) : null}
      <DataTable {...p} />
    </figure>
  );
}
