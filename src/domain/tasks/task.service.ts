import { assertMay, assertMaySeeTask } from "../auth/access.js";
import { TaskRecord, type TaskEventRecord } from "../records.js";
import type { Message } from "../shared/pubsub.js";
import type { Principal } from "../auth/principal.js";
import { badInput, notFound } from "../errors.js";
import { isId, newId } from "../ids.js";
import { limits, taskStatuses, type TaskStatus } from "../terms.js";
import type { Channel } from "../shared/channel.js";
import type { Deps } from "../shared/deps.js";
import type { TransactionHandle } from "../shared/transaction.js";
import { watch } from "../shared/watch.js";
import { keyset, toPage, type Page, type PageArgs } from "../shared/pagination.js";
import { checkAll, optional, int, modelList, oneOf, positiveNumber, text } from "../shared/validate.js";
import type { AssignmentService } from "../assignment/assignment.service.js";
import { SequenceFeed } from "../shared/sequence-feed.js";
import { appendEvent, type NewTaskEvent } from "./task-events.js";
import { descendantsOf } from "./delegation-rules.js";
import { activeStatuses, assertStatusChange, finalStatuses, terminalStatuses } from "./task-state.js";
import type { TaskStore } from "./task.store.js";
import type { ChannelStore } from "../channels/channel.store.js";
import { openTaskChannel } from "../channels/task-channel.js";

export interface CreateTaskInput {
  title: string;
  description?: string | null;
  complexity: number;
  priority?: number | null;
  parentId?: string | null;
  /** Budget in USD: more than 0, at most 1,000,000. */
  maxCostUsd?: number | null;
  /** Budget in tokens: 1 to 1,000,000,000. */
  maxTokens?: number | null;
  /** Model or comma-separated fallback list, ahead of the agent's and the tiers. */
  model?: string | null;
  /** Wait in REVIEW for approveTask (default: as the agent says). */
  requiresApproval?: boolean | null;
}

/** Who takes a new task: an agent the creator prefers, and one that may not take it. */
export interface CreatePlacement {
  /** Tried first (it must fit the task and have room); else the usual rules. */
  preferAgentId?: string | null;
}

/**
 * What happens in the transaction that moves a task into a final status (a delegation tree: the
 * parent learns the child's outcome). `within` returns tasks whose runs are queued after the commit.
 */
export interface TaskEndHook {
  /** `note`: what the move said (a failed task's reason). */
  within(tx: TransactionHandle, out: Message[], task: TaskRecord, note: string | null): Promise<string[]>;
  after(taskIds: readonly string[]): Promise<void>;
}

export interface StatusChangeOptions {
  /** Checked on the locked row before the move (throw to refuse it). */
  check?: (task: TaskRecord) => void;
  /** Runs in the same transaction on the locked row, before the move (writes that come first). */
  before?: (tx: TransactionHandle, out: Message[], task: TaskRecord) => Promise<void>;
  /** Runs in the same transaction after the move (more writes that must commit with it). */
  within?: (tx: TransactionHandle, out: Message[], task: TaskRecord) => Promise<void>;
  /**
   * A direct transaction (see inTransaction): `before` and `within` use only the writer's own
   * statements (the runtime's tool results), none of MikroORM's.
   */
  direct?: boolean;
  /**
   * The caller's copy of the task's row and of its agent's approval setting (the runtime keeps
   * both): a direct transaction takes them as they are instead of reading them, and its commit
   * checks that they still are (else it runs again, reading them).
   */
  known?: { task?: TaskRecord | null; agentRequiresApproval?: boolean };
}

export interface TaskFilter {
  status?: TaskStatus[] | null;
  agentId?: string | null;
  /** Text the title or the description contains (case-insensitive). */
  search?: string | null;
  minPriority?: number | null;
}

const MAX_EVENT_PAGE = 500;

export class TaskService {
  readonly feed: SequenceFeed<TaskEventRecord>;
  private readonly unsubscribeFeed: () => void;
  private readonly unsubscribeChanges: () => void;

