/** What the GitHub service's operations share: the repository checked, one call sent, lookups by number or name. */
import { DomainError, notFound } from "../../domain/errors.js";
import * as docs from "./github.documents.js";
import type { GitHubCall, GitHubCaller, GitHubGraphql } from "./github-graphql.js";
import type {
  GitHubItemKind,
  GitHubItemRef,
  GitHubItemState,
  GitHubPullRequestResult,
  GitHubRepositoryInfo,
  MergeMethod,
} from "./github.types.js";
import { branchName, itemUrl, notFoundAs, repositoryName, type RepositoryName } from "./github-values.js";

export interface GitHubSettings {
  /** Where GitHub shows issues and pull requests (GITHUB_URL). */
  webUrl: string;
  /** GITHUB_REPOSITORIES: when not empty, the only repositories the service works on. */
  repositories: readonly string[];
  /** GITHUB_MERGE_METHODS: how pull requests may be merged (empty: never). */
  mergeMethods: readonly MergeMethod[];
}

interface IssueLookup {
  repository: { hasIssuesEnabled: boolean; issue: { __typename: string; id: string; state: string } | null } | null;
}

interface PullRequestLookup {
  repository: { pullRequest: { id: string; state: string; headRefName: string } | null } | null;
}

export interface Found {
  kind: GitHubItemKind;
  id: string;
  state: GitHubItemState;
}

/**
 * What every GitHub operation needs: the repository checked against the settings, one call sent
 * with the caller's credentials, and the node ids of issues, pull requests and labels.
 */
export class GitHubLookups {
  constructor(
    protected readonly api: GitHubGraphql,
    protected readonly settings: GitHubSettings,
  ) {}

  /** `value` as owner/name, allowed by GITHUB_REPOSITORIES (BAD_USER_INPUT or POLICY_DENIED otherwise). */
  repository(value: string, field = "repository"): RepositoryName {
    return repositoryName(value, this.settings.repositories, field);
  }

  protected send<T>(document: string, variables: Record<string, unknown>, caller: GitHubCaller, repo?: RepositoryName) {
    const call: GitHubCall = { ...caller, repository: repo?.full };
    return this.api.request<T>(document, variables, call);
  }

  /** The open pull request of a head branch, if there is one. */
  async findPullRequestForBranch(
    caller: GitHubCaller,
    repository: string,
    head: string,
  ): Promise<GitHubPullRequestResult | null> {
    const repo = this.repository(repository);
    type Node = { url: string; id: string; number: number; state: string; baseRefName: string; headRefName: string };
    const data = await this.send<{ repository: { pullRequests: { nodes: Array<Node | null> } } | null }>(
      docs.PullRequestForBranch,
      { headRefName: branchName(head, "head"), owner: repo.owner, repo: repo.name, states: ["OPEN"] },
      caller,
      repo,
    ).catch(notFoundAs("repository"));
    const pr = data.repository?.pullRequests.nodes.find((n): n is Node => n !== null && n.headRefName === head);
    if (!pr) return null;
    return {
      kind: "PULL_REQUEST",
      id: pr.id,
      repository: repo.full,
      number: pr.number,
      url: pr.url,
      state: pr.state as GitHubItemState,
      stateReason: null,
      headRefName: pr.headRefName,
      baseRefName: pr.baseRefName,
      created: false,
    };
  }

  /** A repository's node id, default branch, the caller's permission and the merge methods it allows. */
  async repositoryInfo(caller: GitHubCaller, repository: string): Promise<GitHubRepositoryInfo> {
    const repo = this.repository(repository);
    const data = await this.send<{
      repository: {
        id: string;
        name: string;
        owner: { login: string };
        hasIssuesEnabled: boolean;
        viewerPermission: string | null;
        defaultBranchRef: { name: string } | null;
        mergeCommitAllowed: boolean;
        rebaseMergeAllowed: boolean;
        squashMergeAllowed: boolean;
      } | null;
    }>(docs.RepositoryInfo, { name: repo.name, owner: repo.owner }, caller, repo).catch(notFoundAs("repository"));
    const r = data.repository;
    if (!r) throw notFound("Repository", repo.full, "repository");
    const allowed: MergeMethod[] = [];
    if (r.mergeCommitAllowed) allowed.push("MERGE");
    if (r.squashMergeAllowed) allowed.push("SQUASH");
    if (r.rebaseMergeAllowed) allowed.push("REBASE");
    return {
      id: r.id,
      nameWithOwner: `${r.owner.login}/${r.name}`,
      defaultBranch: r.defaultBranchRef?.name ?? null,
      viewerPermission: r.viewerPermission,
      hasIssuesEnabled: r.hasIssuesEnabled,
      mergeMethodsAllowed: allowed,
    };
  }

  /** The repository's default branch (NOT_FOUND when it has none: an empty repository). */
  async defaultBranch(caller: GitHubCaller, repository: string): Promise<string> {
    const info = await this.repositoryInfo(caller, repository);
    if (!info.defaultBranch) throw notFound("Default branch of", repository, "repository");
    return info.defaultBranch;
  }

  /** The issue or pull request of a number (its node id and kind). */
  protected async find(caller: GitHubCaller, repo: RepositoryName, number: number): Promise<Found> {
    const data = await this.send<IssueLookup>(
      docs.IssueByNumber,
      { number, owner: repo.owner, repo: repo.name },
      caller,
      repo,
    ).catch(notFoundAs("number"));
    const issue = data.repository?.issue;
    if (!issue) throw notFound("Issue", `${repo.full}#${number}`, "number");
    const kind = issue.__typename === "PullRequest" ? "PULL_REQUEST" : "ISSUE";
    return { kind, id: issue.id, state: issue.state as GitHubItemState };
  }

  protected async pullRequest(caller: GitHubCaller, repo: RepositoryName, number: number) {
    const data = await this.send<PullRequestLookup>(
      docs.PullRequestByNumber,
      { owner: repo.owner, pr_number: number, repo: repo.name },
      caller,
      repo,
    ).catch(notFoundAs("number"));
    const pr = data.repository?.pullRequest;
    if (!pr) throw notFound("Pull request", `${repo.full}#${number}`, "number");
    return pr;
  }

  /** The node ids of labels named in a repository (NOT_FOUND naming the first that does not exist). */
  protected async labelIds(caller: GitHubCaller, repo: RepositoryName, names: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const label of new Set(names)) {
      const data = await this.send<{ repository: { label: { id: string } | null } | null }>(
        docs.LabelByName,
        { label, owner: repo.owner, repo: repo.name },
        caller,
        repo,
      ).catch(notFoundAs("labels"));
      const id = data.repository?.label?.id;
      if (!id) throw new DomainError("NOT_FOUND", `${repo.full} has no label "${label}"`, { field: "labels", label });
      ids.push(id);
    }
    return ids;
  }

  protected ref(
    repo: RepositoryName,
    number: number,
    found: Found,
    state: GitHubItemState,
    stateReason: string | null,
  ): GitHubItemRef {
    const url = itemUrl(this.settings.webUrl, repo.full, found.kind, number);
    return { kind: found.kind, id: found.id, repository: repo.full, number, url, state, stateReason };
  }
}
