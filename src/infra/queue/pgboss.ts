import pg from "pg";
import PgBoss from "pg-boss";
import {
  DEFAULT_GRACE_MS,
  DEFAULT_LEASE_SECONDS,
  DEFAULT_RETRY_DELAY_SECONDS,
  DEFAULT_RETRY_LIMIT,
  LeaseLostError,
  QueueStoppedError,
  QueueStoppingError,
  assertConcurrency,
  assertPriority,
  errorMessage,
  jobNames,
  silentLogger,
  type EnqueueOptions,
  type JobHandler,
  type JobName,
  type JobOutcome,
  type JobPayloads,
  type JobQueue,
  type QueueDepth,
  type QueueLogger,
  type QueueOptions,
  type StopWorker,
  type WorkOptions,
} from "./queue.js";

/** NOTIFY channel (payload `<schema>:<job name>`): wakes the workers of every process at once. */
const CHANNEL = "agent_system_jobs";

export interface PgBossQueueOptions extends QueueOptions {
  databaseUrl: string;
  /** Seconds a job stays leased to its worker without a renewal (JOB_LEASE_SECONDS); default 30, ≥ 1. */
  leaseSeconds?: number;
  /** pg-boss's tables live here; default "pgboss". */
  schema?: string;
  /** Backstop poll for jobs that became due without a NOTIFY (delayed, backed-off retries); default 1000. */
  pollIntervalMs?: number;
  /** Connection pool size of this process (pg-boss shares it); default 10. */
  maxConnections?: number;
}

/*
 * LEASES, HEARTBEATS AND TAKEOVER ON pg-boss 10
 *
 * pg-boss 10 marks a fetched job `state = 'active'`, `started_on = now()` (plans.js fetchNextJob,
 * `FOR UPDATE SKIP LOCKED`, so one fetch wins) and considers it expired when
 *   state = 'active' AND started_on + expire_in < now()          (plans.js failJobsByTimeout)
 * It checks that only in its maintenance run (every 2 minutes by default) and its own work() fails
 * a handler that runs longer than expire_in. Neither fits jobs that run for hours yet must move
 * within seconds when their worker dies, so this module uses pg-boss for the schema, queues,
 * inserts (send) and fetches, and handles the lease itself:
 *
 * - Lease: each job is sent with `expire_in = leaseSeconds`; holding a job means its row is
 *   active and its `retry_count` is the one we fetched. pg-boss increments `retry_count` every
 *   time it fetches a job that was started before, so that number is a fencing token: after a
 *   takeover the old holder's token no longer matches, and every write below checks it.
 * - Heartbeat: every leaseSeconds/3 one UPDATE sets `started_on = now()` (and expire_in to the
 *   lease) on all the jobs this process holds, where state and token still match. In this
 *   schema `started_on` is therefore "lease last renewed at". A held job the UPDATE did not
 *   find, or that could not be renewed for a whole lease, is lost: its handler's signal aborts
 *   with LeaseLostError and its outcome is ignored.
 * - Takeover: every worker process runs the expiry query (the condition above) every
 *   leaseSeconds/10 (0.5 s to 2 s): expired jobs go back to 'retry', due at once (a retry is
 *   used up, so a job that keeps killing its worker fails eventually), and a NOTIFY makes a live
 *   worker fetch it. A SIGKILLed worker's job therefore restarts elsewhere within
 *   leaseSeconds + ~2 s of its last renewal. pg-boss's own maintenance applies the same rule.
 * - Completion, failure (with pg-boss's retry/backoff formula) and release are UPDATEs with the
 *   same token check, so a worker that lost its lease can never complete or fail the new run.
 * - singletonKey: a unique partial index (name, singleton_key) over the states before
 *   'completed' makes pg-boss's insert (ON CONFLICT DO NOTHING) drop a second queued-or-active
 *   job with the same key; none of pg-boss's queue policies means exactly that ('short' allows
 *   one queued plus one active, 'singleton' any number queued, 'stately' one per state).
 */
