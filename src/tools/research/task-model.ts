/**
 * The task's language model for the research tool's synthesis: the chain the runtime would use
 * for the task (task, agent, complexity tier, default: model-selection.ts), asked through the same
 * client with the same retries and fallback, every attempt recorded as the task's usage (so
 * budgets and `task { usage }` count it). Failures are typed: RATE_LIMITED, LIMIT_EXCEEDED (limit
 * "budget"), or FETCH_FAILED with reason "model".
 */
import { DomainError } from "../../domain/errors.js";
import type { AgentRecord, TaskRecord } from "../../domain/records.js";
import type { UsageService } from "../../domain/usage/usage.service.js";
import { chatWithFallback, usageAttempt } from "../../infra/models/fallback.js";
import { ModelError, type ChatClient, type ChatMessage } from "../../infra/models/model-client.js";
import { selectModelChain, type ComplexityTier } from "../../infra/models/model-selection.js";

/** Who the model works for: its chain is chosen and its usage recorded for this task and agent. */
export interface ModelScope {
  taskId: string;
  agentId: string;
}

/** One completion of the task's model. */
export interface ResearchModel {
  complete(scope: ModelScope, messages: ChatMessage[], signal: AbortSignal): Promise<string>;
}

/** The MODEL_* settings the research call shares with the runtime. */
export interface TaskModelSettings {
  defaultModels: readonly string[];
  tiers: readonly ComplexityTier[];
  provider: Record<string, unknown> | undefined;
  fallback: "client" | "openrouter";
  timeoutMs: number;
  retries: number;
}

export interface TaskModelDeps {
  /** The model server's client; null when none is configured (`missing` says why). */
  client: ChatClient | null;
  missing: string | null;
  settings: TaskModelSettings;
  tasks: { get(id: string): Promise<TaskRecord | null> };
  agents: { get(id: string): Promise<AgentRecord | null> };
  usage: Pick<UsageService, "record" | "checkBudget">;
  /** Backoff base between retries (tests shorten it). */
  backoffBaseMs?: number;
}

/** FETCH_FAILED with reason "model": the model could not give a synthesis. */
export const modelFailed = (message: string, extra: Record<string, unknown> = {}) =>
  new DomainError("FETCH_FAILED", `The model could not be asked: ${message}`, { reason: "model", ...extra });

export class TaskModel implements ResearchModel {
  constructor(private readonly d: TaskModelDeps) {}

  async complete(scope: ModelScope, messages: ChatMessage[], signal: AbortSignal): Promise<string> {
    const { d } = this;
    const [task, agent] = await Promise.all([d.tasks.get(scope.taskId), d.agents.get(scope.agentId)]);
    const chain = selectModelChain({
      taskOverride: task?.model,
      agentDefault: agent?.model,
      complexity: task?.complexity,
      tiers: d.settings.tiers,
      globalDefault: d.settings.defaultModels,
    }).chain;
    if (!d.client || chain.length === 0) {
      throw modelFailed(
        d.missing ?? "no model is configured: set MODEL_DEFAULT or MODEL_TIERS, or give the agent or the task a model",
      );
    }
    const budget = await d.usage.checkBudget(scope.taskId, task ?? undefined);
    if (!budget.ok) {
      throw new DomainError("LIMIT_EXCEEDED", `The task's budget is spent: ${budget.reason}`, {
        limit: "budget",
        spentUsd: budget.spentUsd,
        spentTokens: budget.spentTokens,
      });
    }
    const serverFallback = d.settings.fallback === "openrouter" && chain.length > 1;
    try {
      const result = await chatWithFallback(
        d.client,
        serverFallback ? chain.slice(0, 1) : chain,
        {
          messages,
          usage: { include: true },
          ...(d.settings.provider ? { provider: d.settings.provider } : {}),
          ...(serverFallback ? { models: chain } : {}),
        },
        {
          signal,
          timeoutMs: d.settings.timeoutMs,
          retries: d.settings.retries,
          backoffBaseMs: d.backoffBaseMs ?? 500,
          onAttempt: async (a) => {
            await d.usage.record(usageAttempt(scope, a));
          },
        },
      );
      return result.content;
    } catch (err) {
      if (!(err instanceof ModelError)) throw err;
      if (err.kind === "RATE_LIMITED") {
        const retryAfterSeconds = Math.max(1, Math.ceil((err.retryAfterMs ?? 60_000) / 1000));
        throw new DomainError(
          "RATE_LIMITED",
          `The model server is rate limiting: try again in ${retryAfterSeconds} s`,
          {
            retryAfterSeconds,
          },
        );
      }
      throw modelFailed(err.message, { modelErrorKind: err.kind, ...(err.status ? { status: err.status } : {}) });
    }
  }
}
