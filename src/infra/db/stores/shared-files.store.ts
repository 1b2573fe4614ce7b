import { FileChangeRecord, FileLockRecord } from "../../../domain/records.js";
import type { Keyset } from "../../../domain/shared/pagination.js";
import type { LockRenewal, SharedFileStore } from "../../../domain/workspaces/shared-files.store.js";
import type { Database } from "../orm.js";
import { and, keysetOf, sql } from "../reader.js";
import { insertRows } from "../writer.js";

/** More levels than any delegation tree has (DELEGATION_MAX_DEPTH is at most 10). */
const MAX_SHARING_LEVELS = 16;

/** File locks and file changes on SQLite or PostgreSQL: each write one conditional statement. */
export class SqlSharedFileStore implements SharedFileStore {
  constructor(private readonly db: Database) {}

  async folderOwner(workspaceId: string): Promise<string> {
    let id = workspaceId;
    // One step per level of sharing; the tree's depth is bounded, the loop too.
    for (let level = 0; level < MAX_SHARING_LEVELS; level++) {
      const [parent] = await this.db
        .fork()
        .execute<Array<{ id: string }>>(
          "select pw.id as id from workspace w join task t on t.id = w.task_id " +
            "join workspace pw on pw.task_id = t.parent_id where w.id = ? and t.shared_folder is not null",
          [id],
        );
      if (!parent) return id;
      id = parent.id;
    }
    return id;
  }

  /** A datetime as a statement's parameter: epoch milliseconds on SQLite, a Date on PostgreSQL. */
  private at(d: Date): Date | number {
    return this.db.dialect === "sqlite" ? d.getTime() : d;
  }

  private async changed(text: string, params: unknown[]): Promise<number> {
    const res = (await this.db.fork().execute(text, params, "run")) as unknown as { affectedRows?: number };
    return res.affectedRows ?? 0;
  }

  deleteExpiredLocks(workspaceId: string, now: Date): Promise<number> {
    return this.changed("delete from file_lock where workspace_id = ? and expires_at <= ?", [
      workspaceId,
      this.at(now),
    ]);
  }

  async insertLock(l: FileLockRecord): Promise<boolean> {
    const n = await this.changed(
      `insert into file_lock (id, workspace_id, path, holder_key, holder_name, holder_agent_id, task_id,
         tool_call_id, expires_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (workspace_id, path) do nothing`,
      [
        l.id,
        l.workspaceId,
        l.path,
        l.holderKey,
        l.holderName,
        l.holderAgentId,
        l.taskId,
        l.toolCallId,
        this.at(l.expiresAt),
        this.at(l.createdAt),
        this.at(l.updatedAt),
      ],
    );
    return n > 0;
  }

  async renewLock(workspaceId: string, path: string, holderKey: string, r: LockRenewal): Promise<boolean> {
    const n = await this.changed(
      `update file_lock set expires_at = ?, tool_call_id = ?, task_id = ?, updated_at = ?
         where workspace_id = ? and path = ? and holder_key = ?`,
      [this.at(r.expiresAt), r.toolCallId, r.taskId, this.at(r.updatedAt), workspaceId, path, holderKey],
    );
    return n > 0;
  }

  async lockOn(workspaceId: string, path: string): Promise<FileLockRecord | null> {
    const [row] = await this.db.read.select(FileLockRecord, sql("workspace_id = ? and path = ?", [workspaceId, path]));
    return row ?? null;
  }

  activeLocks(workspaceId: string, now: Date, limit: number): Promise<FileLockRecord[]> {
    return this.db.read.select(
      FileLockRecord,
      sql("workspace_id = ? and expires_at > ?", [workspaceId, this.at(now)]),
      { orderBy: "id asc", limit },
    );
  }

  async deleteLock(workspaceId: string, path: string, holderKey: string): Promise<boolean> {
    const n = await this.changed("delete from file_lock where workspace_id = ? and path = ? and holder_key = ?", [
      workspaceId,
      path,
      holderKey,
    ]);
    return n > 0;
  }

  async deleteLockById(id: string): Promise<void> {
    await this.changed("delete from file_lock where id = ?", [id]);
  }

  async insertChange(change: FileChangeRecord): Promise<void> {
    await insertRows(this.db.fork(), FileChangeRecord, [change]);
  }

  changes(workspaceId: string, range: Keyset): Promise<FileChangeRecord[]> {
    const { where, orderBy, limit } = keysetOf(range);
    return this.db.read.select(FileChangeRecord, and(sql("workspace_id = ?", [workspaceId]), where), {
      orderBy,
      limit,
    });
  }

  countChanges(workspaceId: string): Promise<number> {
    return this.db.read.count(FileChangeRecord, sql("workspace_id = ?", [workspaceId]));
  }
}
