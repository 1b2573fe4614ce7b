import type { TaskLinkRecord, TaskRecord } from "../records.js";
import type { Logger } from "../shared/deps.js";
import { eventDetails } from "../tasks/task-event-details.js";
import { terminalStatuses } from "../tasks/task-state.js";
import type { TaskService } from "../tasks/task.service.js";
import type { TaskStatus } from "../terms.js";
import type { IssueTarget, IssueTracker, TrackerAccess } from "./issue-tracker.js";
import type { TaskLinkService } from "./task-link.service.js";

/** What reporting a task came to. */
export type ReportOutcome =
  /** Not COMPLETE, FAILED or CANCELLED (any more): nothing to say yet. */
  | "NOT_FINISHED"
  /** No ISSUE link: nobody on GitHub waits for it. */
  | "NO_ISSUE"
  /** Said before (its links say so): nothing was sent. */
  | "ALREADY_REPORTED"
  | "REPORTED";

/** Who the links and events of a report name. */
export const REPORTER = "GitHub report";

/** The most of an agent's summary or a failure's reason quoted on GitHub. */
const QUOTE_MAX = 5_000;
/** Events read back from the end of a task's log to find its last status change. */
const TAIL = 200;
const PAGE = 500;
const MAX_PAGES = 100;

/** Where a completed task's work went: a pull request, or straight to the default branch. */
type Delivered = { pullRequest: string } | { pushedTo: string };

interface Ending {
  /** The STATUS_CHANGE event that moved the task to its status now. */
  seq: number;
  note: string | null;
  by: string | null;
}

const quote = (text: string): string => {
  const cut = text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
  return cut
    .split("\n")
    .map((l) => `> ${l}`)
    .join("\n");
};

const sameRepository = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The COMMENT link's title for the report of one status change: a task that failed, was retried
 * and failed again gets a comment for each failure, and never two for one.
 */
export const reportTitle = (status: TaskStatus, seq: number): string => `Report: ${status} (event ${seq})`;

/** A hidden line in what the service posts, by which it finds its own comment again. */
const marker = (taskId: string, seq: number): string => `<!-- agents-task ${taskId} event ${seq} -->`;

/**
 * Tells GitHub how a task made from an issue ended: a COMPLETE task with a pushed branch gets a
 * pull request that closes the issue, and the issue a comment with its link; a FAILED or
 * CANCELLED one gets a comment saying why. Each step is looked up before it is taken (the task's
 * links, then GitHub itself for a step whose link was not written), so running it again, after a
 * retry or a restart, never opens a second pull request or posts a second comment.
 */
export class TaskReportService {
  constructor(
    private readonly deps: { logger: Logger },
    private readonly tasks: TaskService,
    private readonly links: TaskLinkService,
    private readonly tracker: IssueTracker,
    private readonly settings: { taskLabel: string },
  ) {}

  /** Whether the task, in the state given, has something to tell GitHub (a final status and an issue). */
  async wanted(task: Pick<TaskRecord, "id" | "status">): Promise<boolean> {
    if (!terminalStatuses.includes(task.status)) return false;
    return (await this.links.ofTask(task.id)).some((l) => l.kind === "ISSUE");
  }

  async report(taskId: string): Promise<ReportOutcome> {
    const task = await this.tasks.get(taskId);
    if (!task || !terminalStatuses.includes(task.status)) return "NOT_FINISHED";
    const links = await this.links.ofTask(task.id);
    const issueLink = links.find((l) => l.kind === "ISSUE");
    if (!issueLink || issueLink.number === null) return "NO_ISSUE";
    const ending = await this.ending(task);
    const title = reportTitle(task.status, ending.seq);
    if (links.some((l) => l.kind === "COMMENT" && l.title === title)) return "ALREADY_REPORTED";
    const issue: IssueTarget = {
      repository: issueLink.repository,
      number: issueLink.number,
      nodeId: issueLink.nodeId,
    };
    const access = (purpose: string): TrackerAccess => ({
      scope: { taskId: task.id, agentId: task.assignedAgentId },
      purpose,
    });
    let body: string;
    if (task.status === "COMPLETE") {
      const branch = this.branchOf(links, issue.repository);
      const delivered = branch ? await this.pullRequest(task, links, issue, branch, ending, access) : null;
      body = this.completedText(task, delivered);
    } else {
      body = this.stoppedText(task, ending);
    }
    const mark = marker(task.id, ending.seq);
    const tracker = this.tracker;
    const comment =
      (await tracker.findComment(issue, mark, access("find issue comment"))) ??
      (await tracker.addComment(issue, `${body}\n\n${mark}`, access("comment on issue")));
    await this.links.record(
      task.id,
      {
        kind: "COMMENT",
        url: comment.url,
        repository: issue.repository,
        number: issue.number,
        state: "POSTED",
        title,
        nodeId: comment.nodeId,
      },
      REPORTER,
    );
    return "REPORTED";
  }

