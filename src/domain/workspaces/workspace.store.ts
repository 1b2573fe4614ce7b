import type { WorkspaceRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { TaskStatus } from "../terms.js";

/** Where the files were made: the holder's own path and its id (see docs/workspaces-cluster.md). */
export interface Placement {
  path: string;
  holderId: string | null;
}

/** How creating a workspace's files ended. */
export type CreationOutcome = { ok: true } | { ok: false; error: string };

/**
 * Where workspace rows live (implemented in src/infra/db/stores). The row is written on
 * assignment by the assignment engine; this store reads it and records how creation went.
 */
export interface WorkspaceStore {
  get(id: string): Promise<WorkspaceRecord | null>;
  byTaskIds(taskIds: readonly string[]): Promise<Map<string, WorkspaceRecord>>;
  /**
   * Sets the outcome of a workspace still CREATING at `path`, in `tx`, and where its files are
   * (`placed`); the task's id, or null when the workspace moved on meanwhile (reassigned, or created already).
   */
  markCreated(
    tx: TransactionHandle,
    id: string,
    path: string,
    outcome: CreationOutcome,
    at: Date,
    placed: Placement,
  ): Promise<string | null>;
  /** Builtin agents' tasks in `statuses`, not paused nor waiting for approval, with a READY workspace. */
  idleBuiltinTasks(statuses: readonly TaskStatus[], limit: number): Promise<string[]>;
  /** The tasks in `statuses` that `agentId` works on in a READY workspace of its own. */
  activeTasksOf(agentId: string, statuses: readonly TaskStatus[]): Promise<string[]>;
  /** Workspaces still CREATING that were last changed before `before`, oldest first. */
  stuck(before: Date, limit: number): Promise<WorkspaceRecord[]>;
}
