/**
 * Extraction: one fetched document's bytes to its readable text, Markdown, sanitized HTML,
 * metadata, links and tables (`Extracted`). A pure library: no network, no database, no script
 * of the document runs. The content type picks the extractor (`kindOf`):
 * - html: text/html, application/xhtml+xml (html.ts: linkedom and Mozilla's Readability);
 * - pdf: application/pdf (pdf.ts: pdfjs-dist);
 * - json: application/json, text/json and any type ending in +json;
 * - xml: application/xml, text/xml and any type ending in +xml (RSS, Atom…);
 * - text: any other text/ type.
 * Another type is read by its first bytes: "%PDF-" is a PDF, a body starting with "<" is HTML;
 * failing that it is FETCH_FAILED with reason "unsupported".
 *
 * HTML, text, JSON and XML are read synchronously (a page of a few MB takes a few seconds of
 * Readability); a PDF is read page by page within its time limit.
 */
import { DomainError } from "../../../domain/errors.js";
import { bomEncoding } from "./charset.js";
import type { ExtractInput, Extracted, ExtractedKind, ExtractOptions } from "./extracted.js";
import { extractHtml } from "./html.js";
import { extractPdf } from "./pdf.js";
import { extractJson, extractText, extractXml } from "./plain.js";

/** The media type without parameters, lower-case. */
const mediaType = (contentType: string): string => contentType.split(";")[0]!.trim().toLowerCase();

function sniff(body: Uint8Array): ExtractedKind | null {
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 1_024)).toString("latin1");
  if (head.startsWith("%PDF-")) return "pdf";
  if (bomEncoding(body) === "utf-8" ? head.slice(3).trimStart().startsWith("<") : head.trimStart().startsWith("<")) {
    return "html";
  }
  return null;
}

/** Which extractor reads a document of `contentType` (its first bytes decide for other types); null: none. */
export function kindOf(contentType: string, body: Uint8Array): ExtractedKind | null {
  const type = mediaType(contentType);
  if (type === "text/html" || type === "application/xhtml+xml") return "html";
  if (type === "application/pdf" || type === "application/x-pdf") return "pdf";
  if (type === "application/json" || type === "text/json" || type.endsWith("+json")) return "json";
  if (type === "application/xml" || type === "text/xml" || type.endsWith("+xml")) return "xml";
  if (type.startsWith("text/")) return "text";
  return sniff(body);
}

/** Extracts one document (see the module comment). */
export async function extract(input: ExtractInput, options: ExtractOptions = {}): Promise<Extracted> {
  options.signal?.throwIfAborted();
  const kind = kindOf(input.contentType, input.body);
  switch (kind) {
    case "html":
      return extractHtml(input, options.signal);
    case "pdf":
      return extractPdf(input, options);
    case "json":
      return extractJson(input);
    case "xml":
      return extractXml(input);
    case "text":
      return extractText(input);
    case null:
      throw new DomainError("FETCH_FAILED", `Cannot extract a document of type ${mediaType(input.contentType)}`, {
        reason: "unsupported",
        contentType: mediaType(input.contentType),
        url: input.url,
      });
  }
}
