import type { TaskMessageRecord, TaskRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { TaskStatus } from "../terms.js";
import type { Keyset } from "../shared/pagination.js";

/** Which tasks a page or a count takes: all of them when every part is empty or null. */
export interface TaskQuery {
  statuses: readonly TaskStatus[];
  /** Assigned to this agent. */
  agentId: string | null;
  /** Assigned to this agent too (an AGENT key's scope: both must hold). */
  onlyAgent: string | null;
  /** Text the title or the description contains, case-insensitively (taken literally: no wildcards). */
  search?: string | null;
  /** Priority at least this. */
  minPriority?: number | null;
}

/**
 * Where tasks and the messages people send them live (implemented in src/infra/db/stores). The
 * writes take the caller's transaction; `lockedIn` locks the row for the rest of it.
 */
export interface TaskStore {
  insert(tx: TransactionHandle, task: TaskRecord): Promise<void>;
  /** The task's row, locked for the rest of `tx` (PostgreSQL `for update`); `known` spares the read when it is still that row. */
  lockedIn(tx: TransactionHandle, id: string, known?: TaskRecord | null): Promise<TaskRecord | null>;
  /** The task's assignment as of `tx`. */
  ownerIn(tx: TransactionHandle, id: string): Promise<Pick<TaskRecord, "id" | "assignedAgentId"> | null>;
  existsIn(tx: TransactionHandle, id: string): Promise<boolean>;
  /** Changes fields of the row (held back to go with the transaction's next round trip where it can). */
  update(tx: TransactionHandle, id: string, changes: Partial<TaskRecord>): Promise<void>;
  /** The agent's approval setting; `known` when the caller has it (a direct transaction checks it is still so). */
  agentRequiresApproval(tx: TransactionHandle, agentId: string, known?: boolean): Promise<boolean>;
  get(id: string): Promise<TaskRecord | null>;
  byIds(ids: readonly string[]): Promise<TaskRecord[]>;
  eventSeq(id: string): Promise<number>;
  /** One keyset page of the tasks matching `query`. */
  page(query: TaskQuery, range: Keyset): Promise<TaskRecord[]>;
  count(query: TaskQuery): Promise<number>;
  /** The tasks assigned to `agentId` in `statuses`, oldest first. */
  heldBy(agentId: string, statuses: readonly TaskStatus[], limit: number): Promise<TaskRecord[]>;
  insertMessage(tx: TransactionHandle, message: TaskMessageRecord): Promise<void>;
  /**
   * Lowers the task's budget by a child's `share` only if what remains after `spent` still covers
   * it (one guarded update; a budget the task does not set is left unset). False: it does not.
   */
  carveBudget(
    tx: TransactionHandle,
    id: string,
    share: { costUsd: number; tokens: number },
    spent: { costUsd: number; tokens: number },
  ): Promise<boolean>;
  /**
   * Moves an ended child's unspent share back: the child's budget goes down by `amount`, its
   * parent's up (a budget a task does not set stays unset).
   */
  returnBudget(
    tx: TransactionHandle,
    childId: string,
    parentId: string,
    amount: { costUsd: number; tokens: number },
  ): Promise<void>;
  /** Every task of the tree under `rootId` (the root too), as of `tx`, at most `limit`. */
  treeIn(tx: TransactionHandle, rootId: string, limit: number): Promise<TaskRecord[]>;
  /** Every task of the tree under `rootId` (the root too), oldest first, at most `limit`. */
  tree(rootId: string, limit: number): Promise<TaskRecord[]>;
  /** The children of these tasks. */
  childrenOf(parentIds: readonly string[]): Promise<TaskRecord[]>;
  /** Parked tasks whose wait ended at `now` or before. */
  overdueWaits(now: Date, limit: number): Promise<string[]>;
  /** Messages that wait for the agent working on the task, oldest first. */
  pendingMessages(taskId: string): Promise<TaskMessageRecord[]>;
}
