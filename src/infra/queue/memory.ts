import { randomUUID } from "node:crypto";
import {
  DEFAULT_GRACE_MS,
  DEFAULT_RETRY_DELAY_SECONDS,
  DEFAULT_RETRY_LIMIT,
  QueueStoppedError,
  QueueStoppingError,
  assertConcurrency,
  assertPriority,
  errorMessage,
  silentLogger,
  type EnqueueOptions,
  type JobHandler,
  type JobName,
  type JobOutcome,
  type JobRecorder,
  type JobPayloads,
  type JobQueue,
  type QueueDepth,
  type QueueLogger,
  type QueueOptions,
  type StopWorker,
  type WorkOptions,
} from "./queue.js";

interface StoredJob {
  id: string;
  name: JobName;
  /** JSON text, as the PostgreSQL queue stores it: every run gets its own copy. */
  payload: string;
  priority: number;
  seq: number;
  runAt: number;
  singletonKey: string | undefined;
  state: "queued" | "active";
  /** Starts so far; the running start's number is its fencing token. */
  starts: number;
  retryLimit: number;
  retryDelaySeconds: number;
}

type Outcome = "completed" | "failed" | "released";

/**
 * The jobs of one "database". MemoryQueue instances that share a store behave like worker
 * processes sharing PostgreSQL (the contract suite uses that); the embedded profile has one.
 * Finished jobs are forgotten.
 */
export class MemoryJobStore {
  private readonly jobs = new Map<string, StoredJob>();
  /** Queued job ids per name, best first: priority desc, then enqueue order. */
  private readonly queued = new Map<JobName, StoredJob[]>();
  private readonly singletons = new Map<string, string>();
  private readonly consumers: MemoryConsumer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;
  private dispatchScheduled = false;
  private rotation = 0;

  add(job: Omit<StoredJob, "id" | "seq" | "state" | "starts">): string | null {
    const key = job.singletonKey === undefined ? undefined : `${job.name}\n${job.singletonKey}`;
    if (key !== undefined && this.singletons.has(key)) return null;
    const stored: StoredJob = { ...job, id: randomUUID(), seq: ++this.seq, state: "queued", starts: 0 };
    this.jobs.set(stored.id, stored);
    if (key !== undefined) this.singletons.set(key, stored.id);
    this.requeue(stored, job.runAt);
    return stored.id;
  }

  depth(now = Date.now()): QueueDepth[] {
    const byName = new Map<JobName, QueueDepth>();
    for (const job of this.jobs.values()) {
      if (job.state !== "queued" || job.runAt > now) continue;
      const d = byName.get(job.name) ?? { name: job.name, waiting: 0, oldestAgeSeconds: 0 };
      d.waiting++;
      d.oldestAgeSeconds = Math.max(d.oldestAgeSeconds, (now - job.runAt) / 1000);
      byName.set(job.name, d);
    }
    return [...byName.values()];
  }

  register(consumer: MemoryConsumer): void {
    this.consumers.push(consumer);
    this.schedule();
  }

  unregister(consumer: MemoryConsumer): void {
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
  }

  /**
   * Applies a run's outcome, unless that run no longer holds the job (fenced by its start number):
   * what became of the job, or null when the run no longer held it.
   */
  settle(id: string, token: number, outcome: Outcome, logger: QueueLogger, err?: unknown): JobOutcome | null {
    const job = this.jobs.get(id);
    if (!job || job.state !== "active" || job.starts !== token) return null;
    const log = { jobId: id, job: job.name, attempt: token };
    if (outcome === "completed") {
      this.forget(job);
      return "completed";
    }
    if (outcome === "released") {
      job.retryLimit++; // a release is not a failure: it must not use up a retry
      this.requeue(job, Date.now());
      return "released";
    }
    if (job.starts - 1 < job.retryLimit) {
      const delay = job.retryDelaySeconds * 1000 * 2 ** Math.min(16, job.starts - 1) * (1 + Math.random());
      logger.warn({ ...log, err: errorMessage(err), retryInMs: Math.round(delay) }, "job failed; will retry");
      this.requeue(job, Date.now() + delay);
      return "retried";
    }
    logger.error({ ...log, err: errorMessage(err) }, "job failed; retries exhausted");
    this.forget(job);
    return "failed";
  }

  /** Runs dispatch soon (asynchronously, like the PostgreSQL queue). */
  schedule(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    queueMicrotask(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private requeue(job: StoredJob, runAt: number): void {
    job.state = "queued";
    job.runAt = runAt;
    let list = this.queued.get(job.name);
    if (!list) this.queued.set(job.name, (list = []));
    const at = list.findIndex((j) => j.priority < job.priority || (j.priority === job.priority && j.seq > job.seq));
    list.splice(at < 0 ? list.length : at, 0, job);
    this.wakeAt(runAt);
  }

  private wakeAt(runAt: number): void {
    const wait = runAt - Date.now();
    if (wait <= 0) return this.schedule();
    // Timers may fire a millisecond early by Date.now(): re-arm until the job is really due.
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.wakeAt(runAt);
    }, wait + 1);
    t.unref();
    this.timers.add(t);
  }

  private forget(job: StoredJob): void {
    this.jobs.delete(job.id);
    if (job.singletonKey !== undefined) this.singletons.delete(`${job.name}\n${job.singletonKey}`);
  }

