import { existsSync } from "node:fs";
import type { Principal } from "../domain/auth/principal.js";
import type { AgentRuntime } from "../runtime/runtime.js";
import type { AppServices as Services } from "../services.js";
import type { Logger } from "../domain/shared/deps.js";
import { activeStatuses } from "../domain/tasks/task-state.js";
import type { TaskRecord } from "../domain/records.js";
import { creationKey } from "../domain/assignment/assignment.service.js";
import type { CreationOutcome } from "../domain/workspaces/workspace.store.js";
import type { PubSub } from "../infra/pubsub/pubsub.js";
import type { JobQueue, StopWorker } from "../infra/queue/queue.js";
import { layoutOfTask, type WorkspaceFs, type WorkspaceLayoutInput } from "../infra/workspace-fs/workspace-fs.js";
import { startGitHubReports } from "./github-report.worker.js";
import { startOutboxWorker } from "./outbox.worker.js";

export interface WorkerOptions {
  services: Services;
  queue: JobQueue;
  pubsub: PubSub;
  workspaceFs: WorkspaceFs;
  runtime: AgentRuntime;
  logger: Logger;
  /** Jobs of each kind run at once in this process. */
  concurrency: number;
  agentHeartbeatTimeoutSeconds: number;
  /** How often the safety-net sweeps run (pending tasks, silent agents, stuck workspaces). */
  sweepIntervalMs?: number;
  /** How often due outbox rows are queued again (default 5 s). */
  outboxSweepIntervalMs?: number;
  /** A workspace CREATING for longer than this has its creation job queued again (default 60 s). */
  stuckWorkspaceAfterMs?: number;
}

export interface Workers {
  stop(graceMs?: number): Promise<void>;
}

/** The system's own principal for events written by workers. */
const system: Principal = { apiKeyId: "", name: "system", role: "ADMIN", agentId: null };

/** The workspace operation that makes a shared child's folder on its parent's holder. */
const MAKE_FOLDER_OP = "workspace.makeFolder";

const short = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 1000);

/**
 * The work side of a process (`serve` with workers, or `worker`): consumes the job queue,
 * keeps builtin agents alive, sends silent agents OFFLINE, re-offers pending tasks, and keeps
 * each workspace's README in step with its task.
 */
