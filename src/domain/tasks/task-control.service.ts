import type { TaskStore } from "./task.store.js";
import { may } from "../auth/access.js";
import { TaskRecord, TaskMessageRecord } from "../records.js";
import type { Message } from "../shared/pubsub.js";
import type { JobSink } from "../assignment/assignment.service.js";
import type { Principal } from "../auth/principal.js";
import { conflict, forbidden } from "../errors.js";
import { newId } from "../ids.js";
import { limits } from "../terms.js";
import type { Deps } from "../shared/deps.js";
import type { TransactionHandle } from "../shared/transaction.js";
import { checkAll, optional, int, modelList, positiveNumber, text } from "../shared/validate.js";
import { appendEvent } from "./task-events.js";
import { activeStatuses } from "./task-state.js";
import type { TaskService } from "./task.service.js";

export interface UpdateTaskInput {
  title?: string | null;
  description?: string | null;
  priority?: number | null;
  /** A number sets the budget; `clear…` removes it. */
  maxCostUsd?: number | null;
  maxTokens?: number | null;
  clearBudget?: boolean | null;
  model?: string | null;
  clearModel?: boolean | null;
  requiresApproval?: boolean | null;
}

/** An AGENT key works only on its own agent's tasks (people are held to their roles by the API). */
const agentOwns = (actor: Principal, task: TaskRecord) =>
  actor.role !== "AGENT" || may(actor, "change", { kind: "task", assignedAgentId: task.assignedAgentId });

/**
 * People in the loop: messages to the agent, pause and resume, approval of finished work, and
 * changes to a task's budget, model and approval rule. Every change writes its event in the same
 * transaction; a change that lets the agent go on queues its run after the commit.
 */
