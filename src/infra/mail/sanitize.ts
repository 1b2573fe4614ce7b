import sanitize from "sanitize-html";

/**
 * HTML that leaves the service by email: sanitize-html's default tags and attributes plus a few
 * for layout; no scripts, styles, forms, event handlers, or non-http(s)/mailto links. Images only
 * as cid: (attachments) or data: so that opening a mail fetches nothing.
 */
export function sanitizeEmailHtml(html: string): string {
  return sanitize(html, {
    allowedTags: [...sanitize.defaults.allowedTags, "img", "h1", "h2", "span"],
    allowedAttributes: {
      ...sanitize.defaults.allowedAttributes,
      img: ["src", "alt", "width", "height"],
      td: ["colspan", "rowspan", "align"],
      th: ["colspan", "rowspan", "align"],
    },
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: { img: ["cid", "data"] },
    disallowedTagsMode: "discard",
  });
}
