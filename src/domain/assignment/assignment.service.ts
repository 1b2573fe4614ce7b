import { join } from "node:path";
import type { AgentStore } from "../agents/agent.store.js";
import { assertMay } from "../auth/access.js";
import type { Principal } from "../auth/principal.js";
import { badInput, conflict, DomainError, notFound } from "../errors.js";
import { isId } from "../ids.js";
import type { AgentRecord, TaskRecord } from "../records.js";
import type { Deps } from "../shared/deps.js";
import type { Message } from "../shared/pubsub.js";
import type { TransactionHandle } from "../shared/transaction.js";
import { appendEvent } from "../tasks/task-events.js";
import type { RequeueReason } from "../tasks/task-event-details.js";
import { activeStatuses } from "../tasks/task-state.js";
import type { TaskStore } from "../tasks/task.store.js";
import type { AssignmentStore } from "./assignment.store.js";

/** What the engine needs from the job queue: enqueue after commit. */
export interface JobSink {
  enqueue(
    name: "create-workspace" | "run-task" | "wake-task",
    payload: { taskId: string; workspaceId?: string; agentId?: string },
    opts?: { singletonKey?: string; startAfterMs?: number },
  ): Promise<unknown>;
}

export interface AssignmentOptions {
  /** Root of the workspaces: WORKSPACES_DIR/<agentId>/tasks/<taskId>/. */
  workspacesDir: string;
  jobs: JobSink;
}

export interface Assigned {
  taskId: string;
  agentId: string;
  workspaceId: string;
}

/**
 * One creation job per task and agent: a job still making the workspace for the agent the task
 * just left does not hold back the one for its new agent (they work in different folders).
 */
export const creationKey = (taskId: string, agentId: string) => `workspace:${taskId}:${agentId}`;

/** Thrown inside a transaction to roll it back without an error reaching the caller. */
class NothingToDo extends Error {}

/**
 * The assignment engine: which agent works on which task, kept correct under concurrency in
 * one process or many (see assignment.store.ts). Every change writes its TaskEvent in the same
 * transaction; workspace creation is queued after the commit.
 */
export class AssignmentService {
  private readonly q: AssignmentStore;

