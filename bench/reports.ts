/**
 * What the report pipeline costs over Chromium's own printing: a warm 3-page task-like report with
 * one chart (the chart drawn to SVG by ECharts, the document built, printed through the renderer's
 * pool with request interception, metadata set with pdf-lib) against a bare page.pdf() of the same
 * HTML with the same options in the same browser. Interleaved, after warm-up; p50 and p95.
 */
import { DEFAULT_CHROMIUM_PATH } from "../src/config.js";
import { PdfRenderer, withMetadata, type PdfPrintOptions } from "../src/infra/reports/pdf-renderer.js";
import { chartFigure, type ChartInput } from "../src/tools/reports/chart.js";
import { documentHtml, headerFooter, paragraphs } from "../src/tools/reports/html.js";
import { p50p95, median, ms, type Bench, type BenchResult } from "./lib.js";

const RUNS = 40;
const WARMUP = 5;
/** The pipeline may add at most this share over the bare print (a report is made once, after minutes of work). */
const TARGET_RATIO = 1.5;

const chart: ChartInput = {
  title: "Revenue by quarter",
  kind: "LINE",
  categories: ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8"],
  series: [
    { name: "Revenue", values: [12, 19, 23, 31, 28, 35, 41, 47], points: [] },
    { name: "Cost", values: [10, 11, 15, 18, 20, 22, 25, 27], points: [] },
  ],
  width: 640,
  height: 320,
};

const text = Array.from(
  { length: 8 },
  (_, i) =>
    `Paragraph ${i + 1}. ${"The quarter closed with steady growth across every region and product line. ".repeat(6)}`,
).join("\n\n");

async function reportHtml(): Promise<string> {
  return documentHtml({
    title: "Quarterly report",
    author: "bench",
    date: new Date(),
    cover: false,
    toc: false,
    sections: [
      { id: "summary", title: "Summary", html: paragraphs(text) },
      { id: "charts", title: "Charts", html: await chartFigure(chart) },
      { id: "more", title: "Details", html: paragraphs(text) },
    ],
  });
}

const print: PdfPrintOptions = {
  format: "A4",
  landscape: false,
  margin: { top: "20mm", right: "15mm", bottom: "20mm", left: "15mm" },
  ...headerFooter("Quarterly report", undefined),
};

export const reportsBench: Bench = {
  name: "reports",
  description: "a warm 3-page report with one chart against a bare page.pdf() of the same HTML in the same browser",
  async run(): Promise<BenchResult> {
    const renderer = new PdfRenderer({
      chromiumPath: process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH,
      maxConcurrent: 1,
      timeoutMs: 60_000,
      maxBytes: 50 * 1024 * 1024,
    });
    try {
      const fixedHtml = await reportHtml();
      let pages = 0;
      const parts = { html: [] as number[], print: [] as number[], metadata: [] as number[] };
      const full = async () => {
        let t = performance.now();
        const html = await reportHtml();
        parts.html.push(performance.now() - t);
        t = performance.now();
        const pdf = await renderer.render(html, print);
        parts.print.push(performance.now() - t);
        t = performance.now();
        pages = (
          await withMetadata(pdf, {
            title: "Quarterly report",
            author: "bench",
            subject: "bench",
            createdAt: new Date(),
          })
        ).pages;
        parts.metadata.push(performance.now() - t);
      };
      const bare = () => renderer.renderBare(fixedHtml, print);
      for (let i = 0; i < WARMUP; i++) {
        await full();
        await bare();
      }
      const fullMs: number[] = [];
      const bareMs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        let t0 = performance.now();
        await full();
        fullMs.push(performance.now() - t0);
        t0 = performance.now();
        await bare();
        bareMs.push(performance.now() - t0);
      }
      const f = p50p95(fullMs);
      const b = p50p95(bareMs);
      const ratio = f.p50 / b.p50;
      return {
        figures: [
          { name: "report p50", value: ms(f.p50), baseline: ms(b.p50), note: `×${ratio.toFixed(2)}` },
          { name: "report p95", value: ms(f.p95), baseline: ms(b.p95), note: `×${(f.p95 / b.p95).toFixed(2)}` },
        ],
        targets: [
          {
            name: "report p50 over bare page.pdf() p50",
            measured: `×${ratio.toFixed(2)}`,
            target: `≤ ×${TARGET_RATIO}`,
            pass: ratio <= TARGET_RATIO,
          },
        ],
        notes: [
          `${pages} pages, ${RUNS} runs each after ${WARMUP} warm-up runs, interleaved.`,
          `report p50 by step: chart + document ${ms(median(parts.html.slice(WARMUP)))}, print (pooled page, interception) ${ms(
            median(parts.print.slice(WARMUP)),
          )}, metadata (pdf-lib load + save) ${ms(median(parts.metadata.slice(WARMUP)))}`,
        ],
      };
    } finally {
      await renderer.close();
    }
  },
};
