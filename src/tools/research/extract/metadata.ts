/**
 * A page's own metadata, read before Readability changes the document, used where Readability gives
 * nothing (it reads most of the same sources itself; it gives nothing at all when it finds no
 * article). Sources, first found wins:
 * - title: `<title>`, og:title, twitter:title, JSON-LD headline or name, the first `<h1>`;
 * - byline: meta author, article:author (unless a URL), dc.creator, parsely-author, JSON-LD author;
 * - siteName: og:site_name, JSON-LD publisher name, application-name;
 * - publishedAt: article:published_time, JSON-LD datePublished, then the meta names in
 *   PUBLISHED_META (meta tags only: the date of a `<time itemprop="datePublished">` is not read,
 *   as Readability does not read it either);
 * - lang: `<html lang>`, `<html xml:lang>`, the content-language header meta, og:locale;
 * - excerpt: meta description, og:description, twitter:description, JSON-LD description.
 */
import { collapseWhitespace, type DomDocument } from "./dom.js";
import { extractLimits } from "./extracted.js";

export interface PageMetadata {
  title: string | null;
  byline: string | null;
  siteName: string | null;
  publishedAt: string | null;
  lang: string | null;
  excerpt: string | null;
}

const PUBLISHED_META = [
  "article:published_time",
  "datepublished",
  "date",
  "dc.date",
  "dc.date.issued",
  "dcterms.issued",
  "dcterms.created",
  "citation_publication_date",
  "parsely-pub-date",
  "pubdate",
  "publish-date",
  "sailthru.date",
];

const DATE_TIME_WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * `value` as an ISO-8601 UTC string, or null when it is not a date. A date and time without a zone
 * is read as UTC (not as the server's local time); a date alone is midnight UTC.
 */
export function isoDate(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  const time = Date.parse(DATE_TIME_WITHOUT_ZONE.test(trimmed) ? `${trimmed.replace(" ", "T")}Z` : trimmed);
  if (Number.isNaN(time)) return null;
  const date = new Date(time);
  const year = date.getUTCFullYear();
  return year >= 1000 && year <= 9999 ? date.toISOString() : null;
}

/** The content of every meta tag by its lower-case property, name, itemprop or http-equiv (the first of each). */
function metaTags(doc: DomDocument): Map<string, string> {
  const tags = new Map<string, string>();
  for (const meta of Array.from(doc.querySelectorAll("meta[content]"))) {
    const content = collapseWhitespace(meta.getAttribute("content") ?? "");
    if (content === "") continue;
    for (const attribute of ["property", "name", "itemprop", "http-equiv"]) {
      for (const key of (meta.getAttribute(attribute) ?? "").toLowerCase().split(/\s+/)) {
        if (key !== "" && !tags.has(key)) tags.set(key, content);
      }
    }
  }
  return tags;
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The name of a JSON-LD person or organisation, or of a list of them. */
function nameOf(value: unknown): string | null {
  if (typeof value === "string") return collapseWhitespace(value) || null;
  if (Array.isArray(value)) {
    const names = value
      .slice(0, 20)
      .map(nameOf)
      .filter((name): name is string => name !== null);
    return names.length > 0 ? names.join(", ") : null;
  }
  return isObject(value) ? nameOf(value.name) : null;
}

const stringOf = (value: unknown): string | null =>
  typeof value === "string" && value.trim() !== "" ? collapseWhitespace(value) : null;

const ARTICLE_TYPE = /Article|Posting|Report|Story|Review|CreativeWork|WebPage/;

/** The JSON-LD object describing the page: the first of an article type, else the first with a headline. */
function jsonLdArticle(doc: DomDocument): JsonObject | null {
  const candidates: JsonObject[] = [];
  const scripts = Array.from(doc.querySelectorAll("script")).filter((script) =>
    /^\s*application\/ld\+json\s*(;|$)/i.test(script.getAttribute("type") ?? ""),
  );
  for (const script of scripts.slice(0, extractLimits.jsonLdBlocks)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(script.textContent ?? "");
    } catch {
      continue; // a page's broken JSON-LD is ignored
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    for (const item of items.slice(0, 100)) {
      if (!isObject(item)) continue;
      candidates.push(item);
      if (Array.isArray(item["@graph"])) candidates.push(...item["@graph"].slice(0, 100).filter(isObject));
    }
  }
  const typeOf = (item: JsonObject) =>
    [item["@type"]]
      .flat()
      .filter((t) => typeof t === "string")
      .join(" ");
  return (
    candidates.find((item) => ARTICLE_TYPE.test(typeOf(item))) ??
    candidates.find((item) => typeof item.headline === "string") ??
    null
  );
}

const firstOf = (...values: Array<string | null | undefined>): string | null =>
  values.find((value): value is string => typeof value === "string" && value.trim() !== "")?.trim() ?? null;

/** The page's metadata from its head, JSON-LD and `<html>` (see the module comment). */
export function pageMetadata(doc: DomDocument): PageMetadata {
  const meta = metaTags(doc);
  const jsonLd = jsonLdArticle(doc);
  const articleAuthor = meta.get("article:author");
  const locale = meta.get("og:locale")?.replace(/_/g, "-");
  const root = doc.documentElement;
  return {
    title: firstOf(
      collapseWhitespace(doc.querySelector("title")?.textContent ?? ""),
      meta.get("og:title"),
      meta.get("twitter:title"),
      stringOf(jsonLd?.headline) ?? stringOf(jsonLd?.name),
      collapseWhitespace(doc.querySelector("h1")?.textContent ?? ""),
    ),
    byline: firstOf(
      meta.get("author"),
      articleAuthor && !/^https?:\/\//i.test(articleAuthor) ? articleAuthor : null,
      meta.get("dc.creator") ?? meta.get("dc:creator"),
      meta.get("parsely-author"),
      nameOf(jsonLd?.author),
    ),
    siteName: firstOf(
      meta.get("og:site_name"),
      nameOf(isObject(jsonLd?.publisher) ? jsonLd.publisher : null),
      meta.get("application-name"),
    ),
    publishedAt: firstOf(
      isoDate(meta.get("article:published_time")),
      isoDate(stringOf(jsonLd?.datePublished)),
      ...PUBLISHED_META.map((name) => isoDate(meta.get(name))),
    ),
    lang: firstOf(root?.getAttribute("lang"), root?.getAttribute("xml:lang"), meta.get("content-language"), locale),
    excerpt: firstOf(
      meta.get("description"),
      meta.get("og:description"),
      meta.get("twitter:description"),
      stringOf(jsonLd?.description),
    ),
  };
}
