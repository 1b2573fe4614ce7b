/**
 * What the git tools accept: remote URLs (https, or http where the operator allowed it, on an
 * allowed origin, owner/name paths, no credentials), branch names (git's check-ref-format rules)
 * and revisions. Everything else is refused before any git runs.
 */
import { posix } from "node:path";
import { z } from "zod";
import { badInput, policyDenied } from "../../domain/errors.js";

/** A remote the service may clone from and push to, in the one form git is given. */
export interface RemoteUrl {
  /** <origin>/<owner>/<name>[.git], nothing else (no userinfo, query or fragment). */
  url: string;
  origin: string;
  /** host[:port] */
  host: string;
  /** owner/name, without .git */
  repository: string;
  /** The origin is an http:// one the operator listed. */
  allowHttp: boolean;
}

const SEGMENT = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Checks a clone or push URL against the allowed origins (GIT_ALLOWED_HOSTS). Refused:
 * anything but http(s) URLs (ext::, file://, ssh://, git://, scp-like user@host:path, local
 * paths) as POLICY_DENIED `git.url-scheme`; credentials in the URL as `git.url-credentials`;
 * an origin not listed (or http:// where only https:// is) as `git.url-origin`; a query, a
 * fragment or a path other than /owner/name[.git] as BAD_USER_INPUT.
 */
export function parseRemoteUrl(raw: string, allowedOrigins: readonly string[], field = "url"): RemoteUrl {
  let u: URL | null = null;
  if (/^https?:\/\//i.test(raw) && !/[\s\\\0]/.test(raw)) {
    try {
      u = new URL(raw);
    } catch {
      u = null;
    }
  }
  if (!u) {
    throw policyDenied(
      "git.url-scheme",
      "Only https:// URLs (http:// where the operator allows it) may be cloned; ext::, file://, ssh, scp-like addresses and local paths are refused",
      { field },
    );
  }
  if (u.username !== "" || u.password !== "" || /^https?:\/\/[^/]*@/i.test(raw)) {
    throw policyDenied("git.url-credentials", "The URL must not carry credentials: the service signs in itself", {
      field,
    });
  }
  if (!allowedOrigins.includes(u.origin)) {
    throw policyDenied(
      "git.url-origin",
      `${u.origin} is not an origin git may reach (GIT_ALLOWED_HOSTS: ${allowedOrigins.join(", ") || "none"})`,
      { field },
    );
  }
  if (u.search !== "" || u.hash !== "" || /[?#]/.test(raw)) {
    throw badInput(field, "must not have a query or a fragment");
  }
  const parts = u.pathname.replace(/\/+$/, "").split("/").slice(1);
  const [owner, rawName] = parts;
  const name = rawName?.replace(/\.git$/, "");
  if (
    parts.length !== 2 ||
    !owner ||
    !name ||
    !SEGMENT.test(owner) ||
    !SEGMENT.test(name) ||
    [owner, name].some((p) => p === "." || p === "..")
  ) {
    throw badInput(field, "must be a repository address: <origin>/<owner>/<name>[.git]");
  }
  return {
    url: `${u.origin}/${owner}/${rawName}`,
    origin: u.origin,
    host: u.host,
    repository: `${owner}/${name}`,
    allowHttp: u.protocol === "http:",
  };
}

/** Why `name` is not a branch name git accepts (check-ref-format), or null. */
export function branchNameProblem(name: string): string | null {
  if (name.length === 0) return "must not be empty";
  if (Buffer.byteLength(name) > 255) return "must be at most 255 bytes";
  if (name.startsWith("-")) return "must not start with '-'";
  if (name === "HEAD" || name === "@") return `${name} is not a branch name`;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) {
    return "must not contain spaces, control characters or any of ~ ^ : ? * [ \\";
  }
  if (name.includes("..")) return "must not contain '..'";
  if (name.includes("@{")) return "must not contain '@{'";
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) {
    return "must not start or end with '/' or contain '//'";
  }
  if (name.endsWith(".")) return "must not end with '.'";
  for (const part of name.split("/")) {
    if (part.startsWith(".")) return "no part of it may start with '.'";
    if (part.endsWith(".lock")) return "no part of it may end with '.lock'";
  }
  return null;
}

/** Why `rev` is not a revision the tools pass on (a name, sha, range or ~^ suffixes), or null. */
export function revisionProblem(rev: string): string | null {
  if (rev.length === 0) return "must not be empty";
  if (rev.length > 255) return "must be at most 255 characters";
  if (rev.startsWith("-")) return "must not start with '-'";
  if (!/^[A-Za-z0-9._/@{}~^+-]+$/.test(rev)) return "may only hold letters, digits and . _ / @ { } ~ ^ + -";
  return null;
}

export const branchName = z
  .string()
  .max(255)
  .superRefine((v, ctx) => {
    const problem = branchNameProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const revision = z
  .string()
  .max(255)
  .superRefine((v, ctx) => {
    const problem = revisionProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A path of the repository (relative to src/), passed to git after `--`. */
export const repoPath = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((v, ctx) => {
    if (v.includes("\0")) ctx.addIssue({ code: "custom", message: "must not contain NUL" });
    else if (posix.isAbsolute(v))
      ctx.addIssue({ code: "custom", message: "must be relative to the repository (src/)" });
    else if (/^\.\.(\/|$)/.test(posix.normalize(v))) {
      ctx.addIssue({ code: "custom", message: "must stay inside the repository" });
    }
  });