  /** The branch the task pushed last: in the issue's repository if it pushed one there. */
  private branchOf(links: readonly TaskLinkRecord[], repository: string): TaskLinkRecord | null {
    const branches = links
      .filter((l) => l.kind === "BRANCH" && l.branch)
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
    return branches.filter((b) => sameRepository(b.repository, repository)).at(-1) ?? branches.at(-1) ?? null;
  }

  /**
   * The task's pull request from `branch`: its link, else an open one on GitHub, else a new one.
   * A branch that is the repository's default branch needs none (the work is there already).
   */
  private async pullRequest(
    task: TaskRecord,
    links: readonly TaskLinkRecord[],
    issue: IssueTarget,
    branch: TaskLinkRecord,
    ending: Ending,
    access: (purpose: string) => TrackerAccess,
  ): Promise<Delivered> {
    const head = branch.branch!;
    const linked = links.find(
      (l) => l.kind === "PULL_REQUEST" && l.branch === head && sameRepository(l.repository, branch.repository),
    );
    if (linked && linked.number !== null) return { pullRequest: linked.url };
    const tracker = this.tracker;
    const repository = branch.repository;
    const base = await tracker.defaultBranch(repository, access("open pull request"));
    if (base === head) return { pushedTo: head };
    const closes = sameRepository(repository, issue.repository)
      ? `#${issue.number}`
      : `${issue.repository}#${issue.number}`;
    const pr =
      (await tracker.findPullRequest(repository, head, access("find pull request"))) ??
      (await tracker.createPullRequest(
        {
          repository,
          head,
          base,
          title: task.title,
          body: [
            task.summary ? quote(task.summary) : "The agent gave no summary.",
            "",
            `Closes ${closes}`,
            "",
            `Made by task ${task.id} from issue ${issue.repository}#${issue.number}.`,
            marker(task.id, ending.seq),
          ].join("\n"),
        },
        access("open pull request"),
      ));
    await this.links.record(
      task.id,
      {
        kind: "PULL_REQUEST",
        url: pr.url,
        repository,
        number: pr.number,
        state: pr.state,
        title: pr.title ?? task.title,
        nodeId: pr.nodeId,
        branch: head,
      },
      REPORTER,
    );
    return { pullRequest: pr.url };
  }

  private completedText(task: TaskRecord, delivered: Delivered | null): string {
    const summary = task.summary ? `\n\n${quote(task.summary)}` : "";
    if (delivered && "pullRequest" in delivered) {
      return `The agent finished this issue's task and opened a pull request: ${delivered.pullRequest}${summary}`;
    }
    if (delivered) {
      return `The agent finished this issue's task and pushed its work to \`${delivered.pushedTo}\`, the default branch, so no pull request was needed.${summary}`;
    }
    return `The agent finished this issue's task without pushing a branch, so no pull request was opened.${summary}`;
  }

  private stoppedText(task: TaskRecord, ending: Ending): string {
    const where = task.stoppedIn ? ` in ${task.stoppedIn}` : "";
    const again = `Remove the \`${this.settings.taskLabel}\` label and add it again to start a new task.`;
    if (task.status === "CANCELLED") {
      const by = ending.by ? ` by ${ending.by}` : "";
      return `The task for this issue was cancelled${where}${by}.${ending.note ? `\n\n${quote(ending.note)}` : ""}\n\n${again}`;
    }
    const why = ending.note ? `\n\n${quote(ending.note)}` : " No reason was given.";
    return `The task for this issue failed${where}.${why}\n\n${again}`;
  }

  /** The event that moved the task to its status now: its note and who made it. */
  private async ending(task: TaskRecord): Promise<Ending> {
    const isEnding = (e: { type: string; data: unknown }) => {
      const d = eventDetails(e as Parameters<typeof eventDetails>[0]);
      return d?.eventType === "STATUS_CHANGE" && d.to === task.status && d.from !== d.to ? d : null;
    };
    const tail = await this.tasks.events(task.id, Math.max(0, task.eventSeq - TAIL), TAIL);
    for (const e of [...tail].reverse()) {
      const d = isEnding(e);
      if (d) return { seq: e.seq, note: d.note, by: d.by };
    }
    // Far back (many events after it): the log from its start, the last such event.
    let found: Ending | null = null;
    let after = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      const events = await this.tasks.events(task.id, after, PAGE);
      for (const e of events) {
        const d = isEnding(e);
        if (d) found = { seq: e.seq, note: d.note, by: d.by };
      }
      if (events.length < PAGE) break;
      after = events.at(-1)!.seq;
    }
    if (!found) this.deps.logger.warn({ taskId: task.id }, "no status change found for the task's status");
    return found ?? { seq: 0, note: null, by: null };
  }
}
