import { ModelCallRecord, TaskRecord, type ModelCallOutcome } from "../records.js";
import { insertRows } from "../../infra/db/writer.js";
import { badInput, notFound } from "../errors.js";
import { isId, newId } from "../ids.js";
import { limits } from "../terms.js";
import type { Deps } from "../shared/deps.js";
import { int, oneOf, text } from "../shared/validate.js";

export const modelCallOutcomes = ["SUCCESS", "RETRY", "NEXT_MODEL", "FAILED"] as const satisfies ModelCallOutcome[];
export const usageGroupBys = ["MODEL", "AGENT", "TASK", "DAY"] as const;
export type UsageGroupBy = (typeof usageGroupBys)[number];

/** What the provider reported for one call. `costUsd` is null when it reported no cost. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costUsd: number | null;
}

export interface ModelCallAttempt {
  taskId: string | null;
  agentId: string | null;
  model: string;
  provider?: string | null;
  /** 1 for the first attempt at a step, 2 for its first retry, … */
  attempt: number;
  outcome: ModelCallOutcome;
  errorKind?: string | null;
  /** Absent when the call failed before the provider reported usage. */
  usage?: TokenUsage | null;
  latencyMs: number;
  /** When the call was made; now by default (tests and imports set it). */
  createdAt?: Date;
}

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

export type BudgetCheck =
  | { ok: true }
  | {
      ok: false;
      reason: string;
      spentUsd: number;
      spentTokens: number;
      maxCostUsd: number | null;
      maxTokens: number | null;
    };

const MAX_TOKENS_PER_CALL = 2_000_000_000;
const DAY_MS = 24 * 60 * 60 * 1000;

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

const tokens = (field: string, v: number) => int(field, v, 0, MAX_TOKENS_PER_CALL);

/** Every model call the runtime makes, and the sums and budgets built on them. */
export class UsageService {
  constructor(private readonly deps: Deps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Stores one attempt at a model call (one insert). */
  async record(a: ModelCallAttempt): Promise<ModelCallRecord> {
    const row = this.row(a);
    await insertRows(this.deps.db.fork(), ModelCallRecord, [row]);
    return row;
  }

  /** The validated row of one attempt, for a caller that stores it in its own transaction. */
  row(a: ModelCallAttempt): ModelCallRecord {
    const u = a.usage ?? null;
    const cost = u?.costUsd ?? 0;
    if (!Number.isFinite(cost) || cost < 0) throw badInput("costUsd", "must be a number of at least 0");
    return Object.assign(new ModelCallRecord(), {
      id: newId(),
      taskId: a.taskId,
      agentId: a.agentId,
      model: text("model", a.model, { min: 1, max: 200 }),
      provider: a.provider ? text("provider", a.provider, { max: 100 }) : null,
      attempt: int("attempt", a.attempt, 1, 1000),
      outcome: oneOf("outcome", a.outcome, modelCallOutcomes),
      errorKind: a.errorKind ? text("errorKind", a.errorKind, { max: 64 }) : null,
      promptTokens: tokens("promptTokens", u?.promptTokens ?? 0),
      completionTokens: tokens("completionTokens", u?.completionTokens ?? 0),
      cachedTokens: tokens("cachedTokens", u?.cachedTokens ?? 0),
      reasoningTokens: tokens("reasoningTokens", u?.reasoningTokens ?? 0),
      costUsd: cost,
      latencyMs: int("latencyMs", Math.round(a.latencyMs), 0, 2 ** 31 - 1),
      createdAt: a.createdAt ?? this.now(),
    });
  }

  ofTask(taskId: string): Promise<UsageSums> {
    return this.sumsWhere("m.task_id = ?", taskId);
  }

  ofAgent(agentId: string): Promise<UsageSums> {
    return this.sumsWhere("m.agent_id = ?", agentId);
  }

  private async sumsWhere(where: string, id: string): Promise<UsageSums> {
    if (!isId(id)) return toSums(undefined);
    const rows = await this.deps.db
      .fork()
      .execute<SumRow[]>(`select ${sumColumns} from model_call m where ${where}`, [id], "all");
    return toSums(rows[0]);
  }

  /** Sums of the calls made in [from, to), one row per model, agent, task or UTC day. */
  async report(from: Date, to: Date, groupBy: UsageGroupBy): Promise<UsageReportRow[]> {
    const by = oneOf("groupBy", groupBy, usageGroupBys);
    if (!(from instanceof Date) || Number.isNaN(from.getTime())) throw badInput("from", "must be a date");
    if (!(to instanceof Date) || Number.isNaN(to.getTime())) throw badInput("to", "must be a date");
    if (to.getTime() <= from.getTime()) throw badInput("to", "must be after from");
    if (to.getTime() - from.getTime() > limits.usageReportDays * DAY_MS) {
      throw badInput("to", `the range may span at most ${limits.usageReportDays} days`);
    }
    const sqlite = this.deps.db.dialect === "sqlite";
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
    const rows = await this.deps.db.fork().execute<(SumRow & { key: unknown; label: unknown })[]>(
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

  /**
   * Whether the task may make another model call: not once its spending has reached a limit it
   * sets. Pass the task row when it is at hand (the runtime has it), to spare a read.
   */
  async checkBudget(taskId: string, known?: Pick<TaskRecord, "id" | "maxCostUsd" | "maxTokens">): Promise<BudgetCheck> {
    const task =
      known ??
      (isId(taskId)
        ? await this.deps.db.fork().findOne(TaskRecord, { id: taskId }, { fields: ["id", "maxCostUsd", "maxTokens"] })
        : null);
    if (!task) throw notFound("Task", taskId, "taskId");
    const { maxCostUsd, maxTokens } = task;
    if (maxCostUsd === null && maxTokens === null) return { ok: true };
    const sums = await this.ofTask(taskId);
    const spent = { spentUsd: sums.costUsd, spentTokens: sums.totalTokens, maxCostUsd, maxTokens };
    if (maxCostUsd !== null && sums.costUsd >= maxCostUsd) {
      return {
        ok: false,
        reason: `Cost budget spent: $${sums.costUsd.toFixed(4)} of $${maxCostUsd}`,
        ...spent,
      };
    }
    if (maxTokens !== null && sums.totalTokens >= maxTokens) {
      return { ok: false, reason: `Token budget spent: ${sums.totalTokens} of ${maxTokens} tokens`, ...spent };
    }
    return { ok: true };
  }
}