export class PgBossQueue implements JobQueue {
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly boss: PgBoss;
  private readonly logger: QueueLogger;
  private readonly leaseSeconds: number;
  private readonly heartbeatMs: number;
  private readonly sweepMs: number;
  private readonly pollMs: number;
  private readonly retryLimit: number;
  private readonly retryDelaySeconds: number;
  private readonly consumers = new Set<PgConsumer>();
  /** The jobs this process holds a lease on: what the heartbeat renews. */
  private readonly held = new Map<string, Held>();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private beating = false;
  private sweeping = false;
  private stopping: Promise<void> | undefined;

  private constructor(private readonly opts: PgBossQueueOptions) {
    this.schema = opts.schema ?? "pgboss";
    if (!/^[a-z_][a-z0-9_]{0,49}$/.test(this.schema)) throw new Error("schema must be a lower-case SQL identifier");
    this.logger = opts.logger ?? silentLogger;
    this.leaseSeconds = opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    if (!(this.leaseSeconds >= 1)) throw new Error("leaseSeconds must be at least 1");
    this.heartbeatMs = (this.leaseSeconds * 1000) / 3;
    this.sweepMs = Math.min(2_000, Math.max(500, this.leaseSeconds * 100));
    this.pollMs = opts.pollIntervalMs ?? 1_000;
    this.retryLimit = opts.retryLimit ?? DEFAULT_RETRY_LIMIT;
    this.retryDelaySeconds = opts.retryDelaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS;
    if (!Number.isInteger(this.retryDelaySeconds)) throw new Error("retryDelaySeconds must be an integer");
    this.pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.maxConnections ?? 10,
      connectionTimeoutMillis: 10_000,
      application_name: "agent-system-queue",
    });
    this.pool.on("error", (err) => this.logger.warn({ err: err.message }, "job queue: idle connection failed"));
    this.boss = new PgBoss({
      db: { executeSql: (text, values) => this.executeSql(text, values) },
      schema: this.schema,
      schedule: false, // no cron: its timekeeper would only poll for nothing
      supervise: true, // archives finished jobs (and expires, like our sweep, every 2 minutes)
      migrate: true,
    });
    this.boss.on("error", (err: Error) => this.logger.error({ err: errorMessage(err) }, "pg-boss error"));
  }

  /** Connects, installs or migrates pg-boss's schema, creates the queues; ready to enqueue and work. */
  static async start(opts: PgBossQueueOptions): Promise<PgBossQueue> {
    const q = new PgBossQueue(opts);
    try {
      await q.boss.start();
      await q.install();
    } catch (err) {
      await q.boss.stop({ graceful: false, close: false }).catch(() => {});
      await q.pool.end().catch(() => {});
      throw err;
    }
    q.logger.debug({ schema: q.schema, leaseSeconds: q.leaseSeconds }, "job queue started (pg-boss)");
    return q;
  }

  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    opts: EnqueueOptions = {},
  ): Promise<string | null> {
    if (this.stopping) throw new QueueStoppedError();
    assertPriority(opts.priority);
    const delayMs = Math.max(0, opts.startAfterMs ?? 0);
    const id = await this.boss.send(name, payload, {
      priority: opts.priority ?? 0,
      ...(opts.singletonKey !== undefined && { singletonKey: opts.singletonKey }),
      ...(delayMs > 0 && { startAfter: delayMs / 1000 }),
      retryLimit: opts.retryLimit ?? this.retryLimit,
      retryDelay: this.retryDelaySeconds,
      retryBackoff: this.retryDelaySeconds > 0,
      expireInSeconds: this.leaseSeconds,
    });
    if (id === null) return null;
    await this.announce(name, delayMs);
    return id;
  }

  async work<N extends JobName>(name: N, opts: WorkOptions, handler: JobHandler<N>): Promise<StopWorker> {
    if (this.stopping) throw new QueueStoppedError();
    assertConcurrency(opts.concurrency);
    this.listening ??= this.listen().catch((err: unknown) => {
      this.listening = undefined; // the next work() tries again
      throw err;
    });
    await this.listening;
    if (this.stopping) throw new QueueStoppedError();
    this.heartbeatTimer ??= setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.sweepTimer ??= setInterval(() => void this.sweep(), this.sweepMs);
    const consumer = new PgConsumer(this.ops, name, opts.concurrency, handler as unknown as JobHandler<JobName>);
    this.consumers.add(consumer);
    consumer.start();
    return async (graceMs = DEFAULT_GRACE_MS) => {
      this.consumers.delete(consumer);
      await consumer.stop(graceMs);
    };
  }

  async depth(): Promise<QueueDepth[]> {
    // One GROUP BY over the waiting jobs; only this app's (bounded) job names are reported.
    const r = await this.pool.query<{ name: string; waiting: string; age: number }>(
      `select name, count(*) as waiting,
              coalesce(max(extract(epoch from now() - start_after)), 0)::float8 as age
         from ${this.schema}.job
        where state in ('created', 'retry') and start_after <= now()
        group by name`,
    );
    const known = new Set<string>(jobNames);
    return r.rows
      .filter((row) => known.has(row.name))
      .map((row) => ({
        name: row.name as JobName,
        waiting: Number(row.waiting),
        oldestAgeSeconds: Math.max(0, row.age),
      }));
  }

  stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    this.stopping ??= (async () => {
      const all = [...this.consumers];
      this.consumers.clear();
      await Promise.all(all.map((c) => c.stop(graceMs)));
      clearInterval(this.heartbeatTimer);
      clearInterval(this.sweepTimer);
      clearTimeout(this.reconnectTimer);
      const l = this.listener;
      this.listener = undefined;
      await l?.end().catch(() => {});
      await this.boss.stop({ graceful: false, close: false }).catch(() => {});
      await this.pool.end().catch(() => {});
    })();
    return this.stopping;
  }

  // -------------------------------------------------------------------------------------------
  // What the consumers use

  private readonly ops: ConsumerOps = {
    pollMs: () => this.pollMs,
    fetch: (name, batchSize) => this.fetch(name, batchSize),
    hold: (h) => this.held.set(h.id, h),
    drop: (h) => this.held.delete(h.id),
    settle: (h, outcome, err) => this.settle(h, outcome, err),
    release: (hs) => this.release(hs),
    logger: () => this.logger,
  };

  private async fetch(name: JobName, batchSize: number): Promise<Fetched[]> {
    const at = Date.now();
    // pg-boss swallows fetch errors (returns []): the poll simply tries again.
    const jobs = await this.boss.fetch<JobPayloads[JobName]>(name, { batchSize, includeMetadata: true });
    return jobs.map((j) => ({ id: j.id, name, payload: j.data, token: j.retryCount, fetchedAt: at }));
  }

  private async settle(h: Held, outcome: "complete" | "fail" | "release", err: unknown): Promise<void> {
    const s = this.schema;
    const log = { jobId: h.id, job: h.name, attempt: h.token + 1 };
    try {
      if (outcome === "release") return await this.release([h]);
      if (outcome === "complete") {
        const r = await this.pool.query(
          `update ${s}.job set state = 'completed', completed_on = now()
           where name = $1 and id = $2 and state = 'active' and retry_count = $3`,
          [h.name, h.id, h.token],
        );
        if (r.rowCount === 0) this.logger.warn(log, "job finished after its lease was lost; it may run again");
        else this.recordJob(h, "completed");
        return;
      }
      // pg-boss's retry rule and backoff (plans.js failJobs), fenced by the lease token.
      const r = await this.pool.query<{ state: string; delayMs: number }>(
        `with retry as (
           update ${s}.job set
             state = case when retry_count < retry_limit then 'retry' else 'failed' end::${s}.job_state,
             completed_on = case when retry_count < retry_limit then null else now() end,
             start_after = case
               when retry_count >= retry_limit then start_after
               when not retry_backoff then now() + retry_delay * interval '1 second'
               else now() + (retry_delay * 2 ^ least(16, retry_count + 1) / 2
                 + retry_delay * 2 ^ least(16, retry_count + 1) / 2 * random()) * interval '1 second'
             end,
             output = jsonb_build_object('message', $4::text)
           where name = $1 and id = $2 and state = 'active' and retry_count = $3
           returning state, start_after
         )
         select state::text as state, greatest(0, extract(epoch from start_after - now()) * 1000)::float8 as "delayMs"
         from retry`,
        [h.name, h.id, h.token, errorMessage(err)],
      );
      const row = r.rows[0];
      if (!row) this.logger.warn(log, "job failed after its lease was lost");
      else this.recordJob(h, row.state === "retry" ? "retried" : "failed");
      if (row?.state === "retry") {
        this.logger.warn(
          { ...log, err: errorMessage(err), retryInMs: Math.round(row.delayMs) },
          "job failed; will retry",
        );
        await this.announce(h.name, row.delayMs);
      } else if (row) this.logger.error({ ...log, err: errorMessage(err) }, "job failed; retries exhausted");
    } catch (e) {
      // The lease runs out and the sweep retries the job: at least once, never lost.
      this.logger.error({ ...log, err: errorMessage(e) }, `could not record the job's ${outcome}`);
    }
  }

  private recordJob(h: Fetched, outcome: JobOutcome): void {
    this.opts.recorder?.job(h.name, outcome, (Date.now() - h.fetchedAt) / 1000);
  }

  /** Makes held jobs available again at once, without using up a retry (pg-boss's own retry() trick). */
  private async release(hs: readonly Held[]): Promise<void> {
    if (hs.length === 0) return;
    const r = await this.pool.query<{ id: string; name: JobName }>(
      `update ${this.schema}.job j set state = 'retry', start_after = now(), retry_limit = j.retry_limit + 1
       from unnest($1::text[], $2::uuid[], $3::int[]) as h(name, id, token)
       where j.name = h.name and j.id = h.id and j.retry_count = h.token and j.state = 'active'
       returning j.id, j.name`,
      [hs.map((h) => h.name), hs.map((h) => h.id), hs.map((h) => h.token)],
    );
    this.logger.info({ jobIds: hs.map((h) => h.id) }, "released unfinished jobs for another worker");
    const released = new Set(r.rows.map((row) => row.id));
    for (const h of hs) if (released.has(h.id)) this.recordJob(h, "released");
    for (const name of new Set(r.rows.map((row) => row.name))) await this.announce(name, 0);
  }

  // -------------------------------------------------------------------------------------------
  // Lease upkeep

  private async heartbeat(): Promise<void> {
    const now = Date.now();
    const holding = [...this.held.values()];
    // Renewals that failed (or hang) until the lease is about to run out: another worker may own the job
    // by the next tick. (One failed renewal is tolerated: with three ticks per lease, the next one may succeed.)
    for (const h of holding) {
      if (now - h.renewedAt > this.leaseSeconds * 1000 - this.heartbeatMs / 2) this.lose(h, "it could not be renewed");
    }
    if (this.beating) return;
    const renew = [...this.held.values()];
    if (renew.length === 0) return;
    this.beating = true;
    try {
      const r = await this.pool.query<{ id: string }>(
        `update ${this.schema}.job j set started_on = now(), expire_in = $4 * interval '1 second'
         from unnest($1::text[], $2::uuid[], $3::int[]) as h(name, id, token)
         where j.name = h.name and j.id = h.id and j.retry_count = h.token and j.state = 'active'
         returning j.id`,
        [renew.map((h) => h.name), renew.map((h) => h.id), renew.map((h) => h.token), this.leaseSeconds],
      );
      const renewed = new Set(r.rows.map((row) => row.id));
      for (const h of renew) {
        if (renewed.has(h.id)) h.renewedAt = now;
        else if (h.phase === "running") this.lose(h, "the job is no longer active under this worker's lease");
      }
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, "job queue: lease renewal failed");
    } finally {
      this.beating = false;
    }
  }

  private lose(h: Held, reason: string): void {
    this.held.delete(h.id);
    if (h.phase !== "running") return;
    h.phase = "lost";
    this.logger.warn({ jobId: h.id, job: h.name, reason }, "job lease lost; aborting its handler");
    h.controller.abort(new LeaseLostError(reason));
  }

  /** Returns jobs whose lease ran out (their worker died or hung) to the queue, due at once. */
  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    const s = this.schema;
    try {
      const r = await this.pool.query<{ id: string; name: JobName; state: string; retryCount: number }>(
        `with expired as (
           select name, id from ${s}.job
           where state = 'active' and started_on + expire_in < now()
           for update skip locked
         )
         update ${s}.job j set
           state = case when j.retry_count < j.retry_limit then 'retry' else 'failed' end::${s}.job_state,
           completed_on = case when j.retry_count < j.retry_limit then null else now() end,
           start_after = case when j.retry_count < j.retry_limit then now() else j.start_after end,
           output = jsonb_build_object('message', 'lease expired: its worker stopped renewing it')
         from expired e
         where j.name = e.name and j.id = e.id
         returning j.id, j.name, j.state::text as state, j.retry_count as "retryCount"`,
      );
      for (const row of r.rows) {
        const log = { jobId: row.id, job: row.name, attempt: row.retryCount + 1 };
        if (row.state === "retry") this.logger.warn(log, "job lease expired; another worker will take it over");
        else this.logger.error(log, "job lease expired; retries exhausted");
      }
      for (const name of new Set(r.rows.filter((x) => x.state === "retry").map((x) => x.name))) {
        await this.announce(name, 0);
      }
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, "job queue: lease expiry check failed");
    } finally {
      this.sweeping = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Wake-ups: local consumers directly, other processes by NOTIFY; polling is the backstop

  private async announce(name: JobName, delayMs: number): Promise<void> {
    if (delayMs > 0) {
      // Other processes see a delayed job on their next poll; ours wake when it is due.
      setTimeout(() => this.wakeLocal(name), delayMs + 5).unref();
      return;
    }
    this.wakeLocal(name);
    try {
      await this.pool.query("select pg_notify($1, $2)", [CHANNEL, `${this.schema}:${name}`]);
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, "job queue: NOTIFY failed; other workers will poll");
    }
  }

  private wakeLocal(name?: string): void {
    for (const c of this.consumers) if (name === undefined || c.name === name) c.wake();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.databaseUrl, application_name: "agent-system-queue" });
    client.on("notification", (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      const sep = n.payload.indexOf(":");
      if (n.payload.slice(0, sep) === this.schema) this.wakeLocal(n.payload.slice(sep + 1));
    });
    const setupError = () => {}; // a failure while setting up rejects below instead
    client.on("error", setupError);
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    client.removeListener("error", setupError);
    client.on("error", (err) => {
      this.logger.warn({ err: err.message }, "job queue: listener connection failed");
      this.scheduleReconnect();
    });
    client.on("end", () => this.scheduleReconnect());
    if (this.stopping) {
      await client.end().catch(() => {});
      return;
    }
    this.listener = client;
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    this.listener = undefined;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.listen().then(
        () => this.wakeLocal(), // catch up on whatever was announced while we were deaf
        () => this.scheduleReconnect(),
      );
    }, 500);
  }

  // -------------------------------------------------------------------------------------------
  // Schema additions (idempotent, serialised across processes)

  /**
   * Our index additions and pg-boss's queues (a partition of its job table each). Processes starting
   * at once would deadlock on the partition DDL, so one session's advisory lock serialises this.
   */
  private install(): Promise<void> {
    const s = this.schema;
    const key = `agent_system_queue.${s}`;
    return this.withClient(async (c, broken) => {
      await c.query("select pg_advisory_lock(hashtext($1))", [key]);
      try {
        const { rows } = await c.query<{ ok: boolean }>(
          "select to_regclass($1) is not null and to_regclass($2) is not null as ok",
          [`${s}.job_singleton_key`, `${s}.job_active_lease`],
        );
        if (!rows[0]?.ok) {
          await c.query(
            `create unique index if not exists job_singleton_key on ${s}.job (name, singleton_key)
             where state < 'completed' and singleton_key is not null`,
          );
          await c.query(`create index if not exists job_active_lease on ${s}.job (name) where state = 'active'`);
        }
        for (const name of jobNames) {
          if (!(await this.boss.getQueue(name))) await this.boss.createQueue(name, { name, policy: "standard" });
        }
      } finally {
        // A session that may still hold the lock must not go back to the pool.
        await c.query("select pg_advisory_unlock(hashtext($1))", [key]).catch(broken);
      }
    });
  }

  /** pg-boss's database access: our pool; a failed multi-statement script must not leave a transaction open. */
  private executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }> {
    return this.withClient(async (c, broken) => {
      try {
        return await c.query(text, values);
      } catch (err) {
        await c.query("rollback").catch(broken);
        throw err;
      }
    });
  }

  /** A pooled connection for several statements; `broken(err)` makes release discard it. */
  private async withClient<T>(fn: (c: pg.PoolClient, broken: (err: Error) => void) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let failure: Error | undefined;
    const broken = (err: Error) => void (failure ??= err);
    c.on("error", broken); // a connection lost while checked out must not become an uncaught exception
    try {
      return await fn(c, broken);
    } finally {
      c.removeListener("error", broken);
      c.release(failure);
    }
  }
}

