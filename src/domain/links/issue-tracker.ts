import type { SecretLookup } from "../secrets/secret.types.js";

/** A pull request as the tracker reports it. */
export interface PullRequestRef {
  url: string;
  number: number;
  nodeId: string | null;
  /** null when the tracker did not say (the task's title stands in). */
  title: string | null;
  state: "OPEN" | "CLOSED" | "MERGED";
}

/** A comment posted on an issue. */
export interface PostedComment {
  url: string;
  nodeId: string | null;
}

/** The issue a comment goes on. */
export interface IssueTarget {
  /** owner/name. */
  repository: string;
  number: number;
  /** GitHub's node id when known (spares a look-up). */
  nodeId: string | null;
}

/**
 * Whose credentials a call uses and what for: the task's (a TASK secret, then its agent's, then
 * a GLOBAL one or the GitHub App), recorded on the secret as `purpose`.
 */
export interface TrackerAccess {
  scope: SecretLookup;
  purpose: string;
}

/**
 * What reporting a finished task needs of GitHub (implemented over the GitHub service in
 * src/tools/github/). Errors are typed (NOT_FOUND, FORBIDDEN, INSUFFICIENT_SCOPES, RATE_LIMITED,
 * NOT_CONFIGURED, GITHUB_FAILED …).
 */
export interface IssueTracker {
  /** The branch pull requests of `repository` merge into by default. */
  defaultBranch(repository: string, access: TrackerAccess): Promise<string>;
  /** An open pull request from `head` (a branch of `repository`) into it, if there is one. */
  findPullRequest(repository: string, head: string, access: TrackerAccess): Promise<PullRequestRef | null>;
  createPullRequest(
    input: { repository: string; head: string; base: string; title: string; body: string },
    access: TrackerAccess,
  ): Promise<PullRequestRef>;
  /** A comment of the issue whose text holds `marker`, if there is one (the latest comments are enough). */
  findComment(issue: IssueTarget, marker: string, access: TrackerAccess): Promise<PostedComment | null>;
  addComment(issue: IssueTarget, body: string, access: TrackerAccess): Promise<PostedComment>;
}
