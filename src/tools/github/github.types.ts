/** What the GitHub service answers with: plain values, the same for tools and for the service's own callers. */

export const githubItemKinds = ["ISSUE", "PULL_REQUEST"] as const;
export type GitHubItemKind = (typeof githubItemKinds)[number];

/** An issue's state (OPEN, CLOSED) or a pull request's (OPEN, CLOSED, MERGED). */
export const githubItemStates = ["OPEN", "CLOSED", "MERGED"] as const;
export type GitHubItemState = (typeof githubItemStates)[number];

export const issueStates = ["OPEN", "CLOSED"] as const;
export type IssueState = (typeof issueStates)[number];

export const pullRequestStates = ["OPEN", "CLOSED", "MERGED"] as const;
export type PullRequestState = (typeof pullRequestStates)[number];

/** Why an issue is closed (GitHub's IssueClosedStateReason, less DUPLICATE, which needs the duplicate's id). */
export const closeReasons = ["COMPLETED", "NOT_PLANNED"] as const;
export type CloseReason = (typeof closeReasons)[number];

export const mergeMethods = ["MERGE", "SQUASH", "REBASE"] as const;
export type MergeMethod = (typeof mergeMethods)[number];

/** An issue or pull request as lists and searches show it. */
export interface GitHubItem {
  kind: GitHubItemKind;
  /** owner/name. */
  repository: string;
  number: number;
  title: string;
  url: string;
  state: GitHubItemState;
  /** Why a closed issue was closed (COMPLETED, NOT_PLANNED, DUPLICATE) or REOPENED; null for pull requests. */
  stateReason: string | null;
  labels: string[];
  updatedAt: Date;
  /** Pull requests only (null for issues). */
  headRefName: string | null;
  baseRefName: string | null;
  isDraft: boolean | null;
}

export interface GitHubItemPage {
  items: GitHubItem[];
  /** All the matches, over every page. */
  totalCount: number;
  hasNextPage: boolean;
  /** Pass as `after` for the next page; null when there are no items. */
  endCursor: string | null;
}

export interface GitHubComment {
  id: string;
  author: string | null;
  body: string;
  url: string;
  createdAt: Date;
}

/** One issue or pull request with its body and latest comments. */
export interface GitHubItemDetail extends GitHubItem {
  id: string;
  body: string;
  author: string | null;
  createdAt: Date;
  closedAt: Date | null;
  /** Pull requests only: merged into their base. */
  merged: boolean | null;
  mergedAt: Date | null;
  /** The latest comments, oldest first (at most ITEM_COMMENTS_MAX). */
  comments: GitHubComment[];
  commentCount: number;
}

/** What a change to an issue or pull request answers with. */
export interface GitHubItemRef {
  kind: GitHubItemKind;
  /** GitHub's node id. */
  id: string;
  repository: string;
  number: number;
  url: string;
  state: GitHubItemState;
  stateReason: string | null;
}

export interface GitHubPullRequestResult extends GitHubItemRef {
  headRefName: string;
  baseRefName: string;
  /** false: an open pull request of this head branch existed already, and is the one returned. */
  created: boolean;
}

export interface GitHubCommentResult {
  repository: string;
  number: number;
  /** The comment's address. */
  url: string;
}

export interface GitHubLabelsResult {
  repository: string;
  number: number;
  url: string;
  /** Every label the issue or pull request now has. */
  labels: string[];
}

export interface GitHubReviewersResult {
  repository: string;
  number: number;
  url: string;
  /** Every reviewer now asked (user logins, team slugs). */
  reviewers: string[];
}

export interface GitHubMergeResult {
  repository: string;
  number: number;
  url: string;
  method: MergeMethod;
  merged: boolean;
  mergeCommitSha: string | null;
  mergedAt: Date | null;
}

/** A repository as the service needs it (pull requests, the webhook flow). */
export interface GitHubRepositoryInfo {
  id: string;
  /** owner/name as GitHub spells it. */
  nameWithOwner: string;
  defaultBranch: string | null;
  viewerPermission: string | null;
  hasIssuesEnabled: boolean;
  mergeMethodsAllowed: MergeMethod[];
}
