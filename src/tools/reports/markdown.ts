import { posix } from "node:path";
import { badInput, DomainError } from "../../domain/errors.js";
import { readFile, type FileLimits } from "../files/files.js";

/** The largest workspace image inlined into a report. */
export const REPORT_IMAGE_MAX_BYTES = 5 * 1024 * 1024;
/** The largest markdown or HTML source read. */
export const REPORT_SOURCE_MAX_BYTES = 2 * 1024 * 1024;

const imageTypes: ReadonlyArray<{ type: string; magic: (b: Buffer) => boolean }> = [
  {
    type: "image/png",
    magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { type: "image/jpeg", magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: "image/gif", magic: (b) => b.subarray(0, 6).toString("latin1").startsWith("GIF8") },
  {
    type: "image/webp",
    magic: (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
  },
];

/** The image's type by its first bytes (PNG, JPEG, GIF, WebP), or null. */
export const imageTypeOf = (bytes: Buffer): string | null => imageTypes.find((t) => t.magic(bytes))?.type ?? null;

interface SourceOptions {
  limits?: Partial<FileLimits>;
}

/** Reads a workspace file through the file tools' confined access (never following a link outside). */
async function readWorkspace(root: string, path: string, maxBytes: number, field: string, opts: SourceOptions) {
  const read = await readFile(root, path, { encoding: "base64", maxBytes, limits: opts.limits }).catch(
    (err: unknown) => {
      if (err instanceof DomainError && err.code === "BAD_USER_INPUT") throw badInput(field, `${path}: ${err.message}`);
      throw err;
    },
  );
  if (read.truncated) {
    throw new DomainError("LIMIT_EXCEEDED", `${path} is larger than ${maxBytes} bytes`, { field, max: maxBytes });
  }
  return Buffer.from(read.content, "base64");
}

/**
 * A markdown (marked) or HTML file of the workspace as sanitized HTML: no script, style, event
 * handler, form or frame; links only to http(s), mailto and anchors; images only from the
 * workspace (relative paths, read confined, type-checked by their bytes, inlined as data: URIs);
 * remote images dropped.
 */
export async function workspaceDocumentHtml(root: string, path: string, opts: SourceOptions = {}): Promise<string> {
  const raw = (await readWorkspace(root, path, REPORT_SOURCE_MAX_BYTES, "source", opts)).toString("utf8");
  const isHtml = /\.html?$/i.test(path);
  const { marked } = await import("marked");
  const html = isHtml ? raw : await marked.parse(raw, { async: true, gfm: true });
  const { default: sanitize } = await import("sanitize-html");
  const clean = sanitize(html, {
    allowedTags: [...sanitize.defaults.allowedTags, "img", "h1", "h2"],
    allowedAttributes: { a: ["href", "title"], img: ["src", "alt", "title", "width", "height"], "*": ["id"] },
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: { img: [] },
    allowProtocolRelative: false,
    // An image left without its source (a remote or refused URL) is dropped.
    exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
  });
  return inlineImages(root, posix.dirname(path), clean, opts);
}

async function inlineImages(root: string, dir: string, html: string, opts: SourceOptions): Promise<string> {
  const sources = [...new Set([...html.matchAll(/<img [^>]*?src="([^"]*)"/g)].map((m) => m[1]!))];
  const inlined = new Map<string, string>();
  for (const src of sources) {
    const decoded = decodeEntities(src);
    // Only relative paths reach here (sanitize keeps no scheme for img); anything else is dropped anyway.
    if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(decoded)) continue;
    let relative: string;
    try {
      relative = posix.normalize(posix.join(dir, decodeURIComponent(decoded.split(/[?#]/)[0]!)));
    } catch {
      continue;
    }
    const bytes = await readWorkspace(root, relative, REPORT_IMAGE_MAX_BYTES, "source", opts);
    const type = imageTypeOf(bytes);
    if (!type) throw badInput("source", `${relative} is not a PNG, JPEG, GIF or WebP image`);
    inlined.set(src, `data:${type};base64,${bytes.toString("base64")}`);
  }
  return html.replace(/(<img [^>]*?)src="([^"]*)"/g, (whole, head: string, src: string) => {
    const data = inlined.get(src);
    return data ? `${head}src="${data}"` : `${head}`;
  });
}

const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
