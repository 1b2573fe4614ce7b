/**
 * A research run's bibliography: its sources as CSL-JSON, rendered by citation-js in APA (7th
 * edition, citation-js's built-in style), MLA (7th edition, the `style-mla` CSL style) and BibTeX.
 * Nothing is formatted by hand: a style's rules are the CSL file's.
 *
 * citation-js registers its plugins when it is imported and takes about half a second to load
 * (and its CSL engine a second or more for its first bibliography): it is imported on the first
 * bibliography, not when the service starts.
 */
import type { SourceRecord } from "../../domain/records.js";

export interface Bibliography {
  /** APA 7th edition, one entry per line, in the style's order (by author). */
  apa: string;
  /** MLA 7th edition, one entry per line. */
  mla: string;
  /** BibTeX entries (references.bib). */
  bibtex: string;
}

/** The name the MLA style is registered under with citation-js. */
const MLA_TEMPLATE = "mla";

type CslNode = { name: string; attrs?: Record<string, string | number>; children?: Array<CslNode | string> };

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The style tree as CSL XML (citation-js 0.8 registers styles as XML text). */
function cslXml(node: CslNode | string): string {
  if (typeof node === "string") return escapeXml(node);
  const attrs = Object.entries(node.attrs ?? {})
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join("");
  const children = (node.children ?? []).map(cslXml).join("");
  return children ? `<${node.name}${attrs}>${children}</${node.name}>` : `<${node.name}${attrs}/>`;
}

type CitationJs = typeof import("@citation-js/core");

let loaded: Promise<CitationJs> | undefined;

/** citation-js with its CSL and BibTeX plugins, and the MLA style registered (once per process). */
function citationJs(): Promise<CitationJs> {
  loaded ??= (async () => {
    const core = await import("@citation-js/core");
    await import("@citation-js/plugin-csl");
    await import("@citation-js/plugin-bibtex");
    const mla = (await import("style-mla")).default as CslNode;
    const styles = core.plugins.config.get("@csl").styles;
    if (!styles.has(MLA_TEMPLATE)) styles.add(MLA_TEMPLATE, `<?xml version="1.0" encoding="utf-8"?>${cslXml(mla)}`);
    return core;
  })();
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

type CslName = { family: string; given?: string } | { literal: string };

/** An author as CSL names one: "Family, Given", "Given Family", or (an organisation) as written. */
export function cslName(author: string): CslName {
  const name = author
    .replace(/^\s*by\s+/i, "")
    .replace(/\s+/g, " ")
    .trim();
  const comma = /^([^,]+),\s*([^,]+)$/.exec(name);
  if (comma) return { family: comma[1]!.trim(), given: comma[2]!.trim() };
  const words = name.split(" ");
  const personal = words.length >= 2 && words.length <= 4 && words.every((w) => /^\p{Lu}[\p{L}'.-]*$/u.test(w));
  if (!personal) return { literal: name };
  return { family: words[words.length - 1]!, given: words.slice(0, -1).join(" ") };
}

const dateParts = (d: Date): { "date-parts": number[][] } => ({
  "date-parts": [[d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]],
});

/** One source as a CSL-JSON item (`id` is its number in the run). */
export function cslItem(source: SourceRecord, number: number): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id: `source-${number}`,
    type: source.contentType === "application/pdf" ? "document" : "webpage",
    title: source.title || source.finalUrl,
    URL: source.finalUrl,
    accessed: dateParts(source.accessedAt),
  };
  const authors = source.authors.filter((a) => a.trim() !== "").map(cslName);
  if (authors.length > 0) item.author = authors;
  if (source.siteName) item["container-title"] = source.siteName;
  if (source.publishedAt) item.issued = dateParts(source.publishedAt);
  return item;
}

/** The sources' bibliography in APA, MLA and BibTeX (empty strings for no sources). */
export async function renderBibliography(sources: readonly SourceRecord[]): Promise<Bibliography> {
  if (sources.length === 0) return { apa: "", mla: "", bibtex: "" };
  const { Cite } = await citationJs();
  const cite = new Cite(sources.map((s, i) => cslItem(s, i + 1)));
  return {
    apa: cite.format("bibliography", { template: "apa", format: "text", lang: "en-US" }).trim(),
    mla: cite.format("bibliography", { template: MLA_TEMPLATE, format: "text", lang: "en-US" }).trim(),
    bibtex: cite.format("bibtex", { format: "text" }).trim(),
  };
}
