import type { Stats } from "node:fs";
import { lstat, readlink, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, posix, relative, sep } from "node:path";
import { badInput, DomainError, notFound, policyDenied } from "../../domain/errors.js";

/**
 * The path rules every file operation of a workspace obeys (file tools and HTTP up/download alike).
 *
 * A user path is always relative to the workspace root, POSIX style. It is normalised lexically
 * first: `a/../b` is `b` (allowed), while anything whose normal form starts with `..` is refused
 * (`path.outside-workspace`) — `..` is never resolved against the filesystem, so `link/..` means
 * the directory holding `link`, not the parent of its target. `~` is an ordinary name:
 * `~/.ssh` is `<root>/~/.ssh`, never the home directory.
 *
 * The normalised path is then walked component by component with lstat, expanding symbolic
 * links by hand (at most 40) the way the kernel would; a link may point anywhere *inside* the
 * workspace (absolute or relative target) and is followed, but a path that ends up outside the
 * real workspace root — through the last component or through any parent directory — is
 * refused (`path.symlink-outside`). Dangling links are followed too, so a write through a link
 * to a missing file creates the file where the link points, and only if that is inside.
 *
 * Residual risk: the sandboxed code may change the tree between this check and the use of the
 * result. Callers open files with O_NOFOLLOW and replace them by rename (which never follows the
 * final component); a parent directory swapped for a link in that window is not caught.
 */

export const MAX_PATH_BYTES = 4096;
const MAX_SYMLINKS = 40;

export interface ResolveOptions {
  /** The caller will create, replace, move or delete the path: protected paths are refused. */
  forWrite?: boolean;
  /** A missing final path is fine (its parents may be missing too); otherwise NOT_FOUND. */
  allowMissing?: boolean;
  /** Do not follow a symbolic link in the last component (delete, move, stat act on the link). */
  noFollow?: boolean;
}

export interface ResolvedPath {
  /** The real (symlink-free) absolute path of the workspace root. */
  root: string;
  /** The absolute path to operate on: symlinks expanded, inside `root`. */
  absolute: string;
  /** `absolute` relative to `root`, POSIX style; "." for the root itself. */
  relative: string;
  /** The user's path, normalised ("." for the root): what results report back. */
  requested: string;
  /** lstat of `absolute`, or null when it does not exist. */
  stats: Stats | null;
}

const errnoOf = (err: unknown): string | undefined =>
  err && typeof err === "object" && "code" in err ? String((err as { code: unknown }).code) : undefined;

/** Syntax checks and lexical normalisation; returns the normalised relative path ("." for the root). */
export function normalizeUserPath(userPath: string, field = "path"): string {
  if (typeof userPath !== "string" || userPath.length === 0) throw badInput(field, "must not be empty");
  if (userPath.includes("\0")) throw policyDenied("path.nul-byte", "The path contains a NUL byte", { field });
  if (Buffer.byteLength(userPath) > MAX_PATH_BYTES) throw badInput(field, `is longer than ${MAX_PATH_BYTES} bytes`);
  if (posix.isAbsolute(userPath)) {
    throw policyDenied("path.absolute", "Absolute paths are not allowed: give a path relative to the workspace", {
      field,
    });
  }
  let normalized = posix.normalize(userPath);
  while (normalized.length > 1 && normalized.endsWith("/")) normalized = normalized.slice(0, -1);
  if (normalized === ".." || normalized.startsWith("../")) {
    throw policyDenied("path.outside-workspace", "The path leads outside the workspace", { field });
  }
  return normalized === "" ? "." : normalized;
}

const isInside = (root: string, p: string): boolean => {
  const rel = relative(root, p);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
};

