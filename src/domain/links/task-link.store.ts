import type { TaskLinkRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { TaskStatus } from "../terms.js";

/**
 * What a task is tied to on GitHub: the issue it came from, a branch it pushed, the pull request
 * opened from that branch, and the comments the service posted on the issue about it.
 */
export const taskLinkKinds = ["ISSUE", "PULL_REQUEST", "BRANCH", "COMMENT"] as const;
export type TaskLinkKind = (typeof taskLinkKinds)[number];

/** OPEN, CLOSED, MERGED for issues and pull requests; PUSHED for a branch; POSTED for a comment. */
export const taskLinkStates = ["OPEN", "CLOSED", "MERGED", "PUSHED", "POSTED"] as const;
export type TaskLinkState = (typeof taskLinkStates)[number];

/** A GitHub issue or pull request as links name it: `owner/name` and its number. */
export interface IssueRef {
  repository: string;
  number: number;
}

/**
 * Where task links live (implemented in src/infra/db/stores/task-link.store.ts). A task has at
 * most one link per URL: writing one again updates it.
 */
export interface TaskLinkStore {
  /** The task's link with this URL, as `tx` sees it. */
  findIn(tx: TransactionHandle, taskId: string, url: string): Promise<TaskLinkRecord | null>;
  /** Inserts the link, or updates the one with the same task and URL (keeping its id and createdAt). */
  upsertIn(tx: TransactionHandle, link: TaskLinkRecord): Promise<TaskLinkRecord>;
  /**
   * Holds `key` (an issue's URL) for the rest of `tx`: two transactions that take the same key run
   * one after the other (PostgreSQL: an advisory lock; SQLite: its one writer already does).
   */
  lockKeyIn(tx: TransactionHandle, key: string): Promise<void>;
  /** Tasks in none of `finished` that have a link of `kind` with this URL, as `tx` sees them. */
  unfinishedTasksWithLinkIn(
    tx: TransactionHandle,
    kind: TaskLinkKind,
    url: string,
    finished: readonly TaskStatus[],
  ): Promise<string[]>;
  /** The links of `kind` to this issue or pull request, of every task, oldest first. */
  byNumber(kind: TaskLinkKind, ref: IssueRef, limit: number): Promise<TaskLinkRecord[]>;
  /** BRANCH links of every task to `branch` of `repository`, oldest first. */
  byBranch(repository: string, branch: string, limit: number): Promise<TaskLinkRecord[]>;
  /** The links of the tasks, oldest first. */
  ofTasks(taskIds: readonly string[]): Promise<TaskLinkRecord[]>;
  /** Tasks in `statuses`, changed since `since`, that have a link of `kind` (at most `limit`). */
  tasksWithLink(kind: TaskLinkKind, statuses: readonly TaskStatus[], since: Date, limit: number): Promise<string[]>;
}
