/**
 * Markdown from models and people, rendered with marked and sanitized with DOMPurify: no script,
 * no event handler attributes, no javascript: links, no images from other origins; links open in
 * a new tab with rel="noopener noreferrer". The window is a parameter so unit tests can pass
 * linkedom's.
 */
import createDOMPurify, { type DOMPurify, type WindowLike } from "dompurify";
import { Marked } from "marked";

const marked = new Marked({ gfm: true, breaks: false, async: false });

/** A DOMPurify bound to `win`, with the dashboard's hooks. `origin`: images allowed from it only. */
export function makeSanitizer(win: WindowLike, origin: string): DOMPurify {
  const purify = createDOMPurify(win);
  purify.addHook("afterSanitizeAttributes", (node) => {
    const el = node as Element;
    const tag = el.tagName?.toLowerCase();
    if (tag === "a" && el.hasAttribute("href")) {
      el.setAttribute("target", "_blank");
      el.setAttribute("rel", "noopener noreferrer");
    }
    if (tag === "img") {
      const src = el.getAttribute("src") ?? "";
      if (!isSameOrigin(src, origin)) el.remove();
    }
  });
  return purify;
}

/** Whether a URL (absolute or relative) points at `origin`. data: and other schemes are refused. */
export function isSameOrigin(src: string, origin: string): boolean {
  if (!src) return false;
  try {
    const url = new URL(src, origin + "/");
    return url.origin === origin && (url.protocol === "http:" || url.protocol === "https:");
  } catch {
    return false;
  }
}

/** Markdown source → HTML safe to put in the page with `purify` (see makeSanitizer). */
export function renderMarkdown(source: string, purify: DOMPurify): string {
  // Without a DOM DOMPurify would hand the HTML back untouched: show the text instead.
  if (!purify.isSupported) return escapeHtml(source);
  const html = marked.parse(source) as string;
  return purify.sanitize(html, {
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe"],
    FORBID_ATTR: ["style"],
  });
}

/** Text as HTML that shows it verbatim. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
