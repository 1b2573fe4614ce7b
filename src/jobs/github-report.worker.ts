import { DomainError, type ErrorCode } from "../domain/errors.js";
import type { TaskReportService } from "../domain/links/task-report.service.js";
import { REPORTER } from "../domain/links/task-report.service.js";
import type { Principal } from "../domain/auth/principal.js";
import type { Logger } from "../domain/shared/deps.js";
import { terminalStatuses } from "../domain/tasks/task-state.js";
import type { TaskService } from "../domain/tasks/task.service.js";
import type { TaskLinkService } from "../domain/links/task-link.service.js";
import type { PubSub } from "../infra/pubsub/pubsub.js";
import { DEFAULT_RETRY_LIMIT, type JobQueue, type StopWorker } from "../infra/queue/queue.js";

/**
 * Retries of a report GitHub failed (an outage, a 5xx, a rate limit): the queue's backoff doubles
 * from its first delay (1 s by default), so 12 retries wait for GitHub for one to two hours in all.
 */
const REPORT_RETRY_LIMIT = 12;

export interface GitHubReportOptions {
  services: { tasks: TaskService; links: TaskLinkService; reports: TaskReportService };
  queue: JobQueue;
  pubsub: PubSub;
  logger: Logger;
  concurrency: number;
  /** On start, finished tasks changed this long ago or later are reported if they were not (default 7 days). */
  lookBackMs?: number;
}

const JOB = "report-to-github";
const keyOf = (taskId: string) => `report:${taskId}`;

/** Failures that another try will not change: reported on the task, not retried. */
const lasting: readonly ErrorCode[] = [
  "NOT_CONFIGURED",
  "NOT_FOUND",
  "FORBIDDEN",
  "INSUFFICIENT_SCOPES",
  "POLICY_DENIED",
  "BAD_USER_INPUT",
  "SECRET_UNREADABLE",
];

const reporter: Principal = { apiKeyId: "", name: REPORTER, role: "OPERATOR", agentId: null };

/**
 * Finished tasks made from GitHub issues tell GitHub how they ended (TaskReportService), as a
 * job of the queue: a GitHub outage is retried with backoff, and a job queued on PostgreSQL
 * survives a restart. Every task change is looked at (the shared read the README writer makes
 * too); one that ends a task with an ISSUE link queues the job. On start, finished tasks of the
 * last days with an issue are queued again: the job finds from the task's links what was done
 * already, so a task whose report a stop cut short (or whose job the in-process queue lost) is
 * finished, and one reported before costs a read.
 */
export async function startGitHubReports(o: GitHubReportOptions): Promise<StopWorker> {
  const { services, logger } = o;
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;
  const track = (what: string, fn: () => Promise<unknown>) => {
    if (stopping) return;
    const p: Promise<unknown> = fn()
      .catch((err: unknown) => logger.warn({ err }, what))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const enqueue = (taskId: string) =>
    o.queue.enqueue(JOB, { taskId }, { singletonKey: keyOf(taskId), retryLimit: REPORT_RETRY_LIMIT });

  const stopWork = await o.queue.work(JOB, { concurrency: o.concurrency }, async (job) => {
    const { taskId } = job.payload;
    try {
      const outcome = await services.reports.report(taskId);
      if (outcome === "REPORTED") logger.info({ taskId }, "reported a finished task to GitHub");
    } catch (err) {
      job.signal.throwIfAborted();
      const last = job.attempt > DEFAULT_RETRY_LIMIT;
      const lastingFailure = err instanceof DomainError && lasting.includes(err.code);
      if (!lastingFailure && !last) throw err; // retried with backoff
      const why = err instanceof DomainError ? `${err.code}: ${err.message}` : "an internal error (see the log)";
      logger.warn({ err, taskId, attempt: job.attempt }, "could not report a finished task to GitHub");
      await services.tasks.addEvent(
        taskId,
        { type: "ERROR", content: `Could not tell GitHub how the task ended: ${why}`.slice(0, 2_000), data: {} },
        reporter,
      );
    }
  });

  const unsubscribe = o.pubsub.subscribe("TASK_CHANGED", ({ taskId, rev }) =>
    track("could not queue a GitHub report", async () => {
      const task = await services.tasks.getShared(taskId, rev);
      if (task && (await services.reports.wanted(task))) await enqueue(taskId);
    }),
  );

  track("could not queue the GitHub reports left from the last run", async () => {
    const since = new Date(Date.now() - (o.lookBackMs ?? 7 * 24 * 3600_000));
    for (const taskId of await services.links.tasksWithLink("ISSUE", terminalStatuses, since)) {
      if (stopping) return;
      await enqueue(taskId);
    }
  });

  return async (graceMs) => {
    stopping = true;
    unsubscribe();
    await Promise.all([stopWork(graceMs), ...inFlight]);
  };
}
