/**
 * PDF documents, read with pdfjs-dist's legacy build (the one for Node). On Node pdfjs runs its
 * "worker" in this thread (its fake worker; no Worker, no eval: `isEvalSupported: false`), reads
 * only the bytes given and, for fonts and CMaps, the data files of the pdfjs-dist package: nothing
 * is fetched. At most `extractLimits.pdfPages` pages are read and the whole extraction gets
 * `extractLimits.pdfTimeoutMs` (LIMIT_EXCEEDED, limit "time", past it). The time limit and the
 * caller's signal take effect between pages (this loop yields to the event loop before each) and
 * where pdfjs itself yields while it reads a page; a single page's longest stretch of synchronous
 * work (two million text operators on one page: about 1.7 s here) cannot be interrupted.
 *
 * Text: each page's text items in content-stream order (the order the producer wrote, which is the
 * reading order of nearly every PDF; items are not re-sorted, which would interleave columns). An
 * item starts a new line where pdfjs marks the end of a line or where its baseline moves by more
 * than half its font size; a blank line where the baseline drops by more than 1.8 font sizes (about
 * one and a half lines) or jumps back up (a new column or block); a space where the gap to the previous item on the line is
 * wider than 0.15 of the font size. Pages are separated by a blank line in `text`, and by a
 * thematic break (`---`) in `markdown`. Links are the page's URI link annotations, their text the
 * text items whose origin lies inside the link's rectangle.
 *
 * A document pdfjs cannot read is FETCH_FAILED with reason "malformed" ("encrypted" when it needs
 * a password), never a crash and never a partial result.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import TurndownService from "turndown";
import { DomainError } from "../../../domain/errors.js";
import { clip, collapseWhitespace } from "./dom.js";
import type { ExtractInput, Extracted, ExtractedLink, ExtractLimitName, ExtractOptions } from "./extracted.js";
import { extractLimits } from "./extracted.js";
import { isoDate } from "./metadata.js";
import { resolveUrl } from "./sanitize.js";
import { countWords } from "./text.js";

type Pdfjs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");

/** A positioned run of text, as pdfjs's getTextContent gives it. */
interface TextRun {
  str: string;
  transform: number[];
  width: number;
  height: number;
  hasEOL: boolean;
}

interface PageContent {
  /** Lines, with "" between paragraphs. */
  lines: string[];
  links: ExtractedLink[];
}

const isTextRun = (item: object): item is TextRun => "str" in item && "transform" in item;

/** The folder of the pdfjs-dist package: its fonts and CMaps are read from there. */
function pdfjsDataDir(): string {
  return dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
}

/** The separator between two consecutive runs of a page (see the module comment). */
function separator(previous: TextRun, next: TextRun): "" | " " | "\n" | "\n\n" {
  const size = Math.max(Math.hypot(next.transform[2]!, next.transform[3]!), next.height, 1);
  const rise = next.transform[5]! - previous.transform[5]!;
  const newLine = previous.hasEOL || Math.abs(rise) > size / 2;
  if (newLine) return rise > size / 2 || -rise > 1.8 * size ? "\n\n" : "\n";
  const gap = next.transform[4]! - (previous.transform[4]! + previous.width);
  const joined = /\s$/.test(previous.str) || /^\s/.test(next.str);
  return gap > 0.15 * size && !joined ? " " : "";
}

