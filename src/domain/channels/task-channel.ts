import { newId } from "../ids.js";
import { ChannelRecord, type TaskRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { ChannelStore } from "./channel.store.js";
import { taskChannelName } from "./channel-terms.js";

/** A task's own channel, as it is made with the task (or later, for a task made before channels). */
export function taskChannelRow(task: Pick<TaskRecord, "id" | "title">, now: Date): ChannelRecord {
  return Object.assign(new ChannelRecord(), {
    id: newId(),
    kind: "TASK",
    name: taskChannelName(task.id),
    description: task.title,
    taskId: task.id,
    messageSeq: 0,
    createdByKeyId: null,
    createdAt: now,
    updatedAt: now,
  });
}

/** Makes the task's channel in the transaction that makes the task (TaskService.create). */
export async function openTaskChannel(
  store: Pick<ChannelStore, "insertChannel">,
  tx: TransactionHandle,
  task: Pick<TaskRecord, "id" | "title">,
  now: Date,
): Promise<void> {
  await store.insertChannel(tx, taskChannelRow(task, now));
}
