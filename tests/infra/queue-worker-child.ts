/**
 * A job-queue worker in a process of its own, for the process-death test and the queue bench:
 *   fork("tests/infra/queue-worker-child.ts", { execArgv: ["--import", "tsx"], env: QUEUE_* })
 * It works QUEUE_JOB ("run-task") and reports over IPC: {type:"ready"} once consuming, then
 * {type:"started", id, taskId, attempt, at} when a handler starts (`at` in epoch ms, sub-ms).
 * A job whose taskId starts with "hold" runs until its signal aborts; others finish at once.
 * The message "stop" stops the queue (grace 1 s) and exits; losing the parent exits too.
 */
import { performance } from "node:perf_hooks";
import { createQueue } from "../../src/infra/queue/create-queue.js";
import type { JobName } from "../../src/infra/queue/queue.js";

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

const queue = await createQueue({
  databaseUrl: env("QUEUE_DATABASE_URL"),
  schema: env("QUEUE_SCHEMA"),
  leaseSeconds: Number(env("QUEUE_LEASE_SECONDS")),
  retryDelaySeconds: 0,
  pollIntervalMs: Number(process.env.QUEUE_POLL_MS ?? 1000),
});

const name = (process.env.QUEUE_JOB ?? "run-task") as JobName;
await queue.work(name, { concurrency: Number(process.env.QUEUE_CONCURRENCY ?? 1) }, async (job) => {
  const taskId = (job.payload as { taskId: string }).taskId;
  const at = performance.timeOrigin + performance.now();
  process.send?.({ type: "started", id: job.id, taskId, attempt: job.attempt, at });
  if (taskId.startsWith("hold")) {
    await new Promise<void>((_, reject) => job.signal.addEventListener("abort", () => reject(job.signal.reason)));
  }
});

process.on("message", (m) => {
  if (m === "stop") void queue.stop(1_000).then(() => process.exit(0));
});
process.on("disconnect", () => process.exit(0));
process.send?.({ type: "ready" });
