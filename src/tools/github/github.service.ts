import { badInput, DomainError, notFound, policyDenied } from "../../domain/errors.js";
import * as docs from "./github.documents.js";
import type { GitHubCaller } from "./github-graphql.js";
import { GitHubLookups } from "./github-lookups.js";
import type {
  CloseReason,
  GitHubCommentResult,
  GitHubItemDetail,
  GitHubItemPage,
  GitHubItemRef,
  GitHubLabelsResult,
  GitHubMergeResult,
  GitHubPullRequestResult,
  GitHubReviewersResult,
  IssueState,
  MergeMethod,
  PullRequestState,
} from "./github.types.js";
import {
  branchName,
  dateOrNull,
  isAllowed,
  itemUrl,
  labelNames,
  notFoundAs,
  numberFromUrl,
  repositoriesInQuery,
  toItem,
  type ItemNode,
  type RepositoryName,
} from "./github-values.js";

export type { GitHubSettings } from "./github-lookups.js";

/** The latest comments githubGetIssue returns. */
export const ITEM_COMMENTS_MAX = 100;
/** The most items a page of a list or search may ask for (GitHub's own limit). */
export const GITHUB_PAGE_MAX = 100;
/** The most labels or reviewers one call may name. */
export const GITHUB_NAMES_MAX = 20;

interface PageArgs {
  first: number;
  after?: string | null;
}

/**
 * Issues and pull requests on GitHub, over its GraphQL API: what the github* tools do, and what the
 * rest of the service (the webhook flow) calls with a GitHubCaller of its own. Every method checks
 * the repository (owner/name, and GITHUB_REPOSITORIES when set) before anything is sent.
 */
export class GitHubService extends GitHubLookups {
  /**
   * GitHub's issue search (its syntax: repo:, is:open, label:, author:, …). With GITHUB_REPOSITORIES
   * set, a query naming another repository is refused, one naming none is limited to them.
   */
  async searchIssues(caller: GitHubCaller, input: { query: string } & PageArgs): Promise<GitHubItemPage> {
    const allowed = this.settings.repositories;
    const named = repositoriesInQuery(input.query);
    for (const r of named) this.repository(r, "query");
    const query = named.length > 0 || allowed.length === 0 ? input.query : `${input.query} ${scopeOf(allowed)}`;
    const repo = named[0] ?? allowed[0];
    return this.search(caller, query, input, repo ? this.repository(repo, "query") : undefined);
  }

