/**
 * The citation format the research synthesis is written in, and its check. Every claim ends with
 * one or more citations `[n: "exact words from source n"]`; a citation is verified when source n
 * is one of the run's sources and the quote is in its text, compared after normalising both
 * (Unicode NFKC, lower case, curly quotes and dashes made plain, runs of whitespace as one space).
 * An ellipsis (`...` or `…`) in a quote stands for words left out: each part must be in the text,
 * in order.
 */

/** A citation as the synthesis writes it, with the claim it backs. */
export interface ParsedCitation {
  /** The number the synthesis cites. */
  number: number;
  quote: string;
  /** The words before the citation, back to the start of the sentence (citations removed). */
  claim: string;
  /** The citation as written, to quote it back to the model. */
  raw: string;
}

/** A source as the check sees it: its number in the run and its whole text. */
export interface CheckedSource {
  number: number;
  text: string;
}

export interface CitationCheck extends ParsedCitation {
  verified: boolean;
  /** Why it is not verified; null when it is. */
  problem: string | null;
}

/** Fewer words than this cannot show where a claim comes from ("the", "in 2019"). */
export const MIN_QUOTE_WORDS = 3;

/** Rounds in which unverified citations are sent back to the model to fix. */
export const FIX_ROUNDS = 2;

/** `[2: "words"]`, with straight or curly double quotes. */
const citationPattern = /\[\s*(\d{1,4})\s*:\s*["“”]([^"“”\]]{1,4000})["“”]\s*\]/g;

/** What the model is told about the format (the system prompt quotes it). */
export const CITATION_FORMAT = `Cite as [n: "exact words"]: n is the number of the source, and the words in double quotes are copied exactly from that source's text (${MIN_QUOTE_WORDS} to 40 consecutive words; mark words left out with ...). Put one or more citations right after each claim, before the next sentence starts. Example: Rust has no garbage collector [2: "Rust does not use a garbage collector"].`;

/** A text as quotes are compared: NFKC, lower case, plain quotes and dashes, single spaces. */
export function normalizeForMatch(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u2018\u2019\u201a\u201b\u2032`´]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f\u2033«»]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, "-")
    .replace(/\u00ad/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Whether `quote` is in `text` (both normalised); an ellipsis in the quote skips words, in order. */
export function quoteIn(quote: string, normalizedText: string): boolean {
  const parts = normalizeForMatch(quote)
    .split(/\s*(?:\.\.\.|…)\s*/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (parts.length === 0) return false;
  let from = 0;
  for (const part of parts) {
    const at = normalizedText.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return true;
}

const wordCount = (text: string): number => text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

/** The citations of a synthesis in order, each with its claim. */
export function parseCitations(synthesis: string): ParsedCitation[] {
  const found: ParsedCitation[] = [];
  let lastEnd = 0;
  let lastClaim = "";
  for (const m of synthesis.matchAll(citationPattern)) {
    const start = m.index;
    const between = synthesis.slice(lastEnd, start);
    // The claim runs back to the last sentence end or line break before the citation.
    const sentence = between.split(/(?<=[.!?])\s+|\n+/).pop() ?? "";
    const claim = sentence.replace(/\s+/g, " ").trim();
    // Citations side by side back the same claim.
    const own = claim.replace(/^[.,;:!?\s]+$/, "");
    lastClaim = own === "" ? lastClaim : own;
    found.push({ number: Number(m[1]), quote: (m[2] ?? "").trim(), claim: lastClaim, raw: m[0] });
    lastEnd = start + m[0].length;
  }
  return found;
}

/** Checks each citation against the run's sources. */
export function checkCitations(
  citations: readonly ParsedCitation[],
  sources: readonly CheckedSource[],
): CitationCheck[] {
  const texts = new Map(sources.map((s) => [s.number, normalizeForMatch(s.text)]));
  const numbers = sources.map((s) => s.number).sort((a, b) => a - b);
  const range = numbers.length === 0 ? "there are no sources" : `the sources are numbered ${numbers.join(", ")}`;
  return citations.map((c) => {
    const text = texts.get(c.number);
    let problem: string | null = null;
    if (text === undefined) problem = `source ${c.number} does not exist: ${range}`;
    else if (wordCount(c.quote) < MIN_QUOTE_WORDS) {
      problem = `the quote is too short to check: quote at least ${MIN_QUOTE_WORDS} words of source ${c.number}`;
    } else if (!quoteIn(c.quote, text)) problem = `the quote is not in the text of source ${c.number}`;
    return { ...c, verified: problem === null, problem };
  });
}

/** The message that sends unverified citations back to the model (null when there is nothing to fix). */
export function fixRequest(checks: readonly CitationCheck[]): string | null {
  if (checks.length === 0) {
    return `Your synthesis cites no source. Rewrite it so that every claim is followed by a citation. ${CITATION_FORMAT}`;
  }
  const bad = checks.filter((c) => !c.verified);
  if (bad.length === 0) return null;
  const lines = bad.map((c, i) => `${i + 1}. ${c.raw} (after "${c.claim.slice(0, 120)}"): ${c.problem}`);
  return [
    `${bad.length} of your ${checks.length} citations could not be verified:`,
    ...lines,
    "Rewrite the whole synthesis with these citations fixed: copy the quoted words exactly as they appear in the source, cite the source that does say it, or drop the claim. Keep the other citations as they are and the same format.",
  ].join("\n");
}
