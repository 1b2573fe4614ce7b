import type { JobQueue, QueueOptions } from "./queue.js";

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

/** Picks the implementation for the profile; the composition root's only entry point. */
export async function createQueue(opts: CreateQueueOptions): Promise<JobQueue> {
  if (opts.databaseUrl) {
    const { PgBossQueue } = await import("./pgboss.js");
    return PgBossQueue.start({ ...opts, databaseUrl: opts.databaseUrl });
  }
  const { MemoryQueue } = await import("./memory.js");
  return new MemoryQueue(opts);
}
