/**
 * What the service measures about its own work, for /metrics (src/metrics/work-metrics.ts
 * implements it). It is optional everywhere: with METRICS_PORT off, nothing is passed and each
 * call site is one `?.` that costs nothing. Arguments are the records the call site already has;
 * the implementation picks the labels, so no id, path or user text becomes one.
 */
export interface Recorder {
  /** One attempt at a model call, as stored in usage (model, outcome, tokens, cost). */
  modelCall(call: {
    model: string;
    outcome: string;
    promptTokens: number;
    completionTokens: number;
    costUsd: number;
  }): void;
  /** A command run in the sandbox ended. */
  commandRun(run: {
    status: string;
    durationMs: number | null;
    cpuTimeMs: number | null;
    maxRssKb: number | null;
  }): void;
  /** A database transaction ended (committed or not), `seconds` after it was asked for. */
  transaction(seconds: number, ok: boolean): void;
}
