import type { SqlEntityManager } from "@mikro-orm/knex";
import { notFound } from "../../../domain/errors.js";
import { newId } from "../../../domain/ids.js";
import { TaskEventRecord } from "../../../domain/records.js";
import type { Message } from "../../../domain/shared/pubsub.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { NewTaskEvent, TaskEventLog } from "../../../domain/tasks/task-events.js";
import { sql, type Reader } from "../reader.js";
import { deferRowUpdate, execute, insertCounted, insertRows, memoOf, sqliteOf } from "../writer.js";

/**
 * Appends events inside the caller's transaction: one conditional UPDATE bumps the per-task
 * counter (and locks the task row on PostgreSQL, so concurrent writers of one task get
 * consecutive sequence numbers and commit in sequence order), one insert writes the rows.
 *
 * Once the transaction holds the counter (after its first bump, or after reading the row it
 * locked: see `holdEventSeq`; on SQLite the one write connection is the transaction's), the
 * transaction keeps the counter itself, and the bump and the rows are held back to go with the
 * transaction's next round trip.
 */
async function appendEvents(
  em: SqlEntityManager,
  outbox: Message[],
  taskId: string,
  events: readonly NewTaskEvent[],
  now: Date = new Date(),
): Promise<TaskEventRecord[]> {
  if (events.length === 0) return [];
  const n = events.length;
  const bump = "update task set event_seq = event_seq + ? where id = ? returning event_seq";
  const written = events.map((e, i) =>
    Object.assign(new TaskEventRecord(), {
      id: newId(),
      taskId,
      seq: i + 1,
      type: e.type,
      content: e.content,
      data: e.data ?? null,
      agentId: e.agentId ?? null,
      createdAt: now,
    }),
  );
  let first: number;
  const memo = await memoOf(em);
  const key = eventSeqKey(taskId);
  const held = memo?.get(key) as number | undefined;
  if (memo && held !== undefined) {
    first = held + 1;
    memo.set(key, held + n);
    for (const w of written) w.seq += first - 1;
    await deferRowUpdate(em, "task", "id", taskId, { event_seq: { value: held + n } });
    await insertRows(em, TaskEventRecord, written, { deferred: true });
  } else if (sqliteOf(em)) {
    const rows = await execute(em, bump, [n, taskId]);
    const last = rows[0]?.event_seq;
    if (last === undefined) throw notFound("Task", taskId, "taskId");
    first = Number(last) - n + 1;
    for (const w of written) w.seq += first - 1;
    memo?.set(key, first + n - 1);
    await insertRows(em, TaskEventRecord, written, { deferred: true });
  } else {
    // PostgreSQL: the counter and the rows in one statement.
    const rows = await insertCounted(
      em,
      TaskEventRecord,
      written,
      { update: bump, params: [n, taskId] },
      { seq: { column: "event_seq", offset: (i) => i - n + 1 } },
      ["seq"],
    );
    if (!rows || rows.length !== n) throw notFound("Task", taskId, "taskId");
    first = Math.min(...rows.map((r) => Number(r.seq)));
    for (const w of written) w.seq += first - 1;
    memo?.set(key, first + n - 1);
  }
  for (const w of written) outbox.push({ topic: "TASK_EVENT", payload: { taskId, seq: w.seq, type: w.type } });
  return written;
}

const eventSeqKey = (taskId: string) => `task.event_seq:${taskId}`;

/**
 * Tells the transaction it holds the task's event counter at `seq`: the row was read after being
 * locked (PostgreSQL `for update`; SQLite's one write connection is the transaction's).
 */
async function holdEventSeq(em: SqlEntityManager, taskId: string, seq: number): Promise<void> {
  (await memoOf(em))?.set(eventSeqKey(taskId), seq);
}

/** The task's event counter as `em`'s transaction holds it (undefined when it holds none). */
async function heldEventSeq(em: SqlEntityManager, taskId: string): Promise<number | undefined> {
  const v = (await memoOf(em))?.get(eventSeqKey(taskId));
  return typeof v === "number" ? v : undefined;
}

async function readEvents(reader: Reader, taskId: string, afterSeq: number, limit: number): Promise<TaskEventRecord[]> {
  return reader.select(TaskEventRecord, sql("task_id = ? and seq > ?", [taskId, afterSeq]), {
    orderBy: "seq asc",
    limit,
  });
}

/** The task event log on SQLite or PostgreSQL, through the batching writer. */
export class SqlTaskEventLog implements TaskEventLog {
  constructor(private readonly reader: Reader) {}

  append(tx: TransactionHandle, outbox: Message[], taskId: string, events: readonly NewTaskEvent[], now?: Date) {
    return appendEvents(tx as SqlEntityManager, outbox, taskId, events, now);
  }

  hold(tx: TransactionHandle, taskId: string, seq: number): Promise<void> {
    return holdEventSeq(tx as SqlEntityManager, taskId, seq);
  }

  held(tx: TransactionHandle, taskId: string): Promise<number | undefined> {
    return heldEventSeq(tx as SqlEntityManager, taskId);
  }

  read(taskId: string, afterSeq: number, limit: number): Promise<TaskEventRecord[]> {
    return readEvents(this.reader, taskId, afterSeq, limit);
  }
}