  constructor(
    private readonly deps: Deps,
    private readonly store: TaskStore,
    private readonly assignment: AssignmentService,
    private readonly channels: Pick<ChannelStore, "insertChannel">,
  ) {
    this.feed = new SequenceFeed<TaskEventRecord>(
      {
        read: (taskId, afterSeq, limit) => deps.events.read(taskId, afterSeq, limit),
        maxSeq: (taskId) => store.eventSeq(taskId),
      },
      deps.logger,
    );
    this.unsubscribeFeed = deps.pubsub.subscribe("TASK_EVENT", ({ taskId, seq }) => this.feed.notify(taskId, seq));
    // A read started before this notification may not see its change: later readers start anew.
    this.unsubscribeChanges = deps.pubsub.subscribe("TASK_CHANGED", ({ taskId }) => this.sharedReads.delete(taskId));
  }

  close(): void {
    this.unsubscribeFeed();
    this.unsubscribeChanges();
    this.feed.close();
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Creates a task and offers it to the agents. `opts.within` runs in the same transaction once
   * the task's row and its creation event are written (writes that must commit with the task, or
   * a refusal that undoes it).
   */
  async create(
    input: CreateTaskInput,
    opts: {
      within?: (tx: TransactionHandle, out: Message[], task: TaskRecord) => Promise<void>;
      /**
       * Runs on the locked parent before the child's row is written: may set the child's fields
       * (budget, sharing) and write the parent's, or throw to refuse the child.
       */
      underParent?: (tx: TransactionHandle, out: Message[], parent: TaskRecord, child: TaskRecord) => Promise<void>;
      placement?: CreatePlacement;
    } = {},
  ): Promise<TaskRecord> {
    const { title, description, complexity, priority, maxCostUsd, maxTokens, model } = checkAll({
      title: () => text("title", input.title, { min: 1, max: limits.titleLength }),
      description: () => text("description", input.description ?? "", { max: limits.descriptionLength }),
      complexity: () => int("complexity", input.complexity, limits.complexity.min, limits.complexity.max),
      priority: () => int("priority", input.priority ?? 0, limits.priority.min, limits.priority.max),
      maxCostUsd: () => optional(input.maxCostUsd, (v) => positiveNumber("maxCostUsd", v, limits.maxCostUsd)),
      maxTokens: () => optional(input.maxTokens, (v) => int("maxTokens", v, 1, limits.maxTokens)),
      model: () => (input.model ? modelList("model", input.model) : null),
    });
    const now = this.now();
    const created = await this.deps.transact(async (em, out) => {
      // The parent is locked: its children, its budget and its tree change only one at a time.
      const parent = input.parentId ? await this.lockedTask(em, input.parentId, "parentId") : null;
      const id = newId();
      const task = Object.assign(new TaskRecord(), {
        id,
        title,
        description,
        complexity,
        priority,
        status: "PENDING" as const,
        assignedAgentId: null,
        assignedAt: null,
        parentId: parent?.id ?? null,
        rootId: parent ? (parent.rootId ?? parent.id) : id,
        depth: parent ? parent.depth + 1 : 0,
        delegatedBy: null,
        sharedFolder: null,
        waitingFor: null,
        waitUntil: null,
        eventSeq: 0,
        toolPolicy: null,
        maxCostUsd,
        maxTokens,
        model,
        requiresApproval: input.requiresApproval ?? null,
        pausedAt: null,
        pauseReason: null,
        approvalRequestedAt: null,
        summary: null,
        stoppedIn: null,
        createdAt: now,
        updatedAt: now,
      });
      if (parent) await opts.underParent?.(em, out, parent, task);
      await this.store.insert(em, task);
      await openTaskChannel(this.channels, em, task, now);
      const ev = await appendEvent(
        this.deps,
        em,
        out,
        task.id,
        {
          type: "STATUS_CHANGE",
          content: "Task created",
          data: { from: null, to: "PENDING" },
        },
        now,
      );
      task.eventSeq = ev.seq;
      if (opts.within) {
        await opts.within(em, out, task);
        await this.settleEventSeq(em, task);
      }
      out.push({ topic: "TASK_CHANGED", payload: { taskId: task.id } });
      const assigned = await this.assignment.assignNewInTx(em, out, task, now, opts.placement?.preferAgentId ?? null);
      return { task, assigned };
    });
    if (!created.assigned) return created.task;
    await this.assignment.afterCommit([created.assigned]);
    return (await this.get(created.task.id)) ?? created.task;
  }

