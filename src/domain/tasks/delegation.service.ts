import { may } from "../auth/access.js";
import type { Principal } from "../auth/principal.js";
import { badInput, DomainError, forbidden, invalidFields, notFound } from "../errors.js";
import { isId, newId } from "../ids.js";
import { TaskMessageRecord, type TaskRecord } from "../records.js";
import type { Deps } from "../shared/deps.js";
import type { Message } from "../shared/pubsub.js";
import type { TransactionHandle } from "../shared/transaction.js";
import { limits } from "../terms.js";
import {
  sharedFolderOf,
  buildTree,
  isRepeatOf,
  outcomeText,
  progressOf,
  type ChildOutcome,
  type TaskProgress,
  type TaskTreeNode,
} from "./delegation-rules.js";
import type { Channel } from "../shared/channel.js";
import { watch } from "../shared/watch.js";
import { appendEvent } from "./task-events.js";
import { terminalStatuses } from "./task-state.js";
import type { CreateTaskInput, TaskEndHook, TaskService } from "./task.service.js";
import type { TaskStore } from "./task.store.js";

/** How deep and wide delegation trees may grow (DELEGATION_* settings). */
export interface DelegationLimits {
  maxDepth: number;
  maxChildren: number;
  maxDescendants: number;
  /** A delegated task may go to the agent that delegated it. */
  selfAllowed: boolean;
}

export interface DelegateInput {
  title: string;
  description?: string | null;
  complexity: number;
  /** The child's share, carved out of what the parent has left (required for a budget the parent sets). */
  budget?: { costUsd?: number | null; tokens?: number | null } | null;
  /** true: the child works in the parent's workspace; `{ subfolder }`: in that folder of it. */
  sharedWorkspace?: boolean | { subfolder: string } | null;
  /** An agent (id or name) to try first. */
  agentHint?: string | null;
}

export interface WaitOutcome {
  /** Whether the run is parked: it ends, and is queued again when the children are done or time is up. */
  parked: boolean;
  /** The children still awaited. */
  waitingFor: string[];
  /** The children already finished (their outcome messages are in the conversation). */
  finished: ChildOutcome[];
  waitUntil: Date | null;
}

/** What delegation needs of the rest of the service. */
export interface DelegationPorts {
  /** The agent an agentHint names (its id or its name), or null. */
  findAgent(hint: string): Promise<{ id: string; name: string } | null>;
  /** Paths of the artifacts a task recorded. */
  artifactsOf(taskId: string): Promise<string[]>;
  /** What a task's model calls have spent so far. */
  /** What the task spent; read in `tx` when given (inside the transaction that changes the task). */
  spent(taskId: string, tx?: TransactionHandle): Promise<{ costUsd: number; tokens: number }>;
  /** Queues a job after a commit (a parent's run, a wait's timeout). */
  enqueue(
    name: "run-task" | "wake-task",
    payload: { taskId: string },
    opts: { singletonKey: string; startAfterMs?: number },
  ): Promise<unknown>;
}

const DEFAULT_WAIT_SECONDS = 3_600;
const MAX_WAIT_SECONDS = 7 * 86_400;

/**
 * Delegation trees: a task's agent hands part of its work to a child task (delegate), parks its
 * run until the children are done (waitFor), and hears each child's outcome as a message in its
 * conversation (the end hook, in the child's final status change). A child's budget is carved out
 * of its parent's, so a tree never spends more than its root's budget.
 */
