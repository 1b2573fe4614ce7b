import { fork } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { MemoryJobStore, MemoryQueue } from "../../src/infra/queue/memory.js";
import { PgBossQueue } from "../../src/infra/queue/pgboss.js";
import {
  LeaseLostError,
  QueueStoppedError,
  QueueStoppingError,
  type Job,
  type JobOutcome,
  type JobQueue,
  type JobRecorder,
} from "../../src/infra/queue/queue.js";
import { createTestDatabase, pgBaseUrl } from "../helpers/pg.js";

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
/** Short enough to keep the lease tests fast; the heartbeat then runs every second. */
const LEASE_SECONDS = 3;

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves when the signal aborts, then throws its reason: how a well-behaved handler stops. */
function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason));
  });
}

interface QueueSettings {
  retryLimit?: number;
  retryDelaySeconds?: number;
  recorder?: JobRecorder;
}

/** One test's backend ("the database"): every queue it creates is a worker on the same jobs. */
interface Backend {
  create(settings?: QueueSettings): Promise<JobQueue>;
  /** PostgreSQL only: the pg-boss schema of this backend. */
  schema?: string;
}

interface Implementation {
  name: string;
  enabled: boolean;
  postgres: boolean;
  setup(): Promise<{ backend(): Promise<Backend>; url?: string; teardown(): Promise<void> }>;
}

const defaults = { retryLimit: 3, retryDelaySeconds: 0, logger };

const implementations: Implementation[] = [
  {
    name: "MemoryQueue",
    enabled: true,
    postgres: false,
    setup: async () => ({
      async backend() {
        const store = new MemoryJobStore();
        return { create: async (s) => new MemoryQueue({ ...defaults, ...s, store }) };
      },
      teardown: async () => {},
    }),
  },
  {
    name: "PgBossQueue",
    enabled: pgBaseUrl !== undefined,
    postgres: true,
    async setup() {
      const db = await createTestDatabase();
      let n = 0;
      return {
        url: db.url,
        async backend() {
          // A pg-boss schema per test: no job of one test can reach another's workers.
          const schema = `q${++n}`;
          const create = (s?: QueueSettings) =>
            PgBossQueue.start({
              ...defaults,
              ...s,
              databaseUrl: db.url,
              schema,
              leaseSeconds: LEASE_SECONDS,
              pollIntervalMs: 200,
            });
          return { create, schema };
        },
        teardown: () => db.drop(),
      };
    },
  },
];

