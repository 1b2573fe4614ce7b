import { join, posix } from "node:path";
import { badInput, policyDenied } from "../../domain/errors.js";
import { ConfinedRoot, type LocateOptions, type Owner } from "../../infra/workspace-fs/confined.js";

/**
 * The path rules every file operation of a workspace obeys (file tools and HTTP up/download alike).
 *
 * A user path is always relative to the workspace root, POSIX style. It is normalised lexically
 * first: `a/../b` is `b` (allowed), while anything whose normal form starts with `..` is refused
 * (`path.outside-workspace`) — `..` is never resolved against the filesystem, so `link/..` means
 * the directory holding `link`, not the parent of its target. `~` is an ordinary name:
 * `~/.ssh` is `<root>/~/.ssh`, never the home directory.
 *
 * The normalised path is then walked from the workspace's open root, one component at a time,
 * by ConfinedRoot (src/infra/workspace-fs/confined.ts): symbolic links are expanded by hand (at
 * most 40) and may point anywhere *inside* the workspace (absolute or relative target), while a
 * path that would lead out through any component is refused (`path.symlink-outside`). No path is
 * ever handed to the kernel whole, so a folder swapped for a link while the walk is under way
 * changes nothing: see the containment rule in confined.ts.
 */

export const MAX_PATH_BYTES = 4096;

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

/** Throws POLICY_DENIED when a write may not touch `rel` (see protectedRule). */
export const refuseProtected = (rel: string): void => {
  const rule = protectedRule(rel);
  if (rule) throw policyDenied(rule, protectedMessages[rule] ?? "The path is protected");
};

/**
 * The host path `userPath` names inside the workspace `root`, after every path rule, found by the
 * confined walk (POLICY_DENIED with details.rule: path.absolute, path.outside-workspace,
 * path.nul-byte, path.symlink-outside, path.special-file, path.venv-protected, path.git-protected,
 * path.workspace-root; BAD_USER_INPUT for empty or too long paths; NOT_FOUND unless allowMissing).
 * Only for handing to a program in the sandbox, where the path is resolved again in the sandbox's
 * mount namespace: the service itself never opens it.
 */
export async function resolveInWorkspace(
  root: string,
  userPath: string,
  opts: Partial<Omit<LocateOptions, "createParents">> & { forWrite?: boolean; noFollow?: boolean } = {},
  owner: Owner | null = null,
): Promise<string> {
  const requested = normalizeUserPath(userPath);
  if (opts.forWrite) refuseProtected(requested);
  return ConfinedRoot.with(root, owner, async (r) => {
    const loc = await r.locate(requested, {
      follow: !opts.noFollow,
      allowMissing: opts.allowMissing,
      allowMissingParents: opts.allowMissing,
      field: opts.field,
    });
    if (opts.forWrite) refuseProtected(loc.relative);
    return loc.relative === "." ? r.path : join(r.path, loc.relative);
  });
}
