/**
 * The parts of GitHub's webhook payloads the service uses (`issues`, `pull_request`), read without
 * trusting them: a payload that lacks what an event needs reads as null, never as an error.
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */
import type { GitHubIssue } from "./issue-task.service.js";
import type { TaskLinkState } from "./task-link.store.js";

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj | null => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : null);
/** owner/name as GitHub spells it. */
const repoName = (v: unknown): string | null => {
  const name = str(obj(v)?.full_name);
  return name !== null && /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/.test(name) ? name : null;
};
const webUrl = (v: unknown): string | null => {
  const s = str(v);
  return s !== null && /^https?:\/\/[^\s]+$/.test(s) ? s : null;
};

/** An `issues` event: what happened to which issue (and the label, for labeled and unlabeled). */
export interface IssueEvent {
  action: string;
  issue: GitHubIssue;
  label: string | null;
}

/** A `pull_request` event: what happened to which pull request. */
export interface PullRequestEvent {
  action: string;
  repository: string;
  number: number;
  url: string;
  nodeId: string | null;
  title: string;
  state: Extract<TaskLinkState, "OPEN" | "CLOSED" | "MERGED">;
  /** The branch it merges, and the repository that branch is in (a fork's, possibly). */
  head: { repository: string; branch: string } | null;
}

export function readIssueEvent(payload: unknown): IssueEvent | null {
  const p = obj(payload);
  const issue = obj(p?.issue);
  const action = str(p?.action);
  const repository = repoName(p?.repository);
  const number = num(issue?.number);
  const url = webUrl(issue?.html_url);
  if (!p || !issue || action === null || repository === null || number === null || url === null) return null;
  const labels = Array.isArray(issue.labels)
    ? issue.labels.map((l) => str(obj(l)?.name)).filter((n): n is string => n !== null)
    : [];
  return {
    action,
    label: str(obj(p.label)?.name),
    issue: {
      repository,
      number,
      url,
      title: str(issue.title) ?? "",
      body: str(issue.body),
      nodeId: str(issue.node_id),
      state: str(issue.state) === "closed" ? "CLOSED" : "OPEN",
      labels,
      author: str(obj(issue.user)?.login),
    },
  };
}

export function readPullRequestEvent(payload: unknown): PullRequestEvent | null {
  const p = obj(payload);
  const pr = obj(p?.pull_request);
  const action = str(p?.action);
  const repository = repoName(p?.repository);
  const number = num(pr?.number) ?? num(p?.number);
  const url = webUrl(pr?.html_url);
  if (!p || !pr || action === null || repository === null || number === null || url === null) return null;
  const head = obj(pr.head);
  const headRepository = repoName(head?.repo);
  const branch = str(head?.ref);
  const merged = pr.merged === true || typeof pr.merged_at === "string";
  return {
    action,
    repository,
    number,
    url,
    nodeId: str(pr.node_id),
    title: str(pr.title) ?? "",
    state: merged ? "MERGED" : str(pr.state) === "closed" ? "CLOSED" : "OPEN",
    head: headRepository !== null && branch !== null ? { repository: headRepository, branch } : null,
  };
}