  /** Moves a task through the state machine, writing its STATUS_CHANGE event in the same transaction. */
  async updateStatus(
    id: string,
    status: TaskStatus,
    note: string | null | undefined,
    actor: Principal,
    opts: StatusChangeOptions = {},
  ): Promise<TaskRecord> {
    const to = oneOf("status", status, taskStatuses);
    const cleanNote = note === null || note === undefined ? null : text("note", note, { max: limits.noteLength });
    const result = await this.deps.transact(
      async (em, out) => {
        const task = await this.lockedTask(em, id, "id", opts.known?.task);
        if (actor.role === "AGENT") assertMay(actor, "change", { kind: "task", assignedAgentId: task.assignedAgentId });
        opts.check?.(task);
        assertStatusChange(task.status, to);
        await opts.before?.(em, out, task);
        if (
          to === "COMPLETE" &&
          actor.role === "AGENT" &&
          task.status === "REVIEW" &&
          (await this.needsApproval(em, task, opts.known?.agentRequiresApproval))
        ) {
          // An agent finishing a task that needs approval asks for it; a person completes it.
          const waiting = await this.requestApprovalInTx(em, out, task, cleanNote, actor);
          await opts.within?.(em, out, waiting);
          await this.settleEventSeq(em, waiting);
          return { task: waiting, released: null, resume: [] };
        }
        const r = await this.transition(em, out, task, to, cleanNote, actor);
        await opts.within?.(em, out, r.task);
        await this.settleEventSeq(em, r.task);
        return r;
      },
      // The runtime's status changes: one batch (one round trip, or one trip to SQLite's writer
      // thread), the task's row and the agent's setting taken from `known` (SQLite: else read
      // beside the writer) and checked again at the commit.
      { direct: opts.direct === true, optimistic: opts.direct === true },
    );
    return this.afterTransition(result);
  }

  /**
   * The task's event counter as the transaction leaves it (events written after the move, such
   * as a tool's result, count too), on the row and on the revision its change announces.
   */
  private async settleEventSeq(em: TransactionHandle, task: TaskRecord): Promise<void> {
    const seq = await this.deps.events.held(em, task.id);
    if (seq === undefined || seq <= task.eventSeq) return;
    task.eventSeq = seq;
    const kept = this.revisions.get(task.id);
    if (kept) kept.row.eventSeq = seq;
  }

  /** Whether the task waits in REVIEW for approveTask: its own setting, else its agent's. */
  async needsApproval(em: TransactionHandle, task: TaskRecord, agentKnown?: boolean): Promise<boolean> {
    if (task.requiresApproval !== null && task.requiresApproval !== undefined) return task.requiresApproval;
    if (!task.assignedAgentId) return false;
    return this.store.agentRequiresApproval(em, task.assignedAgentId, agentKnown);
  }

  private async requestApprovalInTx(
    em: TransactionHandle,
    out: Message[],
    task: TaskRecord,
    summary: string | null,
    actor: Principal,
  ): Promise<TaskRecord> {
    const now = this.now();
    task.approvalRequestedAt = now;
    task.summary = summary ?? task.summary;
    task.updatedAt = now;
    await this.store.update(em, task.id, { approvalRequestedAt: now, summary: task.summary, updatedAt: now });
    const ev = await appendEvent(
      this.deps,
      em,
      out,
      task.id,
      {
        type: "STATUS_CHANGE",
        content: `Waiting for approval${summary ? `: ${summary}` : ""} (approveTask completes it, rejectTask sends it back to BUILD)`,
        data: { from: "REVIEW", to: "REVIEW", awaitingApproval: true, summary, by: actor.name },
        agentId: actor.agentId,
      },
      now,
    );
    task.eventSeq = ev.seq;
    this.changed(out, task);
    return task;
  }

