/**
 * What extraction gives for one fetched document, and the limits it works within. Extraction is a
 * pure library (no network, no database): `extract()` in `extract.ts` turns bytes and a content
 * type into these fields. Documents are hostile, so every list it returns is capped by a named limit
 * below and `limitsHit` says which caps cut something.
 */

/** Which extractor read the document (chosen by the content type; see `kindOf` in `extract.ts`). */
export type ExtractedKind = "html" | "pdf" | "text" | "json" | "xml";

export interface ExtractInput {
  /** The body, decompressed (as the fetcher returns it). */
  body: Buffer;
  /** The media type, lower-case, without parameters (e.g. "text/html"). */
  contentType: string;
  /** The charset parameter of the Content-Type header, if any. */
  charset?: string | null;
  /** The document's URL (the final URL after redirects): relative links are resolved against it. */
  url: string;
}

export interface ExtractOptions {
  /** Stops the extraction between stages (and a PDF between pages) with the signal's reason. */
  signal?: AbortSignal;
  /** Time for a whole PDF, in milliseconds; default `extractLimits.pdfTimeoutMs`. */
  pdfTimeoutMs?: number;
}

export interface ExtractedLink {
  /** The link's text, whitespace collapsed (its image's alt text or its title when it has no text). */
  text: string;
  /** Absolute, http or https only. */
  url: string;
  /** The link's rel attribute as written, e.g. "nofollow". */
  rel?: string;
}

export interface ExtractedTable {
  /** The table's caption, whitespace collapsed; null when it has none. */
  caption: string | null;
  /**
   * The header row's cells: the first row of the table's thead, else its first row when every cell
   * of it is a th; empty when the table has neither.
   */
  headers: string[];
  /** Every other row, its cells' text in order (colspan and rowspan are not expanded). */
  rows: string[][];
}

export interface Extracted {
  kind: ExtractedKind;
  title: string | null;
  /** The author(s) as the page names them. */
  byline: string | null;
  siteName: string | null;
  /** The publication time as an ISO-8601 UTC string; null when absent or not a date. */
  publishedAt: string | null;
  /** The document's language as declared (e.g. "en", "en-GB"). */
  lang: string | null;
  /** A description or the opening of the text. */
  excerpt: string | null;
  /** The readable text: paragraphs separated by blank lines, lines (list items, table rows…) by line breaks, table cells by tabs. */
  text: string;
  /** The readable content as Markdown (links absolute). */
  markdown: string;
  /** The readable content as sanitized HTML: no scripts, styles, event handlers, frames or forms. */
  html: string;
  /**
   * The links of the readable content (for HTML: of the article Readability found, not the whole
   * page), once per URL, without those within the page itself (a #fragment of its own URL).
   */
  links: ExtractedLink[];
  /** Every link of the page (navigation, footer…) for HTML, collected alike; the same as `links` for other kinds. */
  pageLinks: ExtractedLink[];
  /** The tables of the readable content (HTML only). */
  tables: ExtractedTable[];
  /** Words of `text` (runs of non-space characters). */
  wordCount: number;
  /** The caps that cut something out of this result (names from `extractLimits`), empty when none did. */
  limitsHit: ExtractLimitName[];
}

/**
 * Every cap extraction applies. The fetcher already caps the body (FETCH_MAX_BYTES, a few MB);
 * these bound the work and the size of what is returned for a body within that cap.
 */
export const extractLimits = {
  /**
   * Element nesting depth of an HTML or XML document: tags opened deeper are dropped before the
   * document is parsed (their text is kept). The parser, Readability and turndown all cost time or
   * stack in proportion to depth; real pages stay well under 100.
   */
  nestingDepth: 256,
  /** Links returned in `links`, and again in `pageLinks`, after removing duplicates. */
  links: 1_000,
  /** Characters of one link's text. */
  linkTextChars: 500,
  /** Tables returned. */
  tables: 50,
  /** Rows of one table (its header row not counted). */
  tableRows: 1_000,
  /** Cells of one row. */
  tableColumns: 100,
  /** Cells of one table, all rows together. */
  tableCells: 10_000,
  /** Characters of one cell's text (longer text is cut and ends with "…"). */
  cellChars: 1_000,
  /** Pages of a PDF read (the first ones). */
  pdfPages: 200,
  /** Time for a whole PDF (loading and every page), in milliseconds. */
  pdfTimeoutMs: 30_000,
  /** JSON-LD blocks of an HTML page read for metadata. */
  jsonLdBlocks: 20,
} as const;

export type ExtractLimitName = keyof typeof extractLimits;
