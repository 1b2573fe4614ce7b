import type { FileChangeRecord, FileLockRecord } from "../records.js";
import type { Keyset } from "../shared/pagination.js";

/** The lock's fields a holder's re-lock sets. */
export type LockRenewal = Pick<FileLockRecord, "expiresAt" | "toolCallId" | "taskId" | "updatedAt">;

/**
 * Advisory file locks and attributed file changes of workspaces (implemented in
 * src/infra/db/stores). Each method is one statement, atomic on its own: the service composes them
 * so that two holders racing for overlapping paths never both end up holding.
 */
export interface SharedFileStore {
  /**
   * The workspace whose folder `workspaceId` works in: itself, or, for a delegated task that
   * shares its parent's folder (task.shared_folder set), the parent's (up the tree). Locks and
   * changes are kept under that one id, so every task in the folder sees the same ones.
   */
  folderOwner(workspaceId: string): Promise<string>;
  /** Deletes the workspace's locks that expired at `now`; how many. */
  deleteExpiredLocks(workspaceId: string, now: Date): Promise<number>;
  /** Inserts the lock unless its workspace and path have one already; whether it did. */
  insertLock(lock: FileLockRecord): Promise<boolean>;
  /** Renews the lock on `path` if `holderKey` holds it; whether it did. */
  renewLock(workspaceId: string, path: string, holderKey: string, renewal: LockRenewal): Promise<boolean>;
  /** The lock on exactly `path`, expired or not. */
  lockOn(workspaceId: string, path: string): Promise<FileLockRecord | null>;
  /** The workspace's locks that have not expired at `now`, oldest first, at most `limit`. */
  activeLocks(workspaceId: string, now: Date, limit: number): Promise<FileLockRecord[]>;
  /** Deletes the lock on `path` if `holderKey` holds it; whether it did. */
  deleteLock(workspaceId: string, path: string, holderKey: string): Promise<boolean>;
  deleteLockById(id: string): Promise<void>;
  insertChange(change: FileChangeRecord): Promise<void>;
  /** One keyset page of a workspace's changes. */
  changes(workspaceId: string, range: Keyset): Promise<FileChangeRecord[]>;
  countChanges(workspaceId: string): Promise<number>;
}
