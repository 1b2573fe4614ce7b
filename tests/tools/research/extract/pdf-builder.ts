/**
 * Writes a small, valid PDF by hand (PDF 1.4: catalog, page tree, one content stream per page in
 * Helvetica, a cross-reference table with exact offsets, an Info dictionary), so that a test knows
 * exactly which text, positions and metadata the file holds.
 */
import { deflateSync } from "node:zlib";

export interface PdfLine {
  text: string;
  /** Baseline position in points from the page's bottom-left corner. */
  x: number;
  y: number;
  size?: number;
}

export interface PdfSpec {
  pages: PdfLine[][];
  /** Info dictionary entries, e.g. Title, Author, CreationDate ("D:20240102030405+01'00'"). */
  info?: Record<string, string>;
  /** The catalog's /Lang. */
  lang?: string;
  /** URI link annotations: [page index, rectangle [x1 y1 x2 y2], URI]. */
  links?: Array<{ page: number; rect: [number, number, number, number]; uri: string }>;
}

/** A PDF string literal: backslashes and parentheses escaped (text is Latin-1 here). */
const literal = (text: string) => `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;

export function buildPdf(spec: PdfSpec): Buffer {
  const objects: string[] = [];
  const add = (body: string): number => objects.push(body);
  const reserve = (): number => objects.push("");
  const font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  const pagesId = reserve();
  const pageIds = spec.pages.map((lines, index) => {
    const content = lines
      .map(({ text, x, y, size = 12 }) => `BT /F1 ${size} Tf 1 0 0 1 ${x} ${y} Tm ${literal(text)} Tj ET`)
      .join("\n");
    const stream = add(`<< /Length ${Buffer.byteLength(content, "latin1")} >>\nstream\n${content}\nendstream`);
    const annotations = (spec.links ?? [])
      .filter((link) => link.page === index)
      .map((link) =>
        add(
          `<< /Type /Annot /Subtype /Link /Rect [${link.rect.join(" ")}] /Border [0 0 0] /A << /S /URI /URI ${literal(link.uri)} >> >>`,
        ),
      );
    const annots = annotations.length > 0 ? ` /Annots [${annotations.map((id) => `${id} 0 R`).join(" ")}]` : "";
    return add(
      `<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${stream} 0 R${annots} >>`,
    );
  });
  objects[pagesId - 1] =
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pageIds.length} >>`;
  const catalog = add(`<< /Type /Catalog /Pages ${pagesId} 0 R${spec.lang ? ` /Lang ${literal(spec.lang)}` : ""} >>`);
  const infoEntries = Object.entries(spec.info ?? {}).map(([key, value]) => `/${key} ${literal(value)}`);
  const info = infoEntries.length > 0 ? add(`<< ${infoEntries.join(" ")} >>`) : null;

  return writePdf(
    objects.map((body) => Buffer.from(body, "latin1")),
    `/Root ${catalog} 0 R${info ? ` /Info ${info} 0 R` : ""}`,
  );
}

/** The file around `objects` (object n is objects[n - 1]): header, bodies, cross-reference table, trailer. */
function writePdf(objects: Buffer[], trailer: string): Buffer {
  const parts: Buffer[] = [Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let length = parts[0]!.length;
  const offsets = objects.map((body, index) => {
    const offset = length;
    const object = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`), body, Buffer.from("\nendobj\n")]);
    parts.push(object);
    length += object.length;
    return offset;
  });
  const xref =
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` +
    offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`).join("") +
    `trailer\n<< /Size ${objects.length + 1} ${trailer} >>\nstartxref\n${length}\n%%EOF\n`;
  parts.push(Buffer.from(xref, "latin1"));
  return Buffer.concat(parts);
}

/**
 * A PDF of a few KB whose `pages` pages all show one compressed content stream of `operators`
 * text-showing operators: slow to read however small it is.
 */
export function buildHeavyPdf(operators: number, pages: number): Buffer {
  const content = deflateSync(Buffer.from(`BT /F1 12 Tf 72 720 Td ${"(x) Tj ".repeat(operators)}ET`, "latin1"));
  const pageIds = Array.from({ length: pages }, (_, i) => i + 5);
  return writePdf(
    [
      Buffer.from("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
      Buffer.from(`<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pages} >>`),
      Buffer.concat([
        Buffer.from(`<< /Length ${content.length} /Filter /FlateDecode >>\nstream\n`),
        content,
        Buffer.from("\nendstream"),
      ]),
      Buffer.from("<< /Type /Catalog /Pages 2 0 R >>"),
      ...pageIds.map(() =>
        Buffer.from(
          "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 1 0 R >> >> /Contents 3 0 R >>",
        ),
      ),
    ],
    "/Root 4 0 R",
  );
}
