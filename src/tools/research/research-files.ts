/**
 * What the research tools write in a workspace's `research/` folder, always through the confined
 * file operations of the file tools (src/tools/files/files.ts: the workspace walked from its open
 * root, no link followed out), never with plain fs on a workspace path:
 *
 * - `research/pages/<slug>-<hash>.md`: a fetched page's markdown (fetchPage, extract of a URL),
 *   replaced when the same URL is fetched again;
 * - `research/extracts/<slug>-<hash>.md`: the text extracted from a workspace file (extract);
 * - `research/sources/NN-<slug>.md`: a stored source's text (research, addSource), NN its number
 *   among the task's sources; never replaced, so a Source's textPath always holds its text;
 * - `research/notes.md`, `synthesis.md`, `bibliography.md`, `references.bib`: the last research run.
 */
import { createHash } from "node:crypto";
import { DomainError } from "../../domain/errors.js";
import { deleteFile, readFile, writeFile, type FileLimits } from "../files/files.js";

export const RESEARCH_DIR = "research";
export const PAGES_DIR = `${RESEARCH_DIR}/pages`;
export const EXTRACTS_DIR = `${RESEARCH_DIR}/extracts`;
export const SOURCES_DIR = `${RESEARCH_DIR}/sources`;

/** The line after which a source file holds the source's text exactly as extracted. */
export const SOURCE_TEXT_MARKER = "<!-- source text: everything below this line, exactly as extracted -->";

/** Tries at most this many numbers for a new source file before giving up (CONFLICT). */
const MAX_NUMBER_TRIES = 1000;

export const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** A file-name part from any text: lower-case ASCII letters and digits joined by hyphens, at most `max` long. */
export function slugOf(text: string, max = 60): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, max)
    .replace(/-+$/, "");
  return slug || "untitled";
}

/** A page's file name part: its title (or host and path) and 8 hex of its URL's hash. */
export const pageFileName = (url: string, title: string): string => {
  let label = title;
  if (!label) {
    try {
      const u = new URL(url);
      label = `${u.hostname}${u.pathname}`;
    } catch {
      label = url;
    }
  }
  return `${slugOf(label)}-${sha256(url).slice(0, 8)}.md`;
};

/** One line of a file's header: no line breaks a page could smuggle in. */
const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim();

/** A source file: a header for people, then the marker, then the text the quotes are checked against. */
export function sourceFileContent(header: Record<string, string | null>, title: string, text: string): string {
  const lines = Object.entries(header)
    .filter((e): e is [string, string] => e[1] !== null && e[1] !== "")
    .map(([k, v]) => `- ${k}: ${oneLine(v)}`);
  return `# ${oneLine(title) || "Untitled"}\n\n${lines.join("\n")}\n\n${SOURCE_TEXT_MARKER}\n${text}`;
}

/** The text part of a source file; null when the marker is missing. */
export function sourceTextOf(content: string): string | null {
  const at = content.indexOf(`\n${SOURCE_TEXT_MARKER}\n`);
  return at < 0 ? null : content.slice(at + SOURCE_TEXT_MARKER.length + 2);
}

/** Writes (or replaces) a file of the workspace, making its folders. */
export async function putFile(root: string, path: string, content: string, limits: Partial<FileLimits>) {
  return writeFile(root, path, content, { limits, createParents: true });
}

/**
 * Writes a new file `dir/<NN>-<name>`, NN from `first` up: a number another writer took meanwhile
 * (the file exists) is skipped, so an existing file is never replaced. Returns the path.
 */
export async function writeNumbered(
  root: string,
  dir: string,
  first: number,
  name: string,
  content: string,
  limits: Partial<FileLimits>,
): Promise<string> {
  for (let n = first; n < first + MAX_NUMBER_TRIES; n++) {
    const path = `${dir}/${String(n).padStart(2, "0")}-${name}`;
    try {
      await writeFile(root, path, content, { limits, createParents: true, expectedVersion: null });
      return path;
    } catch (err) {
      if (err instanceof DomainError && err.code === "CONFLICT" && err.details.field === "expectedVersion") continue;
      throw err;
    }
  }
  throw new DomainError("CONFLICT", `No free file name in ${dir} after ${MAX_NUMBER_TRIES} tries`);
}

/** Removes files written for something that then failed (best effort: a file already gone is fine). */
export async function removeFiles(root: string, paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => deleteFile(root, p).catch(() => undefined)));
}

/** A source's text read back from its file, checked against its hash; null when it is missing or changed. */
export async function readSourceText(
  root: string,
  source: { textPath: string; contentHash: string },
  limits: Partial<FileLimits>,
): Promise<string | null> {
  const file = await readFile(root, source.textPath, { limits }).catch(() => null);
  if (!file || file.truncated) return null;
  const text = sourceTextOf(file.content);
  return text !== null && sha256(text) === source.contentHash ? text : null;
}
