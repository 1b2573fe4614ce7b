import { SpanKind } from "@opentelemetry/api";
import { currentTraceparent, spanAttributes, traced, traceparentOf } from "../../telemetry/tracing.js";
import type {
  EnqueueOptions,
  QueueLogger,
  JobHandler,
  JobName,
  JobPayloads,
  JobQueue,
  QueueDepth,
  StopWorker,
  WorkOptions,
} from "./queue.js";

/** The task a job is for, when its payload names one. */
const taskIdOf = (payload: object): string | undefined => {
  const id = (payload as { taskId?: unknown }).taskId;
  return typeof id === "string" ? id : undefined;
};

/**
 * The payload key that carries the queuing span's `traceparent` (traces on only); the handler
 * never sees it.
 */
export const TRACEPARENT_KEY = "_traceparent";

/**
 * Every handler runs in a span of its own, `job <kind>`, with the job's kind, id, attempt and
 * task: the spans of the model and tool calls of a run are its children, and every line logged
 * while it runs carries its task id. A job is a trace of its own, whoever queued it (it may run
 * much later, in another process, retried): its span links to the span that queued it (the
 * request's or another job's), as OpenTelemetry's messaging conventions do, and the debug line
 * "job queued", written where it was queued, names it. Everything else is the wrapped queue's.
 */
export class TracedQueue implements JobQueue {
  constructor(
    private readonly queue: JobQueue,
    private readonly logger: QueueLogger,
  ) {}

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], opts?: EnqueueOptions): Promise<string | null> {
    const traceparent = currentTraceparent();
    const carried = traceparent ? { ...payload, [TRACEPARENT_KEY]: traceparent } : payload;
    const jobId = await this.queue.enqueue(name, carried, opts);
    if (jobId) this.logger.debug({ job: name, jobId }, "job queued");
    return jobId;
  }

  work<N extends JobName>(name: N, opts: WorkOptions, handler: JobHandler<N>): Promise<StopWorker> {
    return this.queue.work(name, opts, (carried) => {
      const { [TRACEPARENT_KEY]: traceparent, ...payload } = carried.payload as JobPayloads[N] & {
        [TRACEPARENT_KEY]?: unknown;
      };
      const job = { ...carried, payload: payload as JobPayloads[N] };
      const queuedBy = traceparentOf(traceparent);
      return traced(
        `job ${job.name}`,
        {
          kind: SpanKind.CONSUMER,
          root: true,
          ...(queuedBy ? { links: [{ context: queuedBy }] } : {}),
          taskId: taskIdOf(job.payload),
          attributes: {
            [spanAttributes.jobKind]: job.name,
            [spanAttributes.jobId]: job.id,
            [spanAttributes.jobAttempt]: job.attempt,
          },
        },
        async () => {
          const started = performance.now();
          await handler(job);
          const durationMs = Math.round(performance.now() - started);
          this.logger.debug({ job: job.name, jobId: job.id, attempt: job.attempt, durationMs }, "job done");
        },
      );
    });
  }

  stop(graceMs?: number): Promise<void> {
    return this.queue.stop(graceMs);
  }

  depth(): Promise<QueueDepth[]> {
    return this.queue.depth();
  }
}