function pageLines(runs: readonly TextRun[]): string[] {
  let text = "";
  let previous: TextRun | undefined;
  for (const run of runs) {
    if (run.str === "") {
      // pdfjs ends a line with an empty run
      if (previous !== undefined && run.hasEOL) previous = { ...previous, hasEOL: true };
      continue;
    }
    if (previous !== undefined) text += separator(previous, run);
    text += run.str;
    previous = run;
  }
  const lines = text
    .split("\n")
    .map((line) => line.replace(/[ \t]+/g, " ").trim())
    .filter((line, index, all) => line !== "" || (index > 0 && all[index - 1] !== ""));
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

interface LinkAnnotation {
  subtype?: string;
  url?: string;
  rect?: number[];
}

function annotationLinks(annotations: readonly LinkAnnotation[], runs: readonly TextRun[], base: string) {
  const links: ExtractedLink[] = [];
  for (const annotation of annotations.slice(0, extractLimits.links)) {
    if (annotation.subtype !== "Link" || typeof annotation.url !== "string") continue;
    const url = resolveUrl(annotation.url, base);
    if (url === null) continue;
    const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = annotation.rect ?? [];
    const inside = runs.filter((run) => {
      const [x, y] = [run.transform[4]!, run.transform[5]!];
      // A run belongs to the link when it starts inside the rectangle (the baseline may sit on its edge).
      return (
        x >= Math.min(x1, x2) - 1 && x < Math.max(x1, x2) - 1 && y >= Math.min(y1, y2) - 1 && y <= Math.max(y1, y2)
      );
    });
    links.push({ text: clip(pageLines(inside).join(" "), extractLimits.linkTextChars), url });
  }
  return links;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** Paragraphs of a page: runs of lines between blank ones. */
const paragraphs = (lines: readonly string[]): string[] =>
  lines
    .join("\n")
    .split(/\n{2,}/)
    .filter((paragraph) => paragraph.trim() !== "");

function pdfDate(value: unknown): string | null {
  if (typeof value !== "string") return null;
  if (!value.startsWith("D:")) return isoDate(value);
  const match = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Z+-])?(\d{2})?'?(\d{2})?'?/.exec(value);
  if (match === null) return null;
  const [, year, month = "01", day = "01", hour = "00", minute = "00", second = "00", zone, zoneHours, zoneMinutes] =
    match;
  const offset = zone === "+" || zone === "-" ? `${zone}${zoneHours ?? "00"}:${zoneMinutes ?? "00"}` : "Z";
  return isoDate(`${year}-${month}-${day}T${hour}:${minute}:${second}${offset}`);
}

const stringOr = (...values: unknown[]): string | null => {
  for (const value of values) {
    if (typeof value === "string" && value.trim() !== "") return collapseWhitespace(value);
  }
  return null;
};

/** Rejects once `signal` aborts, with its reason (never resolves). */
function aborted(signal: AbortSignal): Promise<never> {
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  promise.catch(() => undefined); // only awaited in a race
  return promise;
}

/** Extracts a PDF (see the module comment). */
export async function extractPdf(input: ExtractInput, options: ExtractOptions = {}): Promise<Extracted> {
  const { signal, pdfTimeoutMs: timeoutMs = extractLimits.pdfTimeoutMs } = options;
  const stop = new AbortController();
  const timer = setTimeout(
    () =>
      stop.abort(
        new DomainError("LIMIT_EXCEEDED", `Reading the PDF took longer than ${timeoutMs} ms`, {
          limit: "time",
          timeoutMs,
          url: input.url,
        }),
      ),
    timeoutMs,
  );
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const stopped = aborted(stop.signal);
  const pdfjs: Pdfjs = await Promise.race([import("pdfjs-dist/legacy/build/pdf.mjs"), stopped]);
  const dataDir = pdfjsDataDir();
  const task = pdfjs.getDocument({
    data: new Uint8Array(input.body), // a copy: pdfjs takes the buffer over
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    useWorkerFetch: false,
    enableXfa: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
    cMapUrl: join(dataDir, "cmaps") + "/",
    standardFontDataUrl: join(dataDir, "standard_fonts") + "/",
  });
  try {
    return await readPdf(task, input, (promise) => Promise.race([promise, stopped]));
  } catch (error) {
    if (stop.signal.aborted) throw stop.signal.reason;
    if (error instanceof DomainError) throw error;
    throw unreadable(error, input.url);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    await task.destroy().catch(() => undefined);
  }
}