  constructor(
    private readonly deps: Deps,
    private readonly stores: { assignment: AssignmentStore; tasks: TaskStore; agents: AgentStore },
    private readonly opts: AssignmentOptions,
  ) {
    this.q = stores.assignment;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  workspacePath(agentId: string, taskId: string): string {
    if (!isId(agentId) || !isId(taskId)) throw new Error("workspace paths are built from ids only");
    return join(this.opts.workspacesDir, agentId, "tasks", taskId);
  }

  // ---- inside other services' transactions ------------------------------------------------

  /**
   * For a task just inserted as PENDING: `preferAgentId` if it fits and has room, else the least
   * recently active fitting agent, if any; never the agent that delegated the task.
   */
  async assignNewInTx(
    tx: TransactionHandle,
    out: Message[],
    task: { id: string; complexity: number; delegatedBy?: string | null; sharedFolder?: string | null },
    now: Date,
    preferAgentId: string | null = null,
  ): Promise<Assigned | null> {
    const exclude = task.delegatedBy ?? null;
    const preferred =
      preferAgentId && preferAgentId !== exclude
        ? await this.q.claimAgent(tx, preferAgentId, task.complexity, now)
        : null;
    const agent = preferred ?? (await this.q.claimAgentFor(tx, task.complexity, now, exclude));
    if (!agent) return null;
    if (!(await this.q.takeTask(tx, task.id, agent.id, now))) throw new Error("a new task was not PENDING");
    // A new task's row is at hand: only one sharing its parent's workspace needs the parent's path.
    return this.recordAssignment(tx, out, task.id, agent, now, null, task.sharedFolder !== null);
  }

  /** The task left its agent (finished, failed, cancelled, back to the queue): free the slot. */
  async releaseInTx(tx: TransactionHandle, out: Message[], agentId: string, now: Date): Promise<void> {
    await this.q.releaseAgent(tx, agentId, now);
    out.push({ topic: "AGENT_CHANGED", payload: { agentId } });
  }

  /** After the commit of assignments: queue each workspace's creation (which then queues the run). */
  async afterCommit(assigned: readonly Assigned[]): Promise<void> {
    for (const a of assigned) {
      try {
        await this.opts.jobs.enqueue(
          "create-workspace",
          { taskId: a.taskId, workspaceId: a.workspaceId, agentId: a.agentId },
          { singletonKey: creationKey(a.taskId, a.agentId) },
        );
      } catch (err) {
        // The row says CREATING; the periodic sweep re-queues stuck workspaces.
        this.deps.logger.error({ err, taskId: a.taskId }, "could not queue workspace creation");
      }
    }
  }

  // ---- operations -------------------------------------------------------------------------

  /** Gives the agent pending tasks that fit it, highest priority first, then oldest, while it has room. */
  async fillAgent(agentId: string): Promise<number> {
    // Most of the time nothing waits: one read (beside the writer) instead of a write transaction
    // that claims the agent only to roll back. On SQLite, whose write transactions run one after
    // another, a task made PENDING after this read was assigned after this agent's change and saw
    // it; on PostgreSQL a task whose assignment overlapped it is found by the periodic sweep, as
    // one whose transaction overlapped the claim below always was.
    if (!(await this.q.anyPending())) return 0;
    const assigned: Assigned[] = [];
    for (;;) {
      const a = await this.tryTransaction(async (tx, out) => {
        const now = this.now();
        const agent = await this.q.claimAgent(tx, agentId, null, now);
        if (!agent) throw new NothingToDo();
        const task = await this.q.claimPendingTask(tx, agent.id, agent.minComplexity, agent.maxComplexity, now);
        if (!task) throw new NothingToDo();
        return this.recordAssignment(tx, out, task.id, agent, now, null);
      });
      if (!a) break;
      assigned.push(a);
    }
    await this.afterCommit(assigned);
    return assigned.length;
  }

  /** Finds an agent for one PENDING task (after a retry or an unassignment). */
  async assignPending(taskId: string): Promise<Assigned | null> {
    const a = await this.tryTransaction(async (tx, out) => {
      const now = this.now();
      const pending = await this.q.pendingPlacement(tx, taskId);
      if (pending === null) throw new NothingToDo();
      const agent = await this.q.claimAgentFor(tx, pending.complexity, now, pending.delegatedBy);
      if (!agent) throw new NothingToDo();
      if (!(await this.q.takeTask(tx, taskId, agent.id, now))) throw new NothingToDo();
      return this.recordAssignment(tx, out, taskId, agent, now, null);
    });
    if (a) await this.afterCommit([a]);
    return a;
  }

  /**
   * Operators: assign a PENDING task to a chosen agent, or move a task being worked on to another
   * one (it restarts at DESIGN there), with the checks of automatic assignment.
   */
  async assign(taskId: string, agentId: string, actor: Principal): Promise<TaskRecord> {
    if (!isId(taskId)) throw notFound("Task", taskId, "taskId");
    if (!isId(agentId)) throw notFound("Agent", agentId, "agentId");
    const result = await this.deps.transact(async (tx, out) => {
      const now = this.now();
      const task = await this.lockTask(tx, taskId);
      const reassigning = task.assignedAgentId !== null && activeStatuses.includes(task.status);
      if (task.status !== "PENDING" && !reassigning) {
        throw new DomainError(
          "INVALID_TRANSITION",
          `Only a PENDING task or one being worked on can be assigned; this one is ${task.status}`,
          { field: "taskId", status: task.status },
        );
      }
      if (task.assignedAgentId === agentId) throw conflict("The task is already assigned to this agent", "agentId");
      const agent = await this.q.agentIn(tx, agentId);
      if (!agent) throw notFound("Agent", agentId, "agentId");
      if (task.complexity < agent.minComplexity || task.complexity > agent.maxComplexity) {
        throw badInput(
          "agentId",
          `agent ${agent.name} takes complexity ${agent.minComplexity} to ${agent.maxComplexity}; the task has ${task.complexity}`,
        );
      }
      let released: string | null = null;
      if (reassigning && task.assignedAgentId) {
        released = task.assignedAgentId;
        const from = await this.q.agentIn(tx, released);
        await this.requeueInTx(tx, out, task, now, {
          content: `Task taken from agent ${from?.name ?? released} by ${actor.name} to reassign it`,
          data: { from: task.status, to: "PENDING", reason: "REASSIGNED", agentId: released, by: actor.name },
        });
        await this.releaseInTx(tx, out, released, now);
      }
      const claimed = await this.q.claimAgent(tx, agentId, task.complexity, now);
      if (!claimed) {
        throw conflict(
          agent.status === "AVAILABLE"
            ? `Agent ${agent.name} is at its capacity of ${agent.maxConcurrentTasks} task(s)`
            : `Agent ${agent.name} is ${agent.status} and takes no tasks`,
          "agentId",
        );
      }
      if (!(await this.q.takeTask(tx, taskId, agentId, now))) {
        throw conflict("The task was assigned meanwhile", "taskId");
      }
      return { assigned: await this.recordAssignment(tx, out, taskId, claimed, now, actor.name), released };
    });
    await this.afterCommit([result.assigned]);
    if (result.released) await this.fillAgent(result.released);
    return this.reloadTask(taskId);
  }

  /** Operators: take an active task from its agent and put it back in the queue. */
  async unassign(taskId: string, actor: Principal): Promise<TaskRecord> {
    if (!isId(taskId)) throw notFound("Task", taskId, "taskId");
    const agentId = await this.deps.transact(async (tx, out) => {
      const now = this.now();
      const task = await this.lockTask(tx, taskId);
      if (!task.assignedAgentId || !activeStatuses.includes(task.status)) {
        throw new DomainError(
          "INVALID_TRANSITION",
          `Only a task being worked on (${activeStatuses.join(", ")}) can be unassigned; this one is ${task.status}`,
          { field: "taskId", status: task.status },
        );
      }
      const agent = await this.q.agentIn(tx, task.assignedAgentId);
      const from = task.status;
      const previous = task.assignedAgentId;
      await this.requeueInTx(tx, out, task, now, {
        content: `Task unassigned from agent ${agent?.name ?? previous} by ${actor.name}; back in the queue`,
        data: { from, to: "PENDING", reason: "UNASSIGNED", agentId: previous, by: actor.name },
      });
      await this.releaseInTx(tx, out, previous, now);
      return previous;
    });
    await this.assignPending(taskId);
    await this.fillAgent(agentId);
    return this.reloadTask(taskId);
  }

  /** Operators: an agent takes no new tasks until resumed; its current ones carry on. */
  async pause(agentId: string): Promise<AgentRecord> {
    return this.setAgentStatus(agentId, (a) => {
      if (a.status === "PAUSED") throw conflict(`Agent ${a.name} is already paused`, "id");
      return "PAUSED";
    });
  }

  async resume(agentId: string): Promise<AgentRecord> {
    const agent = await this.setAgentStatus(agentId, (a) => {
      if (a.status !== "PAUSED") throw conflict(`Agent ${a.name} is not paused (it is ${a.status})`, "id");
      return a.activeTasks >= a.maxConcurrentTasks ? "BUSY" : "AVAILABLE";
    });
    if (await this.fillAgent(agentId)) return this.reloadAgent(agentId);
    return agent;
  }

  /** An agent's sign of life; an OFFLINE agent comes back (AVAILABLE) and gets work. */
  async heartbeat(agentId: string, actor: Principal): Promise<AgentRecord> {
    if (actor.role === "AGENT") assertMay(actor, "change", { kind: "agent", id: agentId });
    let cameBack = false;
    await this.deps.transact(async (tx, out) => {
      const now = this.now();
      const agent = isId(agentId) ? await this.q.agentIn(tx, agentId) : null;
      if (!agent) throw notFound("Agent", agentId, "id");
      if (agent.status === "OFFLINE") {
        await this.q.updateAgent(tx, agentId, {
          lastHeartbeatAt: now,
          status: "AVAILABLE",
          activeTasks: 0,
          updatedAt: now,
        });
        cameBack = true;
        out.push({ topic: "AGENT_CHANGED", payload: { agentId } });
      } else {
        await this.q.updateAgent(tx, agentId, { lastHeartbeatAt: now });
      }
    });
    if (cameBack) await this.fillAgent(agentId);
    return this.reloadAgent(agentId);
  }

  /** Builtin agents live as long as a worker runs: each worker keeps them alive. */
  async heartbeatBuiltin(): Promise<void> {
    const back = await this.q.heartbeatBuiltins(this.now());
    if (back.length > 0) {
      await this.deps.pubsub.publish(back.map((agentId) => ({ topic: "AGENT_CHANGED", payload: { agentId } })));
      for (const id of back) await this.fillAgent(id);
    }
  }

  /**
   * Agents silent for longer than the timeout go OFFLINE; each of their tasks returns to the
   * queue with an event saying why, and is offered to the other agents.
   */
  async sweepSilentAgents(timeoutMs: number): Promise<string[]> {
    const cutoff = new Date(this.now().getTime() - timeoutMs);
    const silent = await this.q.silentAgents(cutoff);
    const offline: string[] = [];
    const requeued: string[] = [];
    for (const id of silent) {
      const tasks = await this.tryTransaction(async (tx, out) => {
        const now = this.now();
        const name = await this.q.markOffline(tx, id, cutoff, now);
        if (name === null) throw new NothingToDo();
        out.push({ topic: "AGENT_CHANGED", payload: { agentId: id } });
        const active = await this.q.tasksOf(tx, id, activeStatuses);
        const seconds = Math.round(timeoutMs / 1000);
        for (const task of active) {
          const from = task.status;
          await this.requeueInTx(tx, out, task, now, {
            content: `Agent ${name} went offline (no heartbeat for ${seconds} s); task returned to the queue`,
            data: { from, to: "PENDING", reason: "AGENT_OFFLINE", agentId: id, timeoutSeconds: seconds },
          });
        }
        return active.map((t) => t.id);
      });
      if (tasks) {
        offline.push(id);
        requeued.push(...tasks);
      }
    }
    for (const taskId of requeued) await this.assignPending(taskId);
    return offline;
  }

  /** Safety net run periodically: every agent with room gets the pending tasks that fit it. */
  async sweepPending(): Promise<number> {
    let n = 0;
    for (const id of await this.q.agentsWithRoom()) n += await this.fillAgent(id);
    return n;
  }

  // ---- internals --------------------------------------------------------------------------

  private async recordAssignment(
    tx: TransactionHandle,
    out: Message[],
    taskId: string,
    agent: { id: string; name: string },
    now: Date,
    by: string | null,
    /** Whether the task shares its parent's workspace; undefined: read it. */
    shares?: boolean,
  ): Promise<Assigned> {
    await appendEvent(
      this.deps,
      tx,
      out,
      taskId,
      {
        type: "STATUS_CHANGE",
        content: `Task assigned to agent ${agent.name}${by ? ` by ${by}` : ""}`,
        data: { from: "PENDING", to: "DESIGN", agentId: agent.id, agentName: agent.name, by },
        agentId: agent.id,
      },
      now,
    );
    // A child sharing its parent's workspace works in the parent's folder (see DelegationService).
    const shared = shares === false ? null : await this.q.sharedWorkspacePath(tx, taskId);
    const path = shared ?? this.workspacePath(agent.id, taskId);
    const workspaceId = await this.q.placeWorkspace(tx, taskId, agent.id, path, now);
    out.push({ topic: "TASK_CHANGED", payload: { taskId } });
    out.push({ topic: "AGENT_CHANGED", payload: { agentId: agent.id } });
    return { taskId, agentId: agent.id, workspaceId };
  }

  private async requeueInTx(
    tx: TransactionHandle,
    out: Message[],
    task: TaskRecord,
    now: Date,
    event: { content: string; data: { reason: RequeueReason } & Record<string, string | number | null> },
  ): Promise<void> {
    await this.q.requeueTask(tx, task.id, now);
    await appendEvent(
      this.deps,
      tx,
      out,
      task.id,
      { type: "STATUS_CHANGE", content: event.content, data: event.data },
      now,
    );
    out.push({ topic: "TASK_CHANGED", payload: { taskId: task.id } });
  }

  private async lockTask(tx: TransactionHandle, taskId: string): Promise<TaskRecord> {
    const task = await this.q.lockTask(tx, taskId);
    if (!task) throw notFound("Task", taskId, "taskId");
    return task;
  }

  private async setAgentStatus(agentId: string, next: (a: AgentRecord) => AgentRecord["status"]): Promise<AgentRecord> {
    return this.deps.transact(async (tx, out) => {
      const agent = isId(agentId) ? await this.q.agentIn(tx, agentId, true) : null;
      if (!agent) throw notFound("Agent", agentId, "id");
      agent.status = next(agent);
      agent.updatedAt = this.now();
      await this.q.updateAgent(tx, agentId, { status: agent.status, updatedAt: agent.updatedAt });
      out.push({ topic: "AGENT_CHANGED", payload: { agentId } });
      return agent;
    });
  }

  private async tryTransaction<T>(fn: (tx: TransactionHandle, out: Message[]) => Promise<T>): Promise<T | null> {
    try {
      return await this.deps.transact(fn);
    } catch (err) {
      if (err instanceof NothingToDo) return null;
      throw err;
    }
  }

  private async reloadTask(id: string): Promise<TaskRecord> {
    const t = await this.stores.tasks.get(id);
    if (!t) throw notFound("Task", id, "taskId");
    return t;
  }

  private async reloadAgent(id: string): Promise<AgentRecord> {
    const a = await this.stores.agents.get(id);
    if (!a) throw notFound("Agent", id, "id");
    return a;
  }
}
