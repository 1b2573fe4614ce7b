import type { TaskEventRecord } from "../records.js";
import type { Message } from "../shared/pubsub.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { Json, TaskEventType } from "../terms.js";

export interface NewTaskEvent {
  type: TaskEventType;
  content: string;
  data?: Json;
  agentId?: string | null;
}

/**
 * A task's append-only event log (implemented in src/infra/db/stores/task-event.store.ts).
 * Events get consecutive per-task sequence numbers in the transaction that writes them, and a
 * TASK_EVENT message each in its outbox.
 */
export interface TaskEventLog {
  /** Appends `events` to the task's log in `tx` (NOT_FOUND when there is no such task). */
  append(
    tx: TransactionHandle,
    outbox: Message[],
    taskId: string,
    events: readonly NewTaskEvent[],
    now?: Date,
  ): Promise<TaskEventRecord[]>;
  /**
   * Tells `tx` it holds the task's event counter at `seq`: the task's row was read after being
   * locked in it, so its next appends need no round trip of their own.
   */
  hold(tx: TransactionHandle, taskId: string, seq: number): Promise<void>;
  /** The counter `tx` holds for the task, if it holds it. */
  held(tx: TransactionHandle, taskId: string): Promise<number | undefined>;
  /** Events with seq > afterSeq, oldest first, at most `limit`. */
  read(taskId: string, afterSeq: number, limit: number): Promise<TaskEventRecord[]>;
}

/** Appends one event inside the caller's transaction. */
export async function appendEvent(
  deps: { events: TaskEventLog },
  tx: TransactionHandle,
  outbox: Message[],
  taskId: string,
  event: NewTaskEvent,
  now: Date = new Date(),
): Promise<TaskEventRecord> {
  const [row] = await deps.events.append(tx, outbox, taskId, [event], now);
  return row!;
}
