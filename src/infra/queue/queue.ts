/**
 * Background jobs: names and payload types declared once, one interface, two implementations
 * (in-process for the embedded profile, pg-boss on PostgreSQL for the cluster profile).
 *
 * Semantics shared by both implementations (and checked by one contract suite):
 * - A job runs on at most one handler at a time, and is never lost: a handler that throws is
 *   retried with backoff up to `retryLimit` times, then the job fails for good.
 * - `job.attempt` counts the starts of the job, from 1: a retry after a failure, a takeover
 *   after the holding worker died and a release by `stop()` each start it again.
 * - When the worker stops, the handler's signal aborts with a `QueueStoppingError`; a handler
 *   that then throws (e.g. `signal.throwIfAborted()`) has its job released for another worker
 *   without counting as a failure; one that returns normally has completed its job.
 * - When the worker lost its lease (the PostgreSQL queue only: it could not renew it in time,
 *   so another worker may own the job now) the signal aborts with a `LeaseLostError` and
 *   whatever the handler does afterwards has no effect on the job.
 * - Payloads carry ids only: handlers read the rows, so jobs stay small and hold no secrets.
 */
export interface JobPayloads {
  /** `agentId`: the agent the workspace is made for (absent in jobs queued before it was added). */
  "create-workspace": { taskId: string; workspaceId: string; agentId?: string };
  "run-task": { taskId: string };
  /** A parked task's wait is over (waitForTasks' timeout): see src/domain/tasks/delegation.service.ts. */
  "wake-task": { taskId: string };
  /** A finished task linked to a GitHub issue: its pull request and its comment on the issue. */
  "report-to-github": { taskId: string };
  /** One outbox row (an email or a webhook) to try now: see src/domain/outbox/outbox.service.ts. */
  "send-outbox": { outboxId: string };
}

export type JobName = keyof JobPayloads;
export const jobNames: readonly JobName[] = [
  "create-workspace",
  "run-task",
  "wake-task",
  "report-to-github",
  "send-outbox",
];

export interface EnqueueOptions {
  /** At most one queued-or-active job per (name, key); a duplicate is dropped and enqueue returns null. */
  singletonKey?: string;
  /** Not before this many milliseconds from now. */
  startAfterMs?: number;
  /** Integer; higher runs first, equal priorities run in enqueue order. Default 0. */
  priority?: number;
  /** Retries after failures for this job (its backoff doubles each time); default the queue's. */
  retryLimit?: number;
}

export interface Job<N extends JobName = JobName> {
  id: string;
  name: N;
  payload: JobPayloads[N];
  /** 1 on the first start, then +1 on every later start of the same job. */
  attempt: number;
  /** Aborted when the worker stops (QueueStoppingError) or lost its lease (LeaseLostError). */
  signal: AbortSignal;
}

export type JobHandler<N extends JobName> = (job: Job<N>) => Promise<void>;

export interface WorkOptions {
  /** At most this many jobs of this name run at once in this consumer. */
  concurrency: number;
}

/** Stops one consumer the way `JobQueue.stop` stops them all. */
export type StopWorker = (graceMs?: number) => Promise<void>;

export interface JobQueue {
  /**
   * Enqueues a job; call it after the transaction that wrote the rows it refers to committed.
   * Resolves to the job id, or null when `singletonKey` dropped it as a duplicate.
   */
  enqueue<N extends JobName>(name: N, payload: JobPayloads[N], opts?: EnqueueOptions): Promise<string | null>;
  /** Starts consuming `name` with up to `concurrency` jobs at once; resolves once it is consuming. */
  work<N extends JobName>(name: N, opts: WorkOptions, handler: JobHandler<N>): Promise<StopWorker>;
  /**
   * Stops taking jobs, aborts the in-flight handlers' signals and waits up to `graceMs` for them;
   * the jobs of those still running are then released at once for another worker (not lost).
   * Closes the queue's connections; enqueue fails afterwards. Safe to call twice.
   */
  stop(graceMs?: number): Promise<void>;
  /**
   * Jobs due and waiting for a worker, per name (names with none may be absent), and how long
   * the longest-waiting one has been due: what /metrics reports as queue depth and age.
   */
  depth(): Promise<QueueDepth[]>;
}

export interface QueueDepth {
  name: JobName;
  /** Queued (or waiting for a retry) and due now; delayed jobs not yet due are not counted. */
  waiting: number;
  /** Seconds since the oldest waiting job became due; 0 when none waits. */
  oldestAgeSeconds: number;
}

export const DEFAULT_GRACE_MS = 10_000;
export const DEFAULT_LEASE_SECONDS = 30;
export const DEFAULT_RETRY_LIMIT = 3;
export const DEFAULT_RETRY_DELAY_SECONDS = 1;

/** The subset of the app's pino logger the queue uses. */
export interface QueueLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: QueueLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** How one run of a job ended: done, failed for good, failed with a retry to come, or let go at a stop. */
export type JobOutcome = "completed" | "failed" | "retried" | "released";

/** Told of every run's outcome in this process (the /metrics recorder; absent: nothing is measured). */
export interface JobRecorder {
  job(name: JobName, outcome: JobOutcome, seconds: number): void;
}

/** Settings common to both implementations. */
export interface QueueOptions {
  /** Told of each run's outcome and duration (METRICS_PORT). */
  recorder?: JobRecorder;
  /** Retries after a failed (throwing) run; default 3, so at most 4 runs. */
  retryLimit?: number;
  /** Backoff base, integer seconds: retry n waits base·2^(n-1) to base·2^n (0: retry at once). Default 1. */
  retryDelaySeconds?: number;
  logger?: QueueLogger;
}

export class QueueStoppingError extends Error {
  constructor() {
    super("the job queue is stopping");
    this.name = "QueueStoppingError";
  }
}

export class LeaseLostError extends Error {
  constructor(reason: string) {
    super(`the job's lease was lost: ${reason}`);
    this.name = "LeaseLostError";
  }
}

export class QueueStoppedError extends Error {
  constructor() {
    super("the job queue is stopped");
    this.name = "QueueStoppedError";
  }
}

export function assertConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("concurrency must be an integer ≥ 1");
}

export function assertPriority(priority: number | undefined): void {
  if (priority !== undefined && !Number.isInteger(priority)) throw new Error("priority must be an integer");
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
