/**
 * The job queue on each profile.
 *
 * 1. Enqueue → handler start latency, p50/p95 over 300 jobs enqueued one at a time (each waits
 *    for the previous one to start), after 20 warm-up jobs:
 *    - memory queue, worker in this process;
 *    - pg-boss, worker in this process (woken directly by enqueue);
 *    - pg-boss, worker in another process (woken by NOTIFY; start time taken in the child with
 *      performance.timeOrigin + now(), so IPC is not counted).
 *    Baselines in the same run: a setImmediate hop (memory); a bare INSERT + pg_notify from one
 *    connection until another connection's LISTEN gets the notification (PostgreSQL).
 * 2. Takeover: a worker process holding a job is SIGKILLed right after it renewed its lease (the
 *    worst case); time until a worker in this process starts the job, with JOB_LEASE_SECONDS at
 *    its default 30 and at 5.
 *
 * PostgreSQL runs need BENCH_DATABASE_URL or TEST_DATABASE_URL (a fresh database is created
 * and dropped); without them they are reported skipped.
 */
import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { MemoryQueue } from "../src/infra/queue/memory.js";
import { PgBossQueue } from "../src/infra/queue/pgboss.js";
import { DEFAULT_LEASE_SECONDS, type JobQueue } from "../src/infra/queue/queue.js";
import { createLogger } from "../src/logger.js";
import {
  loadAverage,
  ms,
  percentile,
  repoDir,
  sleep,
  stopChild,
  track,
  type Bench,
  type BenchResult,
  createPgDatabase,
} from "./lib.js";

const JOBS = 300;
const WARMUP = 20;
const P95_TARGET_MS = 100;
const TAKEOVER_TARGET_S = 35;
const SHORT_LEASE_S = 5;

const logger = createLogger("error");
const now = () => performance.timeOrigin + performance.now();

interface Stats {
  p50: number;
  p95: number;
  max: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] ?? Number.NaN };
}

const fmt = (s: Stats) => `p50 ${ms(s.p50, 2)}, p95 ${ms(s.p95, 2)}`;

/** Enqueues JOBS + WARMUP jobs one at a time; `started(taskId)` resolves with the handler's start time. */
async function latency(q: JobQueue, started: (taskId: string) => Promise<number>, tag: string): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + JOBS; i++) {
    const taskId = `${tag}-${i}`;
    const wait = started(taskId);
    const t0 = now();
    await q.enqueue("run-task", { taskId });
    const t1 = await wait;
    if (i >= WARMUP) samples.push(t1 - t0);
  }
  return stats(samples);
}

/** Resolves per taskId when someone calls `hit(taskId, at)`. */
function starts() {
  const waiting = new Map<string, (at: number) => void>();
  return {
    started: (taskId: string) => new Promise<number>((r) => waiting.set(taskId, r)),
    hit(taskId: string, at: number) {
      waiting.get(taskId)?.(at);
      waiting.delete(taskId);
    },
  };
}

interface ChildMessage {
  type: "ready" | "started";
  id?: string;
  taskId?: string;
  attempt?: number;
  at?: number;
}

/** A worker process (tests/infra/queue-worker-child.ts) on `schema`; resolves once it consumes. */
async function startChild(
  url: string,
  schema: string,
  leaseSeconds: number,
  onMessage: (m: ChildMessage) => void,
): Promise<ChildProcess> {
  const child = track(
    fork(join(repoDir, "tests", "infra", "queue-worker-child.ts"), [], {
      execArgv: process.execArgv,
      cwd: repoDir,
      env: {
        ...process.env,
        QUEUE_DATABASE_URL: url,
        QUEUE_SCHEMA: schema,
        QUEUE_LEASE_SECONDS: String(leaseSeconds),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("the worker child did not start within 30 s")), 30_000);
    child.on("message", (m: ChildMessage) => {
      if (m.type === "ready") {
        clearTimeout(t);
        resolve();
      }
      onMessage(m);
    });
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`the worker child exited with ${code}`));
    });
  });
  return child;
}

/** A bare INSERT + pg_notify on one connection until the LISTENing connection hears it. */
async function notifyBaseline(url: string): Promise<Stats> {
  const listener = new pg.Client({ connectionString: url });
  const sender = new pg.Client({ connectionString: url });
  await Promise.all([listener.connect(), sender.connect()]);
  try {
    await sender.query("create table if not exists bench_baseline (id bigserial primary key, v text)");
    await listener.query("listen bench_baseline");
    let heard: ((at: number) => void) | undefined;
    listener.on("notification", () => heard?.(now()));
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + JOBS; i++) {
      const wait = new Promise<number>((r) => (heard = r));
      const t0 = now();
      await sender.query("insert into bench_baseline (v) values ($1)", [`b${i}`]);
      await sender.query("select pg_notify('bench_baseline', $1)", [`b${i}`]);
      const t1 = await wait;
      if (i >= WARMUP) samples.push(t1 - t0);
    }
    return stats(samples);
  } finally {
    await Promise.allSettled([listener.end(), sender.end()]);
  }
}

