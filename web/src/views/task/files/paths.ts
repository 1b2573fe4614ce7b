/** Workspace paths for the files panel: breadcrumbs, children of a folder, kinds, URLs. */

/** "a/b/c" → [{ name: "workspace", path: "." }, { name: "a", path: "a" }, …]. */
export function breadcrumbs(dir: string): Array<{ name: string; path: string }> {
  const crumbs = [{ name: "workspace", path: "." }];
  const parts = normalize(dir)
    .split("/")
    .filter((p) => p && p !== ".");
  parts.forEach((name, i) => crumbs.push({ name, path: parts.slice(0, i + 1).join("/") }));
  return crumbs;
}

/** "./a//b/" → "a/b"; "" and "." → ".". */
export function normalize(path: string): string {
  const parts = path.split("/").filter((p) => p && p !== ".");
  return parts.length === 0 ? "." : parts.join("/");
}

export function join(dir: string, name: string): string {
  const d = normalize(dir);
  return d === "." ? normalize(name) : normalize(`${d}/${name}`);
}

export function baseName(path: string): string {
  const parts = normalize(path).split("/");
  return parts[parts.length - 1] ?? path;
}

export function parentOf(path: string): string {
  const parts = normalize(path).split("/");
  return parts.length <= 1 ? "." : parts.slice(0, -1).join("/");
}

/** The entries directly inside `dir` (a listing may hold the folder itself or deeper ones). */
export function childrenOf<T extends { path: string; type: string }>(entries: readonly T[], dir: string): T[] {
  const d = normalize(dir);
  const children = entries.filter((e) => {
    const p = normalize(e.path);
    return p !== d && parentOf(p) === d;
  });
  // Folders first, then by name.
  return children.sort((a, b) => {
    const fa = a.type === "DIRECTORY" ? 0 : 1;
    const fb = b.type === "DIRECTORY" ? 0 : 1;
    return fa - fb || baseName(a.path).localeCompare(baseName(b.path));
  });
}

export type PreviewKind = "image" | "pdf" | "text";

const imageTypes: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
};

export function extension(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

/** How a file is previewed: image and PDF by their extension; anything else is read as text first. */
export function previewKind(path: string): PreviewKind {
  const ext = extension(path);
  if (ext in imageTypes) return "image";
  if (ext === "pdf") return "pdf";
  return "text";
}

/** The MIME type a blob of this file gets (an SVG is shown only as an <img>). */
export function blobType(path: string): string {
  const ext = extension(path);
  return imageTypes[ext] ?? (ext === "pdf" ? "application/pdf" : "application/octet-stream");
}

/**
 * The HTTP route of a workspace file: every segment percent-encoded on its own. With `asTyped`
 * the path is not normalized, so the API judges it as given (a leading "/" is an absolute path).
 */
export function fileUrl(workspaceId: string, path: string, asTyped = false): string {
  const segments = (asTyped ? path : normalize(path)).split("/").map(encodeURIComponent).join("/");
  return `/workspaces/${encodeURIComponent(workspaceId)}/files/${segments}`;
}

/** Why a typed path cannot even be sent (a URL cannot carry a ".." segment); null when it can. */
export function unsendable(path: string): string | null {
  if (!path.trim()) return "Give a path.";
  if (path.split("/").some((p) => p === ".." || p.toLowerCase() === "%2e%2e"))
    return 'A path cannot contain "..": give a path inside the workspace.';
  return null;
}

/** Text that came back from a UTF-8 read but is really bytes (NUL or many U+FFFD). */
export function looksBinary(text: string): boolean {
  const sample = text.slice(0, 8192);
  if (sample.includes("\u0000")) return true;
  let bad = 0;
  for (const ch of sample) if (ch === "\uFFFD") bad++;
  return bad > 0 && bad / Math.max(1, sample.length) > 0.01;
}