  /** Hands due jobs to consumers with free slots, rotating among consumers so no worker starves. */
  private dispatch(): void {
    const now = Date.now();
    for (const [name, list] of this.queued) {
      for (;;) {
        const i = list.findIndex((j) => j.runAt <= now);
        if (i < 0) break;
        const candidates = this.consumers.filter((c) => c.name === name && c.free() > 0);
        if (candidates.length === 0) break;
        const consumer = candidates[this.rotation++ % candidates.length]!;
        const [job] = list.splice(i, 1);
        job!.state = "active";
        job!.starts++;
        consumer.run(job!);
      }
    }
  }
}

interface Running {
  token: number;
  startedAt: number;
  controller: AbortController;
  stopping: boolean;
  released: boolean;
  done: Promise<void>;
}

class MemoryConsumer {
  private readonly running = new Map<string, Running>();
  private accepting = true;

  constructor(
    private readonly store: MemoryJobStore,
    readonly name: JobName,
    private readonly concurrency: number,
    private readonly handler: JobHandler<JobName>,
    private readonly logger: QueueLogger,
    private readonly recorder?: JobRecorder,
  ) {}

  free(): number {
    return this.accepting ? this.concurrency - this.running.size : 0;
  }

  run(job: StoredJob): void {
    const token = job.starts;
    const controller = new AbortController();
    const r: Running = {
      token,
      startedAt: Date.now(),
      controller,
      stopping: false,
      released: false,
      done: Promise.resolve(),
    };
    this.running.set(job.id, r);
    const payload = JSON.parse(job.payload) as JobPayloads[JobName];
    r.done = (async () => {
      try {
        await this.handler({ id: job.id, name: job.name, payload, attempt: token, signal: controller.signal });
        if (!r.released) this.record(job.name, r, this.store.settle(job.id, token, "completed", this.logger));
      } catch (err) {
        if (!r.released) {
          const outcome = this.store.settle(job.id, token, r.stopping ? "released" : "failed", this.logger, err);
          this.record(job.name, r, outcome);
        }
      } finally {
        this.running.delete(job.id);
        this.store.schedule();
      }
    })();
  }

  async stop(graceMs: number): Promise<void> {
    if (!this.accepting) return;
    this.accepting = false;
    this.store.unregister(this);
    const inFlight = [...this.running.entries()];
    for (const [, r] of inFlight) {
      r.stopping = true;
      r.controller.abort(new QueueStoppingError());
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(inFlight.map(([, r]) => r.done)),
      new Promise<void>((res) => (timer = setTimeout(res, graceMs))),
    ]);
    clearTimeout(timer);
    for (const [id, r] of this.running) {
      r.released = true;
      this.record(this.name, r, this.store.settle(id, r.token, "released", this.logger));
    }
  }

  private record(name: JobName, r: Running, outcome: JobOutcome | null): void {
    if (outcome) this.recorder?.job(name, outcome, (Date.now() - r.startedAt) / 1000);
  }
}

export interface MemoryQueueOptions extends QueueOptions {
  /** Shared by instances that should behave like workers on one database; default: a store of its own. */
  store?: MemoryJobStore;
}

/** The in-process queue of the embedded profile: nothing outside this process, nothing survives it. */
export class MemoryQueue implements JobQueue {
  private readonly store: MemoryJobStore;
  private readonly ownsStore: boolean;
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly logger: QueueLogger;
  private readonly recorder: JobRecorder | undefined;
  private readonly retryLimit: number;
  private readonly retryDelaySeconds: number;
  private stopped = false;

  constructor(opts: MemoryQueueOptions = {}) {
    this.store = opts.store ?? new MemoryJobStore();
    this.ownsStore = opts.store === undefined;
    this.logger = opts.logger ?? silentLogger;
    this.recorder = opts.recorder;
    this.retryLimit = opts.retryLimit ?? DEFAULT_RETRY_LIMIT;
    this.retryDelaySeconds = opts.retryDelaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS;
  }

  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    opts: EnqueueOptions = {},
  ): Promise<string | null> {
    if (this.stopped) throw new QueueStoppedError();
    assertPriority(opts.priority);
    return this.store.add({
      name,
      payload: JSON.stringify(payload),
      priority: opts.priority ?? 0,
      runAt: Date.now() + Math.max(0, opts.startAfterMs ?? 0),
      singletonKey: opts.singletonKey,
      retryLimit: opts.retryLimit ?? this.retryLimit,
      retryDelaySeconds: this.retryDelaySeconds,
    });
  }

  async work<N extends JobName>(name: N, opts: WorkOptions, handler: JobHandler<N>): Promise<StopWorker> {
    if (this.stopped) throw new QueueStoppedError();
    assertConcurrency(opts.concurrency);
    const consumer = new MemoryConsumer(
      this.store,
      name,
      opts.concurrency,
      handler as unknown as JobHandler<JobName>,
      this.logger,
      this.recorder,
    );
    this.consumers.add(consumer);
    this.store.register(consumer);
    return async (graceMs = DEFAULT_GRACE_MS) => {
      this.consumers.delete(consumer);
      await consumer.stop(graceMs);
    };
  }

  async depth(): Promise<QueueDepth[]> {
    return this.store.depth();
  }

  async stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const all = [...this.consumers];
    this.consumers.clear();
    await Promise.all(all.map((c) => c.stop(graceMs)));
    if (this.ownsStore) this.store.close();
  }
}
