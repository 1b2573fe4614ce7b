/**
 * Calls a chain of models in order: transient failures (429, 5xx, timeouts, mid-stream errors,
 * network) are retried with exponential backoff and full jitter, then the next model is tried;
 * a request the server refuses (400, 401) or cannot pay for (402) is thrown at once, and every
 * attempt is reported so the caller can store it.
 */
import { SpanKind } from "@opentelemetry/api";
import type { ModelCallAttempt } from "../../domain/usage/usage.service.js";
import { spanAttributes, traced } from "../../telemetry/tracing.js";
import {
  ModelError,
  type ChatClient,
  type ChatOptions,
  type ChatRequest,
  type ChatResult,
  type ModelErrorKind,
  type ModelUsage,
} from "./model-client.js";

/** What happened after an attempt: done, the same model again, the next model, or the call failed. */
export type AttemptOutcome = "SUCCESS" | "RETRY" | "NEXT_MODEL" | "FAILED";

export interface AttemptRecord {
  /** The model asked. */
  model: string;
  /** 1-based, per model. */
  attempt: number;
  /** 1-based, across the whole call. */
  sequence: number;
  outcome: AttemptOutcome;
  errorKind?: ModelErrorKind;
  errorMessage?: string;
  status?: number;
  latencyMs: number;
  /** On success, and on failures whose usage the server reported (a mid-stream error chunk). */
  usage?: ModelUsage;
  /** On success: the model and provider that answered. */
  answeredBy?: string;
  provider?: string | null;
  /** The wait before the next attempt of the same model. */
  backoffMs?: number;
}

/** One attempt as the usage service stores it, for a task's agent (the model that answered, on success). */
export function usageAttempt(scope: { taskId: string; agentId: string }, a: AttemptRecord): ModelCallAttempt {
  return {
    taskId: scope.taskId,
    agentId: scope.agentId,
    model: a.answeredBy ?? a.model,
    provider: a.provider ?? null,
    attempt: a.sequence,
    outcome: a.outcome,
    errorKind: a.errorKind ?? null,
    usage: a.usage ?? null,
    latencyMs: a.latencyMs,
  };
}

export interface FallbackOptions extends ChatOptions {
  /** Retries per model after its first attempt (default 2). */
  retries?: number;
  /** Backoff base: attempt n waits a random time in [0, base · 2^(n-1)] (default 500 ms). */
  backoffBaseMs?: number;
  /** Cap of one wait, a server's Retry-After included (default 30 s). */
  maxBackoffMs?: number;
  /** Awaited before the next attempt starts; may store the record. */
  onAttempt?: (record: AttemptRecord) => void | Promise<void>;
  /** Source of randomness for the jitter (default Math.random). */
  random?: () => number;
}

export interface FallbackResult extends ChatResult {
  attempts: AttemptRecord[];
}

/** Kinds that end the whole call at once: retrying or another model would not help. */
const fatal: ReadonlySet<ModelErrorKind> = new Set(["BAD_REQUEST", "UNAUTHORIZED", "PAYMENT_REQUIRED", "CANCELLED"]);

/**
 * One model call (every attempt of every model in the chain) in a span of its own, `chat
 * <model>`: the model asked and the one that answered, tokens in and out, the attempts and
 * the outcome (SUCCESS, or the failure's kind, also the span's error code).
 */
export function chatWithFallback(
  client: ChatClient,
  chain: readonly string[],
  request: Omit<ChatRequest, "model">,
  options: FallbackOptions = {},
): Promise<FallbackResult> {
  const asked = chain[0] ?? "(none)";
  return traced(
    `chat ${asked}`,
    {
      kind: SpanKind.CLIENT,
      attributes: { [spanAttributes.modelOperation]: "chat", [spanAttributes.modelRequested]: asked },
    },
    async (span) => {
      let attempts = 0;
      const onAttempt = options.onAttempt;
      try {
        const result = await attemptChain(client, chain, request, {
          ...options,
          onAttempt: (record) => {
            attempts = record.sequence;
            return onAttempt?.(record);
          },
        });
        span.set({
          [spanAttributes.modelAnswered]: result.model,
          [spanAttributes.inputTokens]: result.usage.promptTokens,
          [spanAttributes.outputTokens]: result.usage.completionTokens,
          [spanAttributes.modelOutcome]: "SUCCESS",
          [spanAttributes.modelAttempts]: attempts,
        });
        return result;
      } catch (err) {
        span.set({
          [spanAttributes.modelOutcome]: err instanceof ModelError ? err.kind : "INTERNAL",
          [spanAttributes.modelAttempts]: attempts,
        });
        throw err;
      }
    },
  );
}

