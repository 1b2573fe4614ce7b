import type { SqlEntityManager } from "@mikro-orm/knex";
import type { ArtifactStore } from "../../../domain/artifacts/artifact.store.js";
import { ArtifactRecord } from "../../../domain/records.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { Database } from "../orm.js";
import { placeholders, sql } from "../reader.js";
import { insertRows } from "../writer.js";

/** Artifacts on SQLite or PostgreSQL: written in the caller's transaction, read beside the writer. */
export class SqlArtifactStore implements ArtifactStore {
  constructor(private readonly db: Database) {}

  async insertIn(tx: TransactionHandle, artifact: ArtifactRecord): Promise<void> {
    await insertRows(tx as SqlEntityManager, ArtifactRecord, [artifact]);
  }

  async deleteAtPath(tx: TransactionHandle, taskId: string, path: string): Promise<void> {
    await (tx as SqlEntityManager).nativeDelete(ArtifactRecord, { taskId, path });
  }

  ofTasks(taskIds: readonly string[]): Promise<ArtifactRecord[]> {
    if (taskIds.length === 0) return Promise.resolve([]);
    return this.db.read.select(ArtifactRecord, sql(`task_id in (${placeholders(taskIds.length)})`, taskIds), {
      orderBy: "id asc",
    });
  }
}
