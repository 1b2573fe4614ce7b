import type { SqlEntityManager } from "@mikro-orm/knex";
import { WorkspaceHolderRecord, WorkspaceRecord } from "../../../domain/records.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { WorkspaceStatus } from "../../../domain/terms.js";
import type { WorkspaceHolderStore } from "../../../domain/workspaces/workspace-holders.js";
import type { Database } from "../orm.js";
import { sql } from "../reader.js";

/** Workspace holders and their heartbeats on SQLite or PostgreSQL. */
export class SqlWorkspaceHolderStore implements WorkspaceHolderStore {
  constructor(private readonly db: Database) {}

  async beat(id: string, name: string, at: Date, started: boolean): Promise<void> {
    const em = this.db.fork();
    const n = await em.nativeUpdate(
      WorkspaceHolderRecord,
      { id },
      started ? { name, startedAt: at, heartbeatAt: at } : { heartbeatAt: at },
    );
    if (n > 0) return;
    await em.upsert(WorkspaceHolderRecord, { id, name, startedAt: at, heartbeatAt: at });
  }

  async heartbeatOf(id: string): Promise<Date | null> {
    const row = await this.db.fork().findOne(WorkspaceHolderRecord, { id }, { fields: ["heartbeatAt"] });
    return row?.heartbeatAt ?? null;
  }

  async orphaned(before: Date, limit: number): Promise<WorkspaceRecord[]> {
    const at = this.db.dialect === "sqlite" ? before.getTime() : before;
    return this.db.read.select(
      WorkspaceRecord,
      sql(
        "status = 'READY' and holder_id is not null and holder_id not in (select id from workspace_holder where heartbeat_at >= ?)",
        [at],
      ),
      { orderBy: "id asc", limit },
    );
  }

  async heldBy(holderId: string, status: WorkspaceStatus): Promise<WorkspaceRecord[]> {
    return this.db.read.select(WorkspaceRecord, sql("holder_id = ? and status = ?", [holderId, status]), {
      orderBy: "id asc",
      limit: 10_000,
    });
  }

  async setStatus(
    tx: TransactionHandle,
    id: string,
    from: WorkspaceStatus,
    to: WorkspaceStatus,
    at: Date,
  ): Promise<boolean> {
    const n = await (tx as SqlEntityManager).nativeUpdate(
      WorkspaceRecord,
      { id, status: from },
      { status: to, updatedAt: at },
    );
    return n > 0;
  }
}
