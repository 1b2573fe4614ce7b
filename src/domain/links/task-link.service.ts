import { badInput } from "../errors.js";
import { isId, newId } from "../ids.js";
import { TaskLinkRecord } from "../records.js";
import type { Deps } from "../shared/deps.js";
import type { Message } from "../shared/pubsub.js";
import { storableText } from "../shared/storable.js";
import type { TransactionHandle } from "../shared/transaction.js";
import { appendEvent } from "../tasks/task-events.js";
import type { TaskStatus } from "../terms.js";
import type { IssueRef, TaskLinkKind, TaskLinkState, TaskLinkStore } from "./task-link.store.js";

/** A link as its writer gives it (the service keeps the id and the times). */
export interface NewTaskLink {
  kind: TaskLinkKind;
  url: string;
  /** owner/name. */
  repository: string;
  number?: number | null;
  state: TaskLinkState;
  title: string;
  nodeId?: string | null;
  branch?: string | null;
  sha?: string | null;
}

/** A branch gitPush pushed for a task. */
export interface PushedBranch {
  repository: string;
  branch: string;
  sha: string;
  /** The repository's address as git reached it (the link is to the branch's page there). */
  url: string;
}

/** What a GitHub event says changed on an issue or pull request (absent: unchanged). */
export interface LinkChange {
  state?: TaskLinkState;
  title?: string;
}

/** The longest values a link keeps (the columns' sizes); longer text from GitHub is cut. */
export const linkLimits = { url: 1000, repository: 200, title: 500, nodeId: 100, branch: 255, sha: 64 } as const;

/** The most links one `task { links }` list or one webhook update takes. */
export const MAX_LINKS = 200;

const cut = (value: string, max: number): string =>
  storableText(value.length <= max ? value : `${value.slice(0, max - 1)}…`);
const cutOrNull = (value: string | null | undefined, max: number): string | null =>
  value === null || value === undefined ? null : cut(value, max);

/**
 * A branch's page from its repository's address (https://github.com/o/r.git → …/o/r/tree/<branch>):
 * each branch a task pushes is a link of its own. An address that is not a URL is kept with the
 * branch after it.
 */
export function branchUrl(repositoryUrl: string, branch: string): string {
  const encoded = branch.split("/").map(encodeURIComponent).join("/");
  try {
    const u = new URL(repositoryUrl);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    u.pathname = `${u.pathname.replace(/\/+$/, "").replace(/\.git$/, "")}/tree/${encoded}`;
    return u.toString();
  } catch {
    return `${repositoryUrl}#${encoded}`;
  }
}

const describe = (l: Pick<TaskLinkRecord, "kind" | "repository" | "number" | "branch">): string => {
  switch (l.kind as TaskLinkKind) {
    case "ISSUE":
      return `issue ${l.repository}#${l.number ?? "?"}`;
    case "PULL_REQUEST":
      return `pull request ${l.repository}#${l.number ?? "?"}`;
    case "BRANCH":
      return `branch ${l.branch ?? "?"} of ${l.repository}`;
    case "COMMENT":
      return `a comment on ${l.repository}#${l.number ?? "?"}`;
  }
};

/**
 * A task's links to GitHub (`task { links }`): the issue it came from, the branches it pushed,
 * the pull request opened for it, the comments posted about it. Every new or changed link writes
 * a LINK event on its task in the same transaction, so live clients learn of it.
 */
