/**
 * DuckDuckGo's result pages, parsed: the html endpoint (html.duckduckgo.com/html/) and, as the
 * fallback, the lite endpoint (lite.duckduckgo.com/lite/). The structure is described in
 * ../shared/fixtures/INDEX.md and checked against the recorded pages in
 * tests/tools/research/search/ddg.test.ts.
 *
 * - html: each result is `div.result` (ads add `result--ad`), title and link `a.result__a`,
 *   display URL `a.result__url`, snippet `.result__snippet`; the next page is the form in
 *   `div.nav-link` whose button says "Next". No results: one placeholder result (title "EOF", no
 *   snippet) and then `div.no-results`.
 * - lite: a table; each result is a row with `a.result-link`, followed by rows with
 *   `td.result-snippet` and `span.link-text`; sponsored rows carry `result-sponsored`; the next
 *   page is `form.next_form`.
 * - the anomaly (captcha) page, served with HTTP 202: `form#challenge-form`.
 *
 * A page with none of these where results were expected (a changed layout) is
 * SEARCH_PARSE_FAILED, never an empty list.
 */
import { load, type Cheerio, type CheerioAPI } from "cheerio";
import type { AnyNode } from "domhandler";
import { searchParseFailed, searchThrottled } from "./search-errors.js";

export type DdgLayout = "html" | "lite";

export interface DdgResult {
  /** Organic results: rank in the whole search (1 = first of page 1); ads: rank among the page's ads. */
  position: number;
  title: string;
  /** The target, unwrapped from DuckDuckGo's `//duckduckgo.com/l/?uddg=…` redirect. */
  url: string;
  /** The address as the page shows it (shortened, without scheme). */
  displayUrl: string;
  /** Plain text (markup and entities resolved, whitespace collapsed); empty when there is none. */
  snippet: string;
  ad: boolean;
}

/** What the next page is asked with: the fields of the page's paging form (s, dc, vqd, …). */
export interface DdgNextPage {
  layout: DdgLayout;
  fields: Record<string, string>;
}

export interface DdgPage {
  layout: DdgLayout;
  /** Organic results and ads, in page order. */
  results: DdgResult[];
  next: DdgNextPage | null;
}

export interface ParseOptions {
  /** Which endpoint's page it is; default: recognised from the markup. */
  layout?: DdgLayout;
  /** Position of the page's first organic result (the form field `dc` of the request; default 1). */
  firstPosition?: number;
  /** What a SEARCH_THROTTLED error from this page says (the caller's backoff); default 60. */
  retryAfterSeconds?: number;
}

export { searchParseFailed, searchThrottled };

/** Text as a person reads it: entities resolved, runs of whitespace (NBSP too) as one space. */
const plain = (el: Cheerio<AnyNode>): string => el.text().replace(/\s+/g, " ").trim();

/**
 * The target of a result link: DuckDuckGo's redirect (`//duckduckgo.com/l/?uddg=<target>&rut=…`)
 * unwrapped, other links made absolute; null for anything but http(s).
 */
