/**
 * HTML and XHTML documents: decoded (charset.ts), made whole and shallow (markup.ts), parsed by
 * linkedom (no script runs, nothing loads), then read by Mozilla's Readability. Readability's
 * article (or, when it finds none or fails, the whole body) is sanitized (sanitize.ts) and gives
 * the text, Markdown, HTML, links and tables. So `links` and `tables` are those of the readable
 * content; `pageLinks` are every link of the page, collected before Readability trims it.
 *
 * Metadata: Readability's title, byline, site name, published time, language and excerpt as it
 * gives them (only trimmed), each falling back to the page's own (metadata.ts) where Readability
 * gives none; the published time is normalised to ISO-8601 UTC (`isoDate`). When neither gives an
 * excerpt, it is the text's first paragraph (at most 500 characters).
 */
import { Readability } from "@mozilla/readability";
import { decodeText } from "./charset.js";
import { clip, collapseWhitespace, type DomDocument, parseHtmlDocument, parseHtmlFragment } from "./dom.js";
import { extractLimits, type ExtractInput, type Extracted, type ExtractLimitName } from "./extracted.js";
import { collectLinks } from "./links.js";
import { toMarkdown } from "./markdown.js";
import { prepareHtml } from "./markup.js";
import { isoDate, pageMetadata } from "./metadata.js";
import { documentBase, sanitizeContent } from "./sanitize.js";
import { collectTables } from "./tables.js";
import { countWords, readableText } from "./text.js";

type Article = NonNullable<ReturnType<Readability["parse"]>>;

/**
 * Readability's article, or null when it finds none with any text. Readability is given a
 * document already capped in depth; should it still fail on a hostile one, the page is read
 * without it rather than not at all.
 */
function readArticle(doc: DomDocument): Article | null {
  try {
    const article = new Readability(doc as unknown as ConstructorParameters<typeof Readability>[0]).parse();
    return article?.content && article.textContent?.trim() ? article : null;
  } catch {
    return null;
  }
}

/** Readability's value when it gave one, trimmed; else the page's own. */
const prefer = (fromArticle: string | null | undefined, fromPage: string | null): string | null =>
  fromArticle?.trim() || fromPage;

/** Extracts an HTML or XHTML document (see the module comment). */
export function extractHtml(input: ExtractInput, signal?: AbortSignal): Extracted {
  const limitsHit = new Set<ExtractLimitName>();
  const prepared = prepareHtml(decodeText(input.body, input.charset, "html"), extractLimits.nestingDepth);
  if (prepared.droppedTags > 0) limitsHit.add("nestingDepth");
  const page = parseHtmlDocument(prepared.markup);
  const base = documentBase(page, input.url);
  const metadata = pageMetadata(page);
  const pageLinks = collectLinks(page.body ?? page.documentElement, base, input.url);
  signal?.throwIfAborted();
  const article = readArticle(page);
  signal?.throwIfAborted();
  // Readability changed `page`: without an article, the body is read from a fresh parse.
  const content = article ? parseHtmlFragment(article.content!) : parseHtmlDocument(prepared.markup);
  const root = content.body ?? content.documentElement;
  sanitizeContent(root, base);
  const text = readableText(root);
  const links = collectLinks(root, base, input.url);
  const tables = collectTables(root);
  if (pageLinks.capped) limitsHit.add("links");
  if (links.capped) limitsHit.add("links");
  for (const limit of tables.limitsHit) limitsHit.add(limit);
  const firstParagraph = text.split("\n\n").find((paragraph) => paragraph.trim() !== "");
  return {
    kind: "html",
    title: prefer(article?.title, metadata.title),
    byline: prefer(article?.byline, metadata.byline),
    siteName: prefer(article?.siteName, metadata.siteName),
    publishedAt: isoDate(article?.publishedTime) ?? metadata.publishedAt,
    lang: prefer(article?.lang, metadata.lang),
    excerpt: prefer(
      article?.excerpt,
      metadata.excerpt ?? (firstParagraph === undefined ? null : clip(collapseWhitespace(firstParagraph), 500)),
    ),
    text,
    markdown: toMarkdown(root),
    html: root.innerHTML,
    links: links.links,
    pageLinks: pageLinks.links,
    tables: tables.tables,
    wordCount: countWords(text),
    limitsHit: [...limitsHit],
  };
}
