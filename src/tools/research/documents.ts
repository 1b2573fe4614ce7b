/**
 * fetchPage, extract and addSource: one document fetched (or read from the workspace), extracted,
 * written to `research/` and, for a source, stored. A source is stored only when its fetch,
 * extraction and text file all succeeded: the file is written first (confined file operations),
 * then the row in one transaction; if the row cannot be written the file is removed again.
 */
import type { Principal } from "../../domain/auth/principal.js";
import { badInput, DomainError } from "../../domain/errors.js";
import { newId } from "../../domain/ids.js";
import type { SourceRecord } from "../../domain/records.js";
import type { SourceService } from "../../domain/research/source.service.js";
import { readFile, type FileLimits } from "../files/files.js";
import type { ToolWorkspace } from "../registry.js";
import { extract } from "./extract/lazy.js";
import type { Extracted, ExtractedLink } from "./extract/extracted.js";
import type { FetchedPage } from "./fetcher.js";
import { authorsOf, emptyDocument, publishedDate, type ReadDocument } from "./page.js";
import {
  EXTRACTS_DIR,
  PAGES_DIR,
  pageFileName,
  putFile,
  removeFiles,
  sha256,
  slugOf,
  sourceFileContent,
  SOURCES_DIR,
  writeNumbered,
} from "./research-files.js";

/** Characters of `text` and of `markdown` an API result carries; the whole text is in its file (textPath). */
export const DOCUMENT_TEXT_MAX_CHARS = 20_000;
/** Links an API result lists (the extraction keeps up to 1,000). */
export const DOCUMENT_MAX_LINKS = 200;

/** Where one research tool call works: the workspace and caller the tool service resolved. */
export interface ResearchScope {
  workspace: ToolWorkspace;
  caller: Principal;
  toolCallId: string;
  signal: AbortSignal;
  fileLimits: Partial<FileLimits>;
}

/** A document as the API returns it: the extraction's fields, its text capped, and where its whole text is. */
export interface DocumentView {
  contentType: string;
  title: string | null;
  byline: string | null;
  siteName: string | null;
  publishedAt: Date | null;
  lang: string | null;
  excerpt: string | null;
  text: string;
  markdown: string;
  links: ExtractedLink[];
  wordCount: number;
  textPath: string;
  truncated: boolean;
}

const capped = (text: string): string =>
  text.length <= DOCUMENT_TEXT_MAX_CHARS ? text : text.slice(0, DOCUMENT_TEXT_MAX_CHARS);

/** The API's view of an extracted document written to `textPath`. */
export function documentView(contentType: string, doc: Extracted, textPath: string): DocumentView {
  return {
    contentType,
    title: doc.title,
    byline: doc.byline,
    siteName: doc.siteName,
    publishedAt: publishedDate(doc.publishedAt),
    lang: doc.lang,
    excerpt: doc.excerpt,
    text: capped(doc.text),
    markdown: capped(doc.markdown),
    links: doc.links.slice(0, DOCUMENT_MAX_LINKS).map((l) => ({ text: l.text, url: l.url })),
    wordCount: doc.wordCount,
    textPath,
    truncated:
      doc.text.length > DOCUMENT_TEXT_MAX_CHARS ||
      doc.markdown.length > DOCUMENT_TEXT_MAX_CHARS ||
      doc.links.length > DOCUMENT_MAX_LINKS,
  };
}

/** A page's file: a header, then its markdown (the text when it has none). */
function documentFile(title: string | null, lines: Record<string, string>, doc: Extracted): string {
  const header = Object.entries(lines).map(([k, v]) => `- ${k}: ${v.replace(/\s+/g, " ")}`);
  return `# ${(title ?? "Untitled").replace(/\s+/g, " ")}\n\n${header.join("\n")}\n\n${doc.markdown || doc.text}\n`;
}

/** Writes a fetched page to research/pages/ (replacing the last fetch of the same URL); returns the path. */
export async function writePage(scope: ResearchScope, read: ReadDocument, at: Date): Promise<string> {
  const { fetched, doc } = read;
  const path = `${PAGES_DIR}/${pageFileName(fetched.finalUrl, doc.title ?? "")}`;
  const content = documentFile(doc.title, { URL: fetched.finalUrl, Fetched: at.toISOString() }, doc);
  await putFile(scope.workspace.root, path, content, scope.fileLimits);
  return path;
}

/** Media types by file extension, for a workspace file extract reads. */
const typeByExtension: Record<string, string> = {
  pdf: "application/pdf",
  html: "text/html",
  htm: "text/html",
  xhtml: "application/xhtml+xml",
  xml: "application/xml",
  json: "application/json",
  txt: "text/plain",
  md: "text/plain",
  csv: "text/plain",
};