function unreadable(error: unknown, url: string): DomainError {
  const name = error instanceof Error ? error.name : "Error";
  const detail = clip(error instanceof Error ? error.message : String(error), 200);
  if (name === "PasswordException") {
    return new DomainError("FETCH_FAILED", "The PDF is encrypted and needs a password", { reason: "encrypted", url });
  }
  return new DomainError("FETCH_FAILED", `The PDF cannot be read: ${detail}`, { reason: "malformed", url, detail });
}

type LoadingTask = ReturnType<Pdfjs["getDocument"]>;

async function readPdf(
  task: LoadingTask,
  input: ExtractInput,
  guard: <T>(promise: Promise<T>) => Promise<T>,
): Promise<Extracted> {
  const pdf = await guard(task.promise);
  const { info, metadata } = await guard(pdf.getMetadata());
  const fields = (info ?? {}) as Record<string, unknown>;
  const limitsHit: ExtractLimitName[] = [];
  const pageCount = Math.min(pdf.numPages, extractLimits.pdfPages);
  if (pdf.numPages > extractLimits.pdfPages) limitsHit.push("pdfPages");
  const pages: PageContent[] = [];
  for (let number = 1; number <= pageCount; number++) {
    // pdfjs's fake worker answers through promises only: let timers (the time limit) and other work run.
    await guard(new Promise((resolve) => setImmediate(resolve)));
    const page = await guard(pdf.getPage(number));
    const content = await guard(page.getTextContent());
    const runs: TextRun[] = [];
    for (const item of content.items) if (isTextRun(item)) runs.push(item);
    const annotations = (await guard(page.getAnnotations({ intent: "display" }))) as LinkAnnotation[];
    pages.push({ lines: pageLines(runs), links: annotationLinks(annotations, runs, input.url) });
    page.cleanup();
  }
  const pageTexts = pages.map((page) => page.lines.join("\n"));
  const text = pageTexts.filter((pageText) => pageText !== "").join("\n\n");
  const links = dedupeLinks(
    pages.flatMap((page) => page.links),
    limitsHit,
  );
  const firstParagraph = pages.flatMap((page) => paragraphs(page.lines))[0];
  return {
    kind: "pdf",
    title: stringOr(fields.Title, metadata?.get("dc:title")),
    byline: stringOr(fields.Author, metadata?.get("dc:creator")),
    siteName: null,
    publishedAt: pdfDate(fields.CreationDate) ?? isoDate(stringOr(metadata?.get("xmp:createdate"))),
    lang: stringOr(fields.Language, metadata?.get("dc:language")),
    excerpt: stringOr(fields.Subject) ?? (firstParagraph ? clip(collapseWhitespace(firstParagraph), 500) : null),
    text,
    markdown: markdownOf(pageTexts),
    html: pages
      .map(
        (page) =>
          `<section>${paragraphs(page.lines)
            .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
            .join("")}</section>`,
      )
      .join("\n"),
    links,
    pageLinks: links,
    tables: [],
    wordCount: countWords(text),
    limitsHit,
  };
}

function dedupeLinks(links: readonly ExtractedLink[], limitsHit: ExtractLimitName[]): ExtractedLink[] {
  const byUrl = new Map<string, ExtractedLink>();
  for (const link of links) {
    const known = byUrl.get(link.url);
    if (known !== undefined) {
      if (known.text === "") known.text = link.text;
    } else if (byUrl.size >= extractLimits.links) {
      limitsHit.push("links");
      break;
    } else byUrl.set(link.url, { ...link });
  }
  return [...byUrl.values()];
}

/** Each page's text with Markdown's characters escaped; pages separated by a thematic break. */
function markdownOf(pageTexts: readonly string[]): string {
  markdownEscaper ??= new TurndownService();
  const escaper = markdownEscaper;
  return (
    pageTexts
      .filter((pageText) => pageText !== "")
      // turndown's escapes of line starts (#, -, >, 1.…) look at the start of the string: one line at a time.
      .map((pageText) =>
        pageText
          .split("\n")
          .map((line) => escaper.escape(line))
          .join("\n"),
      )
      .join("\n\n---\n\n")
  );
}

let markdownEscaper: TurndownService | undefined;
