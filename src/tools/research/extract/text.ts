/**
 * Readable plain text of a DOM subtree: whitespace collapsed as a browser renders it, paragraphs
 * and other blocks separated by a blank line, list items, divisions, table rows and `<br>` by a line
 * break, table cells by a tab, `<pre>` kept as written. The words are those of the subtree's text
 * content (less scripts, styles, SVG and the like); only whitespace differs. Iterative, so any depth
 * is safe.
 */
import { type DomElement, type DomNode, isElement, TEXT_NODE, CDATA_SECTION_NODE } from "./dom.js";

/** Separators by strength: a stronger one wins where several meet. */
const Gap = { None: 0, Space: 1, Cell: 2, Line: 3, Paragraph: 4 } as const;
type Gap = (typeof Gap)[keyof typeof Gap];
const GAP_TEXT = ["", " ", "\t", "\n", "\n\n"] as const;

const PARAGRAPHS = new Set(
  (
    "p h1 h2 h3 h4 h5 h6 blockquote pre table ul ol dl figure hr address article aside section header footer " +
    "main nav details fieldset form"
  ).split(" "),
);
const LINES = new Set("div li dt dd tr caption figcaption summary legend center".split(" "));
const CELLS = new Set(["td", "th"]);
const PREFORMATTED = new Set(["pre", "listing", "plaintext", "xmp"]);
const SKIPPED = new Set("script style noscript template head title iframe object embed svg".split(" "));

class TextBuilder {
  private readonly parts: string[] = [];
  /** Characters in `parts`. */
  length = 0;
  private gap: Gap = Gap.None;
  private started = false;
  preformatted = 0;

  separate(gap: Gap): void {
    if (gap > this.gap) this.gap = gap;
  }

  lineBreak(): void {
    this.gap = this.gap >= Gap.Line ? Gap.Paragraph : Gap.Line;
  }

  add(raw: string): void {
    if (this.preformatted > 0) {
      if (raw !== "") this.push(raw.replace(/\r\n?/g, "\n"));
      return;
    }
    const text = raw.replace(/\s+/g, " ");
    if (text === "") return;
    if (text.startsWith(" ")) this.separate(Gap.Space);
    const core = text.trim();
    if (core !== "") this.push(core);
    if (text.endsWith(" ")) this.separate(Gap.Space);
  }

  private push(text: string): void {
    if (this.started && this.gap !== Gap.None) {
      this.parts.push(GAP_TEXT[this.gap]);
      this.length += GAP_TEXT[this.gap].length;
    }
    this.parts.push(text);
    this.length += text.length;
    this.gap = Gap.None;
    this.started = true;
  }

  toString(): string {
    return this.parts.join("");
  }
}

/** Returns whether to go into the node's children. */
function enter(node: DomNode, out: TextBuilder): boolean {
  if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
    out.add(node.textContent ?? "");
    return false;
  }
  if (!isElement(node)) return false;
  const name = node.localName.toLowerCase();
  if (SKIPPED.has(name)) return false;
  if (name === "br") out.lineBreak();
  else if (PARAGRAPHS.has(name)) out.separate(Gap.Paragraph);
  else if (LINES.has(name)) out.separate(Gap.Line);
  else if (CELLS.has(name)) out.separate(Gap.Cell);
  if (PREFORMATTED.has(name)) out.preformatted++;
  return true;
}

function leave(element: DomElement, out: TextBuilder): void {
  const name = element.localName.toLowerCase();
  if (PARAGRAPHS.has(name)) out.separate(Gap.Paragraph);
  else if (LINES.has(name)) out.separate(Gap.Line);
  if (PREFORMATTED.has(name)) out.preformatted--;
}

/**
 * The readable text of `root`'s content (see the module comment). With `maxChars`, the walk stops
 * once the text is longer (the result is then longer than `maxChars`: cut it to size).
 */
export function readableText(root: DomElement, maxChars = Infinity): string {
  const out = new TextBuilder();
  if (PREFORMATTED.has(root.localName.toLowerCase())) out.preformatted++;
  let node: DomNode | null = root.firstChild;
  while (node !== null && out.length <= maxChars) {
    const entered = enter(node, out);
    if (entered && node.firstChild !== null) {
      node = node.firstChild;
      continue;
    }
    if (entered && isElement(node)) leave(node, out);
    while (node !== root && node.nextSibling === null) {
      node = node.parentNode;
      if (node === null) return out.toString();
      if (node !== root && isElement(node)) leave(node, out);
    }
    if (node === root) break;
    node = node.nextSibling;
  }
  return out.toString();
}

/** Words of `text`: runs of characters other than whitespace. */
export function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}
