/**
 * The simple kinds: plain text, JSON and XML. Each is decoded (charset.ts; XML also by its
 * `<?xml encoding?>`), line breaks made "\n".
 * - text: `text` and `markdown` are the text as sent; `html` is it in a `<pre>`.
 * - json: the value pretty-printed (two spaces); a body that does not parse (or nests too deep to
 *   print) is kept as sent. `markdown` is a fenced json block.
 * - xml: parsed by linkedom in XML mode (no DTD, no external or custom entities are expanded; the
 *   nesting cap applies); `text` has each run of text between tags on a line of its own; the title
 *   is the first `<title>`, the language the root's xml:lang or a `<language>` element (RSS).
 *   Links: `<link>` elements of feeds (Atom's href, RSS's text), titled by their entry's `<title>`.
 * Links of text and JSON are the http(s) URLs written in them.
 */
import { decodeText } from "./charset.js";
import {
  CDATA_SECTION_NODE,
  clip,
  collapseWhitespace,
  type DomElement,
  type DomNode,
  isElement,
  parseXmlDocument,
  TEXT_NODE,
} from "./dom.js";
import {
  extractLimits,
  type ExtractInput,
  type Extracted,
  type ExtractedLink,
  type ExtractLimitName,
} from "./extracted.js";
import { prepareXml } from "./markup.js";
import { resolveUrl } from "./sanitize.js";
import { countWords } from "./text.js";

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

const normaliseBreaks = (text: string): string => text.replace(/\r\n?/g, "\n");

/** A fence longer than any run of backticks at a line start of `text`. */
const fenceFor = (text: string): string =>
  "`".repeat(Math.max(2, ...(text.match(/^`+/gm) ?? []).map((run) => run.length)) + 1);

function uniqueLinks(candidates: Iterable<ExtractedLink>, limitsHit: Set<ExtractLimitName>): ExtractedLink[] {
  const byUrl = new Map<string, ExtractedLink>();
  for (const link of candidates) {
    if (byUrl.has(link.url)) continue;
    if (byUrl.size >= extractLimits.links) {
      limitsHit.add("links");
      break;
    }
    byUrl.set(link.url, link);
  }
  return [...byUrl.values()];
}

/** The http(s) URLs written in `text`, trailing punctuation left out. */
function* urlsIn(text: string, base: string): Generator<ExtractedLink> {
  for (const match of text.matchAll(/\bhttps?:\/\/[^\s<>"'`{}|\\^]+/gi)) {
    const url = resolveUrl(match[0].replace(/[.,;:!?)\]]+$/, ""), base);
    if (url !== null) yield { text: "", url };
  }
}

function result(kind: Extracted["kind"], fields: Partial<Extracted> & Pick<Extracted, "text">): Extracted {
  const links = fields.links ?? [];
  return {
    kind,
    title: null,
    byline: null,
    siteName: null,
    publishedAt: null,
    lang: null,
    excerpt: null,
    markdown: fields.text,
    html: `<pre>${escapeHtml(fields.text)}</pre>`,
    pageLinks: links,
    tables: [],
    wordCount: countWords(fields.text),
    limitsHit: [],
    ...fields,
    links,
  };
}

export function extractText(input: ExtractInput): Extracted {
  const text = normaliseBreaks(decodeText(input.body, input.charset, "none"));
  const limitsHit = new Set<ExtractLimitName>();
  const links = uniqueLinks(urlsIn(text, input.url), limitsHit);
  return result("text", { text, links, limitsHit: [...limitsHit] });
}

export function extractJson(input: ExtractInput): Extracted {
  const raw = normaliseBreaks(decodeText(input.body, input.charset, "none"));
  let text = raw;
  try {
    text = JSON.stringify(JSON.parse(raw), null, 2) ?? raw;
  } catch {
    // not JSON after all, or too deep to print: kept as sent
  }
  const limitsHit = new Set<ExtractLimitName>();
  const links = uniqueLinks(urlsIn(text, input.url), limitsHit);
  const fence = fenceFor(text);
  return result("json", {
    text,
    markdown: `${fence}json\n${text}\n${fence}`,
    html: `<pre><code class="language-json">${escapeHtml(text)}</code></pre>`,
    links,
    limitsHit: [...limitsHit],
  });
}

/** The text under `root`, one line per run of text between tags (whitespace collapsed; iterative). */
function xmlText(root: DomElement): string {
  const lines: string[] = [];
  let run = "";
  const endRun = () => {
    const line = collapseWhitespace(run);
    if (line !== "") lines.push(line);
    run = "";
  };
  let node: DomNode | null = root.firstChild;
  while (node !== null) {
    if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) run += node.textContent ?? "";
    else if (isElement(node)) {
      endRun();
      if (node.firstChild !== null) {
        node = node.firstChild;
        continue;
      }
    }
    while (node !== root && node.nextSibling === null) {
      node = node.parentNode!;
      endRun();
    }
    if (node === root) break;
    node = node.nextSibling;
  }
  endRun();
  return lines.join("\n");
}

const localName = (element: DomElement): string => element.localName.replace(/^.*:/, "").toLowerCase();

/** Elements under `root` whose local name (any prefix) is `name`. */
const elementsNamed = (root: DomElement, name: string): DomElement[] =>
  Array.from(root.querySelectorAll("*")).filter((element) => localName(element) === name);

function* feedLinks(root: DomElement, base: string): Generator<ExtractedLink> {
  for (const link of elementsNamed(root, "link")) {
    const url = resolveUrl(link.getAttribute("href") ?? link.textContent ?? "", base);
    if (url === null) continue;
    const entry = link.parentElement;
    const title = entry === null ? undefined : Array.from(entry.children).find((child) => localName(child) === "title");
    yield { text: clip(collapseWhitespace(title?.textContent ?? ""), extractLimits.linkTextChars), url };
  }
}

export function extractXml(input: ExtractInput): Extracted {
  const limitsHit = new Set<ExtractLimitName>();
  const prepared = prepareXml(
    normaliseBreaks(decodeText(input.body, input.charset, "xml")),
    extractLimits.nestingDepth,
  );
  if (prepared.droppedTags > 0) limitsHit.add("nestingDepth");
  const root = parseXmlDocument(prepared.markup).documentElement;
  if (!root) return result("xml", { text: "", limitsHit: [...limitsHit] });
  const text = xmlText(root);
  const named = (name: string) => collapseWhitespace(elementsNamed(root, name)[0]?.textContent ?? "") || null;
  const links = uniqueLinks(feedLinks(root, input.url), limitsHit);
  return result("xml", {
    text,
    title: named("title"),
    lang: root.getAttribute("xml:lang") || named("language"),
    links,
    limitsHit: [...limitsHit],
  });
}