export class DelegationService implements TaskEndHook {
  constructor(
    private readonly deps: Deps,
    private readonly tasks: TaskService,
    private readonly store: TaskStore,
    private readonly ports: DelegationPorts,
    private readonly limits: DelegationLimits,
  ) {
    tasks.onEnd(this);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Creates a child task of `parentId` for `actor` (the parent's agent, or a person). */
  async delegate(parentId: string, input: DelegateInput, actor: Principal): Promise<TaskRecord> {
    const subfolder = sharedFolderOf(input.sharedWorkspace);
    const hint = input.agentHint?.trim() ? await this.ports.findAgent(input.agentHint.trim()) : null;
    if (input.agentHint?.trim() && !hint) throw notFound("Agent", input.agentHint, "agentHint");
    if (hint && hint.id === actor.agentId && !this.limits.selfAllowed) {
      throw badInput("agentHint", "a task you delegate goes to another agent (DELEGATION_SELF_ALLOWED is off)");
    }
    const spent = isId(parentId) ? await this.ports.spent(parentId) : { costUsd: 0, tokens: 0 };
    return this.tasks.create(
      {
        title: input.title,
        description: input.description ?? "",
        complexity: input.complexity,
        parentId,
        maxCostUsd: input.budget?.costUsd ?? null,
        maxTokens: input.budget?.tokens ?? null,
      },
      {
        placement: { preferAgentId: hint?.id ?? null },
        underParent: async (tx, out, parent, child) => {
          if (
            actor.role === "AGENT" &&
            !may(actor, "change", { kind: "task", assignedAgentId: parent.assignedAgentId })
          ) {
            throw forbidden("An agent may only delegate from tasks assigned to it");
          }
          await this.checkTree(tx, parent, child);
          await this.carve(tx, parent, child, spent);
          child.delegatedBy = this.limits.selfAllowed ? null : parent.assignedAgentId;
          child.sharedFolder = subfolder;
          await appendEvent(
            this.deps,
            tx,
            out,
            parent.id,
            {
              type: "PROGRESS",
              content: `Delegated "${child.title}" to child task ${child.id}`,
              data: {
                childId: child.id,
                maxCostUsd: child.maxCostUsd,
                maxTokens: child.maxTokens,
                sharedFolder: subfolder,
              },
              agentId: actor.agentId,
            },
            this.now(),
          );
          out.push({ topic: "TASK_CHANGED", payload: { taskId: parent.id } });
        },
      },
    );
  }

  /**
   * createTask with a parentId: the tree's limits and the rule against work handed back up hold
   * as for delegateTask (no budget is carved: a budget given is the child's own).
   */
  createUnder(input: CreateTaskInput): Promise<TaskRecord> {
    return this.tasks.create(input, { underParent: (tx, _out, parent, child) => this.checkTree(tx, parent, child) });
  }

  /** The limits of the tree, and no work handed back up (a cycle or a ping-pong). */
  private async checkTree(tx: TransactionHandle, parent: TaskRecord, child: TaskRecord): Promise<void> {
    const { maxDepth, maxChildren, maxDescendants } = this.limits;
    if (terminalStatuses.includes(parent.status)) {
      throw new DomainError("INVALID_TRANSITION", `The task is ${parent.status}: it cannot delegate`, {
        field: "taskId",
      });
    }
    if (child.depth > maxDepth) {
      throw new DomainError(
        "LIMIT_EXCEEDED",
        `Delegation is at most ${maxDepth} levels deep (DELEGATION_MAX_DEPTH); this task is at level ${parent.depth}: do the work yourself`,
        { limit: maxDepth },
      );
    }
    const tree = await this.store.treeIn(tx, child.rootId, limits.treeTasks);
    const children = tree.filter((t) => t.parentId === parent.id).length;
    if (children >= maxChildren) {
      throw new DomainError(
        "LIMIT_EXCEEDED",
        `A task may have at most ${maxChildren} child tasks (DELEGATION_MAX_CHILDREN); this one has ${children}`,
        { limit: maxChildren },
      );
    }
    if (tree.length - 1 >= maxDescendants) {
      throw new DomainError(
        "LIMIT_EXCEEDED",
        `A task tree may hold at most ${maxDescendants} delegated tasks (DELEGATION_MAX_DESCENDANTS); this one has ${tree.length - 1}`,
        { limit: maxDescendants },
      );
    }
    const byId = new Map(tree.map((t) => [t.id, t]));
    for (let up: TaskRecord | undefined = parent; up; up = up.parentId ? byId.get(up.parentId) : undefined) {
      if (isRepeatOf(child, up)) {
        throw new DomainError(
          "CONFLICT",
          `Refused: this is the work of task ${up.id} ("${up.title}") above you in the tree, handed back to it. Do it yourself, or delegate a distinct part of it`,
          { field: "title", cycleWith: up.id },
        );
      }
    }
  }

  /** Lowers the parent's budget by the child's share, in one guarded update, or refuses the child. */
  private async carve(
    tx: TransactionHandle,
    parent: TaskRecord,
    child: TaskRecord,
    spent: { costUsd: number; tokens: number },
  ): Promise<void> {
    const missing = [
      ...(parent.maxCostUsd !== null && child.maxCostUsd === null
        ? [{ path: "budget.costUsd", message: `the task has a cost budget: give the child a share of it` }]
        : []),
      ...(parent.maxTokens !== null && child.maxTokens === null
        ? [{ path: "budget.tokens", message: `the task has a token budget: give the child a share of it` }]
        : []),
    ];
    if (missing.length > 0) throw invalidFields(missing);
    if (parent.maxCostUsd === null && parent.maxTokens === null) return;
    const share = {
      costUsd: parent.maxCostUsd === null ? 0 : (child.maxCostUsd ?? 0),
      tokens: parent.maxTokens === null ? 0 : (child.maxTokens ?? 0),
    };
    if (await this.store.carveBudget(tx, parent.id, share, spent)) return;
    const leftUsd = parent.maxCostUsd === null ? null : Math.max(0, parent.maxCostUsd - spent.costUsd);
    const leftTokens = parent.maxTokens === null ? null : Math.max(0, parent.maxTokens - spent.tokens);
    const left = [
      leftUsd === null ? null : `$${leftUsd.toFixed(4)}`,
      leftTokens === null ? null : `${leftTokens} tokens`,
    ].filter((s) => s !== null);
    throw new DomainError(
      "LIMIT_EXCEEDED",
      `The budget left to share is ${left.join(" and ")}; the child asked for more`,
      { field: "budget", remainingCostUsd: leftUsd, remainingTokens: leftTokens },
    );
  }

  /**
   * Parks the task's run until the children `ids` are finished or `timeoutSeconds` pass. Children
   * already finished are not waited for; when all are, nothing is parked.
   */
  async waitFor(
    taskId: string,
    ids: readonly string[],
    timeoutSeconds: number | null | undefined,
    actor: Principal,
  ): Promise<WaitOutcome> {
    const seconds = timeoutSeconds ?? DEFAULT_WAIT_SECONDS;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_WAIT_SECONDS) {
      throw badInput("timeoutSeconds", `must be a whole number from 1 to ${MAX_WAIT_SECONDS}`);
    }
    if (ids.length === 0) throw badInput("ids", "name at least one child task");
    const result = await this.deps.transact(async (tx, out) => {
      const task = await this.tasks.lockedTask(tx, taskId, "taskId");
      if (actor.role === "AGENT" && !may(actor, "change", { kind: "task", assignedAgentId: task.assignedAgentId })) {
        throw forbidden("An agent may only wait in tasks assigned to it");
      }
      const tree = task.rootId ? await this.store.treeIn(tx, task.rootId, limits.treeTasks) : [];
      const children = new Map(tree.filter((t) => t.parentId === task.id).map((t) => [t.id, t]));
      const problems = ids
        .map((id, i) => ({ id, i }))
        .filter(({ id }) => !children.has(id))
        .map(({ id, i }) => ({ path: `ids.${i}`, message: `${id} is not a child task of this task` }));
      if (problems.length > 0) throw invalidFields(problems);
      const named = [...new Set(ids)].map((id) => children.get(id)!);
      const open = named.filter((c) => !terminalStatuses.includes(c.status)).map((c) => c.id);
      const finished = await Promise.all(
        named.filter((c) => terminalStatuses.includes(c.status)).map((c) => this.outcome(c)),
      );
      if (open.length === 0) return { parked: false, waitingFor: [], finished, waitUntil: null };
      const now = this.now();
      const waitUntil = new Date(now.getTime() + seconds * 1000);
      await this.store.update(tx, task.id, { waitingFor: open, waitUntil, updatedAt: now });
      await appendEvent(
        this.deps,
        tx,
        out,
        task.id,
        {
          type: "PROGRESS",
          content: `Waiting for ${open.length} child task(s), up to ${seconds} s; the run is parked`,
          data: { waitingFor: open, waitUntil: waitUntil.toISOString() },
          agentId: actor.agentId,
        },
        now,
      );
      out.push({ topic: "TASK_CHANGED", payload: { taskId: task.id } });
      return { parked: true, waitingFor: open, finished, waitUntil };
    });
    if (result.parked && result.waitUntil) {
      await this.ports
        .enqueue(
          "wake-task",
          { taskId },
          { singletonKey: `wake:${taskId}:${result.waitUntil.getTime()}`, startAfterMs: seconds * 1000 },
        )
        .catch((err: unknown) => this.deps.logger.error({ err, taskId }, "could not queue a wait's timeout"));
    }
    return result;
  }

  private async outcome(child: TaskRecord): Promise<ChildOutcome> {
    return {
      id: child.id,
      title: child.title,
      status: child.status,
      summary: child.summary,
      artifacts: await this.ports.artifactsOf(child.id),
    };
  }

  /** TaskEndHook: in a child's final status change, its parent hears the outcome (and may resume). */
  async within(tx: TransactionHandle, out: Message[], child: TaskRecord, note: string | null): Promise<string[]> {
    if (!child.parentId) return [];
    // Errors pass (an optimistic transaction's retry with locks is one): the parent exists (its
    // deletion would have cleared parentId).
    const parent = await this.tasks.lockedTask(tx, child.parentId);
    if (terminalStatuses.includes(parent.status)) return [];
    const now = this.now();
    // The child's row as of now: its own children may have given their shares back in this transaction.
    const returned = await this.returnShare(tx, parent, await this.tasks.lockedTask(tx, child.id));
    const outcome = { ...(await this.outcome(child)), summary: child.summary ?? note, returned };
    await this.store.insertMessage(
      tx,
      Object.assign(new TaskMessageRecord(), {
        id: newId(),
        taskId: parent.id,
        author: `child task ${child.id}`,
        text: outcomeText(outcome).slice(0, limits.messageLength),
        createdAt: now,
        deliveredAt: null,
      }),
    );
    out.push({ topic: "TASK_MESSAGE", payload: { taskId: parent.id } });
    await appendEvent(
      this.deps,
      tx,
      out,
      parent.id,
      {
        type: "PROGRESS",
        content: `Child task "${child.title}" ended ${child.status}`,
        data: { childId: child.id, status: child.status },
      },
      now,
    );
    out.push({ topic: "TASK_CHANGED", payload: { taskId: parent.id } });
    if (!parent.waitingFor?.includes(child.id)) return [];
    const rest = parent.waitingFor.filter((id) => id !== child.id);
    await this.store.update(tx, parent.id, {
      waitingFor: rest.length > 0 ? rest : null,
      waitUntil: rest.length > 0 ? parent.waitUntil : null,
      updatedAt: now,
    });
    return rest.length > 0 ? [] : [parent.id];
  }

  /**
   * Gives an ended child's unspent share back to its parent, in the child's final status change:
   * the child keeps only what it spent (a retried child starts from that), the parent can share
   * the rest again. Null when there is nothing to give back.
   */
  private async returnShare(
    tx: TransactionHandle,
    parent: TaskRecord,
    child: TaskRecord,
  ): Promise<{ costUsd: number; tokens: number } | null> {
    const shared = (mine: number | null, theirs: number | null) => mine !== null && theirs !== null;
    if (!shared(child.maxCostUsd, parent.maxCostUsd) && !shared(child.maxTokens, parent.maxTokens)) return null;
    const spent = await this.ports.spent(child.id, tx);
    const back = {
      costUsd: shared(child.maxCostUsd, parent.maxCostUsd) ? Math.max(0, child.maxCostUsd! - spent.costUsd) : 0,
      tokens: shared(child.maxTokens, parent.maxTokens) ? Math.max(0, child.maxTokens! - spent.tokens) : 0,
    };
    if (back.costUsd === 0 && back.tokens === 0) return null;
    await this.store.returnBudget(tx, child.id, parent.id, back);
    return back;
  }

  /** TaskEndHook: after the commit, the runs of parents no longer waiting are queued. */
  async after(taskIds: readonly string[]): Promise<void> {
    for (const taskId of taskIds) await this.queueRun(taskId);
  }

  private async queueRun(taskId: string): Promise<void> {
    await this.ports
      .enqueue("run-task", { taskId }, { singletonKey: `run:${taskId}` })
      .catch((err: unknown) => this.deps.logger.error({ err, taskId }, "could not queue a resumed run"));
  }

  /** A wait's time is up: the run is queued with a message naming the children still at work. */
  async wake(taskId: string): Promise<boolean> {
    if (!(await this.tasks.get(taskId))) return false; // deleted meanwhile
    const woke = await this.deps.transact(async (tx, out) => {
      const task = await this.tasks.lockedTask(tx, taskId, "taskId");
      if (!task.waitingFor || !task.waitUntil || task.waitUntil.getTime() > this.now().getTime()) return false;
      const now = this.now();
      await this.store.update(tx, task.id, { waitingFor: null, waitUntil: null, updatedAt: now });
      await this.store.insertMessage(
        tx,
        Object.assign(new TaskMessageRecord(), {
          id: newId(),
          taskId: task.id,
          author: "delegation",
          text: `Stopped waiting: the timeout passed. Still at work: ${task.waitingFor.join(", ")}. Wait again with waitForTasks, or go on without them.`,
          createdAt: now,
          deliveredAt: null,
        }),
      );
      out.push({ topic: "TASK_MESSAGE", payload: { taskId: task.id } });
      out.push({ topic: "TASK_CHANGED", payload: { taskId: task.id } });
      return true;
    });
    if (woke) await this.queueRun(taskId);
    return woke;
  }

  /** A task's progress from its phase and its children's. */
  async progress(task: TaskRecord, children?: readonly TaskRecord[]): Promise<TaskProgress> {
    return progressOf(task, children ?? (await this.tasks.childrenOf([task.id])));
  }

  /** The tree under `rootId`, `depth` levels deep (at most DELEGATION_MAX_DEPTH); `keep` hides tasks. */
  async tree(
    rootId: string,
    depth: number | null | undefined,
    keep?: (t: TaskRecord) => boolean,
  ): Promise<TaskTreeNode | null> {
    const levels = depth ?? this.limits.maxDepth;
    if (!Number.isInteger(levels) || levels < 0 || levels > Math.max(this.limits.maxDepth, 1)) {
      throw badInput("depth", `must be a whole number from 0 to ${Math.max(this.limits.maxDepth, 1)}`);
    }
    const root = await this.tasks.get(rootId);
    if (!root) return null;
    return buildTree(await this.tasks.tree(root.rootId ?? root.id), root.id, levels, keep);
  }

  /** Tasks of the tree under `rootId` as they change (status, progress, waiting), for a live tree view. */
  watchTree(rootId: string, keep: (t: TaskRecord) => boolean): Channel<TaskRecord> {
    return watch(
      this.deps.pubsub,
      "TASK_CHANGED",
      ({ taskId, rev }) => this.tasks.getShared(taskId, rev),
      (t) => (t.rootId === rootId || t.id === rootId) && keep(t),
    );
  }

  /** Wakes every parked task whose wait is over (a timeout job lost with a stopped process). */
  async wakeOverdue(): Promise<number> {
    let n = 0;
    for (const id of await this.store.overdueWaits(this.now(), 100)) if (await this.wake(id)) n++;
    return n;
  }
}
