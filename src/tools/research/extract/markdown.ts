/**
 * Markdown of sanitized readable HTML, by turndown (ATX headings, fenced code, "-" bullets), with
 * two rules of ours: a code block keeps its line breaks (`<br>` included, which turndown's own rule
 * loses) and a table of two columns or more becomes a GFM pipe table, within the table caps (a
 * table cut short says so under it). Links and images keep the absolute URLs the sanitizer wrote.
 * Turndown recurses once per nesting level: the markup's nesting cap keeps that shallow.
 */
import TurndownService from "turndown";
import type { DomElement } from "./dom.js";
import { readTable, type ReadTable } from "./tables.js";
import { readableText } from "./text.js";

const asElement = (node: TurndownService.Node): DomElement => node as unknown as DomElement;

/** The table as data when it is a GFM table's worth (two columns or more); null otherwise. */
function gfmCandidate(node: DomElement, seen: WeakMap<DomElement, ReadTable | null>): ReadTable | null {
  if (seen.has(node)) return seen.get(node)!;
  const read = readTable(node);
  const columns = Math.max(read.table.headers.length, ...read.table.rows.map((row) => row.length));
  const result = columns >= 2 ? read : null;
  seen.set(node, result);
  return result;
}

function gfmTable({ table, limitsHit }: ReadTable, escape: (text: string) => string): string {
  const columns = Math.max(table.headers.length, ...table.rows.map((row) => row.length));
  const line = (cells: readonly string[]) =>
    `| ${Array.from({ length: columns }, (_, i) => escape(cells[i] ?? "").replace(/\|/g, "\\|")).join(" | ")} |`;
  const lines = [line(table.headers), `|${" --- |".repeat(columns)}`, ...table.rows.map(line)];
  if (table.caption) lines.unshift(`${escape(table.caption)}\n`);
  if (limitsHit.length > 0)
    lines.push(`\n_(table cut short: ${table.rows.length} rows of at most ${columns} cells kept)_`);
  return lines.join("\n");
}

function createService(): TurndownService {
  const service = new TurndownService({
    headingStyle: "atx",
    codeBlockStyle: "fenced",
    bulletListMarker: "-",
    hr: "---",
    emDelimiter: "_",
    strongDelimiter: "**",
    linkStyle: "inlined",
  });
  service.addRule("codeBlockWithBreaks", {
    filter: (node) => node.nodeName === "PRE",
    replacement: (_content, node) => {
      const pre = asElement(node);
      const language = /(?:^|\s)lang(?:uage)?-([\w+#.-]+)/.exec(pre.querySelector("code")?.getAttribute("class") ?? "");
      const code = readableText(pre).replace(/\n+$/, "");
      const longestFence = Math.max(2, ...(code.match(/^`{3,}/gm) ?? []).map((fence) => fence.length));
      const fence = "`".repeat(longestFence + 1);
      return `\n\n${fence}${language?.[1] ?? ""}\n${code}\n${fence}\n\n`;
    },
  });
  const tables = new WeakMap<DomElement, ReadTable | null>();
  service.addRule("gfmTable", {
    filter: (node) => node.nodeName === "TABLE" && gfmCandidate(asElement(node), tables) !== null,
    replacement: (_content, node) =>
      `\n\n${gfmTable(gfmCandidate(asElement(node), tables)!, (t) => service.escape(t))}\n\n`,
  });
  return service;
}

let service: TurndownService | undefined;

/** The Markdown of `root`'s content. */
export function toMarkdown(root: DomElement): string {
  service ??= createService();
  return service.turndown(root as unknown as TurndownService.Node);
}
