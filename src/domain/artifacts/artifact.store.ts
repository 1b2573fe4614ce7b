import type { ArtifactRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";

/** Where a task's artifacts are kept. */
export interface ArtifactStore {
  insertIn(tx: TransactionHandle, artifact: ArtifactRecord): Promise<void>;
  /** Removes the task's artifact at `path`, if any (a file made again replaces its record). */
  deleteAtPath(tx: TransactionHandle, taskId: string, path: string): Promise<void>;
  /** The artifacts of these tasks, oldest first. */
  ofTasks(taskIds: readonly string[]): Promise<ArtifactRecord[]>;
}
