import type { AgentRecord, TaskRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { TaskStatus } from "../terms.js";

/** An agent whose slot a claim took. */
export interface ClaimedAgent {
  id: string;
  name: string;
  minComplexity: number;
  maxComplexity: number;
}

/**
 * The assignment engine's statements (implemented in src/infra/db/stores). Every claim is atomic
 * on its own: it re-checks what made the row eligible as it takes it, so two transactions (in one
 * process or in many) never both take the last free slot of an agent, nor both one pending task.
 */
export interface AssignmentStore {
  /**
   * Takes a slot of the least recently active AVAILABLE agent whose range fits (other than
   * `excludeAgentId`, the one that delegated the task); null when none fits.
   */
  claimAgentFor(
    tx: TransactionHandle,
    complexity: number,
    now: Date,
    excludeAgentId?: string | null,
  ): Promise<ClaimedAgent | null>;
  /** Takes a slot of one given agent if it is AVAILABLE, has room and fits (any range when null). */
  claimAgent(
    tx: TransactionHandle,
    agentId: string,
    complexity: number | null,
    now: Date,
  ): Promise<ClaimedAgent | null>;
  /** Gives a slot back (BUSY becomes AVAILABLE again). */
  releaseAgent(tx: TransactionHandle, agentId: string, now: Date): Promise<void>;
  /** Moves the PENDING task that fits the range, highest priority first, then oldest, to DESIGN for the agent. */
  claimPendingTask(
    tx: TransactionHandle,
    agentId: string,
    minComplexity: number,
    maxComplexity: number,
    now: Date,
  ): Promise<{ id: string; complexity: number } | null>;
  /** Moves one given PENDING task to DESIGN for the agent; false when it is no longer PENDING. */
  takeTask(tx: TransactionHandle, taskId: string, agentId: string, now: Date): Promise<boolean>;
  /** Puts the task back in the queue: PENDING, nobody's. */
  requeueTask(tx: TransactionHandle, taskId: string, now: Date): Promise<void>;
  /** The task's row, locked for the rest of `tx`. */
  lockTask(tx: TransactionHandle, taskId: string): Promise<TaskRecord | null>;
  /** The task's complexity while it is PENDING; null when it is not (or does not exist). */
  pendingComplexity(tx: TransactionHandle, taskId: string): Promise<number | null>;
  /** The task's complexity and delegating agent while it is PENDING; null when it is not. */
  pendingPlacement(
    tx: TransactionHandle,
    taskId: string,
  ): Promise<{ complexity: number; delegatedBy: string | null } | null>;
  /**
   * Where a task that shares its parent's workspace works: the parent's workspace folder; null
   * when the task has a workspace of its own.
   */
  sharedWorkspacePath(tx: TransactionHandle, taskId: string): Promise<string | null>;
  /** The agent as of `tx`; locked for the rest of it when `lock`. */
  agentIn(tx: TransactionHandle, agentId: string, lock?: boolean): Promise<AgentRecord | null>;
  updateAgent(tx: TransactionHandle, agentId: string, changes: Partial<AgentRecord>): Promise<void>;
  /** The agent's tasks in `statuses`, oldest first. */
  tasksOf(tx: TransactionHandle, agentId: string, statuses: readonly TaskStatus[]): Promise<TaskRecord[]>;
  /** Marks the agent OFFLINE (no slots taken) if it is still silent since `cutoff`: its name, or null if it spoke meanwhile. */
  markOffline(tx: TransactionHandle, agentId: string, cutoff: Date, now: Date): Promise<string | null>;
  /** Points the task's workspace (the one it had, or a new one) at `path` for the agent, CREATING again: its id. */
  placeWorkspace(tx: TransactionHandle, taskId: string, agentId: string, path: string, now: Date): Promise<string>;
  /** Whether any task waits for an agent. */
  anyPending(): Promise<boolean>;
  /** Agents not OFFLINE whose last sign of life is older than `cutoff`. */
  silentAgents(cutoff: Date): Promise<string[]>;
  /** AVAILABLE agents with a free slot, least recently active first. */
  agentsWithRoom(): Promise<string[]>;
  /** The builtin agents' sign of life: the ids of those that were OFFLINE and are AVAILABLE again. */
  heartbeatBuiltins(now: Date): Promise<string[]>;
}
