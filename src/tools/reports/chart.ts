import { z } from "zod";
import { named } from "../api-shape.js";
import { escapeHtml } from "./html.js";

export const chartKinds = ["LINE", "BAR", "PIE", "SCATTER"] as const;

export const chartSeries = named(
  "ReportChartSeriesInput",
  z
    .object({
      name: z.string().min(1).max(200).describe("The series' name (legend)."),
      values: z.array(z.number().finite()).max(10_000).default([]).describe("LINE, BAR, PIE: one value per category."),
      points: z
        .array(z.array(z.number().finite()).length(2))
        .max(10_000)
        .default([])
        .describe("SCATTER: [x, y] pairs."),
    })
    .describe("One data series of a chart."),
);

export const chartInput = named(
  "ReportChartInput",
  z
    .object({
      title: z.string().min(1).max(200).describe("The chart's caption."),
      kind: named("ReportChartKind", z.enum(chartKinds).describe("How the series are drawn."), {
        LINE: "Lines over the categories.",
        BAR: "Bars per category.",
        PIE: "Slices of the first series, one per category.",
        SCATTER: "Points (x, y).",
      }),
      categories: z.array(z.string().max(200)).max(10_000).default([]).describe("The x-axis labels (LINE, BAR, PIE)."),
      series: z.array(chartSeries).min(1).max(20).describe("The data."),
      width: z.number().int().min(100).max(2000).default(640).describe("Width in CSS pixels (default 640)."),
      height: z.number().int().min(100).max(2000).default(320).describe("Height in CSS pixels (default 320)."),
    })
    .describe("A chart drawn by the service as SVG (vector in the PDF) from data series."),
);

export type ChartInput = z.infer<typeof chartInput>;

function optionOf(chart: ChartInput): Record<string, unknown> {
  const base = { animation: false, legend: { top: 0 }, tooltip: { show: false } };
  if (chart.kind === "PIE") {
    const first = chart.series[0]!;
    return {
      ...base,
      series: [
        {
          type: "pie",
          name: first.name,
          radius: "60%",
          data: first.values.map((value, i) => ({ value, name: chart.categories[i] ?? String(i + 1) })),
        },
      ],
    };
  }
  if (chart.kind === "SCATTER") {
    return {
      ...base,
      xAxis: { type: "value" },
      yAxis: { type: "value" },
      series: chart.series.map((s) => ({ type: "scatter", name: s.name, data: s.points })),
    };
  }
  return {
    ...base,
    xAxis: { type: "category", data: chart.categories },
    yAxis: { type: "value" },
    series: chart.series.map((s) => ({ type: chart.kind === "LINE" ? "line" : "bar", name: s.name, data: s.values })),
  };
}

/** The chart as an inline SVG figure (ECharts' server-side SVG renderer: no DOM, no script). */
export async function chartFigure(chart: ChartInput): Promise<string> {
  const echarts = await import("echarts");
  const instance = echarts.init(null, null, { renderer: "svg", ssr: true, width: chart.width, height: chart.height });
  try {
    instance.setOption(optionOf(chart));
    return `<figure>${instance.renderToSVGString()}<figcaption>${escapeHtml(chart.title)}</figcaption></figure>`;
  } finally {
    instance.dispose();
  }
}
