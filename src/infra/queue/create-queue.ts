import { silentLogger, type JobQueue, type QueueOptions } from "./queue.js";
import { TracedQueue } from "./traced-queue.js";

export interface CreateQueueOptions extends QueueOptions {
  /** postgres://… selects pg-boss (cluster profile); unset selects the in-process queue (embedded profile). */
  databaseUrl?: string;
  /** Seconds a worker holds a job without renewing its lease before another may take it (JOB_LEASE_SECONDS). */
  leaseSeconds?: number;
  /** pg-boss's schema; default "pgboss". */
  schema?: string;
  /** PostgreSQL backstop poll for due jobs (delayed, retried); default 1000. */
  pollIntervalMs?: number;
}

/**
 * Picks the implementation for the profile; the composition root's only entry point. Its
 * handlers run in a span each (TracedQueue: the no-op kind unless traces are on).
 */
export async function createQueue(opts: CreateQueueOptions): Promise<JobQueue> {
  const logger = opts.logger ?? silentLogger;
  if (opts.databaseUrl) {
    const { PgBossQueue } = await import("./pgboss.js");
    return new TracedQueue(await PgBossQueue.start({ ...opts, databaseUrl: opts.databaseUrl }), logger);
  }
  const { MemoryQueue } = await import("./memory.js");
  return new TracedQueue(new MemoryQueue(opts), logger);
}
