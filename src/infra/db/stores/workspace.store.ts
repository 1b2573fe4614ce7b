import type { SqlEntityManager } from "@mikro-orm/knex";
import { WorkspaceRecord } from "../../../domain/records.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { TaskStatus } from "../../../domain/terms.js";
import type { CreationOutcome, Placement, WorkspaceStore } from "../../../domain/workspaces/workspace.store.js";
import type { Database } from "../orm.js";
import { placeholders, sql } from "../reader.js";

/** The workspace store on SQLite or PostgreSQL. */
export class SqlWorkspaceStore implements WorkspaceStore {
  constructor(private readonly db: Database) {}

  async get(id: string): Promise<WorkspaceRecord | null> {
    const [row] = await this.db.read.select(WorkspaceRecord, sql("id = ?", [id]));
    return row ?? null;
  }

  async byTaskIds(taskIds: readonly string[]): Promise<Map<string, WorkspaceRecord>> {
    if (taskIds.length === 0) return new Map();
    const rows = await this.db.read.select(
      WorkspaceRecord,
      sql(`task_id in (${placeholders(taskIds.length)})`, taskIds),
    );
    return new Map(rows.map((w) => [w.taskId, w]));
  }

  async markCreated(
    tx: TransactionHandle,
    id: string,
    path: string,
    outcome: CreationOutcome,
    at: Date,
    placed: Placement,
  ): Promise<string | null> {
    const em = tx as SqlEntityManager;
    const n = await em.nativeUpdate(
      WorkspaceRecord,
      { id, path, status: "CREATING" },
      {
        status: outcome.ok ? "READY" : "FAILED",
        error: outcome.ok ? null : outcome.error.slice(0, 4000),
        path: placed.path,
        holderId: placed.holderId,
        updatedAt: at,
      },
    );
    if (n === 0) return null;
    const row = await em.findOneOrFail(WorkspaceRecord, { id }, { fields: ["taskId"] });
    return row.taskId;
  }

  async idleBuiltinTasks(statuses: readonly TaskStatus[], limit: number): Promise<string[]> {
    const rows = await this.db.fork().execute<Array<{ id: string }>>(
      `select t.id from task t
         join agent a on a.id = t.assigned_agent_id
         join workspace w on w.task_id = t.id
         where t.status in (${placeholders(statuses.length)}) and t.paused_at is null
           and t.approval_requested_at is null and t.waiting_for is null and a.kind = 'BUILTIN' and w.status = 'READY'
         order by t.id limit ?`,
      [...statuses, limit],
      "all",
    );
    return rows.map((r) => r.id);
  }

  async activeTasksOf(agentId: string, statuses: readonly TaskStatus[]): Promise<string[]> {
    const rows = await this.db.fork().execute<Array<{ id: string }>>(
      `select t.id from task t
         join workspace w on w.task_id = t.id and w.agent_id = t.assigned_agent_id
         where t.assigned_agent_id = ? and t.status in (${placeholders(statuses.length)})
           and w.status = 'READY'
         order by t.id`,
      [agentId, ...statuses],
      "all",
    );
    return rows.map((r) => r.id);
  }

  async stuck(before: Date, limit: number): Promise<WorkspaceRecord[]> {
    const at = this.db.dialect === "sqlite" ? before.getTime() : before;
    return this.db.read.select(WorkspaceRecord, sql("status = 'CREATING' and updated_at < ?", [at]), {
      orderBy: "updated_at asc",
      limit,
    });
  }
}
