import type { TransactionHandle } from "../shared/transaction.js";
import { ModelCallRecord, type ModelCallOutcome, type TaskRecord } from "../records.js";
import { badInput, notFound } from "../errors.js";
import { isId, newId } from "../ids.js";
import { limits } from "../terms.js";
import type { Deps } from "../shared/deps.js";
import { int, oneOf, text } from "../shared/validate.js";
import {
  usageGroupBys,
  type UsageGroupBy,
  type UsageReportRow,
  type UsageStore,
  type UsageSums,
} from "./usage.store.js";

export const modelCallOutcomes = ["SUCCESS", "RETRY", "NEXT_MODEL", "FAILED"] as const satisfies ModelCallOutcome[];
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

/** Sums of no calls at all. */
export const noUsage = (): UsageSums => ({
  calls: 0,
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  reasoningTokens: 0,
  totalTokens: 0,
  costUsd: 0,
});

const MAX_TOKENS_PER_CALL = 2_000_000_000;
const DAY_MS = 24 * 60 * 60 * 1000;

const tokens = (field: string, v: number) => int(field, v, 0, MAX_TOKENS_PER_CALL);

/** Every model call the runtime makes, and the sums and budgets built on them. */
export class UsageService {
  constructor(
    private readonly deps: Deps,
    private readonly store: UsageStore,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Stores one attempt at a model call (one insert). */
  async record(a: ModelCallAttempt): Promise<ModelCallRecord> {
    const row = this.row(a);
    await this.store.insert(row);
    return row;
  }

  /** The validated row of one attempt, for a caller that stores it in its own transaction. */
  row(a: ModelCallAttempt): ModelCallRecord {
    const u = a.usage ?? null;
    const cost = u?.costUsd ?? 0;
    if (!Number.isFinite(cost) || cost < 0) throw badInput("costUsd", "must be a number of at least 0");
    const row = Object.assign(new ModelCallRecord(), {
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
    this.deps.recorder?.modelCall(row);
    return row;
  }

  /** A task's sums; in `tx` when given (a read inside a write transaction). */
  ofTask(taskId: string, tx?: TransactionHandle): Promise<UsageSums> {
    return isId(taskId) ? this.store.sums({ taskId }, tx) : Promise.resolve(noUsage());
  }

  ofAgent(agentId: string): Promise<UsageSums> {
    return isId(agentId) ? this.store.sums({ agentId }) : Promise.resolve(noUsage());
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
    return this.store.report(from, to, by);
  }

  /**
   * Whether the task may make another model call: not once its spending has reached a limit it
   * sets. Pass the task row when it is at hand (the runtime has it), to spare a read.
   */
  async checkBudget(taskId: string, known?: Pick<TaskRecord, "id" | "maxCostUsd" | "maxTokens">): Promise<BudgetCheck> {
    const task = known ?? (isId(taskId) ? await this.store.budgetOf(taskId) : null);
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