/** A workspace file's media type: a PDF by its magic bytes, else by its extension, else text (never a binary). */
export function contentTypeOf(path: string, body: Buffer): string {
  if (body.subarray(0, 5).toString("latin1") === "%PDF-") return "application/pdf";
  const known = typeByExtension[/\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? ""];
  if (known) return known;
  if (body.subarray(0, 8192).includes(0)) {
    throw badInput("path", "is not a document extract can read (PDF, HTML, XML, JSON or text)");
  }
  return /^\s*(<!doctype html|<html)/i.test(body.subarray(0, 1024).toString("latin1")) ? "text/html" : "text/plain";
}

/** A workspace file extracted; its text written to research/extracts/. */
export async function extractFile(
  scope: ResearchScope,
  input: { path: string; contentType?: string },
  maxBytes: number,
): Promise<{ contentType: string; doc: Extracted; textPath: string }> {
  const file = await readFile(scope.workspace.root, input.path, {
    limits: scope.fileLimits,
    encoding: "base64",
    maxBytes,
  });
  if (file.truncated) {
    throw new DomainError("LIMIT_EXCEEDED", `${input.path} is over ${maxBytes} bytes, the most extract reads`, {
      limit: "bytes",
      max: maxBytes,
      field: "path",
    });
  }
  const body = Buffer.from(file.content, "base64");
  const contentType = input.contentType ?? contentTypeOf(file.path, body);
  const doc = await extract(
    { body, contentType, charset: null, url: `file:///${encodeURI(file.path)}` },
    { signal: scope.signal },
  );
  const textPath = `${EXTRACTS_DIR}/${slugOf(file.path)}-${sha256(file.path).slice(0, 8)}.md`;
  const content = documentFile(doc.title, { File: file.path, Version: file.version }, doc);
  await putFile(scope.workspace.root, textPath, content, scope.fileLimits);
  return { contentType, doc, textPath };
}

/** What a caller may say about a source the page does not (addSource). */
export interface SourceOverrides {
  title?: string | null;
  authors?: string[] | null;
  siteName?: string | null;
  publishedAt?: Date | null;
}

/** A stored source with the text its quotes are checked against. */
export interface StoredSource {
  source: SourceRecord;
  text: string;
}

function recordOf(scope: ResearchScope, read: ReadDocument, at: Date, over: SourceOverrides): SourceRecord {
  const { fetched, doc } = read;
  return {
    id: newId(),
    taskId: scope.workspace.taskId,
    workspaceId: scope.workspace.id,
    toolCallId: scope.toolCallId,
    url: fetched.url,
    finalUrl: fetched.finalUrl,
    title: over.title || doc.title || hostOf(fetched),
    authors: over.authors ?? authorsOf(doc.byline),
    siteName: over.siteName ?? doc.siteName,
    publishedAt: over.publishedAt ?? publishedDate(doc.publishedAt),
    accessedAt: at,
    contentType: fetched.contentType,
    contentHash: sha256(doc.text),
    textPath: "",
    createdAt: at,
  };
}

const hostOf = (page: FetchedPage): string => {
  try {
    return new URL(page.finalUrl).hostname;
  } catch {
    return page.finalUrl;
  }
};

/**
 * Stores documents as the task's sources: each text file first (research/sources/NN-<slug>.md,
 * never replacing one), then every row in one transaction; on any failure the files written are
 * removed and nothing is stored.
 */
export async function storeSources(
  scope: ResearchScope,
  sources: SourceService,
  reads: readonly ReadDocument[],
  at: Date,
  over: SourceOverrides = {},
): Promise<StoredSource[]> {
  for (const read of reads) if (read.doc.text.trim() === "") throw emptyDocument(read.fetched.finalUrl);
  const first = (await sources.countOfTask(scope.workspace.taskId)) + 1;
  const written: string[] = [];
  try {
    const rows: SourceRecord[] = [];
    for (const [i, read] of reads.entries()) {
      const row = recordOf(scope, read, at, over);
      const header = {
        URL: row.finalUrl,
        Accessed: at.toISOString(),
        Authors: row.authors.join("; ") || null,
        Site: row.siteName,
        Published: row.publishedAt?.toISOString() ?? null,
        "Content type": row.contentType,
        "SHA-256 of the text": row.contentHash,
      };
      const content = sourceFileContent(header, row.title, read.doc.text);
      const path = await writeNumbered(
        scope.workspace.root,
        SOURCES_DIR,
        first + i,
        `${slugOf(row.title)}.md`,
        content,
        scope.fileLimits,
      );
      written.push(path);
      rows.push({ ...row, textPath: path });
    }
    const stored = await sources.addSources(rows);
    return stored.map((source, i) => ({ source, text: reads[i]!.doc.text }));
  } catch (err) {
    await removeFiles(scope.workspace.root, written);
    throw err;
  }
}
