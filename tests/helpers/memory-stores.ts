import type { ModelCallRecord, TaskRecord } from "../../src/domain/records.js";
import { noUsage } from "../../src/domain/usage/usage.service.js";
import type { UsageGroupBy, UsageReportRow, UsageStore, UsageSums } from "../../src/domain/usage/usage.store.js";

/** The usage store in memory: what the domain's budget rules are tested against. */
export class MemoryUsageStore implements UsageStore {
  readonly calls: ModelCallRecord[] = [];
  readonly budgets = new Map<string, Pick<TaskRecord, "id" | "maxCostUsd" | "maxTokens">>();

  async insert(row: ModelCallRecord): Promise<void> {
    this.calls.push(row);
  }

  private sum(rows: readonly ModelCallRecord[]): UsageSums {
    const s = noUsage();
    for (const r of rows) {
      s.calls++;
      s.promptTokens += r.promptTokens;
      s.completionTokens += r.completionTokens;
      s.cachedTokens += r.cachedTokens;
      s.reasoningTokens += r.reasoningTokens;
      s.costUsd += r.costUsd;
    }
    s.totalTokens = s.promptTokens + s.completionTokens;
    return s;
  }

  async sums(of: { taskId: string } | { agentId: string }): Promise<UsageSums> {
    return this.sum(this.calls.filter((c) => ("taskId" in of ? c.taskId === of.taskId : c.agentId === of.agentId)));
  }

  async report(from: Date, to: Date, groupBy: UsageGroupBy): Promise<UsageReportRow[]> {
    const keyOf = (c: ModelCallRecord) =>
      groupBy === "MODEL"
        ? c.model
        : groupBy === "AGENT"
          ? c.agentId
          : groupBy === "TASK"
            ? c.taskId
            : c.createdAt.toISOString().slice(0, 10);
    const groups = new Map<string | null, ModelCallRecord[]>();
    for (const c of this.calls.filter((c) => c.createdAt >= from && c.createdAt < to)) {
      const k = keyOf(c);
      groups.set(k, [...(groups.get(k) ?? []), c]);
    }
    return [...groups].map(([key, rows]) => ({ key, label: null, ...this.sum(rows) }));
  }

  async budgetOf(taskId: string) {
    return this.budgets.get(taskId) ?? null;
  }
}