export class TaskControlService {
  constructor(
    private readonly deps: Deps,
    private readonly tasks: TaskService,
    private readonly store: TaskStore,
    private readonly jobs: JobSink,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private locked(em: TransactionHandle, id: string, field = "id"): Promise<TaskRecord> {
    return this.tasks.lockedTask(em, id, field);
  }

  /** Queues the task's run (a duplicate of a queued or running one is dropped by its key). */
  async queueRun(taskId: string): Promise<void> {
    await this.jobs
      .enqueue("run-task", { taskId }, { singletonKey: `run:${taskId}` })
      .catch((err: unknown) => this.deps.logger.error({ err, taskId }, "could not queue the task's run"));
  }

  private async touch(em: TransactionHandle, out: Message[], task: TaskRecord, patch: Partial<TaskRecord>) {
    const now = this.now();
    Object.assign(task, patch, { updatedAt: now });
    await this.store.update(em, task.id, { ...patch, updatedAt: now });
    out.push({ topic: "TASK_CHANGED", payload: { taskId: task.id } });
    return now;
  }

  /** A message the agent sees at its next step (and that shows in the task's events now). */
  async sendMessage(taskId: string, body: string, actor: Principal): Promise<TaskMessageRecord> {
    const clean = text("text", body, { min: 1, max: limits.messageLength });
    const row = await this.deps.transact(async (em, out) => {
      const task = await this.locked(em, taskId, "taskId");
      if (!agentOwns(actor, task)) throw forbidden("An agent key may only write to tasks assigned to its agent");
      if (!activeStatuses.includes(task.status) && task.status !== "PENDING") {
        throw conflict(`The task is ${task.status}: nobody will read the message`, "taskId");
      }
      return this.messageInTx(em, out, task.id, actor.name, clean, actor.agentId);
    });
    return row;
  }

  /**
   * Queues a message for the agent working on the task, in the caller's transaction: the agent
   * sees it at its next step (TASK_MESSAGE), and it shows in the task's events (MESSAGE). Used by
   * sendTaskMessage and by channels (a person's message in a task channel, a mention of an agent).
   */
  async messageInTx(
    em: TransactionHandle,
    out: Message[],
    taskId: string,
    author: string,
    body: string,
    agentId: string | null,
    data: Record<string, string | number> = {},
  ): Promise<TaskMessageRecord> {
    const now = this.now();
    const message = Object.assign(new TaskMessageRecord(), {
      id: newId(),
      taskId,
      author: author.slice(0, 100),
      text: body,
      createdAt: now,
      deliveredAt: null,
    });
    await this.store.insertMessage(em, message);
    out.push({ topic: "TASK_MESSAGE", payload: { taskId } });
    await appendEvent(
      this.deps,
      em,
      out,
      taskId,
      {
        type: "MESSAGE",
        content: body,
        data: { role: "user", author: message.author, messageId: message.id, ...data },
        agentId,
      },
      now,
    );
    return message;
  }

  /** Messages not yet handed to the agent, oldest first. */
  async pendingMessages(taskId: string): Promise<TaskMessageRecord[]> {
    return this.store.pendingMessages(taskId);
  }

  async pause(id: string, reason: string | null | undefined, actor: Principal): Promise<TaskRecord> {
    const why = reason ? text("reason", reason, { max: limits.noteLength }) : null;
    return this.pauseWith(id, why ?? `paused by ${actor.name}`, actor, true);
  }

  /**
   * Pauses an active task: its runtime stops at the next step (an answer being streamed is
   * dropped and asked again on resume). The runtime pauses tasks itself on a spent budget or a
   * provider out of credits; `strict` makes pausing a paused task a CONFLICT.
   */
  async pauseWith(id: string, reason: string, actor: Principal, strict: boolean): Promise<TaskRecord> {
    return this.deps.transact(async (em, out) => {
      const task = await this.locked(em, id);
      if (!agentOwns(actor, task)) throw forbidden("An agent key may only pause tasks assigned to its agent");
      if (!activeStatuses.includes(task.status)) {
        throw conflict(`Only a task at work can be paused; this one is ${task.status}`, "id");
      }
      if (task.pausedAt) {
        if (strict) throw conflict("The task is already paused", "id");
        return task;
      }
      const now = await this.touch(em, out, task, { pausedAt: this.now(), pauseReason: reason.slice(0, 2000) });
      await appendEvent(
        this.deps,
        em,
        out,
        task.id,
        {
          type: "STATUS_CHANGE",
          content: `Paused: ${reason}`,
          data: { from: task.status, to: task.status, paused: true, reason, by: actor.name },
          agentId: actor.agentId,
        },
        now,
      );
      return task;
    });
  }

  async resume(id: string, actor: Principal): Promise<TaskRecord> {
    const task = await this.deps.transact(async (em, out) => {
      const t = await this.locked(em, id);
      if (!agentOwns(actor, t)) throw forbidden("An agent key may only resume tasks assigned to its agent");
      if (!t.pausedAt) throw conflict("The task is not paused", "id");
      const now = await this.touch(em, out, t, { pausedAt: null, pauseReason: null });
      await appendEvent(
        this.deps,
        em,
        out,
        t.id,
        {
          type: "STATUS_CHANGE",
          content: `Resumed by ${actor.name}`,
          data: { from: t.status, to: t.status, paused: false, by: actor.name },
          agentId: actor.agentId,
        },
        now,
      );
      return t;
    });
    if (activeStatuses.includes(task.status)) await this.queueRun(task.id);
    return task;
  }

  /** Completes a task that waits for approval in REVIEW. */
  async approve(id: string, note: string | null | undefined, actor: Principal): Promise<TaskRecord> {
    return this.tasks.updateStatus(id, "COMPLETE", note ?? `Approved by ${actor.name}`, actor, {
      check: (t) => {
        if (t.status !== "REVIEW" || !t.approvalRequestedAt) {
          throw conflict(`The task is not waiting for approval (it is ${t.status})`, "id");
        }
      },
    });
  }

  /** Sends a task that waits for approval back to BUILD, with the feedback in its conversation. */
  async reject(id: string, feedback: string, actor: Principal): Promise<TaskRecord> {
    const clean = text("feedback", feedback, { min: 1, max: limits.messageLength });
    const task = await this.tasks.updateStatus(id, "BUILD", `Changes requested: ${clean}`, actor, {
      check: (t) => {
        if (t.status !== "REVIEW" || !t.approvalRequestedAt) {
          throw conflict(`The task is not waiting for approval (it is ${t.status})`, "id");
        }
      },
      within: async (em, out, t) => {
        out.push({ topic: "TASK_MESSAGE", payload: { taskId: t.id } });
        await this.store.insertMessage(em, {
          id: newId(),
          taskId: t.id,
          author: actor.name.slice(0, 100),
          text: `Your work was reviewed and sent back to BUILD. Feedback: ${clean}`,
          createdAt: this.now(),
          deliveredAt: null,
        });
      },
    });
    await this.queueRun(task.id);
    return task;
  }

  async update(id: string, input: UpdateTaskInput, actor: Principal): Promise<TaskRecord> {
    const v = checkAll({
      title: () => optional(input.title, (t) => text("title", t, { min: 1, max: limits.titleLength })),
      description: () => optional(input.description, (d) => text("description", d, { max: limits.descriptionLength })),
      priority: () => optional(input.priority, (p) => int("priority", p, limits.priority.min, limits.priority.max)),
      maxCostUsd: () => optional(input.maxCostUsd, (c) => positiveNumber("maxCostUsd", c, limits.maxCostUsd)),
      maxTokens: () => optional(input.maxTokens, (t) => int("maxTokens", t, 1, limits.maxTokens)),
      model: () => optional(input.model, (m) => modelList("model", m)),
    });
    const patch: Partial<TaskRecord> = {};
    if (v.title !== null) patch.title = v.title;
    if (v.description !== null) patch.description = v.description;
    if (v.priority !== null) patch.priority = v.priority;
    if (input.clearBudget) {
      patch.maxCostUsd = null;
      patch.maxTokens = null;
    }
    if (v.maxCostUsd !== null) patch.maxCostUsd = v.maxCostUsd;
    if (v.maxTokens !== null) patch.maxTokens = v.maxTokens;
    if (input.clearModel) patch.model = null;
    if (v.model !== null) patch.model = v.model;
    if (input.requiresApproval !== undefined && input.requiresApproval !== null) {
      patch.requiresApproval = input.requiresApproval;
    }
    return this.deps.transact(async (em, out) => {
      const task = await this.locked(em, id);
      if (Object.keys(patch).length === 0) return task;
      const now = await this.touch(em, out, task, patch);
      await appendEvent(
        this.deps,
        em,
        out,
        task.id,
        {
          type: "PROGRESS",
          content: `Task updated by ${actor.name}: ${Object.keys(patch).join(", ")}`,
          data: { updated: Object.keys(patch), by: actor.name },
          agentId: actor.agentId,
        },
        now,
      );
      return task;
    });
  }
}