  /** Cancels the task and, in the same transaction, every task delegated under it that is not finished. */
  async cancel(id: string, actor: Principal): Promise<TaskRecord> {
    const result = await this.deps.transact(async (em, out) => {
      const task = await this.lockedTask(em, id);
      if (terminalStatuses.includes(task.status)) assertStatusChange(task.status, "CANCELLED");
      const freed: string[] = [];
      const resume: string[] = [];
      const open = await this.openDescendants(em, task);
      // Parents resumed by their children's ends are being cancelled with them: not resumed.
      const ending = new Set([task.id, ...open.map((t) => t.id)]);
      // The deepest first: each child ends while its parent is still at work, so its outcome and
      // unspent budget go up the tree before the parent ends in turn.
      for (const below of [...open].reverse()) {
        const locked = await this.lockedTask(em, below.id);
        if (terminalStatuses.includes(locked.status)) continue;
        const r = await this.transition(
          em,
          out,
          locked,
          "CANCELLED",
          `its parent task ${task.id} was cancelled`,
          actor,
        );
        if (r.released) freed.push(r.released);
        resume.push(...r.resume);
      }
      const own = await this.transition(em, out, await this.lockedTask(em, id), "CANCELLED", null, actor);
      resume.push(...own.resume);
      return { ...own, freed, resume: resume.filter((t) => !ending.has(t)) };
    });
    for (const agentId of result.freed) await this.assignment.fillAgent(agentId);
    return this.afterTransition(result);
  }

  /** The unfinished tasks delegated under `task` (children before their own children). */
  private async openDescendants(em: TransactionHandle, task: TaskRecord): Promise<TaskRecord[]> {
    if (!task.rootId) return [];
    const tree = await this.store.treeIn(em, task.rootId, limits.treeTasks);
    return descendantsOf(tree, task.id).filter((t) => !terminalStatuses.includes(t.status));
  }

  private readonly endHooks: TaskEndHook[] = [];

  /** Adds what runs when a task reaches a final status (see TaskEndHook). */
  onEnd(hook: TaskEndHook): void {
    this.endHooks.push(hook);
  }

  /** After the commit: a freed agent takes the next pending task; a task back in the queue finds an agent. */
  private async afterTransition(r: {
    task: TaskRecord;
    released: string | null;
    resume: readonly string[];
  }): Promise<TaskRecord> {
    let changed = false;
    if (r.task.status === "PENDING") changed = (await this.assignment.assignPending(r.task.id)) !== null;
    if (r.released) await this.assignment.fillAgent(r.released);
    if (r.resume.length > 0) for (const hook of this.endHooks) await hook.after(r.resume);
    return changed ? ((await this.get(r.task.id)) ?? r.task) : r.task;
  }

  /** The task's row, locked for the rest of the caller's transaction (PostgreSQL `for update`). */
  async lockedTask(em: TransactionHandle, id: string, field = "id", known?: TaskRecord | null): Promise<TaskRecord> {
    const task = isId(id) ? await this.store.lockedIn(em, id, known) : null;
    if (!task) throw notFound("Task", id, field);
    await this.deps.events.hold(em, task.id, task.eventSeq);
    return task;
  }

  private async transition(
    em: TransactionHandle,
    out: Message[],
    task: TaskRecord,
    to: TaskStatus,
    note: string | null,
    actor: Principal,
  ): Promise<{ task: TaskRecord; released: string | null; resume: string[] }> {
    const from = task.status;
    assertStatusChange(from, to);
    const now = this.now();
    // Leaving the active phases (finished, failed, cancelled, back to the queue) frees the agent's slot.
    const released =
      task.assignedAgentId && activeStatuses.includes(from) && (to === "PENDING" || terminalStatuses.includes(to))
        ? task.assignedAgentId
        : null;
    task.status = to;
    task.updatedAt = now;
    if (to === "PENDING") {
      task.assignedAgentId = null;
      task.assignedAt = null;
    }
    // A task leaving REVIEW no longer waits for approval; one leaving work is no longer paused.
    if (to !== "REVIEW") task.approvalRequestedAt = null;
    if (!activeStatuses.includes(to)) {
      task.pausedAt = null;
      task.pauseReason = null;
      // A parked run is over with the task's work.
      task.waitingFor = null;
      task.waitUntil = null;
    }
    if (to === "COMPLETE" && note && !task.summary) task.summary = note;
    // Where a stopped task stopped: the database, not its README, keeps what was done.
    task.stoppedIn = to === "FAILED" || to === "CANCELLED" ? from : null;
    // The row is locked by this transaction: the update goes with its next round trip.
    await this.store.update(em, task.id, {
      status: to,
      updatedAt: now,
      assignedAgentId: task.assignedAgentId,
      assignedAt: task.assignedAt,
      approvalRequestedAt: task.approvalRequestedAt ?? null,
      pausedAt: task.pausedAt ?? null,
      pauseReason: task.pauseReason ?? null,
      summary: task.summary ?? null,
      stoppedIn: task.stoppedIn,
      waitingFor: task.waitingFor ?? null,
      waitUntil: task.waitUntil ?? null,
    });
    if (released) await this.assignment.releaseInTx(em, out, released, now);
    const ev = await appendEvent(
      this.deps,
      em,
      out,
      task.id,
      {
        type: "STATUS_CHANGE",
        content: `Status changed from ${from} to ${to}${note ? `: ${note}` : ""}`,
        data: { from, to, note, by: actor.name },
        agentId: actor.agentId,
      },
      now,
    );
    task.eventSeq = ev.seq;
    this.changed(out, task);
    const resume: string[] = [];
    if (terminalStatuses.includes(to))
      for (const hook of this.endHooks) resume.push(...(await hook.within(em, out, task, note)));
    return { task, released, resume };
  }

