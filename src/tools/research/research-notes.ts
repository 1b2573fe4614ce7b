/**
 * The markdown files a research run leaves in `research/`: notes.md (what was searched, read,
 * refused and sent back), synthesis.md (the answer and the state of each citation) and
 * bibliography.md (APA and MLA as citation-js rendered them; BibTeX is references.bib).
 */
import type { SourceRecord } from "../../domain/records.js";
import type { Bibliography } from "./bibliography.js";
import type { CitationCheck } from "./citations.js";

/** A page the run could not read, and why. */
export interface FetchFailure {
  url: string;
  /** The error code (FETCH_FAILED, POLICY_DENIED, LIMIT_EXCEEDED…). */
  code: string;
  message: string;
}

export interface ResearchRun {
  researchId: string;
  question: string;
  started: Date;
  /** Search results considered (ads and repeats left out). */
  candidates: number;
  /** The run's sources, numbered from 1 in this order. */
  sources: readonly SourceRecord[];
  failures: readonly FetchFailure[];
  /** The messages that sent unverified citations back to the model. */
  sentBack: readonly string[];
  synthesis: string;
  checks: readonly CitationCheck[];
  bibliography: Bibliography;
}

const line = (text: string): string => text.replace(/\s+/g, " ").trim();

const sourceLine = (s: SourceRecord, i: number): string =>
  `[${i + 1}] ${line(s.title)}: <${s.finalUrl}> (${s.textPath})`;

export function researchNotes(run: ResearchRun): string {
  const verified = run.checks.filter((c) => c.verified).length;
  const out = [
    `# Research notes`,
    "",
    `- Question: ${line(run.question)}`,
    `- Research run: ${run.researchId}`,
    `- Started: ${run.started.toISOString()}`,
    `- Search results considered: ${run.candidates}`,
    `- Sources: ${run.sources.length}`,
    `- Citations: ${run.checks.length} (${verified} verified, ${run.checks.length - verified} unverified)`,
    "",
    "## Sources",
    "",
    ...(run.sources.length > 0 ? run.sources.map((s, i) => `- ${sourceLine(s, i)}`) : ["None."]),
    "",
    "## Pages that could not be read",
    "",
    ...(run.failures.length > 0 ? run.failures.map((f) => `- <${f.url}>: ${f.code}: ${line(f.message)}`) : ["None."]),
    "",
    "## Citations sent back to the model",
    "",
    ...(run.sentBack.length > 0
      ? run.sentBack.flatMap((text, i) => [`### Round ${i + 1}`, "", text, ""])
      : ["None: every citation checked out the first time.", ""]),
  ];
  return `${out.join("\n")}\n`;
}

export function synthesisFile(run: ResearchRun): string {
  const unverified = run.checks.filter((c) => !c.verified);
  const out = [
    `# ${line(run.question)}`,
    "",
    run.synthesis || "(The model gave no synthesis.)",
    "",
    "## Sources",
    "",
    ...run.sources.map((s, i) => `${sourceLine(s, i)}  `),
    "",
    "## Unverified citations",
    "",
    ...(unverified.length > 0
      ? unverified.map((c) => `- ${c.raw}: ${c.problem ?? ""}`)
      : ["None: every quote was found in the source it cites."]),
  ];
  return `${out.join("\n")}\n`;
}

export function bibliographyFile(run: ResearchRun): string {
  const out = [
    "# Bibliography",
    "",
    `Sources of the research on: ${line(run.question)}`,
    "",
    "## APA (7th edition)",
    "",
    run.bibliography.apa.split("\n").join("\n\n"),
    "",
    "## MLA (7th edition)",
    "",
    run.bibliography.mla.split("\n").join("\n\n"),
    "",
    "BibTeX: references.bib",
  ];
  return `${out.join("\n")}\n`;
}
