import type { ArtifactRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";

/** Where a task's artifacts are kept. */
export interface ArtifactStore {
  insertIn(tx: TransactionHandle, artifact: ArtifactRecord): Promise<void>;
  /** The artifacts of these tasks, oldest first. */
  ofTasks(taskIds: readonly string[]): Promise<ArtifactRecord[]>;
}