async function attemptChain(
  client: ChatClient,
  chain: readonly string[],
  request: Omit<ChatRequest, "model">,
  options: FallbackOptions,
): Promise<FallbackResult> {
  const { retries = 2, backoffBaseMs = 500, maxBackoffMs = 30_000, onAttempt, random = Math.random, signal } = options;
  if (chain.length === 0) throw new ModelError("BAD_REQUEST", false, "no model is configured for this call");
  const chatOptions: ChatOptions = {};
  if (signal !== undefined) chatOptions.signal = signal;
  if (options.timeoutMs !== undefined) chatOptions.timeoutMs = options.timeoutMs;
  if (options.idleTimeoutMs !== undefined) chatOptions.idleTimeoutMs = options.idleTimeoutMs;
  if (options.onDelta !== undefined) chatOptions.onDelta = options.onDelta;

  const attempts: AttemptRecord[] = [];
  const report = async (r: AttemptRecord) => {
    attempts.push(r);
    await onAttempt?.(r);
  };
  let last: ModelError | undefined;

  for (const [m, model] of chain.entries()) {
    const isLastModel = m === chain.length - 1;
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      const started = performance.now();
      try {
        const result = await client.chat({ ...request, model }, chatOptions);
        await report({
          model,
          attempt,
          sequence: attempts.length + 1,
          outcome: "SUCCESS",
          latencyMs: result.latencyMs,
          usage: result.usage,
          answeredBy: result.model,
          provider: result.provider,
        });
        return { ...result, attempts };
      } catch (e) {
        if (!(e instanceof ModelError)) throw e;
        last = e;
        const latencyMs = Math.round(performance.now() - started);
        const retry = e.retryable && !fatal.has(e.kind) && attempt <= retries;
        const outcome: AttemptOutcome = fatal.has(e.kind)
          ? "FAILED"
          : retry
            ? "RETRY"
            : isLastModel || (!e.retryable && e.kind !== "UNAVAILABLE")
              ? "FAILED"
              : "NEXT_MODEL";
        const wait = retry ? backoff(attempt, backoffBaseMs, maxBackoffMs, random, e.retryAfterMs) : undefined;
        const record: AttemptRecord = {
          model,
          attempt,
          sequence: attempts.length + 1,
          outcome,
          errorKind: e.kind,
          errorMessage: e.message,
          latencyMs,
        };
        if (e.status !== undefined) record.status = e.status;
        if (e.usage !== undefined) record.usage = e.usage;
        if (wait !== undefined) record.backoffMs = wait;
        await report(record);
        if (outcome === "FAILED") throw isLastModel && chain.length > 1 && !fatal.has(e.kind) ? exhausted(chain, e) : e;
        if (outcome === "NEXT_MODEL") break;
        await sleep(wait ?? 0, signal, model);
      }
    }
  }
  // Unreachable: the last attempt of the last model either returns or throws.
  throw last ?? new ModelError("SERVER", true, "no attempt was made");
}

/** Full jitter: a uniform wait in [0, min(cap, base · 2^(attempt-1))], at least the server's Retry-After. */
export function backoff(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(maxMs, retryAfterMs));
}

function exhausted(chain: readonly string[], e: ModelError): ModelError {
  return new ModelError(
    e.kind,
    e.retryable,
    `every model of the chain failed (${chain.join(", ")}); the last: ${e.message}`,
    {
      ...(e.status === undefined ? {} : { status: e.status }),
      ...(e.code === undefined ? {} : { code: e.code }),
      ...(e.model === undefined ? {} : { model: e.model }),
      ...(e.provider === undefined ? {} : { provider: e.provider }),
      ...(e.retryAfterMs === undefined ? {} : { retryAfterMs: e.retryAfterMs }),
      ...(e.usage === undefined ? {} : { usage: e.usage }),
      providerMessage: e.providerMessage,
      cause: e,
    },
  );
}

function sleep(ms: number, signal: AbortSignal | undefined, model: string): Promise<void> {
  const cancelled = () =>
    new ModelError("CANCELLED", false, `CANCELLED from ${model}: the call was cancelled`, { model });
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelled());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
