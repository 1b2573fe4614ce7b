import type { SqlEntityManager } from "@mikro-orm/knex";
import {
  AgentRunRecord,
  ModelCallRecord,
  RunMessageRecord,
  TaskMessageRecord,
  type RunMessageRole,
} from "../../../domain/records.js";
import type { Message } from "../../../domain/shared/pubsub.js";
import { placeholders, sql } from "../reader.js";
import {
  deferRowUpdate,
  execute,
  insertCounted,
  insertRows,
  memoOf,
  rowUpdate,
  selectRows,
  selectValues,
} from "../writer.js";
import type { SetValue } from "../raw.js";
import { newId } from "../../../domain/ids.js";
import type { Json } from "../../../domain/terms.js";
import type { Deps } from "../../../domain/shared/deps.js";
import type { Database } from "../orm.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type {
  AppendOptions,
  ConversationMessage,
  RunState,
  RunStore,
  StepPatch,
  StoredToolCall,
} from "../../../domain/runs/run.store.js";

const toRow = (m: ConversationMessage): { role: RunMessageRole; content: string | null; data: Json } => {
  switch (m.role) {
    case "user":
      return { role: "user", content: m.content, data: m.author ? { author: m.author } : null };
    case "assistant":
      return {
        role: "assistant",
        content: m.content,
        data: { toolCalls: m.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })) },
      };
    case "tool":
      return { role: "tool", content: m.content, data: { toolCallId: m.toolCallId, name: m.name } };
  }
};

const fromRow = (r: RunMessageRecord): ConversationMessage => {
  const data = (r.data ?? {}) as Record<string, Json>;
  switch (r.role) {
    case "assistant":
      return {
        role: "assistant",
        content: r.content,
        toolCalls: Array.isArray(data.toolCalls) ? (data.toolCalls as unknown as StoredToolCall[]) : [],
      };
    case "tool":
      return {
        role: "tool",
        toolCallId: String(data.toolCallId ?? ""),
        name: String(data.name ?? ""),
        content: r.content ?? "",
      };
    default:
      return typeof data.author === "string"
        ? { role: "user", content: r.content ?? "", author: data.author }
        : { role: "user", content: r.content ?? "" };
  }
};

/**
 * A task's conversation and step state, persisted after every step: messages are append-only
 * rows numbered per task, written in one transaction with the run's counters, so a worker that
 * dies loses at most the step it was in, and the next worker resumes at the last completed one.
 */