export async function startWorkers(o: WorkerOptions): Promise<Workers> {
  const { services, logger } = o;
  const stops: StopWorker[] = [];
  // Background work (periodic sweeps, README updates) is tracked: stop() waits for what is in
  // flight, so nothing is left holding or waiting for a database connection when the pool closes.
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;
  const layoutOf = async (task: TaskRecord, agentId: string): Promise<WorkspaceLayoutInput> =>
    layoutOfTask(task, agentId, (await services.agents.get(agentId))?.name ?? null);

  /** Makes a workspace's folders and venv: ok, ok with a package install error, or why not. */
  const makeWorkspace = async (
    task: TaskRecord,
    agentId: string,
    path: string,
    signal: AbortSignal,
  ): Promise<CreationOutcome & { installError?: string }> => {
    try {
      await o.workspaceFs.create(await layoutOf(task, agentId));
      const venv = await o.workspaceFs.createVenv(path, { signal });
      return { ok: true, installError: venv.installError };
    } catch (err) {
      signal.throwIfAborted();
      return { ok: false, error: short(err) };
    }
  };

  const router = services.workspaceRouter;
  // A peer asks this holder for a shared child's folder in a parent workspace it holds.
  router.handle(MAKE_FOLDER_OP, async (raw) => {
    const { parentTaskId, folder } = raw as { parentTaskId: string; folder: string };
    const parent = (await services.workspaces.byTaskIds([parentTaskId])).get(parentTaskId);
    if (!parent || !router.isLocal(parent)) throw new Error("the parent's workspace is not held here");
    await o.workspaceFs.makeFolder(parent.path, folder);
    return { result: null };
  });

  /**
   * A shared child's folder in its parent's workspace (the parent's folder, whole: nothing to make),
   * made by the parent's holder; where it is made, with that holder.
   */
  const makeSharedFolder = async (
    task: TaskRecord,
    path: string,
    folder: string,
  ): Promise<{ outcome: CreationOutcome; holderId: string | null }> => {
    const parent = task.parentId
      ? (await services.workspaces.byTaskIds([task.parentId])).get(task.parentId)
      : undefined;
    const holderId = parent?.holderId ?? router.selfId;
    try {
      if (parent && !router.isLocal(parent)) {
        await router.forward(parent, MAKE_FOLDER_OP, { parentTaskId: parent.taskId, folder });
      } else {
        await o.workspaceFs.makeFolder(path, folder);
      }
      return { outcome: { ok: true }, holderId };
    } catch (err) {
      return { outcome: { ok: false, error: short(err) }, holderId };
    }
  };

  /** The task's events about its new workspace; a builtin agent's run is queued. */
  const reportCreated = async (
    task: TaskRecord,
    ws: { id: string; agentId: string },
    path: string,
    outcome: CreationOutcome & { installError?: string },
  ): Promise<void> => {
    const workspaceId = ws.id;
    if (!outcome.ok) {
      await services.tasks.addEvent(
        task.id,
        { type: "ERROR", content: `Workspace could not be created: ${outcome.error}`, data: { workspaceId } },
        system,
      );
      return;
    }
    if (outcome.installError) {
      await services.tasks.addEvent(
        task.id,
        {
          type: "ERROR",
          content: `Installing the default Python packages failed; the venv works without them: ${outcome.installError}`,
          data: { workspaceId, stage: "packages" },
        },
        system,
      );
    }
    await services.tasks.addEvent(
      task.id,
      { type: "PROGRESS", content: "Workspace ready", data: { workspaceId, path } },
      system,
    );
    const agent = await services.agents.get(ws.agentId);
    if (agent?.kind === "BUILTIN") {
      await o.queue.enqueue("run-task", { taskId: task.id }, { singletonKey: `run:${task.id}` });
    }
  };

  stops.push(
    await o.queue.work("create-workspace", { concurrency: o.concurrency }, async (job) => {
      const { taskId, workspaceId } = job.payload;
      for (;;) {
        const ws = await services.workspaces.get(workspaceId);
        const task = await services.tasks.get(taskId);
        if (!ws || !task || ws.status !== "CREATING") return;
        if (task.assignedAgentId !== ws.agentId || !activeStatuses.includes(task.status)) return; // moved on
        // Queued for an agent the task has left: the job of the agent it has now makes it.
        if (job.payload.agentId !== undefined && job.payload.agentId !== ws.agentId) return;
        if (task.sharedFolder !== null) {
          // A child in its parent's workspace: its folder there, nothing else (and nothing removed).
          const { outcome, holderId } = await makeSharedFolder(task, ws.path, task.sharedFolder);
          if (await services.workspaces.markCreated(ws.id, ws.path, outcome, { path: ws.path, holderId }))
            await reportCreated(task, ws, ws.path, outcome);
          return;
        }
        const path = o.workspaceFs.pathFor(ws.agentId, taskId);
        const outcome = await makeWorkspace(task, ws.agentId, path, job.signal);
        // The folder is on this process's disk: the row records this path and this holder.
        if (await services.workspaces.markCreated(ws.id, ws.path, outcome, { path, holderId: router.selfId })) {
          await reportCreated(task, ws, path, outcome);
          return;
        }
        // The task moved on while its folder was made. Back with this agent (it left and came
        // back; its new job was dropped as this one's duplicate): made again, here. Elsewhere:
        // the folder is no one's.
        const now = await services.workspaces.get(workspaceId);
        if (now?.status === "CREATING" && now.path === ws.path) continue;
        if (now?.path !== ws.path) {
          await o.workspaceFs
            .remove(path)
            .catch((err: unknown) => o.logger.warn({ err, taskId, path }, "could not remove a folder the task left"));
        }
        return;
      }
    }),
  );

  stops.push(
    await o.queue.work("run-task", { concurrency: o.concurrency }, async (job) => {
      const task = await services.tasks.get(job.payload.taskId);
      if (!task?.assignedAgentId || !activeStatuses.includes(task.status)) return;
      if (task.pausedAt || task.approvalRequestedAt) return; // resumeTask / rejectTask queue it again
      if (task.waitingFor) return; // parked: the last child's end (or the timeout) queues it again
      const [ws, agent] = await Promise.all([
        services.workspaces.byTaskIds([task.id]).then((m) => m.get(task.id)),
        services.agents.get(task.assignedAgentId),
      ]);
      // A task starts work only on a READY workspace (its creation job queues this run again),
      // and only for a builtin agent: an external one works its tasks over the API.
      if (!ws || ws.status !== "READY" || ws.agentId !== task.assignedAgentId || agent?.kind !== "BUILTIN") return;
      const ctx = {
        taskId: task.id,
        agentId: agent.id,
        agentName: agent.name,
        workspaceId: ws.id,
        workspacePath: ws.path,
        signal: job.signal,
      };
      await o.runtime.run(ctx);
      job.signal.throwIfAborted();
      // A run that parked (waitForTasks) and was let go before it ended: its resume was dropped as
      // this job's duplicate, so this job runs it once more.
      const after = await services.tasks.get(task.id);
      if (
        task.waitingFor === null &&
        after?.assignedAgentId === agent.id &&
        activeStatuses.includes(after.status) &&
        !after.pausedAt &&
        !after.approvalRequestedAt &&
        !after.waitingFor &&
        (await services.control.pendingMessages(task.id)).length > 0
      ) {
        await o.runtime.run(ctx);
        job.signal.throwIfAborted();
      }
    }),
  );

  // A parked task whose wait timed out: its run is queued with a message naming what is still at work.
  stops.push(
    await o.queue.work("wake-task", { concurrency: o.concurrency }, async (job) => {
      await services.delegation.wake(job.payload.taskId);
    }),
  );

  // Finished tasks made from GitHub issues: their pull request and their comment on the issue.
  stops.push(
    await startGitHubReports({ services, queue: o.queue, pubsub: o.pubsub, logger, concurrency: o.concurrency }),
  );

  // Email and webhooks: the outbox's rows, sent by the send-outbox job with backoff.
  stops.push(
    await startOutboxWorker({
      outbox: services.outbox,
      queue: o.queue,
      logger,
      concurrency: o.concurrency,
      sweepIntervalMs: o.outboxSweepIntervalMs,
    }),
  );

  // Notifications: every task event is looked at; each happening is recorded once per subscription.
  stops.push(
    (
      (unsubscribe) => () =>
        Promise.resolve(unsubscribe())
    )(
      services.notificationTrigger.start((what, work) => {
        if (stopping) return;
        const p: Promise<unknown> = work()
          .catch((err: unknown) => logger.warn({ err }, what))
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }),
    ),
  );

  // README.md follows the task's status wherever its workspace is on this machine. What was
  // last written for a task is remembered, so a change that does not show in the README (an
  // event counter, a pause) costs one shared read and no write. A renamed agent's READMEs are
  // written again (the README names the agent).
  const written = new Map<string, { key: string; ws: { path: string; agentId: string }; agentName: string | null }>();
  const track = (what: string, taskId: string | undefined, fn: () => Promise<void>) => {
    if (stopping) return;
    const p: Promise<void> = fn()
      .catch((err: unknown) => logger.warn({ err, taskId }, what))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  // One README job per task at a time: each reads the task and the agent when it starts, so two
  // that overlapped could land out of order (the older layout last). A change that arrives while
  // one runs queues one more, which reads what is current when it starts.
  const readmeQueue = new Map<string, { running: Promise<void>; again: boolean }>();
  const refreshReadmeInTurn = (taskId: string, rev?: string): Promise<void> => {
    const queued = readmeQueue.get(taskId);
    if (queued) {
      queued.again = true;
      return queued.running;
    }
    const entry = { running: Promise.resolve(), again: false };
    entry.running = (async () => {
      try {
        await refreshReadme(taskId, rev);
        while (entry.again) {
          entry.again = false;
          await refreshReadme(taskId);
        }
      } finally {
        readmeQueue.delete(taskId);
      }
    })();
    readmeQueue.set(taskId, entry);
    return entry.running;
  };
  /** Tasks with children (their READMEs list them): met as a child's parent, or read so. */
  const parents = new Set<string>();
  const markParent = (id: string) => {
    if (parents.size >= 10_000 && !parents.has(id)) parents.delete(parents.values().next().value as string);
    parents.add(id);
  };
  const refreshReadme = async (taskId: string, rev?: string) => {
    const task = await services.tasks.getShared(taskId, rev);
    if (!task) return;
    // A child's move shows in its parent's README; a child sharing the parent's folder writes none.
    if (task.parentId) {
      markParent(task.parentId);
      track("could not update a parent's README", task.parentId, () => refreshReadmeInTurn(task.parentId!));
    }
    if (task.sharedFolder !== null) return;
    let known = written.get(taskId);
    const firstLook = !known;
    if (!known || known.ws.agentId !== task.assignedAgentId) {
      const ws = (await services.workspaces.byTaskIds([taskId])).get(taskId);
      // Only the process holding the workspace writes its README (every worker hears the change).
      if (!ws || ws.status !== "READY" || !router.isLocal(ws) || !existsSync(ws.path)) return;
      const agent = await services.agents.get(ws.agentId);
      known = { key: "", ws: { path: ws.path, agentId: ws.agentId }, agentName: agent?.name ?? null };
    }
    // Children are read for a task known to have some, and once when this process first meets it.
    const children =
      firstLook || parents.has(taskId)
        ? (await services.tasks.childrenOf([taskId])).map((c) => ({ id: c.id, title: c.title, status: c.status }))
        : [];
    if (children.length > 0) markParent(taskId);
    const layout = {
      ...layoutOfTask(task, known.ws.agentId, known.agentName),
      ...(children.length > 0 ? { children } : {}),
    };
    const key = JSON.stringify(layout);
    if (key === known.key) return;
    await o.workspaceFs.writeReadme(known.ws.path, layout);
    written.delete(taskId);
    if (activeStatuses.includes(task.status)) {
      if (written.size >= 10_000) written.delete(written.keys().next().value as string);
      written.set(taskId, { ...known, key });
    }
  };
  const unsubscribe = o.pubsub.subscribe("TASK_CHANGED", ({ taskId, rev }) =>
    track("could not update the workspace README", taskId, () => refreshReadmeInTurn(taskId, rev)),
  );
  const unsubscribeAgents = o.pubsub.subscribe("AGENT_CHANGED", ({ agentId, name }) => {
    if (name === undefined) return; // not a rename
    track("could not update the READMEs of a renamed agent", undefined, async () => {
      for (const taskId of await services.workspaces.activeTasksOf(agentId)) {
        const k = written.get(taskId);
        if (k?.ws.agentId === agentId) written.set(taskId, { ...k, agentName: name });
        else written.delete(taskId); // read afresh, with the agent's name
        await refreshReadmeInTurn(taskId);
      }
    });
  });

  // Builtin agents are alive while a worker runs; silent agents go OFFLINE; pending tasks are re-offered.
  const timeoutMs = o.agentHeartbeatTimeoutSeconds * 1000;
  const heartbeatEvery = Math.max(500, Math.floor(timeoutMs / 3));
  const sweepEvery = o.sweepIntervalMs ?? Math.max(500, Math.min(5_000, Math.floor(timeoutMs / 4)));
  const guarded = (what: string, fn: () => Promise<unknown>) => {
    let running = false;
    return () => {
      if (running || stopping) return;
      running = true;
      const p: Promise<unknown> = fn()
        .catch((err: unknown) => logger.warn({ err }, `${what} failed`))
        .finally(() => {
          running = false;
          inFlight.delete(p);
        });
      inFlight.add(p);
    };
  };
  let firstSweep = true;
  const beat = guarded("builtin agent heartbeat", () => services.assignment.heartbeatBuiltin());
  const sweep = guarded("assignment sweep", async () => {
    await services.assignment.sweepSilentAgents(timeoutMs);
    await services.assignment.sweepPending();
    // Parked tasks whose wait is over (a timeout job lost with a stopped in-process queue).
    await services.delegation.wakeOverdue();
    // Builtin tasks at work with no run (a crash, a lost job, a resume that raced a run's end).
    if (!o.runtime.missing) {
      for (const taskId of await services.workspaces.idleBuiltinTasks()) {
        await o.queue.enqueue("run-task", { taskId }, { singletonKey: `run:${taskId}` });
      }
    }
    // A workspace whose creation job never made it into the queue (a crash right after the
    // commit) is queued again; the singleton key keeps a job that does exist from doubling. The
    // first sweep of a process takes every CREATING workspace, whatever its age: a job that a
    // stopped process held (aborted at shutdown, or gone with the in-process queue) must not
    // leave its workspace unusable, and its README unchanged, until the age limit passes.
    for (const ws of await services.workspaces.stuck(firstSweep ? 0 : (o.stuckWorkspaceAfterMs ?? 60_000))) {
      await o.queue.enqueue(
        "create-workspace",
        { taskId: ws.taskId, workspaceId: ws.id, agentId: ws.agentId },
        { singletonKey: creationKey(ws.taskId, ws.agentId) },
      );
    }
    firstSweep = false;
  });
  beat();
  sweep();
  const timers = [setInterval(beat, heartbeatEvery), setInterval(sweep, sweepEvery)];
  for (const t of timers) t.unref();

  return {
    async stop(graceMs) {
      stopping = true;
      for (const t of timers) clearInterval(t);
      unsubscribe();
      unsubscribeAgents();
      await Promise.all([...stops.map((s) => s(graceMs)), ...inFlight]);
    },
  };
}
