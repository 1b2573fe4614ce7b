import type { SqlEntityManager } from "@mikro-orm/knex";
import { TaskEventEntity } from "../../infra/db/entities.js";
import { sql, type Reader } from "../../infra/db/reader.js";
import { execute, insertRows } from "../../infra/db/writer.js";
import type { Message } from "../../infra/pubsub/pubsub.js";
import { notFound } from "../errors.js";
import { newId } from "../ids.js";
import type { Json, TaskEventType } from "../model.js";

export interface NewTaskEvent {
  type: TaskEventType;
  content: string;
  data?: Json;
  agentId?: string | null;
}

/** Appends one event inside the caller's transaction (see appendEvents). */
export async function appendEvent(
  em: SqlEntityManager,
  outbox: Message[],
  taskId: string,
  event: NewTaskEvent,
  now: Date = new Date(),
): Promise<TaskEventEntity> {
  const [row] = await appendEvents(em, outbox, taskId, [event], now);
  return row!;
}

/**
 * Appends events inside the caller's transaction: one conditional UPDATE bumps the per-task
 * counter (and locks the task row on PostgreSQL, so concurrent writers of one task get
 * consecutive sequence numbers and commit in sequence order), one insert writes the rows.
 */
export async function appendEvents(
  em: SqlEntityManager,
  outbox: Message[],
  taskId: string,
  events: readonly NewTaskEvent[],
  now: Date = new Date(),
): Promise<TaskEventEntity[]> {
  if (events.length === 0) return [];
  const rows = await execute(em, "update task set event_seq = event_seq + ? where id = ? returning event_seq", [
    events.length,
    taskId,
  ]);
  const last = rows[0]?.event_seq;
  if (last === undefined) throw notFound("Task", taskId, "taskId");
  const first = Number(last) - events.length + 1;
  const written = events.map((e, i) =>
    Object.assign(new TaskEventEntity(), {
      id: newId(),
      taskId,
      seq: first + i,
      type: e.type,
      content: e.content,
      data: e.data ?? null,
      agentId: e.agentId ?? null,
      createdAt: now,
    }),
  );
  await insertRows(em, TaskEventEntity, written);
  for (const w of written) outbox.push({ topic: "TASK_EVENT", payload: { taskId, seq: w.seq } });
  return written;
}

export async function readEvents(
  reader: Reader,
  taskId: string,
  afterSeq: number,
  limit: number,
): Promise<TaskEventEntity[]> {
  return reader.select(TaskEventEntity, sql("task_id = ? and seq > ?", [taskId, afterSeq]), {
    orderBy: "seq asc",
    limit,
  });
}
