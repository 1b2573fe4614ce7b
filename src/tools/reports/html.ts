/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * A theme's CSS made inert for the network: url(…), image-set(…), @import and any backslash
 * (escapes could spell them) are removed, and so is anything that could close the <style> element.
 */
export function sanitizeCss(css: string): string {
  return css
    .replace(/\\/g, "")
    .replace(/<\/?\s*style/gi, "")
    .replace(/</g, "")
    .replace(/@import[^;]*;?/gi, "")
    .replace(/(url|image-set|image|cross-fade|element)\s*\([^)]*\)/gi, "none");
}

export interface ReportSection {
  /** Anchor of the section (for the table of contents). */
  id: string;
  title: string;
  /** HTML built by the service (values escaped) or sanitized user content. */
  html: string;
}

export interface ReportDocument {
  title: string;
  subtitle?: string;
  author: string;
  date: Date;
  cover: boolean;
  toc: boolean;
  themeCss?: string;
  sections: readonly ReportSection[];
}

const BASE_CSS = `
  * { box-sizing: border-box; }
  body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10.5pt; color: #1f2328; line-height: 1.45; margin: 0; }
  h1 { font-size: 20pt; margin: 0 0 8pt; } h2 { font-size: 14pt; margin: 18pt 0 6pt; border-bottom: 1px solid #d0d7de; padding-bottom: 2pt; }
  h3 { font-size: 12pt; margin: 12pt 0 4pt; }
  table { border-collapse: collapse; width: 100%; margin: 6pt 0; font-size: 9.5pt; }
  th, td { border: 1px solid #d0d7de; padding: 3pt 5pt; text-align: left; vertical-align: top; }
  th { background: #f6f8fa; }
  code, pre { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
  pre { background: #f6f8fa; padding: 6pt; white-space: pre-wrap; word-break: break-word; }
  img { max-width: 100%; }
  figure { margin: 8pt 0; page-break-inside: avoid; } figcaption { font-size: 9pt; color: #57606a; }
  .cover { height: 240mm; display: flex; flex-direction: column; justify-content: center; page-break-after: always; }
  .cover h1 { font-size: 28pt; } .cover .meta { color: #57606a; margin-top: 12pt; }
  .toc { page-break-after: always; } .toc ol { padding-left: 16pt; } .toc a { color: inherit; text-decoration: none; }
  .muted { color: #57606a; } sup.cite { font-size: 7.5pt; }
`;

/** The whole HTML document: cover, table of contents, sections, base styles and the theme. */
export function documentHtml(doc: ReportDocument): string {
  const date = doc.date.toISOString().slice(0, 10);
  const cover = doc.cover
    ? `<section class="cover"><h1>${escapeHtml(doc.title)}</h1>${
        doc.subtitle ? `<div class="subtitle">${escapeHtml(doc.subtitle)}</div>` : ""
      }<div class="meta">${escapeHtml(doc.author)} · ${date}</div></section>`
    : `<h1>${escapeHtml(doc.title)}</h1>`;
  const toc = doc.toc
    ? `<nav class="toc"><h2>Contents</h2><ol>${doc.sections
        .map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`)
        .join("")}</ol></nav>`
    : "";
  const body = doc.sections
    .map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${s.html}</section>`)
    .join("\n");
  const theme = doc.themeCss ? `<style>${sanitizeCss(doc.themeCss)}</style>` : "";
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(doc.title)}</title><style>${BASE_CSS}</style>${theme}</head><body>${cover}${toc}${body}</body></html>`;
}

/** Chromium's header and footer (its pageNumber/totalPages classes fill in the numbers). */
export function headerFooter(title: string, headerText: string | undefined) {
  const style = `font-size:8pt;color:#57606a;width:100%;padding:0 12mm;font-family:'DejaVu Sans',sans-serif;`;
  return {
    headerTemplate: `<div style="${style}">${escapeHtml(headerText ?? title)}</div>`,
    footerTemplate: `<div style="${style}text-align:right;">Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`,
  };
}

/** A table of rows (cells escaped). */
export function tableHtml(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  if (rows.length === 0) return `<p class="muted">None.</p>`;
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Plain text as paragraphs (escaped). */
export const paragraphs = (text: string): string =>
  text
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("");
