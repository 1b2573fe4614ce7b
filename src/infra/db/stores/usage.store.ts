import { ModelCallRecord, TaskRecord } from "../../../domain/records.js";
import type { UsageGroupBy, UsageReportRow, UsageSums } from "../../../domain/usage/usage.store.js";
import type { UsageStore } from "../../../domain/usage/usage.store.js";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { Database } from "../orm.js";
import { insertRows } from "../writer.js";

const sumColumns = `count(*) as calls,
  coalesce(sum(m.prompt_tokens), 0) as prompt_tokens,
  coalesce(sum(m.completion_tokens), 0) as completion_tokens,
  coalesce(sum(m.cached_tokens), 0) as cached_tokens,
  coalesce(sum(m.reasoning_tokens), 0) as reasoning_tokens,
  coalesce(sum(m.cost_usd), 0) as cost_usd`;

type SumRow = Record<
  "calls" | "prompt_tokens" | "completion_tokens" | "cached_tokens" | "reasoning_tokens",
  unknown
> & {
  cost_usd: unknown;
};

const toSums = (r: SumRow | undefined): UsageSums => {
  const promptTokens = Number(r?.prompt_tokens ?? 0);
  const completionTokens = Number(r?.completion_tokens ?? 0);
  return {
    calls: Number(r?.calls ?? 0),
    promptTokens,
    completionTokens,
    cachedTokens: Number(r?.cached_tokens ?? 0),
    reasoningTokens: Number(r?.reasoning_tokens ?? 0),
    totalTokens: promptTokens + completionTokens,
    costUsd: Number(r?.cost_usd ?? 0),
  };
};

/** The usage store on SQLite or PostgreSQL: model calls, summed in SQL. */
export class SqlUsageStore implements UsageStore {
  constructor(private readonly db: Database) {}

  async insert(row: ModelCallRecord): Promise<void> {
    await insertRows(this.db.fork(), ModelCallRecord, [row]);
  }

  async sums(of: { taskId: string } | { agentId: string }, tx?: TransactionHandle): Promise<UsageSums> {
    const [where, id] = "taskId" in of ? ["m.task_id = ?", of.taskId] : ["m.agent_id = ?", of.agentId];
    const rows = await ((tx as SqlEntityManager | undefined) ?? this.db.fork()).execute<SumRow[]>(
      `select ${sumColumns} from model_call m where ${where}`,
      [id],
      "all",
    );
    return toSums(rows[0]);
  }

  async report(from: Date, to: Date, by: UsageGroupBy): Promise<UsageReportRow[]> {
    const sqlite = this.db.dialect === "sqlite";
    // SQLite keeps datetimes as epoch milliseconds; PostgreSQL as timestamptz.
    const params = sqlite ? [from.getTime(), to.getTime()] : [from.toISOString(), to.toISOString()];
    const range = sqlite
      ? "m.created_at >= ? and m.created_at < ?"
      : "m.created_at >= ?::timestamptz and m.created_at < ?::timestamptz";
    let key: string;
    let label = "null";
    let join = "";
    let groupExtra = "";
    switch (by) {
      case "MODEL":
        key = "m.model";
        break;
      case "AGENT":
        key = "m.agent_id";
        label = "a.name";
        join = "left join agent a on a.id = m.agent_id";
        groupExtra = ", a.name";
        break;
      case "TASK":
        key = "m.task_id";
        label = "t.title";
        join = "left join task t on t.id = m.task_id";
        groupExtra = ", t.title";
        break;
      case "DAY":
        key = sqlite
          ? "strftime('%Y-%m-%d', m.created_at / 1000, 'unixepoch')"
          : "to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD')";
        break;
    }
    const order = by === "DAY" ? "key" : "cost_usd desc, key";
    const rows = await this.db.fork().execute<(SumRow & { key: unknown; label: unknown })[]>(
      `select ${key} as key, ${label} as label, ${sumColumns} from model_call m ${join}
       where ${range} group by ${key}${groupExtra} order by ${order}`,
      params,
      "all",
    );
    return rows.map((r) => ({
      key: r.key === null || r.key === undefined ? null : String(r.key),
      label: r.label === null || r.label === undefined ? null : String(r.label),
      ...toSums(r),
    }));
  }

  budgetOf(taskId: string): Promise<Pick<TaskRecord, "id" | "maxCostUsd" | "maxTokens"> | null> {
    return this.db.fork().findOne(TaskRecord, { id: taskId }, { fields: ["id", "maxCostUsd", "maxTokens"] });
  }
}