  /**
   * Records an event on a task (progress, a message, a tool's output …) in its own transaction.
   * An AGENT principal may only write to tasks assigned to its agent.
   */
  async addEvent(taskId: string, event: NewTaskEvent, actor: Principal | null): Promise<TaskEventRecord> {
    // Not trimmed: streamed text arrives in pieces whose spaces matter.
    const content = text("content", event.content, { max: limits.eventContentLength, trim: false });
    return this.deps.transact(async (em, out) => {
      if (actor?.role === "AGENT") {
        const task = isId(taskId) ? await this.store.ownerIn(em, taskId) : null;
        if (!task) throw notFound("Task", taskId, "taskId");
        assertMay(actor, "change", { kind: "task", assignedAgentId: task.assignedAgentId });
      } else if (!isId(taskId)) {
        throw notFound("Task", taskId, "taskId");
      }
      return appendEvent(
        this.deps,
        em,
        out,
        taskId,
        { ...event, content, agentId: event.agentId ?? actor?.agentId ?? null },
        this.now(),
      );
    });
  }

  private readonly sharedReads = new Map<string, Promise<TaskRecord | null>>();
  /** The row each status change of this process left, by the revision its notification names. */
  private readonly revisions = new Map<string, { rev: string; row: TaskRecord }>();

  /**
   * Announces a change of `task` made in the current transaction: TASK_CHANGED names a fresh
   * revision, and the row as the transaction leaves it is kept under that revision, so this
   * process's listeners need not read it back. A revision is only announced by its own
   * transaction's commit (a rolled-back one never is), so the row kept is the committed one.
   */
  private changed(out: Message[], task: TaskRecord): void {
    const rev = newId();
    this.revisions.delete(task.id);
    if (this.revisions.size >= 10_000) this.revisions.delete(this.revisions.keys().next().value as string);
    this.revisions.set(task.id, { rev, row: { ...task } });
    out.push({ topic: "TASK_CHANGED", payload: { taskId: task.id, rev } });
  }

  /**
   * `get` for readers that only look (change listeners): reads of one task that overlap share
   * one query, so the handlers of one TASK_CHANGED notification cost one read between them; with
   * the notification's `rev`, a change this process made is not read at all. A read is shared
   * only until the task's next notification (it may have started before that change). The row
   * is shared: do not modify it.
   */
  getShared(id: string, rev?: string): Promise<TaskRecord | null> {
    const kept = rev ? this.revisions.get(id) : undefined;
    if (kept && kept.rev === rev) return Promise.resolve(kept.row);
    let p = this.sharedReads.get(id);
    if (!p) {
      const read: Promise<TaskRecord | null> = this.get(id).finally(() => {
        if (this.sharedReads.get(id) === read) this.sharedReads.delete(id);
      });
      this.sharedReads.set(id, (p = read));
    }
    return p;
  }

  /** The tasks an agent works on now (DESIGN to REVIEW), oldest first, at most `limit`. */
  heldBy(agentId: string, limit = 500): Promise<TaskRecord[]> {
    return this.store.heldBy(agentId, activeStatuses, limit);
  }

  async get(id: string): Promise<TaskRecord | null> {
    return isId(id) ? this.store.get(id) : null;
  }

  /** The task's event counter now (0 for no such task). */
  eventSeq(id: string): Promise<number> {
    return isId(id) ? this.store.eventSeq(id) : Promise.resolve(0);
  }

  async require(id: string, field = "id"): Promise<TaskRecord> {
    const task = await this.get(id);
    if (!task) throw notFound("Task", id, field);
    return task;
  }

