import type { OutboxService } from "../domain/outbox/outbox.service.js";
import { OUTBOX_MAX_ATTEMPTS } from "../domain/outbox/outbox.types.js";
import type { Logger } from "../domain/shared/deps.js";
import type { JobQueue, StopWorker } from "../infra/queue/queue.js";

const JOB = "send-outbox";
export const outboxJobKey = (id: string) => `outbox:${id}`;

/** Queues the job of one outbox row (the singleton key keeps one per row queued or running). */
export async function dispatchOutbox(queue: JobQueue, id: string): Promise<void> {
  await queue.enqueue(JOB, { outboxId: id }, { singletonKey: outboxJobKey(id), retryLimit: OUTBOX_MAX_ATTEMPTS - 1 });
}

export interface OutboxWorkerOptions {
  outbox: OutboxService;
  queue: JobQueue;
  logger: Logger;
  concurrency: number;
  /** How often rows that are due (a lost job, a restart, a SENDING row past its lease) are queued again. Default 5 s. */
  sweepIntervalMs?: number;
}

/**
 * Works the outbox: each job tries its row once (OutboxService.deliver); a failed try throws, so
 * the queue retries it with its doubling backoff. The row is the record, not the job: a sweep at
 * start and every few seconds queues the rows that are due, so the in-process queue's jobs lost by
 * a restart, and rows whose sender died while SENDING (after their lease), are tried again.
 */
export async function startOutboxWorker(o: OutboxWorkerOptions): Promise<StopWorker> {
  const stopWork = await o.queue.work(JOB, { concurrency: o.concurrency }, async (job) => {
    const outcome = await o.outbox.deliver(job.payload.outboxId);
    if (outcome === "SENT") o.logger.info({ outboxId: job.payload.outboxId }, "outbox message sent");
    if (outcome === "RETRY") {
      job.signal.throwIfAborted();
      throw new Error("outbox message not sent yet: retried with backoff");
    }
  });
  let stopping = false;
  let running: Promise<void> | null = null;
  const sweep = () => {
    if (stopping || running) return;
    running = (async () => {
      for (const { id } of await o.outbox.due()) {
        if (stopping) return;
        await dispatchOutbox(o.queue, id);
      }
    })()
      .catch((err: unknown) => o.logger.warn({ err }, "outbox sweep failed"))
      .finally(() => {
        running = null;
      });
  };
  sweep();
  const timer = setInterval(sweep, o.sweepIntervalMs ?? 5_000);
  timer.unref();
  return async (graceMs) => {
    stopping = true;
    clearInterval(timer);
    await Promise.all([stopWork(graceMs), running]);
  };
}
