/**
 * Links of a DOM subtree as data: every `<a href>` whose target resolves to an http or https URL
 * (relative ones against the document's base), in document order, once per URL (the first link's
 * text and rel are kept; a later link fills in a text the first lacked), at most
 * `extractLimits.links`. Links within the page itself (its URL with only a #fragment added, such
 * as a heading's permalink) are left out.
 */
import { clip, collapseWhitespace, type DomDocument, type DomElement } from "./dom.js";
import { extractLimits, type ExtractedLink } from "./extracted.js";
import { resolveUrl } from "./sanitize.js";
import { readableText } from "./text.js";

export interface CollectedLinks {
  links: ExtractedLink[];
  /** Whether distinct links were left out for the cap. */
  capped: boolean;
}

function linkText(anchor: DomElement): string {
  const text = collapseWhitespace(readableText(anchor, extractLimits.linkTextChars));
  if (text !== "") return clip(text, extractLimits.linkTextChars);
  const alt = anchor.querySelector("img[alt]")?.getAttribute("alt");
  return clip(collapseWhitespace(alt || anchor.getAttribute("title") || ""), extractLimits.linkTextChars);
}

const withoutFragment = (url: string): string => url.replace(/#.*$/s, "");

/** The links under `root` (see the module comment); relative targets resolve against `base`; `pageUrl` is the document's URL. */
export function collectLinks(root: DomElement | DomDocument, base: string, pageUrl: string): CollectedLinks {
  const byUrl = new Map<string, ExtractedLink>();
  const page = withoutFragment(URL.parse(pageUrl)?.href ?? pageUrl);
  let capped = false;
  for (const anchor of Array.from(root.querySelectorAll("a[href]"))) {
    const url = resolveUrl(anchor.getAttribute("href") ?? "", base);
    if (url === null || withoutFragment(url) === page) continue;
    const known = byUrl.get(url);
    if (known !== undefined) {
      if (known.text === "") known.text = linkText(anchor);
      continue;
    }
    if (byUrl.size >= extractLimits.links) {
      capped = true;
      break;
    }
    const link: ExtractedLink = { text: linkText(anchor), url };
    const rel = collapseWhitespace(anchor.getAttribute("rel") ?? "");
    if (rel !== "") link.rel = rel;
    byUrl.set(url, link);
  }
  return { links: [...byUrl.values()], capped };
}
