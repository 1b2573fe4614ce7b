/**
 * Bytes to text. The encoding is, in order: a byte-order mark (it wins over everything, as in
 * browsers), the charset parameter of the Content-Type header, the document's own declaration
 * (`<meta charset>`, `<meta http-equiv="content-type">` or `<?xml … encoding?>` within the first
 * DECLARATION_SCAN_BYTES bytes), else UTF-8. Labels are WHATWG encoding labels, decoded by
 * TextDecoder (so "iso-8859-1" means windows-1252); an unknown label falls through to the next
 * source. Undecodable bytes become U+FFFD, never an error.
 */
import { TextDecoder } from "node:util";

/**
 * How far into the body a declaration is looked for. The HTML standard prescans 1,024 bytes; pages
 * with long comments or scripts before their `<meta>` are common enough to look further.
 */
export const DECLARATION_SCAN_BYTES = 4_096;

/** Where the declaration may be found: HTML's meta tags, or XML's declaration. */
export type DeclarationSyntax = "html" | "xml" | "none";

const BOMS: ReadonlyArray<[bytes: readonly number[], encoding: string]> = [
  [[0xef, 0xbb, 0xbf], "utf-8"],
  [[0xfe, 0xff], "utf-16be"],
  [[0xff, 0xfe], "utf-16le"],
];

/** The encoding named by a byte-order mark at the start of `body`, if any. */
export function bomEncoding(body: Uint8Array): string | null {
  for (const [bytes, encoding] of BOMS) {
    if (bytes.every((byte, index) => body[index] === byte)) return encoding;
  }
  return null;
}

const META_CHARSET = /<meta\s[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i;
const XML_ENCODING = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([\w.:-]+)["']/;

/** The encoding a document declares in its first DECLARATION_SCAN_BYTES bytes, if any. */
export function declaredEncoding(body: Uint8Array, syntax: DeclarationSyntax): string | null {
  if (syntax === "none") return null;
  // Declarations are ASCII; latin1 maps every byte to one character, whatever the real encoding.
  const head = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, DECLARATION_SCAN_BYTES)).toString(
    "latin1",
  );
  const xml = XML_ENCODING.exec(head)?.[1];
  if (xml !== undefined) return xml;
  if (syntax === "xml") return null;
  const label = META_CHARSET.exec(head)?.[1];
  if (label === undefined) return null;
  // The HTML standard: a page cannot declare itself UTF-16 in ASCII; x-user-defined means windows-1252.
  const lower = label.toLowerCase();
  if (lower.startsWith("utf-16")) return "utf-8";
  if (lower === "x-user-defined") return "windows-1252";
  return label;
}

function decoderFor(label: string | null | undefined): TextDecoder | null {
  if (!label) return null;
  try {
    return new TextDecoder(label.trim());
  } catch {
    return null; // not an encoding label TextDecoder knows
  }
}

/** The text of `body`: see the module comment for how the encoding is chosen. */
export function decodeText(
  body: Uint8Array,
  headerCharset: string | null | undefined,
  syntax: DeclarationSyntax,
): string {
  const decoder =
    decoderFor(bomEncoding(body)) ??
    decoderFor(headerCharset) ??
    decoderFor(declaredEncoding(body, syntax)) ??
    new TextDecoder("utf-8");
  // TextDecoder drops the byte-order mark of its own encoding.
  return decoder.decode(body);
}
