/**
 * The fake GitHub's data: repositories, users, labels, issues, pull requests and comments as plain
 * arrays a test can read and change, seeded with iwahbe/taskpull as GitHub's CLI recorded it
 * (tests/fixtures/github_graphql/: ids, numbers, titles, states and dates of the recorded answers).
 * The GraphQL side (fake-github-graph.ts) reads and changes it.
 */
import { randomBytes } from "node:crypto";

export interface FakeRepository {
  id: string;
  owner: string;
  name: string;
  description: string | null;
  defaultBranch: string | null;
  /** Branches known to exist (a pull request's base must be one; its head too with requireKnownBranches). */
  branches: string[];
  hasIssuesEnabled: boolean;
  hasWikiEnabled: boolean;
  viewerPermission: "ADMIN" | "MAINTAIN" | "WRITE" | "TRIAGE" | "READ";
  mergeCommitAllowed: boolean;
  rebaseMergeAllowed: boolean;
  squashMergeAllowed: boolean;
  isPrivate: boolean;
  /** The GitHub App's installation on it (GET /repos/{owner}/{repo}/installation); null: not installed. */
  installationId: number | null;
}

export interface FakeUser {
  id: string;
  login: string;
  name: string | null;
  kind: "User" | "Bot";
}

export interface FakeLabel {
  id: string;
  /** owner/name. */
  repository: string;
  name: string;
  color: string;
  description: string | null;
}