/** SIGKILLs a worker process holding a job; seconds until a worker here starts that job. */
async function takeover(url: string, leaseSeconds: number): Promise<{ seconds: number; attempt: number }> {
  const schema = `bench_takeover_${leaseSeconds}`;
  let childStarted: ChildMessage | undefined;
  const child = await startChild(url, schema, leaseSeconds, (m) => m.type === "started" && (childStarted = m));
  const q = await PgBossQueue.start({ databaseUrl: url, schema, leaseSeconds, retryDelaySeconds: 0, logger });
  try {
    const id = await q.enqueue("run-task", { taskId: "hold-takeover" });
    while (!childStarted) await sleep(5);
    if (childStarted.id !== id) throw new Error("the child started another job");
    let restarted: { at: number; attempt: number } | undefined;
    await q.work("run-task", { concurrency: 1 }, async (job) => {
      restarted ??= { at: now(), attempt: job.attempt };
    });
    // Worst case: kill the child right after it renewed its lease (started_on moves on each renewal).
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const renewedOn = async () =>
        String((await c.query(`select started_on from ${schema}.job where id = $1`, [id])).rows[0]?.started_on);
      const first = await renewedOn();
      while ((await renewedOn()) === first) await sleep(10);
    } finally {
      await c.end();
    }
    if (restarted) throw new Error("the job was taken over from a live worker");
    const killedAt = now();
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGKILL");
    await exited;
    const deadline = killedAt + (leaseSeconds + 30) * 1000;
    while (!restarted && now() < deadline) await sleep(10);
    if (!restarted) throw new Error(`no takeover within ${leaseSeconds + 30} s`);
    const r = restarted as { at: number; attempt: number };
    return { seconds: (r.at - killedAt) / 1000, attempt: r.attempt };
  } finally {
    await stopChild(child, 1_000, "SIGKILL");
    await q.stop(1_000);
  }
}

export const queueBench: Bench = {
  name: "queue",
  description: "job queue: enqueue → handler start latency (memory, pg-boss local and cross-process), SIGKILL takeover",
  async run(): Promise<BenchResult> {
    const result: BenchResult = { figures: [], targets: [], notes: [] };
    const load0 = loadAverage();

    // Memory ----------------------------------------------------------------------------------
    {
      const q = new MemoryQueue({ logger });
      const s = starts();
      await q.work("run-task", { concurrency: 4 }, async (job) => s.hit(job.payload.taskId, now()));
      const mem = await latency(q, s.started, "mem");
      await q.stop(1_000);
      const base: number[] = [];
      for (let i = 0; i < WARMUP + JOBS; i++) {
        const t0 = now();
        await new Promise<void>((r) => setImmediate(r));
        if (i >= WARMUP) base.push(now() - t0);
      }
      result.figures.push({
        name: "memory: enqueue → handler start",
        value: fmt(mem),
        baseline: `${fmt(stats(base))} (setImmediate hop)`,
        note: `${JOBS} jobs one at a time, max ${ms(mem.max, 2)}`,
      });
    }

    // PostgreSQL ------------------------------------------------------------------------------
    const base = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
    if (!base) {
      result.figures.push({
        name: "pg-boss",
        value: "skipped",
        note: "set BENCH_DATABASE_URL or TEST_DATABASE_URL to run the PostgreSQL figures",
      });
      return result;
    }
    const db = await createPgDatabase(base, "agents_bench_queue");
    try {
      const baseline = await notifyBaseline(db.url);
      const baselineText = `${fmt(baseline)} (INSERT + NOTIFY → LISTEN)`;

      const local = await PgBossQueue.start({ databaseUrl: db.url, schema: "bench_local", logger });
      const s = starts();
      await local.work("run-task", { concurrency: 4 }, async (job) => s.hit(job.payload.taskId, now()));
      const inProcess = await latency(local, s.started, "local");
      await local.stop(1_000);
      result.figures.push({
        name: "pg-boss: enqueue → start, worker in this process",
        value: fmt(inProcess),
        baseline: baselineText,
        note: `max ${ms(inProcess.max, 2)}`,
      });

      const r = starts();
      const child = await startChild(db.url, "bench_remote", DEFAULT_LEASE_SECONDS, (m) => {
        if (m.type === "started" && m.taskId && m.at) r.hit(m.taskId, m.at);
      });
      const producer = await PgBossQueue.start({ databaseUrl: db.url, schema: "bench_remote", logger });
      let crossProcess: Stats;
      try {
        crossProcess = await latency(producer, r.started, "remote");
      } finally {
        await producer.stop(1_000);
        child.send("stop");
        await stopChild(child, 3_000);
      }
      result.figures.push({
        name: "pg-boss: enqueue → start, worker in another process",
        value: fmt(crossProcess),
        baseline: baselineText,
        note: `NOTIFY path; max ${ms(crossProcess.max, 2)}`,
      });
      const worst = Math.max(inProcess.p95, crossProcess.p95);
      result.targets.push({
        name: "pg-boss enqueue → handler start p95",
        measured: ms(worst, 2),
        target: `≤ ${P95_TARGET_MS} ms`,
        pass: worst <= P95_TARGET_MS,
      });

      for (const lease of [DEFAULT_LEASE_SECONDS, SHORT_LEASE_S]) {
        const t = await takeover(db.url, lease);
        result.figures.push({
          name: `pg-boss: SIGKILLed worker's job restarts elsewhere (lease ${lease} s)`,
          value: `${t.seconds.toFixed(2)} s`,
          baseline: `lease ${lease} s`,
          note: `attempt ${t.attempt}; killed right after a lease renewal (worst case: lease + expiry check ≤ 2 s)`,
        });
        if (lease === DEFAULT_LEASE_SECONDS) {
          result.targets.push({
            name: `takeover after SIGKILL, JOB_LEASE_SECONDS=${lease}`,
            measured: `${t.seconds.toFixed(2)} s`,
            target: `≤ ${TAKEOVER_TARGET_S} s`,
            pass: t.seconds <= TAKEOVER_TARGET_S,
          });
        }
      }
    } finally {
      await db.drop();
    }
    result.notes.push(
      "pg-boss's path is two commits (the job INSERT, the fetch's UPDATE to active) plus a NOTIFY; the baseline is one commit plus a NOTIFY.",
      `load average ${load0.toFixed(2)} → ${loadAverage().toFixed(2)}`,
    );
    return result;
  },
};