  /** The children of these tasks (delegated from them), oldest first. */
  childrenOf(parentIds: readonly string[]): Promise<TaskRecord[]> {
    return this.store.childrenOf(parentIds.filter(isId));
  }

  /** Every task of the tree under `rootId`, the root too, oldest first. */
  async tree(rootId: string): Promise<TaskRecord[]> {
    return isId(rootId) ? this.store.tree(rootId, limits.treeTasks) : [];
  }

  async byIds(ids: readonly string[]): Promise<Map<string, TaskRecord>> {
    const valid = ids.filter(isId);
    if (valid.length === 0) return new Map();
    const rows = await this.store.byIds(valid);
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** A page of tasks, newest first; `onlyAgent` (an AGENT key's scope, see access.ts) keeps that agent's. */
  async list(args: PageArgs & { filter?: TaskFilter | null; onlyAgent?: string | null }): Promise<Page<TaskRecord>> {
    const { range, statuses, agentId, search, minPriority } = checkAll({
      range: () => keyset(args),
      statuses: () => (args.filter?.status ?? []).map((st) => oneOf("filter.status", st, taskStatuses)),
      agentId: () =>
        optional(args.filter?.agentId, (id) => {
          if (!isId(id)) throw badInput("filter.agentId", "is not an agent id");
          return id;
        }),
      search: () => optional(args.filter?.search, (q) => text("filter.search", q, { max: 200 }) || null),
      minPriority: () => optional(args.filter?.minPriority, (p) => int("filter.minPriority", p, 0, 100)),
    });
    const query = { statuses, agentId, search, minPriority, onlyAgent: args.onlyAgent ?? null };
    const rows = await this.store.page(query, range);
    return toPage(rows, range, () => this.store.count(query));
  }

  async events(
    taskId: string,
    afterSeq: number | null | undefined,
    first: number | null | undefined,
  ): Promise<TaskEventRecord[]> {
    const after = afterSeq ?? 0;
    if (!Number.isInteger(after) || after < 0) throw badInput("afterSeq", "must be a whole number of at least 0");
    const limit = first ?? 100;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_EVENT_PAGE) {
      throw badInput("first", `must be between 0 and ${MAX_EVENT_PAGE}`);
    }
    return this.deps.events.read(taskId, after, limit);
  }

  /** Every event after `afterSeq`, then live ones: no gap, no duplicate (of a task the caller may see). */
  async streamEvents(
    taskId: string,
    afterSeq: number | null | undefined,
    caller: Principal,
  ): Promise<Channel<TaskEventRecord>> {
    const after = afterSeq ?? 0;
    if (!Number.isInteger(after) || after < 0) throw badInput("afterSeq", "must be a whole number of at least 0");
    const task = await this.require(taskId, "taskId");
    assertMaySeeTask(caller, task);
    // The stream is over with the event moving the task into a final status (and the events of
    // its transaction); later ones (a command's exit report, say) are in Task.events.
    const isFinal = (status: unknown) => finalStatuses.includes(status as TaskStatus);
    return this.feed.subscribe(taskId, after, {
      endsAt: (e) =>
        e.type === "STATUS_CHANGE" && isFinal((e.data as { to?: unknown } | null)?.to)
          ? this.get(taskId).then((t) => t?.eventSeq ?? e.seq)
          : null,
      ended: isFinal(task.status),
    });
  }

  /** Live task changes matching the filter (for list views); `onlyAgent` as in list(). */
  watch(filter: TaskFilter & { taskId?: string | null; onlyAgent?: string | null }): Channel<TaskRecord> {
    const statuses = filter.status?.map((s) => oneOf("filter.status", s, taskStatuses));
    return watch(
      this.deps.pubsub,
      "TASK_CHANGED",
      // One read per notification for all of this process's subscriptions (getShared), not one each.
      ({ taskId, rev }) =>
        filter.taskId && filter.taskId !== taskId ? Promise.resolve(null) : this.getShared(taskId, rev),
      (t) =>
        (!statuses || statuses.length === 0 || statuses.includes(t.status)) &&
        (!filter.agentId || t.assignedAgentId === filter.agentId) &&
        (filter.onlyAgent == null || t.assignedAgentId === filter.onlyAgent),
    );
  }
}
