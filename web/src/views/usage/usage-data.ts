/** The usage view's pure parts: date ranges, day series, ticks and scales for the SVG charts. */

const DAY = 24 * 3600 * 1000;

export type Preset = "7" | "30" | "90" | "custom";

export interface Range {
  /** Inclusive, start of a UTC day (ISO). */
  from: string;
  /** Exclusive, start of a UTC day (ISO). */
  to: string;
  days: number;
}

/** YYYY-MM-DD of a time, in UTC. */
export function utcDay(t: number | Date): string {
  return new Date(t).toISOString().slice(0, 10);
}

function startOfUtcDay(t: number): number {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/** The last n days, today (UTC) included: [today - n + 1, tomorrow). */
export function lastDays(n: number, now = Date.now()): Range {
  const tomorrow = startOfUtcDay(now) + DAY;
  const from = tomorrow - n * DAY;
  return { from: new Date(from).toISOString(), to: new Date(tomorrow).toISOString(), days: n };
}

/**
 * A custom range of dates (YYYY-MM-DD, both included), or why it is not one. The API takes at
 * most 366 days.
 */
export function customRange(fromDay: string, toDay: string): Range | { error: string } {
  const re = /^\d{4}-\d{2}-\d{2}$/;
  if (!re.test(fromDay) || !re.test(toDay)) return { error: "Pick both dates." };
  const from = Date.parse(`${fromDay}T00:00:00Z`);
  const to = Date.parse(`${toDay}T00:00:00Z`) + DAY;
  if (Number.isNaN(from) || Number.isNaN(to)) return { error: "Pick both dates." };
  if (to <= from) return { error: "The end date is before the start date." };
  const days = Math.round((to - from) / DAY);
  if (days > 366) return { error: "At most 366 days." };
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), days };
}

export interface Row {
  key?: string | null;
  label?: string | null;
  costUsd: number;
  totalTokens: number;
  calls: number;
}

export interface Point {
  key: string;
  label: string;
  cost: number;
  tokens: number;
  calls: number;
}

/** One point per day of the range, days without usage at zero. */
export function daySeries(rows: readonly Row[], range: Range): Point[] {
  const byDay = new Map(rows.map((r) => [r.key ?? "", r]));
  const out: Point[] = [];
  const start = Date.parse(range.from);
  for (let t = start; t < Date.parse(range.to); t += DAY) {
    const key = utcDay(t);
    const r = byDay.get(key);
    out.push({ key, label: key.slice(5), cost: r?.costUsd ?? 0, tokens: r?.totalTokens ?? 0, calls: r?.calls ?? 0 });
  }
  return out;
}

/** Groups (models, agents) biggest first by the metric; rows with no key are named `none`. */
export function groupSeries(rows: readonly Row[], metric: Metric, none: string): Point[] {
  return rows
    .map((r) => ({
      key: r.key ?? "",
      label: r.label ?? r.key ?? none,
      cost: r.costUsd,
      tokens: r.totalTokens,
      calls: r.calls,
    }))
    .sort((a, b) => b[metric] - a[metric] || a.label.localeCompare(b.label));
}

export type Metric = "cost" | "tokens";

export function totals(rows: readonly Row[]): { cost: number; tokens: number; calls: number } {
  return rows.reduce(
    (t, r) => ({ cost: t.cost + r.costUsd, tokens: t.tokens + r.totalTokens, calls: t.calls + r.calls }),
    { cost: 0, tokens: 0, calls: 0 },
  );
}

/**
 * "Nice" axis ticks from 0 to at least max: steps of 1, 2 or 5 × 10^k, about `count` of them.
 * A max of 0 gives [0, 1] so an empty chart still has an axis.
 */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  const n = Math.ceil(max / step - 1e-9);
  for (let i = 0; i <= n; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** A linear scale from [0, domainMax] onto [0, size]. */
export function scale(domainMax: number, size: number): (v: number) => number {
  return (v) => (domainMax > 0 ? (Math.max(0, v) / domainMax) * size : 0);
}
