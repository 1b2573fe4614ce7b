import type {
  IssueTarget,
  IssueTracker,
  PostedComment,
  PullRequestRef,
  TrackerAccess,
} from "../../domain/links/issue-tracker.js";
import type { GitHubCaller } from "./github-graphql.js";
import type { GitHubService } from "./github.service.js";

const callerOf = (access: TrackerAccess): GitHubCaller => ({
  scope: access.scope,
  use: { toolCallId: null, purpose: access.purpose },
});

/** The reports of finished tasks (TaskReportService) over the GitHub service, with the task's credentials. */
export class GitHubIssueTracker implements IssueTracker {
  constructor(private readonly github: GitHubService) {}

  defaultBranch(repository: string, access: TrackerAccess): Promise<string> {
    return this.github.defaultBranch(callerOf(access), repository);
  }

  async findPullRequest(repository: string, head: string, access: TrackerAccess): Promise<PullRequestRef | null> {
    const pr = await this.github.findPullRequestForBranch(callerOf(access), repository, head);
    if (!pr) return null;
    return { url: pr.url, number: pr.number, nodeId: pr.id, title: null, state: pr.state };
  }

  async createPullRequest(
    input: { repository: string; head: string; base: string; title: string; body: string },
    access: TrackerAccess,
  ): Promise<PullRequestRef> {
    const pr = await this.github.createPullRequest(callerOf(access), input);
    return { url: pr.url, number: pr.number, nodeId: pr.id, title: pr.created ? input.title : null, state: pr.state };
  }

  async findComment(issue: IssueTarget, marker: string, access: TrackerAccess): Promise<PostedComment | null> {
    const detail = await this.github.getIssue(callerOf(access), { repository: issue.repository, number: issue.number });
    const found = detail.comments.findLast((c) => c.body.includes(marker));
    return found ? { url: found.url, nodeId: found.id } : null;
  }

  async addComment(issue: IssueTarget, body: string, access: TrackerAccess): Promise<PostedComment> {
    const posted = await this.github.addComment(callerOf(access), {
      repository: issue.repository,
      number: issue.number,
      body,
    });
    return { url: posted.url, nodeId: null };
  }
}