/** Paths a write (create, replace, move, delete) must never touch; returns the rule or null. */
export function protectedRule(rel: string): string | null {
  if (rel === ".") return "path.workspace-root";
  const parts = rel.split("/");
  // The venv's interpreter and scripts run inside the sandbox: replacing venv/bin/python (or the
  // venv itself, or pyvenv.cfg which names the base interpreter) would swap what runs there.
  if (parts[0] === "venv" && (parts.length === 1 || parts[1] === "bin" || rel === "venv/pyvenv.cfg")) {
    return "path.venv-protected";
  }
  // Git runs hooks and config-defined commands (core.hooksPath, core.fsmonitor, filters): a
  // file tool must not plant them for a later git run outside the sandbox. Any depth.
  const git = parts.indexOf(".git");
  if (git >= 0) {
    const after = parts.slice(git + 1);
    if (after.length === 0 || after[0] === "hooks" || (after.length === 1 && after[0] === "config")) {
      return "path.git-protected";
    }
  }
  return null;
}

const protectedMessages: Record<string, string> = {
  "path.workspace-root": "The workspace root itself cannot be written, moved or deleted",
  "path.venv-protected": "The venv's interpreter, bin/ and pyvenv.cfg cannot be written",
  "path.git-protected": "Git hooks, .git/config and the .git entry itself cannot be written",
};

const refuseProtected = (rel: string): void => {
  const rule = protectedRule(rel);
  if (rule) throw policyDenied(rule, protectedMessages[rule] ?? "The path is protected");
};

/** Resolves `userPath` inside the workspace `root`, applying every path rule; see the file comment. */
export async function resolvePath(root: string, userPath: string, opts: ResolveOptions = {}): Promise<ResolvedPath> {
  const requested = normalizeUserPath(userPath);
  if (!isAbsolute(root)) throw new Error("workspace root must be an absolute path");
  // Protected paths are checked as named and again as resolved (an alias may lead to them).
  if (opts.forWrite) refuseProtected(requested);
  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    if (errnoOf(err) === "ENOENT") throw new DomainError("NOT_FOUND", "The workspace directory does not exist");
    throw err;
  }

  const queue = requested === "." ? [] : requested.split("/");
  let cur = realRoot;
  let stats: Stats | null = await lstat(realRoot);
  let missing = false;
  let links = 0;
  while (queue.length > 0) {
    const part = queue.shift() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      // Only from a symlink's target: the user's own path has none left after normalisation.
      cur = dirname(cur);
      continue;
    }
    const next = join(cur, part);
    if (missing) {
      cur = next;
      continue;
    }
    let st: Stats;
    try {
      st = await lstat(next);
    } catch (err) {
      const code = errnoOf(err);
      if (code === "ENOENT" || code === "ENOTDIR") {
        missing = true;
        stats = null;
        cur = next;
        continue;
      }
      if (code === "ENAMETOOLONG") throw badInput("path", "a name in the path is too long");
      throw err;
    }
    if (st.isSymbolicLink() && !(opts.noFollow && queue.length === 0)) {
      if (++links > MAX_SYMLINKS) throw badInput("path", "too many levels of symbolic links");
      const target = await readlink(next);
      if (isAbsolute(target)) cur = "/";
      queue.unshift(...target.split("/"));
      continue;
    }
    cur = next;
    stats = st;
  }

  // The lexical path was inside, so only a symbolic link can have led out.
  if (!isInside(realRoot, cur)) {
    throw policyDenied("path.symlink-outside", "The path leads outside the workspace through a symbolic link");
  }
  if (stats && !stats.isFile() && !stats.isDirectory() && !stats.isSymbolicLink()) {
    throw policyDenied("path.special-file", "Device files, FIFOs and sockets cannot be used");
  }
  const rel = relative(realRoot, cur).split(sep).join("/") || ".";
  if (missing && !opts.allowMissing) throw notFound("File", requested, "path");
  if (opts.forWrite) refuseProtected(rel);
  return { root: realRoot, absolute: cur, relative: rel, requested, stats: missing ? null : stats };
}

/**
 * The absolute path `userPath` names inside the workspace `root`, after every path rule
 * (POLICY_DENIED with details.rule: path.absolute, path.outside-workspace, path.nul-byte,
 * path.symlink-outside, path.special-file, path.venv-protected, path.git-protected,
 * path.workspace-root; BAD_USER_INPUT for empty or too long paths; NOT_FOUND unless allowMissing).
 */
export async function resolveInWorkspace(root: string, userPath: string, opts: ResolveOptions = {}): Promise<string> {
  return (await resolvePath(root, userPath, opts)).absolute;
}