interface FakeItemBase {
  id: string;
  /** owner/name. */
  repository: string;
  number: number;
  title: string;
  body: string;
  /** The author's login. */
  author: string;
  /** Label ids. */
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface FakeIssue extends FakeItemBase {
  state: "OPEN" | "CLOSED";
  stateReason: "COMPLETED" | "NOT_PLANNED" | "DUPLICATE" | "REOPENED" | null;
}

export interface FakePull extends FakeItemBase {
  state: "OPEN" | "CLOSED" | "MERGED";
  isDraft: boolean;
  headRefName: string;
  baseRefName: string;
  /** User ids asked to review. */
  reviewRequests: string[];
  merged: boolean;
  mergedAt: string | null;
  mergeCommitOid: string | null;
  mergeMethod: "MERGE" | "SQUASH" | "REBASE" | null;
}

export interface FakeComment {
  id: string;
  databaseId: number;
  repository: string;
  /** The issue's or pull request's number. */
  number: number;
  author: string;
  body: string;
  createdAt: string;
}

export interface FakeGitHubState {
  repositories: FakeRepository[];
  users: FakeUser[];
  labels: FakeLabel[];
  issues: FakeIssue[];
  pulls: FakePull[];
  comments: FakeComment[];
}

/** GitHub's ISO form (no milliseconds). */
export const isoNow = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

let counter = 0;
/** A node id of GitHub's shape (I_kw…, PR_kw…, IC_kw…, LA_kw…) that no recorded id has. */
export const newNodeId = (prefix: string): string =>
  `${prefix}_kwFAKE${(++counter).toString(36).padStart(4, "0")}${randomBytes(3).toString("hex")}`;

export const newOid = (): string => randomBytes(20).toString("hex");

export const fullName = (r: FakeRepository): string => `${r.owner}/${r.name}`;

export function findRepository(state: FakeGitHubState, nameWithOwner: string): FakeRepository | undefined {
  const wanted = nameWithOwner.toLowerCase();
  return state.repositories.find((r) => fullName(r).toLowerCase() === wanted);
}

/** The next number of an issue or pull request (they share one sequence per repository). */
export function nextNumber(state: FakeGitHubState, repository: string): number {
  const numbers = [...state.issues, ...state.pulls].filter((i) => i.repository === repository).map((i) => i.number);
  return Math.max(0, ...numbers) + 1;
}

export function itemByNumber(
  state: FakeGitHubState,
  repository: string,
  number: number,
): { kind: "Issue"; item: FakeIssue } | { kind: "PullRequest"; item: FakePull } | null {
  const issue = state.issues.find((i) => i.repository === repository && i.number === number);
  if (issue) return { kind: "Issue", item: issue };
  const pull = state.pulls.find((p) => p.repository === repository && p.number === number);
  return pull ? { kind: "PullRequest", item: pull } : null;
}

/** GitHub's default labels (every new repository has them), plus `agent`, the task label's default. */
const defaultLabels: Array<[string, string, string]> = [
  ["bug", "d73a4a", "Something isn't working"],
  ["documentation", "0075ca", "Improvements or additions to documentation"],
  ["duplicate", "cfd3d7", "This issue or pull request already exists"],
  ["enhancement", "a2eeef", "New feature or request"],
  ["good first issue", "7057ff", "Good for newcomers"],
  ["help wanted", "008672", "Extra attention is needed"],
  ["invalid", "e4e669", "This doesn't seem right"],
  ["question", "d876e3", "Further information is requested"],
  ["wontfix", "ffffff", "This will not be worked on"],
  ["agent", "ededed", "An agent works on it (GITHUB_TASK_LABEL)"],
];

export function labelsFor(repository: string): FakeLabel[] {
  return defaultLabels.map(([name, color, description]) => ({
    id: newNodeId("LA"),
    repository,
    name,
    color,
    description,
  }));
}

/** A repository with GitHub's defaults (main, issues on, every merge method, default labels). */
export function addRepository(
  state: FakeGitHubState,
  nameWithOwner: string,
  extra: Partial<FakeRepository> = {},
): FakeRepository {
  const [owner = "", name = ""] = nameWithOwner.split("/");
  const repo: FakeRepository = {
    id: newNodeId("R"),
    owner,
    name,
    description: null,
    defaultBranch: "main",
    branches: ["main"],
    hasIssuesEnabled: true,
    hasWikiEnabled: false,
    viewerPermission: "ADMIN",
    mergeCommitAllowed: true,
    rebaseMergeAllowed: true,
    squashMergeAllowed: true,
    isPrivate: false,
    installationId: null,
    ...extra,
  };
  state.repositories.push(repo);
  state.labels.push(...labelsFor(nameWithOwner));
  return repo;
}

/** A new open issue (labels by name, each made if the repository lacks it), numbered as GitHub would. */
export function addIssue(
  state: FakeGitHubState,
  input: { repository?: string; title: string; body?: string; labels?: string[]; author?: string },
): FakeIssue {
  const repository = input.repository ?? TASKPULL;
  const labels = (input.labels ?? []).map((name) => {
    let label = state.labels.find((l) => l.repository === repository && l.name === name);
    if (!label) {
      label = { id: newNodeId("LA"), repository, name, color: "ededed", description: null };
      state.labels.push(label);
    }
    return label.id;
  });
  const now = isoNow();
  const issue: FakeIssue = {
    id: newNodeId("I"),
    repository,
    number: nextNumber(state, repository),
    title: input.title,
    body: input.body ?? "",
    author: input.author ?? "iwahbe",
    labels,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    state: "OPEN",
    stateReason: null,
  };
  state.issues.push(issue);
  return issue;
}

/** The recorded repository: iwahbe/taskpull with issues #1, #3, #5, #7 and pull requests #6, #9. */
export const TASKPULL = "iwahbe/taskpull";

export function seedState(installationId: number): FakeGitHubState {
  const state: FakeGitHubState = {
    repositories: [],
    users: [
      { id: "MDQ6VXNlcjIyMjIyNTI5", login: "iwahbe", name: "Ian Wahbe", kind: "User" },
      { id: "MDQ6VXNlcjU4MzIzMQ==", login: "octocat", name: "The Octocat", kind: "User" },
      { id: "MDQ6VXNlcjEwMDAwMDE=", login: "hubot", name: "Hubot", kind: "User" },
      { id: "BOT_kgDOFAKEbot", login: "agent-system[bot]", name: null, kind: "Bot" },
    ],
    labels: [],
    issues: [],
    pulls: [],
    comments: [],
  };
  addRepository(state, TASKPULL, {
    id: "R_kgDORru3Uw",
    description: "A harness for Claude Code to pull in tasks",
    branches: ["main", "recapture-test", "edit-test"],
    installationId,
  });
  const issue = (
    number: number,
    id: string,
    title: string,
    state_: FakeIssue["state"],
    stateReason: FakeIssue["stateReason"],
    updatedAt: string,
    body = "",
  ): FakeIssue => ({
    id,
    repository: TASKPULL,
    number,
    title,
    body,
    author: "iwahbe",
    labels: [],
    createdAt: updatedAt,
    updatedAt,
    closedAt: state_ === "CLOSED" ? updatedAt : null,
    state: state_,
    stateReason,
  });
  state.issues.push(
    // #1 as IssueByNumber saw it before `gh issue close` (IssueList, recorded after, shows it closed).
    issue(
      1,
      "I_kwDORru3U8780gDh",
      "Test issue for proxy capture",
      "OPEN",
      null,
      "2026-04-10T20:38:42Z",
      "This is a test issue created to capture GH API traffic for proxy tests. Safe to close.",
    ),
    issue(3, "I_kwDORru3U8780gE3", "REST test issue", "CLOSED", "COMPLETED", "2026-04-10T23:58:26Z"),
    issue(
      5,
      "I_kwDORru3U8780gF5",
      "Edit test issue (graphql updated)",
      "CLOSED",
      "NOT_PLANNED",
      "2026-04-11T00:01:56Z",
    ),
    issue(7, "I_kwDORru3U8780gG7", "REST test issue", "OPEN", null, "2026-04-11T00:03:16Z"),
  );
  const pull = (number: number, id: string, title: string, body: string, head: string, at: string): FakePull => ({
    id,
    repository: TASKPULL,
    number,
    title,
    body,
    author: "iwahbe",
    labels: [],
    createdAt: at,
    updatedAt: at,
    closedAt: null,
    state: "OPEN",
    isDraft: false,
    headRefName: head,
    baseRefName: "main",
    reviewRequests: [],
    merged: false,
    mergedAt: null,
    mergeCommitOid: null,
    mergeMethod: null,
  });
  state.pulls.push(
    pull(
      6,
      "PR_kwDORru3U87RmEUU",
      "Edit test PR (updated)",
      "Updated body via REST",
      "edit-test",
      "2026-04-11T00:02:30Z",
    ),
    pull(
      9,
      "PR_kwDORru3U87RmFVG",
      "Test PR for proxy capture",
      "This is a test PR created to capture GH API traffic for proxy tests. Safe to close.",
      "recapture-test",
      "2026-04-11T00:03:58Z",
    ),
  );
  return state;
}
