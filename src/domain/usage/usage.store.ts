import type { TransactionHandle } from "../shared/transaction.js";
import type { ModelCallRecord, TaskRecord } from "../records.js";

export const usageGroupBys = ["MODEL", "AGENT", "TASK", "DAY"] as const;
export type UsageGroupBy = (typeof usageGroupBys)[number];

/** Sums over model calls. Cached tokens are part of the prompt tokens, reasoning tokens part of the completion tokens. */
export interface UsageSums {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** promptTokens + completionTokens. */
  totalTokens: number;
  costUsd: number;
}

export interface UsageReportRow extends UsageSums {
  /** The model, agent id, task id or day (YYYY-MM-DD, UTC); null for calls with no agent or task. */
  key: string | null;
  /** The agent's name or the task's title. */
  label: string | null;
}

/** Where model calls are kept and summed (implemented in src/infra/db/stores). */
export interface UsageStore {
  insert(row: ModelCallRecord): Promise<void>;
  /** Sums of the calls of one task or one agent. */
  /** Sums of a task's or an agent's calls; in `tx` when given (a read inside a write transaction). */
  sums(of: { taskId: string } | { agentId: string }, tx?: TransactionHandle): Promise<UsageSums>;
  /** Sums of the calls made in [from, to), one row per model, agent, task or UTC day. */
  report(from: Date, to: Date, groupBy: UsageGroupBy): Promise<UsageReportRow[]>;
  /** A task's budget, or null when there is no such task. */
  budgetOf(taskId: string): Promise<Pick<TaskRecord, "id" | "maxCostUsd" | "maxTokens"> | null>;
}
