/** Checks of what callers name (repositories, branches), and GitHub's answers turned into the service's values. */
import { badInput, DomainError, policyDenied } from "../../domain/errors.js";
import type { GitHubItem, GitHubItemKind, GitHubItemState } from "./github.types.js";

/** owner/name as GitHub allows them (the same rule GITHUB_REPOSITORIES is checked with). */
export const REPOSITORY_PATTERN = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/** A branch name: git's rules for a ref, the common subset (no "..", no leading "-", no "@{", no spaces). */
const BRANCH_PATTERN = /^(?![-/.])(?!.*(?:\.\.|\/\/|@\{|\.lock$|\/$|\.$))[A-Za-z0-9._/+-]{1,200}$/;

export interface RepositoryName {
  owner: string;
  name: string;
  /** owner/name as given. */
  full: string;
}

/**
 * `value` as owner/name, checked: BAD_USER_INPUT when it is not one, POLICY_DENIED when
 * GITHUB_REPOSITORIES is set and does not list it (names compare case-insensitively, as GitHub's).
 */
export function repositoryName(value: string, allowed: readonly string[], field = "repository"): RepositoryName {
  if (!REPOSITORY_PATTERN.test(value) || value.split("/").some((part) => part === "." || part === "..")) {
    throw badInput(field, "must be a repository as owner/name (e.g. octocat/hello-world)");
  }
  if (!isAllowed(value, allowed)) {
    throw policyDenied(
      "github.repository-not-allowed",
      `The repository ${value} is not one of GITHUB_REPOSITORIES (${allowed.join(", ")})`,
      { field },
    );
  }
  const [owner = "", name = ""] = value.split("/");
  return { owner, name, full: value };
}

export const isAllowed = (repository: string, allowed: readonly string[]): boolean =>
  allowed.length === 0 || allowed.some((r) => r.toLowerCase() === repository.toLowerCase());

export function branchName(value: string, field: string): string {
  if (!BRANCH_PATTERN.test(value)) {
    throw badInput(field, "must be a branch name of this repository (letters, digits, . _ / + -; no '..')");
  }
  return value;
}

/** The repositories a search query names with repo: (not those it excludes with -repo:). */
export const repositoriesInQuery = (query: string): string[] =>
  [...query.matchAll(/(?:^|\s)repo:("?)([^\s"]+)\1/gi)].map((m) => m[2] ?? "");

/** An issue's or pull request's number, from its address (…/issues/7, …/pull/9#issuecomment-1). */
export function numberFromUrl(url: string): number {
  const match = /\/(?:issues|pull)\/(\d+)(?:[#?/]|$)/.exec(url);
  if (!match)
    throw new DomainError("GITHUB_FAILED", `GitHub answered with an unexpected address: ${url.slice(0, 200)}`);
  return Number(match[1]);
}

/** Where GitHub shows an issue or pull request (for answers that carry no address). */
export const itemUrl = (webUrl: string, repository: string, kind: GitHubItemKind, number: number): string =>
  `${webUrl}/${repository}/${kind === "PULL_REQUEST" ? "pull" : "issues"}/${number}`;

/** A NOT_FOUND of GitHub's, said of the caller's `field` (repository when the repository is missing). */
export function notFoundAs(field: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof DomainError && err.code === "NOT_FOUND") {
      const path = err.details.githubPath;
      const ofRepository = Array.isArray(path) && path.length === 1 && path[0] === "repository";
      throw new DomainError("NOT_FOUND", err.message, { ...err.details, field: ofRepository ? "repository" : field });
    }
    throw err;
  };
}

/** An issue or pull request node of a list, a search or a lookup, as GitHub answers it. */
export interface ItemNode {
  __typename?: string;
  number: number;
  title: string;
  url: string;
  state: string;
  stateReason?: string | null;
  updatedAt: string;
  labels?: { nodes: Array<{ name: string } | null> | null } | null;
  repository?: { nameWithOwner: string } | null;
  isDraft?: boolean;
  headRefName?: string;
  baseRefName?: string;
}

export const labelNames = (labels: ItemNode["labels"]): string[] =>
  (labels?.nodes ?? []).flatMap((l) => (l ? [l.name] : []));

export function toItem(node: ItemNode, repository: string, kind?: GitHubItemKind): GitHubItem {
  const isPull = kind === "PULL_REQUEST" || node.__typename === "PullRequest";
  return {
    kind: isPull ? "PULL_REQUEST" : "ISSUE",
    repository: node.repository?.nameWithOwner ?? repository,
    number: node.number,
    title: node.title,
    url: node.url,
    state: node.state as GitHubItemState,
    stateReason: isPull ? null : (node.stateReason ?? null),
    labels: labelNames(node.labels),
    updatedAt: new Date(node.updatedAt),
    headRefName: isPull ? (node.headRefName ?? null) : null,
    baseRefName: isPull ? (node.baseRefName ?? null) : null,
    isDraft: isPull ? (node.isDraft ?? false) : null,
  };
}

export const dateOrNull = (value: string | null | undefined): Date | null => (value ? new Date(value) : null);