  private async search(caller: GitHubCaller, query: string, page: PageArgs, repo?: RepositoryName) {
    const data = await this.send<{
      search: {
        issueCount: number;
        nodes: Array<(ItemNode & { __typename: string }) | null>;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    }>(docs.IssueSearch, { searchQuery: query, first: page.first, after: page.after ?? null }, caller, repo);
    const items = data.search.nodes
      .flatMap((n) => (n && (n.__typename === "Issue" || n.__typename === "PullRequest") ? [toItem(n, "")] : []))
      .filter((item) => isAllowed(item.repository, this.settings.repositories));
    return { items, totalCount: data.search.issueCount, ...data.search.pageInfo };
  }

  /** A repository's issues, newest first; with labels, a search (as GitHub's CLI does), all of them required. */
  async listIssues(
    caller: GitHubCaller,
    input: { repository: string; states: readonly IssueState[]; labels?: readonly string[] } & PageArgs,
  ): Promise<GitHubItemPage> {
    const repo = this.repository(input.repository);
    const states = input.states.length > 0 ? [...new Set(input.states)] : ["OPEN"];
    if (input.labels && input.labels.length > 0) {
      const state = states.length === 1 ? ` is:${states[0]!.toLowerCase()}` : "";
      const labels = input.labels.map((l) => ` label:"${l}"`).join("");
      return this.search(caller, `repo:${repo.full} is:issue${state}${labels}`, input, repo);
    }
    const data = await this.send<{ repository: { issues: ItemConnection } | null }>(
      docs.IssueList,
      { owner: repo.owner, repo: repo.name, limit: input.first, endCursor: input.after ?? null, states },
      caller,
      repo,
    ).catch(notFoundAs("repository"));
    return pageOf(data.repository?.issues, repo.full, "ISSUE");
  }

  async listPullRequests(
    caller: GitHubCaller,
    input: { repository: string; states: readonly PullRequestState[] } & PageArgs,
  ): Promise<GitHubItemPage> {
    const repo = this.repository(input.repository);
    const states = input.states.length > 0 ? [...new Set(input.states)] : ["OPEN"];
    const data = await this.send<{ repository: { pullRequests: ItemConnection } | null }>(
      docs.PullRequestList,
      { owner: repo.owner, repo: repo.name, limit: input.first, endCursor: input.after ?? null, states },
      caller,
      repo,
    ).catch(notFoundAs("repository"));
    return pageOf(data.repository?.pullRequests, repo.full, "PULL_REQUEST");
  }

  /** An issue or pull request with its body and its latest comments (oldest first). */
  async getIssue(caller: GitHubCaller, input: { repository: string; number: number }): Promise<GitHubItemDetail> {
    const repo = this.repository(input.repository);
    type Comment = { id: string; url: string; body: string; createdAt: string; author: { login: string } | null };
    type Node = ItemNode & {
      __typename: string;
      id: string;
      body: string;
      createdAt: string;
      closedAt: string | null;
      author: { login: string } | null;
      merged?: boolean;
      mergedAt?: string | null;
      comments: { totalCount: number; nodes: Array<Comment | null> };
    };
    const data = await this.send<{ repository: { issue: Node | null } | null }>(
      docs.IssueWithComments,
      { owner: repo.owner, repo: repo.name, number: input.number, comments: ITEM_COMMENTS_MAX },
      caller,
      repo,
    ).catch(notFoundAs("number"));
    const node = data.repository?.issue;
    if (!node) throw notFound("Issue", `${repo.full}#${input.number}`, "number");
    const item = toItem(node, repo.full);
    return {
      ...item,
      id: node.id,
      body: node.body,
      author: node.author?.login ?? null,
      createdAt: new Date(node.createdAt),
      closedAt: dateOrNull(node.closedAt),
      merged: item.kind === "PULL_REQUEST" ? (node.merged ?? false) : null,
      mergedAt: dateOrNull(node.mergedAt),
      comments: node.comments.nodes.flatMap((c) =>
        c
          ? [{ id: c.id, url: c.url, body: c.body, author: c.author?.login ?? null, createdAt: new Date(c.createdAt) }]
          : [],
      ),
      commentCount: node.comments.totalCount,
    };
  }

  async createIssue(
    caller: GitHubCaller,
    input: { repository: string; title: string; body: string; labels?: readonly string[] },
  ): Promise<GitHubItemRef> {
    const repo = this.repository(input.repository);
    const info = await this.send<{ repository: { id: string } | null }>(
      docs.IssueRepositoryInfo,
      { owner: repo.owner, name: repo.name },
      caller,
      repo,
    ).catch(notFoundAs("repository"));
    if (!info.repository) throw notFound("Repository", repo.full, "repository");
    const labelIds = await this.labelIds(caller, repo, input.labels ?? []);
    const data = await this.send<{ createIssue: { issue: { id: string; url: string } } }>(
      docs.IssueCreate,
      {
        input: {
          body: input.body,
          repositoryId: info.repository.id,
          title: input.title,
          ...(labelIds.length > 0 ? { labelIds } : {}),
        },
      },
      caller,
      repo,
    );
    const { id, url } = data.createIssue.issue;
    return {
      kind: "ISSUE",
      id,
      repository: repo.full,
      number: numberFromUrl(url),
      url,
      state: "OPEN",
      stateReason: null,
    };
  }

  /** Closes an issue (with its reason) or a pull request (unmerged). */
  async closeIssue(
    caller: GitHubCaller,
    input: { repository: string; number: number; reason: CloseReason },
  ): Promise<GitHubItemRef> {
    const repo = this.repository(input.repository);
    const found = await this.find(caller, repo, input.number);
    if (found.kind === "PULL_REQUEST") {
      if (found.state === "MERGED") throw conflictOf(`#${input.number} is a merged pull request; it cannot be closed`);
      await this.send(docs.PullRequestClose, { input: { pullRequestId: found.id } }, caller, repo);
      return this.ref(repo, input.number, found, "CLOSED", null);
    }
    await this.send(docs.IssueClose, { input: { issueId: found.id, stateReason: input.reason } }, caller, repo);
    return this.ref(repo, input.number, found, "CLOSED", input.reason);
  }

  async reopenIssue(caller: GitHubCaller, input: { repository: string; number: number }): Promise<GitHubItemRef> {
    const repo = this.repository(input.repository);
    const found = await this.find(caller, repo, input.number);
    if (found.kind === "PULL_REQUEST") {
      if (found.state === "MERGED")
        throw conflictOf(`#${input.number} is a merged pull request; it cannot be reopened`);
      await this.send(docs.PullRequestReopen, { input: { pullRequestId: found.id } }, caller, repo);
      return this.ref(repo, input.number, found, "OPEN", null);
    }
    await this.send(docs.IssueReopen, { input: { issueId: found.id } }, caller, repo);
    return this.ref(repo, input.number, found, "OPEN", "REOPENED");
  }

  async addComment(
    caller: GitHubCaller,
    input: { repository: string; number: number; body: string },
  ): Promise<GitHubCommentResult> {
    const repo = this.repository(input.repository);
    const found = await this.find(caller, repo, input.number);
    const data = await this.send<{ addComment: { commentEdge: { node: { url: string } } | null } }>(
      docs.CommentCreate,
      { input: { body: input.body, subjectId: found.id } },
      caller,
      repo,
    );
    const url =
      data.addComment.commentEdge?.node.url ?? itemUrl(this.settings.webUrl, repo.full, found.kind, input.number);
    return { repository: repo.full, number: input.number, url };
  }

  /**
   * Opens a pull request of `head` (a pushed branch of the repository) into `base` (default: the
   * repository's default branch). An open pull request of `head` is returned as it is (created: false).
   */
  async createPullRequest(
    caller: GitHubCaller,
    input: { repository: string; head: string; base?: string | null; title: string; body: string; draft?: boolean },
  ): Promise<GitHubPullRequestResult> {
    const repo = this.repository(input.repository);
    const head = branchName(input.head, "head");
    const info = await this.repositoryInfo(caller, repo.full);
    const base = input.base ? branchName(input.base, "base") : info.defaultBranch;
    if (!base) throw badInput("base", `${repo.full} has no default branch: name the base branch`);
    if (base === head) throw badInput("head", "must differ from the base branch");
    const existing = await this.findPullRequestForBranch(caller, repo.full, head);
    if (existing) return existing;
    const data = await this.send<{ createPullRequest: { pullRequest: { id: string; url: string } } }>(
      docs.PullRequestCreate,
      {
        input: {
          baseRefName: base,
          body: input.body,
          draft: input.draft ?? false,
          headRefName: head,
          maintainerCanModify: true,
          repositoryId: info.id,
          title: input.title,
        },
      },
      caller,
      repo,
    );
    const { id, url } = data.createPullRequest.pullRequest;
    return {
      kind: "PULL_REQUEST",
      id,
      repository: repo.full,
      number: numberFromUrl(url),
      url,
      state: "OPEN",
      stateReason: null,
      headRefName: head,
      baseRefName: base,
      created: true,
    };
  }

  /** Asks users (logins) to review a pull request, in addition to those already asked. */
  async requestReviewers(
    caller: GitHubCaller,
    input: { repository: string; number: number; users: readonly string[] },
  ): Promise<GitHubReviewersResult> {
    const repo = this.repository(input.repository);
    const pr = await this.pullRequest(caller, repo, input.number);
    const userIds: string[] = [];
    for (const login of new Set(input.users)) {
      const data = await this.send<{ user: { id: string } | null }>(docs.UserByLogin, { login }, caller, repo).catch(
        notFoundAs("users"),
      );
      if (!data.user) throw notFound("User", login, "users");
      userIds.push(data.user.id);
    }
    type Reviewer = { __typename: string; login?: string; slug?: string };
    const data = await this.send<{
      requestReviews: {
        pullRequest: { reviewRequests: { nodes: Array<{ requestedReviewer: Reviewer | null } | null> } } | null;
      };
    }>(docs.ReviewsRequest, { input: { pullRequestId: pr.id, userIds, union: true } }, caller, repo);
    const nodes = data.requestReviews.pullRequest?.reviewRequests.nodes ?? [];
    return {
      repository: repo.full,
      number: input.number,
      url: itemUrl(this.settings.webUrl, repo.full, "PULL_REQUEST", input.number),
      reviewers: nodes.flatMap((n) => {
        const who = n?.requestedReviewer;
        const name = who?.login ?? who?.slug;
        return name ? [name] : [];
      }),
    };
  }

  /** Adds labels (by name; each must exist in the repository) to an issue or pull request. */
  async addLabels(
    caller: GitHubCaller,
    input: { repository: string; number: number; labels: readonly string[] },
  ): Promise<GitHubLabelsResult> {
    const repo = this.repository(input.repository);
    const found = await this.find(caller, repo, input.number);
    const labelIds = await this.labelIds(caller, repo, input.labels);
    const data = await this.send<{
      addLabelsToLabelable: { labelable: { labels: ItemNode["labels"] } | null };
    }>(docs.LabelsAdd, { input: { labelableId: found.id, labelIds } }, caller, repo);
    return {
      repository: repo.full,
      number: input.number,
      url: itemUrl(this.settings.webUrl, repo.full, found.kind, input.number),
      labels: labelNames(data.addLabelsToLabelable.labelable?.labels),
    };
  }

  /** Merges a pull request: refused (POLICY_DENIED) unless GITHUB_MERGE_METHODS lists the method. */
  async mergePullRequest(
    caller: GitHubCaller,
    input: { repository: string; number: number; method: MergeMethod },
  ): Promise<GitHubMergeResult> {
    const repo = this.repository(input.repository);
    if (!this.settings.mergeMethods.includes(input.method)) {
      const allowed = this.settings.mergeMethods;
      throw policyDenied(
        "github.merge-method",
        allowed.length === 0
          ? "Merging pull requests is not allowed here (GITHUB_MERGE_METHODS is empty)"
          : `Merging by ${input.method} is not allowed here (GITHUB_MERGE_METHODS: ${allowed.join(", ")})`,
        { field: "method" },
      );
    }
    const pr = await this.pullRequest(caller, repo, input.number);
    if (pr.state !== "OPEN")
      throw conflictOf(`#${input.number} is ${pr.state.toLowerCase()}; only an open pull request can be merged`);
    const data = await this.send<{
      mergePullRequest: {
        pullRequest: { merged: boolean; mergedAt: string | null; mergeCommit: { oid: string } | null } | null;
      };
    }>(docs.PullRequestMerge, { input: { pullRequestId: pr.id, mergeMethod: input.method } }, caller, repo);
    const merged = data.mergePullRequest.pullRequest;
    return {
      repository: repo.full,
      number: input.number,
      url: itemUrl(this.settings.webUrl, repo.full, "PULL_REQUEST", input.number),
      method: input.method,
      merged: merged?.merged ?? false,
      mergeCommitSha: merged?.mergeCommit?.oid ?? null,
      mergedAt: dateOrNull(merged?.mergedAt),
    };
  }
}

const scopeOf = (repositories: readonly string[]): string => repositories.map((r) => `repo:${r}`).join(" ");

const conflictOf = (message: string) => new DomainError("CONFLICT", message, { field: "number" });

/** A page of issues or pull requests as a repository's connection gives it. */
interface ItemConnection {
  totalCount: number;
  nodes: ItemNode[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The page of a repository's connection; NOT_FOUND when the repository was not there to answer. */
function pageOf(
  connection: ItemConnection | undefined,
  repository: string,
  kind: "ISSUE" | "PULL_REQUEST",
): GitHubItemPage {
  if (!connection) throw notFound("Repository", repository, "repository");
  return {
    items: connection.nodes.map((n) => toItem(n, repository, kind)),
    totalCount: connection.totalCount,
    ...connection.pageInfo,
  };
}