export function unwrapResultUrl(href: string | undefined): string | null {
  if (!href) return null;
  let url: URL;
  try {
    url = new URL(href.trim(), "https://duckduckgo.com/");
  } catch {
    return null;
  }
  const onDdg = url.hostname === "duckduckgo.com" || url.hostname.endsWith(".duckduckgo.com");
  const target = onDdg && url.pathname === "/l/" ? url.searchParams.get("uddg") : null;
  if (target !== null) return unwrapResultUrl(target);
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

/** DuckDuckGo's ad links go through its `y.js` click counter. */
const isAdLink = (href: string | undefined): boolean => /(^|\/\/)([a-z]+\.)?duckduckgo\.com\/y\.js/.test(href ?? "");

/** Recognises which page this is: an endpoint's results, or the anomaly page (null: neither). */
function layoutOf($: CheerioAPI): DdgLayout | "challenge" | null {
  if ($("form#challenge-form").length > 0 || $(".anomaly-modal__modal").length > 0) return "challenge";
  if ($("div.result, div.results, #links").length > 0) return "html";
  if ($("a.result-link, form.next_form, td.result-snippet").length > 0) return "lite";
  return null;
}

/** The fields a paging form posts (its hidden inputs; the button is not a field). */
function formFields($: CheerioAPI, form: Cheerio<AnyNode>): Record<string, string> {
  const fields: Record<string, string> = {};
  form.find("input[name]").each((_, input) => {
    const type = ($(input).attr("type") ?? "text").toLowerCase();
    if (type === "submit" || type === "button" || type === "image") return;
    fields[$(input).attr("name") as string] = $(input).attr("value") ?? "";
  });
  return fields;
}

/** Numbers organic results from `first` and ads from 1, in page order. */
function numbered(rows: Array<Omit<DdgResult, "position">>, first: number): DdgResult[] {
  let organic = first;
  let ads = 1;
  return rows.map((r) => ({ position: r.ad ? ads++ : organic++, ...r }));
}

/** DuckDuckGo's end-of-results placeholder (title "EOF", no snippet). */
const isPlaceholder = (r: Omit<DdgResult, "position">): boolean => r.title === "EOF" && r.snippet === "";

function parseHtml($: CheerioAPI, firstPosition: number): DdgPage {
  const nodes = $("div.result");
  const noResults = $(".no-results").length > 0 || $("div.result--no-result").length > 0;
  const rows: Array<Omit<DdgResult, "position">> = [];
  let broken = 0;
  nodes.each((_, node) => {
    const el = $(node);
    if (el.hasClass("result--no-result")) return;
    const link = el.find("a.result__a").first();
    const href = link.attr("href");
    const url = unwrapResultUrl(href);
    const title = plain(link);
    if (!url || title === "") {
      broken++;
      return;
    }
    const row = {
      title,
      url,
      displayUrl: plain(el.find(".result__url").first()),
      snippet: plain(el.find(".result__snippet").first()),
      ad: el.hasClass("result--ad") || isAdLink(href),
    };
    if (!isPlaceholder(row)) rows.push(row);
  });
  if (rows.length === 0 && !noResults) {
    throw searchParseFailed(
      nodes.length === 0 ? "no result nodes (div.result) on the page" : `${broken} result nodes without a title link`,
    );
  }
  const forms = $("div.nav-link form");
  const nextForm = forms.filter((_, f) => /next/i.test($(f).find("input[type=submit]").attr("value") ?? "")).first();
  const next = nextForm.length > 0 ? { layout: "html" as const, fields: formFields($, nextForm) } : null;
  return { layout: "html", results: numbered(rows, firstPosition), next };
}

function parseLite($: CheerioAPI, firstPosition: number): DdgPage {
  const rows: Array<Omit<DdgResult, "position">> = [];
  let links = 0;
  let current: { row: Omit<DdgResult, "position">; ok: boolean } | null = null;
  const finish = () => {
    if (current?.ok && !isPlaceholder(current.row)) rows.push(current.row);
  };
  // One pass over the table's rows: a result's link row, then its snippet and display URL rows.
  $("tr").each((_, tr) => {
    const row = $(tr);
    const link = row.find("a.result-link").first();
    if (link.length > 0) {
      finish();
      links++;
      const href = link.attr("href");
      const url = unwrapResultUrl(href);
      const title = plain(link);
      current = {
        ok: !!url && title !== "",
        row: {
          title,
          url: url ?? "",
          displayUrl: "",
          snippet: "",
          ad: /result-sponsored/.test(row.attr("class") ?? "") || isAdLink(href),
        },
      };
      return;
    }
    if (!current) return;
    const snippet = row.find("td.result-snippet").first();
    if (snippet.length > 0 && current.row.snippet === "") current.row.snippet = plain(snippet);
    const display = row.find("span.link-text").first();
    if (display.length > 0 && current.row.displayUrl === "") current.row.displayUrl = plain(display);
  });
  finish();
  if (rows.length === 0 && !/\bNo (more )?results\b/i.test($("body").text())) {
    throw searchParseFailed(
      links === 0 ? "no result links (a.result-link) on the page" : "result links without a target",
    );
  }
  const nextForm = $("form.next_form").first();
  const next = nextForm.length > 0 ? { layout: "lite" as const, fields: formFields($, nextForm) } : null;
  return { layout: "lite", results: numbered(rows, firstPosition), next };
}

/**
 * One result page of either endpoint. Throws SEARCH_THROTTLED for the anomaly page and
 * SEARCH_PARSE_FAILED for a page that is neither results nor a no-results page.
 */
export function parseDdgPage(html: string, opts: ParseOptions = {}): DdgPage {
  const $ = load(html);
  const found = layoutOf($);
  if (found === "challenge") throw searchThrottled(opts.retryAfterSeconds ?? 60);
  const layout = opts.layout ?? found;
  if (layout === null) throw searchParseFailed("neither the html nor the lite endpoint's layout");
  const first = opts.firstPosition ?? 1;
  return layout === "html" ? parseHtml($, first) : parseLite($, first);
}

/** Whether the page is the engine's anomaly (captcha) page. */
export const isChallengePage = (html: string): boolean => layoutOf(load(html)) === "challenge";