for (const impl of implementations) {
  describe.skipIf(!impl.enabled)(`JobQueue contract [${impl.name}]`, () => {
    let env: Awaited<ReturnType<Implementation["setup"]>>;
    let backend: Backend;
    const open: JobQueue[] = [];
    const create = async (s?: QueueSettings) => {
      const q = await backend.create(s);
      open.push(q);
      return q;
    };

    beforeAll(async () => {
      env = await impl.setup();
    });
    beforeEach(async () => {
      backend = await env.backend();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((q) => q.stop(0)));
    });
    afterAll(async () => {
      await env?.teardown();
    });

    it("enqueue → the handler gets the payload, the job id and attempt 1", async () => {
      const q = await create();
      const got: Array<Omit<Job<"create-workspace">, "signal">> = [];
      await q.work("create-workspace", { concurrency: 1 }, async ({ signal, ...job }) => {
        expect(signal.aborted).toBe(false);
        got.push(job);
      });
      const id = await q.enqueue("create-workspace", { taskId: "t1", workspaceId: "w1" });
      expect(id).toEqual(expect.any(String));
      await waitUntil(() => got.length === 1, "the job");
      expect(got).toEqual([{ id, name: "create-workspace", payload: { taskId: "t1", workspaceId: "w1" }, attempt: 1 }]);
    });

    it("runs jobs by priority (higher first), then in enqueue order", async () => {
      const q = await create();
      const jobs: Array<[string, number]> = [
        ["a", 0],
        ["b", 0],
        ["c", 5],
        ["d", 0],
        ["e", 5],
        ["f", -1],
        ["g", 0],
      ];
      for (const [taskId, priority] of jobs) await q.enqueue("run-task", { taskId }, { priority });
      const order: string[] = [];
      await q.work("run-task", { concurrency: 1 }, async ({ payload }) => {
        order.push(payload.taskId);
      });
      await waitUntil(() => order.length === jobs.length, "all jobs");
      expect(order).toEqual(["c", "e", "a", "b", "d", "g", "f"]);
    });

    it("never runs more than `concurrency` handlers at once, and does reach it", async () => {
      const q = await create();
      let running = 0;
      let max = 0;
      let done = 0;
      await q.work("run-task", { concurrency: 3 }, async () => {
        running++;
        max = Math.max(max, running);
        await sleep(40);
        running--;
        done++;
      });
      for (let i = 0; i < 12; i++) await q.enqueue("run-task", { taskId: `c${i}` });
      await waitUntil(() => done === 12, "12 jobs");
      expect(max).toBe(3);
    });

    it("singletonKey: at most one queued-or-active job per key", async () => {
      const q = await create();
      const first = await q.enqueue("run-task", { taskId: "s1" }, { singletonKey: "task-1" });
      expect(first).toEqual(expect.any(String));
      expect(await q.enqueue("run-task", { taskId: "s1-dup" }, { singletonKey: "task-1" })).toBeNull();
      const other = await q.enqueue("run-task", { taskId: "s2" }, { singletonKey: "task-2" });
      expect(other).toEqual(expect.any(String));
      // The same key on another job name is another key.
      expect(
        await q.enqueue("create-workspace", { taskId: "s1", workspaceId: "w" }, { singletonKey: "task-1" }),
      ).not.toBeNull();

      const gate = deferred();
      const seen: string[] = [];
      await q.work("run-task", { concurrency: 2 }, async ({ payload }) => {
        seen.push(payload.taskId);
        await gate.promise;
      });
      await waitUntil(() => seen.length === 2, "both keys active");
      expect(seen.sort()).toEqual(["s1", "s2"]);
      // Active counts too.
      expect(await q.enqueue("run-task", { taskId: "s1-while-active" }, { singletonKey: "task-1" })).toBeNull();
      gate.resolve();
      // Once the job completed, the key is free again.
      let again: string | null = null;
      const until = Date.now() + 5_000;
      while (again === null && Date.now() < until) {
        again = await q.enqueue("run-task", { taskId: "s1-after" }, { singletonKey: "task-1" });
        if (again === null) await sleep(20);
      }
      expect(again).toEqual(expect.any(String));
      expect(again).not.toBe(first);
      await waitUntil(() => seen.includes("s1-after"), "the new job");
      expect(seen.filter((s) => s.startsWith("s1"))).toEqual(["s1", "s1-after"]);
    });

    it("a throwing handler is retried until it succeeds", async () => {
      const q = await create({ retryLimit: 3 });
      const attempts: number[] = [];
      let done = false;
      await q.work("run-task", { concurrency: 1 }, async ({ attempt }) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Error(`boom ${attempt}`);
        done = true;
      });
      await q.enqueue("run-task", { taskId: "flaky" }, { singletonKey: "flaky" });
      await waitUntil(() => done, "the third attempt");
      expect(attempts).toEqual([1, 2, 3]);
    });

    it("a handler that keeps throwing runs 1 + retryLimit times, then the job fails for good", async () => {
      const q = await create({ retryLimit: 2 });
      const attempts: number[] = [];
      await q.work("run-task", { concurrency: 1 }, async ({ attempt }) => {
        attempts.push(attempt);
        throw new Error("always");
      });
      await q.enqueue("run-task", { taskId: "doomed" }, { singletonKey: "doomed" });
      await waitUntil(() => attempts.length === 3, "three attempts");
      await sleep(700); // a few backstop polls: nothing more comes
      expect(attempts).toEqual([1, 2, 3]);
      // A failed job no longer holds its singleton key.
      expect(await q.enqueue("run-task", { taskId: "doomed-2" }, { singletonKey: "doomed" })).not.toBeNull();
    });

    it("a job's own retryLimit overrides the queue's", async () => {
      const q = await create({ retryLimit: 0 });
      const attempts: string[] = [];
      await q.work("run-task", { concurrency: 1 }, async ({ payload, attempt }) => {
        attempts.push(`${payload.taskId}:${attempt}`);
        throw new Error("always");
      });
      await q.enqueue("run-task", { taskId: "patient" }, { singletonKey: "patient", retryLimit: 2 });
      await waitUntil(() => attempts.length === 3, "three attempts of the job with retryLimit 2");
      await q.enqueue("run-task", { taskId: "default" }, { singletonKey: "default" });
      await waitUntil(() => attempts.includes("default:1"), "the job with the queue's retryLimit 0");
      await sleep(700); // a few backstop polls: nothing more comes
      expect(attempts).toEqual(["patient:1", "patient:2", "patient:3", "default:1"]);
    });

    it("retries back off: retryDelaySeconds 1 waits 1-2 s before the first retry", async () => {
      const q = await create({ retryLimit: 1, retryDelaySeconds: 1 });
      const at: number[] = [];
      await q.work("run-task", { concurrency: 1 }, async ({ attempt }) => {
        at.push(Date.now());
        if (attempt === 1) throw new Error("once");
      });
      await q.enqueue("run-task", { taskId: "backoff" });
      await waitUntil(() => at.length === 2, "the retry", 5_000);
      const gap = at[1]! - at[0]!;
      expect(gap).toBeGreaterThanOrEqual(950);
      expect(gap).toBeLessThan(2_800);
    });

    it("startAfterMs delays the job", async () => {
      const q = await create();
      let startedAt = 0;
      await q.work("run-task", { concurrency: 1 }, async () => {
        startedAt = Date.now();
      });
      const t0 = Date.now();
      await q.enqueue("run-task", { taskId: "later" }, { startAfterMs: 400 });
      await waitUntil(() => startedAt > 0, "the delayed job");
      expect(startedAt - t0).toBeGreaterThanOrEqual(390);
      expect(startedAt - t0).toBeLessThan(1_500);
    });

    it("tells its recorder each run's outcome and duration: completed, retried, failed, released", async () => {
      const seen: Array<{ name: string; outcome: JobOutcome; seconds: number }> = [];
      const q = await create({
        retryLimit: 1,
        recorder: { job: (name, outcome, seconds) => seen.push({ name, outcome, seconds }) },
      });
      await q.work("send-outbox", { concurrency: 2 }, async ({ payload }) => {
        if (payload.outboxId === "bad") throw new Error("always");
      });
      await q.enqueue("send-outbox", { outboxId: "good" });
      await q.enqueue("send-outbox", { outboxId: "bad" });
      await waitUntil(() => seen.length === 3, "three outcomes");
      expect(seen.map((x) => x.outcome).sort()).toEqual(["completed", "failed", "retried"]);
      expect(seen.every((x) => x.name === "send-outbox" && x.seconds >= 0 && x.seconds < 60)).toBe(true);
      let started = false;
      await q.work("run-task", { concurrency: 1 }, async ({ signal }) => {
        started = true;
        await abortion(signal);
      });
      await q.enqueue("run-task", { taskId: "held" });
      await waitUntil(() => started, "the held job to start");
      await q.stop(5_000);
      expect(seen.filter((x) => x.name === "run-task").map((x) => x.outcome)).toEqual(["released"]);
    });

    it("stop() aborts in-flight handlers; a job whose handler throws on abort goes to another worker at once", async () => {
      const a = await create();
      const b = await create();
      const starts: Array<{ worker: string; attempt: number }> = [];
      let reason: unknown;
      await a.work("run-task", { concurrency: 1 }, async ({ attempt, signal }) => {
        starts.push({ worker: "a", attempt });
        try {
          await abortion(signal);
        } catch (err) {
          reason = err;
          throw err;
        }
      });
      await a.enqueue("run-task", { taskId: "handover" });
      await waitUntil(() => starts.length === 1, "worker a to start the job");
      let bDone = false;
      await b.work("run-task", { concurrency: 1 }, async ({ attempt }) => {
        starts.push({ worker: "b", attempt });
        bDone = true;
      });
      const t0 = Date.now();
      await a.stop(5_000);
      expect(reason).toBeInstanceOf(QueueStoppingError);
      await waitUntil(() => bDone, "worker b to take the job over", 2_000);
      expect(Date.now() - t0).toBeLessThan(1_500); // released, not left to a lease
      expect(starts).toEqual([
        { worker: "a", attempt: 1 },
        { worker: "b", attempt: 2 },
      ]);
      await expect(a.enqueue("run-task", { taskId: "x" })).rejects.toBeInstanceOf(QueueStoppedError);
      await expect(a.stop()).resolves.toBeUndefined();
    });

    it("stop(graceMs) releases a job whose handler ignores the signal once the grace period ends", async () => {
      const a = await create();
      const b = await create();
      const ignoring = deferred();
      const starts: string[] = [];
      await a.work("run-task", { concurrency: 2 }, async () => {
        starts.push("a");
        await ignoring.promise; // does not look at its signal
      });
      await a.enqueue("run-task", { taskId: "stubborn" });
      await waitUntil(() => starts.length === 1, "worker a to start the job");
      const bRun = deferred();
      let bFinished = false;
      await b.work("run-task", { concurrency: 1 }, async () => {
        starts.push("b");
        await bRun.promise;
        bFinished = true;
      });
      const t0 = Date.now();
      await a.stop(300);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
      await waitUntil(() => starts.length === 2, "worker b to take the job over", 2_000);
      expect(Date.now() - t0).toBeLessThan(1_500);
      // a's handler finishing late changes nothing: b's run owns the job.
      ignoring.resolve();
      await sleep(100);
      bRun.resolve();
      await waitUntil(() => bFinished, "worker b to finish");
      await sleep(500);
      expect(starts).toEqual(["a", "b"]);
    });

    it("a stopped consumer takes no more jobs; another consumer does", async () => {
      const q = await create();
      const seen: string[] = [];
      const stopFirst = await q.work("run-task", { concurrency: 1 }, async ({ payload }) => {
        seen.push(`first:${payload.taskId}`);
      });
      await q.enqueue("run-task", { taskId: "1" });
      await waitUntil(() => seen.length === 1, "the first job");
      await stopFirst(1_000);
      await q.enqueue("run-task", { taskId: "2" });
      await sleep(400);
      expect(seen).toEqual(["first:1"]);
      await q.work("run-task", { concurrency: 1 }, async ({ payload }) => {
        seen.push(`second:${payload.taskId}`);
      });
      await waitUntil(() => seen.length === 2, "the second job");
      expect(seen).toEqual(["first:1", "second:2"]);
    });

    it("200 jobs, two workers in contention: each job completes exactly once, never on two handlers at once", async () => {
      const workers = [await create({ retryLimit: 3 }), await create({ retryLimit: 3 })];
      const running = new Map<string, number>();
      const completed = new Map<string, number>();
      const byWorker = [0, 0];
      let overlaps = 0;
      for (const [w, q] of workers.entries()) {
        await q.work("run-task", { concurrency: 8 }, async ({ id, payload, attempt }) => {
          const now = (running.get(id) ?? 0) + 1;
          running.set(id, now);
          if (now > 1) overlaps++;
          try {
            await sleep(Math.random() * 4);
            // Every tenth job fails its first attempt: retries race with fresh jobs.
            if (attempt === 1 && Number(payload.taskId) % 10 === 0) throw new Error("first attempt fails");
            completed.set(payload.taskId, (completed.get(payload.taskId) ?? 0) + 1);
            byWorker[w]!++;
          } finally {
            running.set(id, (running.get(id) ?? 1) - 1);
          }
        });
      }
      const producer = workers[0]!;
      await Promise.all(
        Array.from({ length: 4 }, async (_, p) => {
          for (let i = p; i < 200; i += 4) await producer.enqueue("run-task", { taskId: String(i) });
        }),
      );
      await waitUntil(() => completed.size === 200, "200 completions", 20_000);
      await sleep(500);
      expect(overlaps).toBe(0);
      expect([...completed.values()].every((n) => n === 1)).toBe(true);
      expect(completed.size).toBe(200);
      expect(byWorker[0]! + byWorker[1]!).toBe(200);
      expect(Math.min(...byWorker)).toBeGreaterThan(0); // both workers took part
    }, 30_000);

    it.skipIf(!impl.postgres)("start() against a bad database rejects cleanly, without the password", async () => {
      const u = new URL(env.url!);
      u.password = "s3cret-pw";
      u.pathname = "/agents_queue_no_such_database";
      const err: unknown = await PgBossQueue.start({ databaseUrl: u.toString(), logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(`${String(err)} ${(err as Error).stack}`).not.toContain("s3cret-pw");
    });

    it.skipIf(!impl.postgres)("several instances starting at once on a fresh schema all come up and work", async () => {
      const started = await Promise.allSettled(Array.from({ length: 4 }, () => create()));
      expect(started.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
      const qs = started.map((r) => (r as PromiseFulfilledResult<JobQueue>).value);
      const got: string[] = [];
      for (const q of qs)
        await q.work("run-task", { concurrency: 1 }, async ({ payload }) => void got.push(payload.taskId));
      for (const [i, q] of qs.entries()) await q.enqueue("run-task", { taskId: `from-${i}` });
      await waitUntil(() => got.length === 4, "four jobs");
      expect(got.sort()).toEqual(["from-0", "from-1", "from-2", "from-3"]);
    });

    it.skipIf(!impl.postgres)(
      "a SIGKILLed worker process's job is taken over within leaseSeconds + 5 s, never concurrently",
      async () => {
        const child = fork(join(import.meta.dirname, "queue-worker-child.ts"), [], {
          execArgv: ["--import", "tsx"],
          cwd: join(import.meta.dirname, "..", ".."),
          env: {
            ...process.env,
            QUEUE_DATABASE_URL: env.url!,
            QUEUE_SCHEMA: backend.schema!,
            QUEUE_LEASE_SECONDS: String(LEASE_SECONDS),
            QUEUE_POLL_MS: "200",
          },
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        });
        try {
          const events: Array<{ type: string; id?: string; attempt?: number }> = [];
          child.on("message", (m: { type: string }) => events.push(m));
          const exited = new Promise<void>((r) => child.once("exit", () => r()));
          await waitUntil(() => events.some((e) => e.type === "ready"), "the child worker", 20_000);

          const q = await create();
          const id = await q.enqueue("run-task", { taskId: "hold-kill" });
          await waitUntil(() => events.some((e) => e.type === "started"), "the child to start the job");
          expect(events.find((e) => e.type === "started")).toMatchObject({ id, attempt: 1 });

          // A live worker in this process, working the same queue while the child holds the job.
          let takenOver: { id: string; attempt: number; at: number; childAlive: boolean } | undefined;
          let childAlive = true;
          await q.work("run-task", { concurrency: 1 }, async ({ attempt, id: jobId }) => {
            takenOver = { id: jobId, attempt, at: Date.now(), childAlive };
          });
          await sleep(LEASE_SECONDS * 1000); // the child's heartbeat keeps it: no takeover yet
          expect(takenOver).toBeUndefined();

          const killedAt = Date.now();
          child.kill("SIGKILL");
          await exited;
          childAlive = false;
          await waitUntil(() => takenOver !== undefined, "the takeover", (LEASE_SECONDS + 5) * 1000);
          // Never while the child still ran it.
          expect(takenOver).toMatchObject({ id, attempt: 2, childAlive: false });
          expect(takenOver!.at - killedAt).toBeLessThan((LEASE_SECONDS + 5) * 1000);
          await sleep(500);
          expect(events.filter((e) => e.type === "started")).toHaveLength(1);
        } finally {
          child.kill("SIGKILL");
        }
      },
      40_000,
    );

    it.skipIf(!impl.postgres)(
      "heartbeat: a job running longer than 2× the lease on a live worker is not taken over",
      async () => {
        const a = await create();
        const b = await create();
        const starts: Array<{ worker: string; attempt: number }> = [];
        let aborted = false;
        let finished = false;
        await a.work("run-task", { concurrency: 1 }, async ({ attempt, signal }) => {
          starts.push({ worker: "a", attempt });
          signal.addEventListener("abort", () => (aborted = true));
          await sleep(LEASE_SECONDS * 2_000 + 1_500);
          finished = true;
        });
        await a.enqueue("run-task", { taskId: "long" });
        await waitUntil(() => starts.length === 1, "worker a to start");
        await b.work("run-task", { concurrency: 1 }, async ({ attempt }) => {
          starts.push({ worker: "b", attempt });
        });
        await waitUntil(() => finished, "the long job", LEASE_SECONDS * 2_000 + 5_000);
        await sleep(500); // a takeover during the run would have started on b by now
        expect(aborted).toBe(false);
        expect(starts).toEqual([{ worker: "a", attempt: 1 }]);
      },
      30_000,
    );

    it.skipIf(!impl.postgres)(
      "a worker that lost its lease aborts its handler, and its late result does not complete the job",
      async () => {
        const q = await create();
        let reason: unknown;
        const started = deferred();
        const returned = deferred();
        let id: string | null = null;
        await q.work("run-task", { concurrency: 1 }, async ({ signal }) => {
          started.resolve();
          await new Promise<void>((r) => signal.addEventListener("abort", () => r()));
          reason = signal.reason;
          returned.resolve(); // returns "successfully" after losing the lease
        });
        id = await q.enqueue("run-task", { taskId: "stolen" });
        await started.promise;
        // What another worker's fetch after an expiry does: a new token for the job.
        const c = new pg.Client({ connectionString: env.url });
        await c.connect();
        try {
          await c.query(`update ${backend.schema}.job set retry_count = retry_count + 1 where id = $1`, [id]);
          const t0 = Date.now();
          await returned.promise;
          expect(Date.now() - t0).toBeLessThan((LEASE_SECONDS * 1000) / 3 + 1_000);
          expect(reason).toBeInstanceOf(LeaseLostError);
          await sleep(300);
          const { rows } = await c.query(`select state from ${backend.schema}.job where id = $1`, [id]);
          expect(rows).toEqual([{ state: "active" }]);
        } finally {
          await c.end();
        }
      },
    );
  });
}
