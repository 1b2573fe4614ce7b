import type { ModelCallRecord, TaskRecord } from "../records.js";
import type { UsageGroupBy, UsageReportRow, UsageSums } from "./usage.service.js";

/** Where model calls are kept and summed (implemented in src/infra/db/stores). */
export interface UsageStore {
  insert(row: ModelCallRecord): Promise<void>;
  /** Sums of the calls of one task or one agent. */
  sums(of: { taskId: string } | { agentId: string }): Promise<UsageSums>;
  /** Sums of the calls made in [from, to), one row per model, agent, task or UTC day. */
  report(from: Date, to: Date, groupBy: UsageGroupBy): Promise<UsageReportRow[]>;
  /** A task's budget, or null when there is no such task. */
  budgetOf(taskId: string): Promise<Pick<TaskRecord, "id" | "maxCostUsd" | "maxTokens"> | null>;
}