export class TaskLinkService {
  constructor(
    private readonly deps: Deps,
    private readonly store: TaskLinkStore,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Writes the link (new, or changed fields of the task's link with its URL) in its own transaction. */
  record(taskId: string, link: NewTaskLink, by: string | null): Promise<TaskLinkRecord> {
    if (!isId(taskId)) throw badInput("taskId", "is not a task id");
    return this.deps.transact(async (tx, out) => (await this.recordIn(tx, out, taskId, link, by)).link);
  }

  /**
   * Writes the link in the caller's transaction; a LINK event when it is new or changed. A link
   * that is already as given is left alone (no event).
   */
  async recordIn(
    tx: TransactionHandle,
    out: Message[],
    taskId: string,
    link: NewTaskLink,
    by: string | null,
    now: Date = this.now(),
  ): Promise<{ link: TaskLinkRecord; changed: boolean }> {
    const url = cut(link.url, linkLimits.url);
    const before = await this.store.findIn(tx, taskId, url);
    const wanted: TaskLinkRecord = Object.assign(new TaskLinkRecord(), {
      id: before?.id ?? newId(),
      taskId,
      kind: link.kind,
      url,
      repository: cut(link.repository, linkLimits.repository),
      number: link.number ?? null,
      state: link.state,
      title: cut(link.title, linkLimits.title),
      nodeId: cutOrNull(link.nodeId, linkLimits.nodeId) ?? before?.nodeId ?? null,
      branch: cutOrNull(link.branch, linkLimits.branch) ?? before?.branch ?? null,
      sha: cutOrNull(link.sha, linkLimits.sha) ?? before?.sha ?? null,
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    });
    if (before && sameLink(before, wanted)) return { link: before, changed: false };
    await this.writeEvent(tx, out, wanted, before, by, now);
    return { link: await this.store.upsertIn(tx, wanted), changed: true };
  }

  /** gitPush's report: the task's BRANCH link to the pushed branch (its sha updated by later pushes). */
  recordPush(taskId: string, push: PushedBranch, by: string | null = null): Promise<TaskLinkRecord> {
    return this.record(
      taskId,
      {
        kind: "BRANCH",
        url: branchUrl(push.url, push.branch),
        repository: push.repository,
        number: null,
        state: "PUSHED",
        title: push.branch,
        branch: push.branch,
        sha: push.sha,
      },
      by,
    );
  }

  /** The links of each task (oldest first); tasks without links are absent from the map. */
  async ofTasks(taskIds: readonly string[]): Promise<Map<string, TaskLinkRecord[]>> {
    const ids = [...new Set(taskIds.filter(isId))];
    const byTask = new Map<string, TaskLinkRecord[]>();
    if (ids.length === 0) return byTask;
    for (const link of await this.store.ofTasks(ids)) {
      const list = byTask.get(link.taskId);
      if (list) list.push(link);
      else byTask.set(link.taskId, [link]);
    }
    return byTask;
  }

  async ofTask(taskId: string): Promise<TaskLinkRecord[]> {
    return (await this.ofTasks([taskId])).get(taskId) ?? [];
  }

  /** Tasks in `statuses`, changed since `since`, with a link of `kind` (the reports' restart sweep). */
  tasksWithLink(kind: TaskLinkKind, statuses: readonly TaskStatus[], since: Date, limit = 1000): Promise<string[]> {
    return this.store.tasksWithLink(kind, statuses, since, limit);
  }

  /** Applies what GitHub says changed on an issue or pull request to every task's link to it; how many changed. */
  async changed(kind: "ISSUE" | "PULL_REQUEST", ref: IssueRef, change: LinkChange, by: string | null): Promise<number> {
    const links = await this.store.byNumber(kind, ref, MAX_LINKS);
    return this.update(links, change, by);
  }

  /**
   * A pull request opened from `branch` of `repository`: linked to every task that pushed that
   * branch (a pull request the agent or a person opened for the task's work). How many were linked.
   */
  async pullRequestOpened(
    head: { repository: string; branch: string },
    pr: Omit<NewTaskLink, "kind">,
    by: string | null,
  ): Promise<number> {
    const branches = await this.store.byBranch(head.repository, head.branch, MAX_LINKS);
    const taskIds = [...new Set(branches.map((b) => b.taskId))];
    if (taskIds.length === 0) return 0;
    return this.deps.transact(async (tx, out) => {
      let n = 0;
      const now = this.now();
      for (const taskId of taskIds) {
        const r = await this.recordIn(tx, out, taskId, { ...pr, kind: "PULL_REQUEST", branch: head.branch }, by, now);
        if (r.changed) n++;
      }
      return n;
    });
  }

  private async update(links: readonly TaskLinkRecord[], change: LinkChange, by: string | null): Promise<number> {
    const stale = links.filter(
      (l) =>
        (change.state !== undefined && l.state !== change.state) ||
        (change.title !== undefined && l.title !== cut(change.title, linkLimits.title)),
    );
    if (stale.length === 0) return 0;
    return this.deps.transact(async (tx, out) => {
      let n = 0;
      const now = this.now();
      for (const l of stale) {
        const next: NewTaskLink = {
          ...l,
          kind: l.kind as TaskLinkKind,
          state: change.state ?? (l.state as TaskLinkState),
          title: change.title ?? l.title,
        };
        if ((await this.recordIn(tx, out, l.taskId, next, by, now)).changed) n++;
      }
      return n;
    });
  }

  private async writeEvent(
    tx: TransactionHandle,
    out: Message[],
    link: TaskLinkRecord,
    before: TaskLinkRecord | null,
    by: string | null,
    now: Date,
  ): Promise<void> {
    const what = describe(link);
    const content = !before
      ? `Linked ${what}: ${link.title}`
      : before.state !== link.state
        ? `The ${what} is now ${link.state}`
        : `The ${what} changed: ${link.title}`;
    await appendEvent(
      this.deps,
      tx,
      out,
      link.taskId,
      {
        type: "LINK",
        content,
        data: {
          kind: link.kind,
          url: link.url,
          repository: link.repository,
          number: link.number,
          state: link.state,
          title: link.title,
          branch: link.branch,
          sha: link.sha,
          change: before ? "UPDATED" : "CREATED",
          by,
        },
      },
      now,
    );
  }
}

function sameLink(a: TaskLinkRecord, b: TaskLinkRecord): boolean {
  return (
    a.kind === b.kind &&
    a.repository === b.repository &&
    a.number === b.number &&
    a.state === b.state &&
    a.title === b.title &&
    a.nodeId === b.nodeId &&
    a.branch === b.branch &&
    a.sha === b.sha
  );
}