interface Fetched {
  id: string;
  name: JobName;
  payload: JobPayloads[JobName];
  /** pg-boss's retry_count when we fetched it: the lease's fencing token. */
  token: number;
  fetchedAt: number;
}

interface Held extends Fetched {
  controller: AbortController;
  renewedAt: number;
  /** running → settling (recording its outcome) | lost (lease gone) | released (by stop). */
  phase: "running" | "settling" | "lost" | "released";
  stopping: boolean;
  done: Promise<void>;
}

interface ConsumerOps {
  pollMs(): number;
  fetch(name: JobName, batchSize: number): Promise<Fetched[]>;
  hold(h: Held): void;
  drop(h: Held): void;
  settle(h: Held, outcome: "complete" | "fail" | "release", err: unknown): Promise<void>;
  release(hs: readonly Held[]): Promise<void>;
  logger(): QueueLogger;
}

/** One work() registration: a fetch loop that keeps up to `concurrency` handlers busy. */
class PgConsumer {
  private readonly active = new Set<Held>();
  private stopping = false;
  private woken = false;
  private sleeper: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly ops: ConsumerOps,
    readonly name: JobName,
    private readonly concurrency: number,
    private readonly handler: JobHandler<JobName>,
  ) {}

  start(): void {
    this.loopDone = this.loop();
  }

  wake(): void {
    this.woken = true;
    this.sleeper?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      const free = this.concurrency - this.active.size;
      let fetched = 0;
      if (free > 0) {
        let jobs: Fetched[] = [];
        try {
          jobs = await this.ops.fetch(this.name, free);
        } catch (err) {
          this.ops.logger().warn({ err: errorMessage(err), job: this.name }, "job queue: fetch failed");
        }
        fetched = jobs.length;
        if (this.stopping) {
          await this.ops.release(jobs.map((j) => this.toHeld(j))).catch(() => {});
          break;
        }
        for (const j of jobs) this.run(j);
      }
      if (this.stopping) break;
      if (this.woken || (fetched > 0 && fetched === free)) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.ops.pollMs());
        this.sleeper = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.sleeper = undefined;
    }
  }

  private toHeld(j: Fetched): Held {
    const h: Held = {
      ...j,
      controller: new AbortController(),
      renewedAt: j.fetchedAt,
      phase: "running",
      stopping: false,
      done: Promise.resolve(),
    };
    return h;
  }

  private run(j: Fetched): void {
    const h = this.toHeld(j);
    this.active.add(h);
    this.ops.hold(h);
    const job = { id: h.id, name: h.name, payload: h.payload, attempt: h.token + 1, signal: h.controller.signal };
    h.done = (async () => {
      let outcome: "complete" | "fail" | "release" = "complete";
      let error: unknown;
      try {
        await this.handler(job);
      } catch (err) {
        error = err;
        outcome = h.stopping ? "release" : "fail";
      }
      if (h.phase !== "running") return; // lost or released: another run owns the job now
      h.phase = "settling";
      await this.ops.settle(h, outcome, error);
    })().finally(() => {
      this.ops.drop(h);
      this.active.delete(h);
      this.wake();
    });
  }

  stop(graceMs: number): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.sleeper?.();
      await this.loopDone;
      const inFlight = [...this.active];
      for (const h of inFlight) {
        h.stopping = true;
        h.controller.abort(new QueueStoppingError());
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(inFlight.map((h) => h.done)),
        new Promise<void>((res) => (timer = setTimeout(res, graceMs))),
      ]);
      clearTimeout(timer);
      const unfinished = inFlight.filter((h) => h.phase === "running");
      for (const h of unfinished) {
        h.phase = "released";
        this.ops.drop(h);
      }
      if (unfinished.length > 0) {
        this.ops
          .logger()
          .warn({ job: this.name, count: unfinished.length, graceMs }, "handlers still running after the grace period");
        await this.ops.release(unfinished).catch((err: Error) => {
          this.ops.logger().error({ err: err.message }, "could not release unfinished jobs; their leases will expire");
        });
      }
      await Promise.allSettled(inFlight.filter((h) => h.phase === "settling").map((h) => h.done));
    })();
    return this.stopped;
  }
}