export class SqlRunStore implements RunStore {
  constructor(
    private readonly db: Database,
    private readonly deps: Deps,
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The run's state, created empty on the first call (one upsert that returns the row). */
  async open(taskId: string, agentId: string): Promise<RunState> {
    const now = this.now();
    const at = this.db.dialect === "sqlite" ? now.getTime() : now;
    const [run] = await this.db.fork().execute<
      Array<{
        step: number;
        active_ms: number;
        repeat_key: string | null;
        repeat_count: number;
        wait_reason: string | null;
      }>
    >(
      `insert into agent_run (task_id, agent_id, step, message_seq, active_ms, repeat_key, repeat_count, wait_reason, started_at, updated_at)
         values (?, ?, 0, 0, 0, null, 0, null, ?, ?)
         on conflict (task_id) do update set task_id = excluded.task_id
         returning step, active_ms, repeat_key, repeat_count, wait_reason`,
      [taskId, agentId, at, at],
    );
    if (!run) throw new Error(`no run state for task ${taskId}`);
    const rows = await this.db.read.select(RunMessageRecord, sql("task_id = ?", [taskId]), {
      orderBy: "seq asc",
    });
    return {
      step: Number(run.step),
      activeMs: Number(run.active_ms),
      repeatKey: run.repeat_key,
      repeatCount: Number(run.repeat_count),
      waitReason: run.wait_reason,
      messages: rows.map(fromRow),
    };
  }

  async messages(taskId: string, afterSeq: number, limit: number): Promise<RunMessageRecord[]> {
    return this.db.read.select(RunMessageRecord, sql("task_id = ? and seq > ?", [taskId, afterSeq]), {
      orderBy: "seq asc",
      limit,
    });
  }

  /**
   * Appends messages and updates the counters in one transaction, with `events` written on the
   * task in the same transaction. With `inbox`, the person's messages waiting for the task are
   * appended first (as user messages) and marked delivered. The counter is bumped with one
   * conditional UPDATE that hands out the sequence numbers (as the event log does).
   */
  async append(
    taskId: string,
    messages: readonly ConversationMessage[],
    patch: StepPatch = {},
    opts: AppendOptions = {},
  ): Promise<ConversationMessage[]> {
    // Every statement of appendIn is the writer's own: a direct transaction (begin and commit
    // travel with the statements); with a known event counter, an optimistic one.
    // The counter is told after the commit (an attempt that did not commit must not count).
    let seq: number | undefined;
    const inner = { ...opts, onEventSeq: (s: number) => (seq = s) };
    const all = await this.deps.transact((tx, out) => this.appendIn(tx, out, taskId, messages, patch, inner), {
      direct: true,
      optimistic: opts.knownEventSeq !== undefined && !opts.inbox && (opts.events?.length ?? 0) > 0,
    });
    if (seq !== undefined) opts.onEventSeq?.(seq);
    return all;
  }

  /** `append` inside the caller's transaction (a status change and its tool result commit together). */
  async appendIn(
    tx: TransactionHandle,
    out: Message[],
    taskId: string,
    messages: readonly ConversationMessage[],
    patch: StepPatch = {},
    opts: AppendOptions = {},
  ): Promise<ConversationMessage[]> {
    const em = tx as SqlEntityManager;
    const now = this.now();
    const sqlite = this.db.dialect === "sqlite";
    const all: ConversationMessage[] = [];
    if (opts.inbox) {
      const waiting = await selectRows(
        em,
        TaskMessageRecord,
        sql("task_id = ? and delivered_at is null order by id", [taskId]),
        { limit: 100 },
      );
      if (waiting.length > 0) {
        await execute(
          em,
          `update task_message set delivered_at = ? where id in (${placeholders(waiting.length)})`,
          [sqlite ? now.getTime() : now, ...waiting.map((w) => w.id)],
          "run",
        );
        for (const w of waiting) {
          all.push({ role: "user", content: `Message from ${w.author}: ${w.text}`, author: w.author });
        }
      }
    }
    all.push(...messages);
    const n = all.length;
    const rows = all.map((m, i) => ({ id: newId(), taskId, seq: i + 1, step: 0, createdAt: now, ...toRow(m) }));
    const number = (first: number, step: number) => {
      for (const r of rows) {
        r.seq += first - 1;
        r.step = step;
      }
    };
    // The usage rows (the turn's successful model call), held back like the rest: a cost is
    // written into the text exactly (see literal).
    if (opts.modelCalls?.length) await insertRows(em, ModelCallRecord, opts.modelCalls, { deferred: true });
    // After its first bump the transaction holds the run's row (PostgreSQL's row lock, SQLite's one
    // write connection) and keeps the counters itself: later bumps and rows are held back.
    const memo = await memoOf(em);
    const key = `agent_run:${taskId}`;
    if (memo && opts.counters && !memo.has(key)) memo.set(key, { ...opts.counters });
    const held = memo?.get(key) as { messageSeq: number; step: number } | undefined;
    // The columns every append sets; the counters are added to, or (held) set.
    const rest: Record<string, SetValue> = {
      active_ms: { add: Math.max(0, Math.round(patch.activeMs ?? 0)) },
      wait_reason: { value: null },
      updated_at: { value: sqlite ? now.getTime() : now },
      ...(patch.repeatKey !== undefined ? { repeat_key: { value: patch.repeatKey } } : {}),
      ...(patch.repeatCount !== undefined ? { repeat_count: { value: patch.repeatCount } } : {}),
    };
    if (held) {
      const first = held.messageSeq + 1;
      held.messageSeq += n;
      if (patch.step) held.step += 1;
      number(first, held.step);
      // A later append of this batch joins this update.
      await deferRowUpdate(em, "agent_run", "task_id", taskId, {
        message_seq: { value: held.messageSeq },
        step: { value: held.step },
        ...rest,
      });
      await insertRows(em, RunMessageRecord, rows, { deferred: true });
    } else {
      // Not held yet: the counters are added to, and their new values come back.
      const bump = rowUpdate("agent_run", "task_id", taskId, {
        message_seq: { add: n },
        step: { add: patch.step ? 1 : 0 },
        ...rest,
      });
      const returning = { update: `${bump.text} returning message_seq, step`, params: bump.params };
      if (sqlite || n === 0) {
        const [last] = await execute(em, returning.update, returning.params);
        if (!last) throw new Error(`no run state for task ${taskId}`);
        number(Number(last.message_seq) - n + 1, Number(last.step));
        memo?.set(key, { messageSeq: Number(last.message_seq), step: Number(last.step) });
        await insertRows(em, RunMessageRecord, rows, { deferred: true });
      } else {
        // PostgreSQL: the counters and the messages in one statement.
        const done = await insertCounted(
          em,
          RunMessageRecord,
          rows,
          returning,
          { seq: { column: "message_seq", offset: (i) => i - n + 1 }, step: { column: "step", offset: () => 0 } },
          ["seq", "step"],
        );
        if (!done || done.length !== n) throw new Error(`no run state for task ${taskId}`);
        memo?.set(key, {
          messageSeq: Math.max(...done.map((r) => Number(r.seq))),
          step: Number(done[0]?.step ?? 0),
        });
      }
    }
    if (
      opts.knownEventSeq !== undefined &&
      opts.events?.length &&
      (await this.deps.events.held(em, taskId)) === undefined
    ) {
      // The counter as the caller knows it, checked (and locked) at the commit; read in the
      // ordinary transaction.
      const row = await selectValues(em, "task", "id", taskId, ["event_seq"], {
        known: { event_seq: opts.knownEventSeq },
        forUpdate: true,
      });
      if (row) await this.deps.events.hold(em, taskId, Number(row.event_seq));
    }
    const written = await this.deps.events.append(em, out, taskId, opts.events ?? [], now);
    const last = written.at(-1);
    if (last) opts.onEventSeq?.(last.seq);
    return all;
  }

  /** Records why the run stopped without finishing (shown once); returns false if it already said so. */
  async setWaitReason(taskId: string, reason: string | null): Promise<boolean> {
    const em = this.db.fork();
    const changed = await em.nativeUpdate(
      AgentRunRecord,
      reason === null ? { taskId } : { taskId, $or: [{ waitReason: null }, { waitReason: { $ne: reason } }] },
      { waitReason: reason, updatedAt: this.now() },
    );
    return changed > 0;
  }
}
