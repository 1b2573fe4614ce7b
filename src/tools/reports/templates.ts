import { chartFigure, type ChartInput } from "./chart.js";
import { escapeHtml, paragraphs, tableHtml, type ReportSection } from "./html.js";

/** What a task report and a research brief say about a task, read from the service's records. */
export interface TaskFacts {
  task: { id: string; title: string; status: string; summary: string | null; description: string; createdAt: Date };
  /** Each status the task entered, from its STATUS_CHANGE events. */
  phases: ReadonlyArray<{ status: string; at: Date }>;
  usage: { calls: number; promptTokens: number; completionTokens: number; totalTokens: number; costUsd: number };
  links: ReadonlyArray<{
    kind: string;
    url: string;
    repository: string;
    number: number | null;
    state: string;
    title: string;
  }>;
  sources: ReadonlyArray<{
    id: string;
    title: string;
    url: string;
    siteName: string | null;
    authors: readonly string[];
    accessedAt: Date;
  }>;
  citations: ReadonlyArray<{
    number: number;
    sourceId: string | null;
    claim: string;
    quote: string;
    verified: boolean;
  }>;
  /** Files under output/ (path relative to the workspace, size in bytes). */
  files: ReadonlyArray<{ path: string; size: number }>;
}

/** What the caller adds to a template. */
export interface ReportData {
  summary?: string | null;
  charts: readonly ChartInput[];
  sections: ReadonlyArray<{ heading: string; text: string }>;
}

const iso = (d: Date) =>
  d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");

async function extraSections(data: ReportData): Promise<ReportSection[]> {
  const out: ReportSection[] = data.sections.map((s, i) => ({
    id: `section-${i + 1}`,
    title: s.heading,
    html: paragraphs(s.text),
  }));
  if (data.charts.length > 0) {
    const figures = await Promise.all(data.charts.map(chartFigure));
    out.push({ id: "charts", title: "Charts", html: figures.join("") });
  }
  return out;
}

const sourceList = (facts: TaskFacts) =>
  facts.sources.length === 0
    ? `<p class="muted">None.</p>`
    : `<ol>${facts.sources
        .map(
          (s) =>
            `<li>${escapeHtml(s.title || s.url)}${s.authors.length ? `, ${escapeHtml(s.authors.join(", "))}` : ""}${
              s.siteName ? `, <i>${escapeHtml(s.siteName)}</i>` : ""
            }. ${escapeHtml(s.url)} (accessed ${s.accessedAt.toISOString().slice(0, 10)})</li>`,
        )
        .join("")}</ol>`;

/** Summary, phases with timestamps, files in output/, usage and cost, links, sources, then the caller's sections and charts. */
export async function taskReportSections(facts: TaskFacts, data: ReportData): Promise<ReportSection[]> {
  const { task, usage } = facts;
  return [
    {
      id: "summary",
      title: "Summary",
      html: `<p><b>Status:</b> ${escapeHtml(task.status)} · <b>Task:</b> ${escapeHtml(task.id)}</p>${paragraphs(
        data.summary ?? task.summary ?? task.description,
      )}`,
    },
    {
      id: "phases",
      title: "Phases",
      html: tableHtml(
        ["Phase", "Entered"],
        facts.phases.map((p) => [p.status, iso(p.at)]),
      ),
    },
    {
      id: "files",
      title: "Files produced",
      html: tableHtml(
        ["Path", "Bytes"],
        facts.files.map((f) => [f.path, f.size]),
      ),
    },
    {
      id: "usage",
      title: "Usage and cost",
      html: tableHtml(
        ["Model calls", "Prompt tokens", "Completion tokens", "Total tokens", "Cost (USD)"],
        [[usage.calls, usage.promptTokens, usage.completionTokens, usage.totalTokens, usage.costUsd.toFixed(4)]],
      ),
    },
    {
      id: "links",
      title: "Linked issues and pull requests",
      html: tableHtml(
        ["Kind", "Repository", "Number", "State", "Title", "URL"],
        facts.links.map((l) => [l.kind, l.repository, l.number ?? "", l.state, l.title, l.url]),
      ),
    },
    { id: "sources", title: "Sources", html: sourceList(facts) },
    ...(await extraSections(data)),
  ];
}

/** The synthesis with its [n] markers as numbered citations, the claims and quotes, and the bibliography. */
export async function researchBriefSections(facts: TaskFacts, data: ReportData): Promise<ReportSection[]> {
  const synthesis = data.summary ?? facts.task.summary ?? "";
  const cited = paragraphs(synthesis).replace(/\[(\d{1,3})\]/g, '<sup class="cite">[$1]</sup>');
  return [
    { id: "synthesis", title: "Synthesis", html: cited || `<p class="muted">No synthesis.</p>` },
    {
      id: "citations",
      title: "Citations",
      html: tableHtml(
        ["#", "Claim", "Quote", "Verified"],
        facts.citations.map((c) => [c.number, c.claim, c.quote, c.verified ? "yes" : "no"]),
      ),
    },
    { id: "bibliography", title: "Bibliography", html: sourceList(facts) },
    ...(await extraSections(data)),
  ];
}

/** A custom document: the workspace file's sanitized HTML, then the caller's sections and charts. */
export async function customSections(html: string, data: ReportData): Promise<ReportSection[]> {
  return [{ id: "document", title: "Document", html }, ...(await extraSections(data))];
}
