import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Recorder } from "../domain/shared/recorder.js";
import type { JobOutcome, JobRecorder } from "../infra/queue/queue.js";

/** Distinct model names kept as labels; later ones are counted as "other". */
export const MAX_MODEL_NAMES = 50;
/** Model ids as providers spell them ("openai/gpt-4o-mini", "anthropic/claude-3.5:beta"). */
const MODEL_RE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,119}$/;
const STATUS_RE = /^[A-Z][A-Z_]{0,31}$/;

const seconds = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

/** Where the database pool's numbers come from (knex's tarn pool). */
export interface PoolSource {
  (): { used: number; free: number; pending: number; max: number } | null;
}

/**
 * The families of work done in this process: jobs, model calls, sandbox runs, database
 * transactions and the pool, GraphQL operations over WebSocket. Counted only when recorded:
 * with METRICS_PORT off, no instance exists and nothing calls it.
 */
export class WorkMetrics implements Recorder, JobRecorder {
  private readonly models = new Set<string>();
  private pool: PoolSource | null = null;

  readonly jobs: Counter<"queue" | "outcome">;
  readonly jobDuration: Histogram<"queue">;
  readonly modelCalls: Counter<"model" | "outcome">;
  readonly modelTokens: Counter<"model" | "kind">;
  readonly modelCost: Counter<"model">;
  readonly runs: Counter<"status">;
  readonly runDuration: Histogram<"status">;
  readonly runCpu: Histogram;
  readonly runMemory: Histogram;
  readonly txDuration: Histogram<"outcome">;
  readonly wsOperations: Counter<"operation" | "type">;
  readonly wsErrors: Counter<"operation" | "type" | "code">;

  constructor(registry: Registry) {
    const registers = [registry];
    this.jobs = new Counter({
      name: "agents_jobs_total",
      help: "Job runs ended, by job kind and outcome (completed, failed for good, retried, released).",
      labelNames: ["queue", "outcome"] as const,
      registers,
    });
    this.jobDuration = new Histogram({
      name: "agents_job_duration_seconds",
      help: "Wall time of one job run in this process, from its start to its outcome, by job kind.",
      labelNames: ["queue"] as const,
      buckets: seconds,
      registers,
    });
    this.modelCalls = new Counter({
      name: "agents_model_calls_total",
      help: "Attempts at model calls, by model and outcome (SUCCESS, RETRY, NEXT_MODEL, FAILED).",
      labelNames: ["model", "outcome"] as const,
      registers,
    });
    this.modelTokens = new Counter({
      name: "agents_model_tokens_total",
      help: "Tokens reported by the provider, by model and kind (prompt, completion).",
      labelNames: ["model", "kind"] as const,
      registers,
    });
    this.modelCost = new Counter({
      name: "agents_model_cost_usd_total",
      help: "Cost in US dollars reported by the provider, by model.",
      labelNames: ["model"] as const,
      registers,
    });
    this.runs = new Counter({
      name: "agents_sandbox_runs_total",
      help: "Command runs in the sandbox ended, by status.",
      labelNames: ["status"] as const,
      registers,
    });
    this.runDuration = new Histogram({
      name: "agents_sandbox_run_duration_seconds",
      help: "Wall time of a command run in the sandbox, by status.",
      labelNames: ["status"] as const,
      buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers,
    });
    this.runCpu = new Histogram({
      name: "agents_sandbox_run_cpu_seconds",
      help: "CPU time (user + system) of a command run's whole process tree.",
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
      registers,
    });
    this.runMemory = new Histogram({
      name: "agents_sandbox_run_peak_memory_bytes",
      help: "Peak resident memory of a command run's process tree.",
      buckets: [8, 32, 64, 128, 256, 512, 1024, 2048, 4096].map((mb) => mb * 1024 * 1024),
      registers,
    });
    this.txDuration = new Histogram({
      name: "agents_db_transaction_duration_seconds",
      help: "Database transactions, from the request to the commit (or the failure), by outcome.",
      labelNames: ["outcome"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const self = this;
    new Gauge({
      name: "agents_db_pool_connections",
      help: "Connections of the database pool by state: used, free, pending (requests waiting), max.",
      labelNames: ["state"] as const,
      registers,
      collect() {
        const p = self.pool?.();
        if (!p) return;
        for (const state of ["used", "free", "pending", "max"] as const) this.set({ state }, p[state]);
      },
    });
    this.wsOperations = new Counter({
      name: "agents_ws_operations_total",
      help: "GraphQL operations started over WebSocket, by operation name and type.",
      labelNames: ["operation", "type"] as const,
      registers,
    });
    this.wsErrors = new Counter({
      name: "agents_ws_errors_total",
      help: "GraphQL errors sent over WebSocket, by operation name, type and error code.",
      labelNames: ["operation", "type", "code"] as const,
      registers,
    });
  }

  attachPool(source: PoolSource): void {
    this.pool = source;
  }

  job(queue: string, outcome: JobOutcome, secondsTaken: number): void {
    this.jobs.inc({ queue, outcome });
    this.jobDuration.observe({ queue }, secondsTaken);
  }

  modelCall(c: Parameters<Recorder["modelCall"]>[0]): void {
    const model = this.modelLabel(c.model);
    this.modelCalls.inc({ model, outcome: statusLabel(c.outcome) });
    if (c.promptTokens > 0) this.modelTokens.inc({ model, kind: "prompt" }, c.promptTokens);
    if (c.completionTokens > 0) this.modelTokens.inc({ model, kind: "completion" }, c.completionTokens);
    // Every model called has a cost series (0 until one is reported): rate() needs it to exist.
    this.modelCost.inc({ model }, c.costUsd > 0 && Number.isFinite(c.costUsd) ? c.costUsd : 0);
  }

  commandRun(r: Parameters<Recorder["commandRun"]>[0]): void {
    const status = statusLabel(r.status);
    this.runs.inc({ status });
    if (r.durationMs !== null) this.runDuration.observe({ status }, r.durationMs / 1000);
    if (r.cpuTimeMs !== null) this.runCpu.observe(r.cpuTimeMs / 1000);
    if (r.maxRssKb !== null) this.runMemory.observe(r.maxRssKb * 1024);
  }

  transaction(secondsTaken: number, ok: boolean): void {
    this.txDuration.observe({ outcome: ok ? "commit" : "rollback" }, secondsTaken);
  }

  /** A bounded label for a model id (configured, or as the provider answered). */
  modelLabel(name: string): string {
    if (!MODEL_RE.test(name)) return "other";
    if (this.models.has(name)) return name;
    if (this.models.size >= MAX_MODEL_NAMES) return "other";
    this.models.add(name);
    return name;
  }
}

const statusLabel = (s: string): string => (STATUS_RE.test(s) ? s : "OTHER");
