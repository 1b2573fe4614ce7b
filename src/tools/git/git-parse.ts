/**
 * Reading what the workspace's git prints (machine formats only: porcelain v2, NUL- and
 * unit-separated fields) into the tools' results. Pure functions: the output comes from a program
 * the agent can influence, so nothing here trusts its shape; what does not parse is left out.
 */

export type GitChangeKind = "changed" | "renamed" | "copied" | "unmerged" | "untracked" | "ignored";

export interface GitStatusEntry {
  path: string;
  /** A rename's or copy's source; null otherwise. */
  origPath: string | null;
  /** git's two-letter code: the index's state, then the working tree's ("." unchanged, M, A, D, R, C, U, "?" untracked). */
  status: string;
  kind: GitChangeKind;
}

export interface GitStatusResult {
  /** The checked-out branch; null when HEAD is detached. */
  branch: string | null;
  /** HEAD's commit; null before the first commit. */
  head: string | null;
  upstream: string | null;
  ahead: number;
  behind: number;
  entries: GitStatusEntry[];
  clean: boolean;
  truncated: boolean;
}

export interface GitPerson {
  name: string;
  email: string;
}

export interface GitCommitInfo {
  sha: string;
  author: GitPerson;
  date: Date;
  subject: string;
}

export interface GitBranchInfo {
  name: string;
  sha: string;
  /** A remote-tracking branch (origin/…) rather than a local one. */
  remote: boolean;
  current: boolean;
  upstream: string | null;
}

/** Parses `git status --porcelain=v2 --branch -z`, keeping at most `maxEntries` entries. */
export function parseStatus(out: string, maxEntries: number): GitStatusResult {
  const result: GitStatusResult = {
    branch: null,
    head: null,
    upstream: null,
    ahead: 0,
    behind: 0,
    entries: [],
    clean: true,
    truncated: false,
  };
  const fields = out.split("\0");
  const add = (entry: GitStatusEntry) => {
    if (entry.kind !== "ignored") result.clean = false;
    if (result.entries.length >= maxEntries) result.truncated = true;
    else result.entries.push(entry);
  };
  for (let i = 0; i < fields.length; i++) {
    const line = fields[i] as string;
    if (line.startsWith("# ")) {
      const [, key, ...rest] = line.split(" ");
      const value = rest.join(" ");
      if (key === "branch.oid") result.head = value === "(initial)" ? null : value;
      else if (key === "branch.head") result.branch = value === "(detached)" ? null : value;
      else if (key === "branch.upstream") result.upstream = value;
      else if (key === "branch.ab") {
        const m = /^\+(\d+) -(\d+)$/.exec(value);
        if (m) {
          result.ahead = Number(m[1]);
          result.behind = Number(m[2]);
        }
      }
      continue;
    }
    const type = line[0];
    if (type === "1") {
      const parts = line.split(" ");
      add({ path: parts.slice(8).join(" "), origPath: null, status: parts[1] ?? "..", kind: "changed" });
    } else if (type === "2") {
      const parts = line.split(" ");
      const origPath = fields[++i] ?? null;
      const kind = parts[8]?.startsWith("C") ? "copied" : "renamed";
      add({ path: parts.slice(9).join(" "), origPath, status: parts[1] ?? "..", kind });
    } else if (type === "u") {
      const parts = line.split(" ");
      add({ path: parts.slice(10).join(" "), origPath: null, status: parts[1] ?? "UU", kind: "unmerged" });
    } else if (type === "?") {
      add({ path: line.slice(2), origPath: null, status: "??", kind: "untracked" });
    } else if (type === "!") {
      add({ path: line.slice(2), origPath: null, status: "!!", kind: "ignored" });
    }
  }
  return result;
}

/** The log format the tool asks for: fields split by US (0x1f), commits ended by RS (0x1e). */
export const LOG_FORMAT = "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s%x1e";

export function parseLog(out: string): GitCommitInfo[] {
  const commits: GitCommitInfo[] = [];
  for (const record of out.split("\x1e")) {
    const [sha, name, email, date, ...subject] = record.replace(/^\n/, "").split("\x1f");
    if (!sha || !/^[0-9a-f]{40,64}$/.test(sha) || name === undefined || email === undefined || !date) continue;
    const when = new Date(date);
    if (Number.isNaN(when.getTime())) continue;
    commits.push({ sha, author: { name, email }, date: when, subject: subject.join("\x1f") });
  }
  return commits;
}

/** The for-each-ref format the tool asks for: name, commit, "*" for HEAD, upstream; NUL between. */
export const BRANCH_FORMAT = "--format=%(refname)%00%(objectname)%00%(HEAD)%00%(upstream:short)";

export function parseBranches(out: string): GitBranchInfo[] {
  const branches: GitBranchInfo[] = [];
  for (const line of out.split("\n")) {
    const [ref, sha, head, upstream] = line.split("\0");
    if (!ref || !sha) continue;
    const local = ref.startsWith("refs/heads/");
    const remote = ref.startsWith("refs/remotes/");
    if ((!local && !remote) || ref.endsWith("/HEAD")) continue;
    branches.push({
      name: ref.slice(local ? "refs/heads/".length : "refs/remotes/".length),
      sha,
      remote,
      current: head === "*",
      upstream: upstream || null,
    });
  }
  return branches;
}
