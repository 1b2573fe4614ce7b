/**
 * Usage of the models over a range of days: totals, and charts of cost or tokens per day, by
 * model and by agent (usageReport grouped three ways, in one request).
 */
import { useMemo, useState } from "react";
import { useQuery } from "urql";
import { useCan } from "../../app/auth";
import { graphql } from "../../gql";
import type { UsageViewQuery } from "../../gql/graphql";
import { tokens, usd } from "../../lib/format";
import { Field } from "../../ui/Field";
import { Empty, QueryState } from "../../ui/States";
import { BarList, ColumnChart } from "./BarChart";
import {
  customRange,
  daySeries,
  groupSeries,
  lastDays,
  totals,
  utcDay,
  type Metric,
  type Preset,
  type Range,
} from "./usage-data";
import "./usage.css";

const UsageViewDoc = graphql(`
  query UsageView($from: DateTimeISO!, $to: DateTimeISO!) {
    byDay: usageReport(from: $from, to: $to, groupBy: DAY) {
      key
      label
      costUsd
      totalTokens
      calls
    }
    byModel: usageReport(from: $from, to: $to, groupBy: MODEL) {
      key
      label
      costUsd
      totalTokens
      calls
    }
    byAgent: usageReport(from: $from, to: $to, groupBy: AGENT) {
      key
      label
      costUsd
      totalTokens
      calls
    }
  }
`);

const presets: Array<[Preset, string]> = [
  ["7", "Last 7 days"],
  ["30", "Last 30 days"],
  ["90", "Last 90 days"],
  ["custom", "Custom dates"],
];

export default function UsageView() {
  const can = useCan();
  if (!can.usage)
    return (
      <Empty>
        <h1>Usage</h1>
        <p>Usage reports need an OPERATOR or ADMIN key.</p>
      </Empty>
    );
  return <Usage />;
}

function Usage() {
  const [preset, setPreset] = useState<Preset>("30");
  const [metric, setMetric] = useState<Metric>("cost");
  const today = utcDay(Date.now());
  const [fromDay, setFromDay] = useState(() => utcDay(Date.parse(lastDays(30).from)));
  const [toDay, setToDay] = useState(today);
  const range: Range | { error: string } = useMemo(
    () => (preset === "custom" ? customRange(fromDay, toDay) : lastDays(Number(preset))),
    // The preset ranges move at midnight UTC: `today` makes them follow.
    [preset, fromDay, toDay, today],
  );
  const ok = "from" in range;
  const [result] = useQuery({
    query: UsageViewDoc,
    variables: ok ? { from: range.from, to: range.to } : { from: "", to: "" },
    pause: !ok,
  });

  return (
    <section aria-labelledby="usage-title" className="usage-view">
      <div className="page-header">
        <h1 id="usage-title">Usage</h1>
      </div>
      <form className="usage-controls card" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Range</legend>
          <div className="segmented">
            {presets.map(([value, label]) => (
              <label key={value}>
                <input
                  type="radio"
                  name="range"
                  value={value}
                  checked={preset === value}
                  onChange={() => setPreset(value)}
                />{" "}
                {label}
              </label>
            ))}
          </div>
        </fieldset>
        {preset === "custom" ? (
          <div className="form-row usage-dates">
            <Field label="From (UTC day)" error={"error" in range ? range.error : undefined}>
              {(p) => (
                <input
                  {...p}
                  type="date"
                  name="from"
                  value={fromDay}
                  max={toDay}
                  onChange={(e) => setFromDay(e.target.value)}
                />
              )}
            </Field>
            <Field label="To (UTC day, included)">
              {(p) => <input {...p} type="date" name="to" value={toDay} onChange={(e) => setToDay(e.target.value)} />}
            </Field>
          </div>
        ) : null}
        <fieldset>
          <legend>Charts show</legend>
          <div className="segmented">
            {(["cost", "tokens"] as const).map((m) => (
              <label key={m}>
                <input type="radio" name="metric" value={m} checked={metric === m} onChange={() => setMetric(m)} />{" "}
                {m === "cost" ? "Cost (USD)" : "Tokens"}
              </label>
            ))}
          </div>
        </fieldset>
      </form>
      {ok ? (
        <QueryState result={result} label="the usage">
          {(data) => <Report data={data} range={range} metric={metric} />}
        </QueryState>
      ) : null}
    </section>
  );
}

type ReportData = UsageViewQuery;

function Report({ data, range, metric }: { data: ReportData; range: Range; metric: Metric }) {
  const sum = totals(data.byDay);
  if (sum.calls === 0)
    return (
      <Empty>
        <h2>No usage in this range</h2>
        <p>No model calls were made between these dates. Pick a longer range.</p>
      </Empty>
    );
  const format = metric === "cost" ? usd : tokens;
  const common = { metric, format, formatCost: usd, formatTokens: (n: number) => n.toLocaleString("en-US") };
  const what = metric === "cost" ? "Cost" : "Tokens";
  return (
    <>
      <dl className="usage-totals" aria-label="Totals of the range">
        <div className="card">
          <dt>Cost</dt>
          <dd data-testid="total-cost">{usd(sum.cost)}</dd>
        </div>
        <div className="card">
          <dt>Tokens</dt>
          <dd data-testid="total-tokens">{sum.tokens.toLocaleString("en-US")}</dd>
        </div>
        <div className="card">
          <dt>Model calls</dt>
          <dd data-testid="total-calls">{sum.calls.toLocaleString("en-US")}</dd>
        </div>
      </dl>
      <div className="usage-charts">
        <section className="card usage-wide" aria-labelledby="usage-day">
          <h2 id="usage-day">{what} per day</h2>
          <ColumnChart {...common} title={`${what} per day`} groupName="Day" points={daySeries(data.byDay, range)} />
        </section>
        <section className="card" aria-labelledby="usage-model">
          <h2 id="usage-model">{what} by model</h2>
          <BarList
            {...common}
            title={`${what} by model`}
            groupName="Model"
            points={groupSeries(data.byModel, metric, "(no model)")}
          />
        </section>
        <section className="card" aria-labelledby="usage-agent">
          <h2 id="usage-agent">{what} by agent</h2>
          <BarList
            {...common}
            title={`${what} by agent`}
            groupName="Agent"
            points={groupSeries(data.byAgent, metric, "(no agent)")}
          />
        </section>
      </div>
    </>
  );
}
