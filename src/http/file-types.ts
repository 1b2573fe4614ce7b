import { extname, posix } from "node:path";

/** Which uploads the file routes accept and how downloads are typed (see src/http/files.ts). */

/** A reasonable allowedUploadTypes: common images, PDF, archives and every text type. */
export const defaultAllowedUploadTypes: readonly string[] = Object.freeze([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "application/zip",
  "application/gzip",
  "application/x-tar",
  "text/plain",
]);

/** Extensions (and extension-less names) whose content may be uploaded as text, with their type. */
const textTypes: Record<string, string> = {
  ".txt": "text/plain",
  ".text": "text/plain",
  ".log": "text/plain",
  ".md": "text/markdown",
  ".markdown": "text/markdown",
  ".rst": "text/x-rst",
  ".csv": "text/csv",
  ".tsv": "text/tab-separated-values",
  ".json": "application/json",
  ".jsonl": "application/jsonl",
  ".ndjson": "application/x-ndjson",
  ".ipynb": "application/x-ipynb+json",
  ".py": "text/x-python",
  ".pyi": "text/x-python",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".cjs": "text/javascript",
  ".jsx": "text/javascript",
  ".ts": "text/x-typescript",
  ".tsx": "text/x-typescript",
  ".html": "text/html",
  ".htm": "text/html",
  ".css": "text/css",
  ".scss": "text/x-scss",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".toml": "application/toml",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".ini": "text/plain",
  ".cfg": "text/plain",
  ".conf": "text/plain",
  ".env": "text/plain",
  ".sql": "application/sql",
  ".sh": "text/x-shellscript",
  ".r": "text/x-r",
  ".rb": "text/x-ruby",
  ".go": "text/x-go",
  ".rs": "text/x-rust",
  ".java": "text/x-java",
  ".c": "text/x-c",
  ".h": "text/x-c",
  ".cpp": "text/x-c++",
  ".hpp": "text/x-c++",
  ".tex": "text/x-tex",
  ".bib": "text/x-bibtex",
  ".graphql": "application/graphql",
  ".gql": "application/graphql",
  ".proto": "text/plain",
  ".gitignore": "text/plain",
  makefile: "text/plain",
  dockerfile: "text/plain",
  readme: "text/plain",
  license: "text/plain",
  "requirements.txt": "text/plain",
};

/** Binary types served by extension when neither file-type nor the text check names the content. */
export const binaryTypes: Record<string, string> = {
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".mp3": "audio/mpeg",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".wasm": "application/wasm",
};

export const typeAllowed = (mime: string, allowed: readonly string[]): boolean => {
  const m = mime.toLowerCase();
  return allowed.some((a) => {
    const p = a.toLowerCase();
    if (p === "*/*" || p === m) return true;
    return p.endsWith("/*") && m.startsWith(p.slice(0, -1));
  });
};

/** The text type for a file name, when its extension (or whole name) is in the text allowlist. */
export const textTypeFor = (path: string): string | undefined => {
  const name = posix.basename(path).toLowerCase();
  return textTypes[name] ?? textTypes[extname(name)];
};
