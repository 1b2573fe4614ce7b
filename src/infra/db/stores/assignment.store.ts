import { LockMode } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { AssignmentStore, ClaimedAgent } from "../../../domain/assignment/assignment.store.js";
import { newId } from "../../../domain/ids.js";
import { AgentRecord, TaskRecord, WorkspaceRecord } from "../../../domain/records.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { TaskStatus } from "../../../domain/terms.js";
import type { Database } from "../orm.js";
import { sql } from "../reader.js";
import { defer } from "../writer.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

type AgentRow = { id: string; name: string; min_complexity: number; max_complexity: number };
const claimed = (rows: AgentRow[]): ClaimedAgent | null => {
  const r = rows[0];
  return r ? { id: r.id, name: r.name, minComplexity: r.min_complexity, maxComplexity: r.max_complexity } : null;
};

/**
 * The assignment engine's statements on SQLite or PostgreSQL. Every claim is ONE conditional
 * UPDATE whose WHERE clause re-checks what made the row eligible, so two transactions (in one
 * process or in many) can never both take the last free slot of an agent or both take one
 * pending task. On PostgreSQL the candidate is picked with FOR UPDATE SKIP LOCKED: concurrent
 * claimers pick different rows instead of queueing behind one. SQLite has one writer at a time,
 * which serialises claims.
 */
export class SqlAssignmentStore implements AssignmentStore {
  constructor(private readonly db: Database) {}

  /** Dates as the ORM stores them: epoch milliseconds on SQLite, timestamptz on PostgreSQL. */
  private ts(d: Date): Date | number {
    return this.db.dialect === "sqlite" ? d.getTime() : d;
  }

  private get pg(): boolean {
    return this.db.dialect === "postgresql";
  }

  private get skipLocked(): string {
    return this.pg ? " for update skip locked" : "";
  }

  async claimAgentFor(
    tx: TransactionHandle,
    complexity: number,
    now: Date,
    excludeAgentId: string | null = null,
  ): Promise<ClaimedAgent | null> {
    const other = excludeAgentId ? " and id <> ?" : "";
    const rows = await em(tx).execute<AgentRow[]>(
      `update agent set active_tasks = active_tasks + 1,
         status = case when active_tasks + 1 >= max_concurrent_tasks then 'BUSY' else status end,
         last_active_at = ?, updated_at = ?
       where id = (select id from agent
                   where status = 'AVAILABLE' and active_tasks < max_concurrent_tasks
                     and min_complexity <= ? and max_complexity >= ?${other}
                   order by last_active_at asc nulls first, id asc limit 1${this.skipLocked})
         and status = 'AVAILABLE' and active_tasks < max_concurrent_tasks
       returning id, name, min_complexity, max_complexity`,
      [this.ts(now), this.ts(now), complexity, complexity, ...(excludeAgentId ? [excludeAgentId] : [])],
    );
    return claimed(rows);
  }

  async claimAgent(
    tx: TransactionHandle,
    agentId: string,
    complexity: number | null,
    now: Date,
  ): Promise<ClaimedAgent | null> {
    const fit = complexity === null ? "" : " and min_complexity <= ? and max_complexity >= ?";
    const rows = await em(tx).execute<AgentRow[]>(
      `update agent set active_tasks = active_tasks + 1,
         status = case when active_tasks + 1 >= max_concurrent_tasks then 'BUSY' else status end,
         last_active_at = ?, updated_at = ?
       where id = ? and status = 'AVAILABLE' and active_tasks < max_concurrent_tasks${fit}
       returning id, name, min_complexity, max_complexity`,
      [this.ts(now), this.ts(now), agentId, ...(complexity === null ? [] : [complexity, complexity])],
    );
    return claimed(rows);
  }

  async releaseAgent(tx: TransactionHandle, agentId: string, now: Date): Promise<void> {
    const max = this.pg ? "greatest" : "max";
    // The writer's own statement: it runs in a direct transaction too (a status change's). Held
    // back: any later statement of the transaction (one reading the agent, say) is sent after it.
    await defer(
      em(tx),
      `update agent set active_tasks = ${max}(active_tasks - 1, 0),
         status = case when status = 'BUSY' then 'AVAILABLE' else status end,
         last_active_at = ?, updated_at = ?
       where id = ?`,
      [this.ts(now), this.ts(now), agentId],
    );
  }

  async claimPendingTask(
    tx: TransactionHandle,
    agentId: string,
    minComplexity: number,
    maxComplexity: number,
    now: Date,
  ): Promise<{ id: string; complexity: number } | null> {
    const rows = await em(tx).execute<Array<{ id: string; complexity: number }>>(
      `update task set status = 'DESIGN', assigned_agent_id = ?, assigned_at = ?, updated_at = ?
       where id = (select id from task
                   where status = 'PENDING' and complexity >= ? and complexity <= ?
                     and (delegated_by is null or delegated_by <> ?)
                   order by priority desc, id asc limit 1${this.skipLocked})
         and status = 'PENDING'
       returning id, complexity`,
      [agentId, this.ts(now), this.ts(now), minComplexity, maxComplexity, agentId],
    );
    return rows[0] ?? null;
  }

  async takeTask(tx: TransactionHandle, taskId: string, agentId: string, now: Date): Promise<boolean> {
    const rows = await em(tx).execute<Array<{ id: string }>>(
      `update task set status = 'DESIGN', assigned_agent_id = ?, assigned_at = ?, updated_at = ?
       where id = ? and status = 'PENDING' returning id`,
      [agentId, this.ts(now), this.ts(now), taskId],
    );
    return rows.length > 0;
  }

  async requeueTask(tx: TransactionHandle, taskId: string, now: Date): Promise<void> {
    await em(tx).nativeUpdate(
      TaskRecord,
      { id: taskId },
      { status: "PENDING", assignedAgentId: null, assignedAt: null, updatedAt: now },
    );
  }

  async lockTask(tx: TransactionHandle, taskId: string): Promise<TaskRecord | null> {
    const rows = await em(tx).execute<Array<{ id: string }>>(
      `select id from task where id = ?${this.pg ? " for update" : ""}`,
      [taskId],
    );
    if (rows.length === 0) return null;
    return em(tx).findOne(TaskRecord, { id: taskId }, { refresh: true });
  }

  async pendingComplexity(tx: TransactionHandle, taskId: string): Promise<number | null> {
    const task = await em(tx).findOne(TaskRecord, { id: taskId }, { fields: ["id", "status", "complexity"] });
    return task?.status === "PENDING" ? task.complexity : null;
  }

  async pendingPlacement(
    tx: TransactionHandle,
    taskId: string,
  ): Promise<{ complexity: number; delegatedBy: string | null } | null> {
    const task = await em(tx).findOne(
      TaskRecord,
      { id: taskId },
      { fields: ["id", "status", "complexity", "delegatedBy"] },
    );
    return task?.status === "PENDING" ? { complexity: task.complexity, delegatedBy: task.delegatedBy ?? null } : null;
  }

  async sharedWorkspacePath(tx: TransactionHandle, taskId: string): Promise<string | null> {
    const rows = await em(tx).execute<Array<{ path: string }>>(
      `select w.path from task t join workspace w on w.task_id = t.parent_id
         where t.id = ? and t.shared_folder is not null`,
      [taskId],
    );
    return rows[0]?.path ?? null;
  }

  agentIn(tx: TransactionHandle, agentId: string, lock = false): Promise<AgentRecord | null> {
    return em(tx).findOne(
      AgentRecord,
      { id: agentId },
      lock && this.pg ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {},
    );
  }

  async updateAgent(tx: TransactionHandle, agentId: string, changes: Partial<AgentRecord>): Promise<void> {
    await em(tx).nativeUpdate(AgentRecord, { id: agentId }, changes);
  }

  tasksOf(tx: TransactionHandle, agentId: string, statuses: readonly TaskStatus[]): Promise<TaskRecord[]> {
    return em(tx).find(
      TaskRecord,
      { assignedAgentId: agentId, status: { $in: [...statuses] } },
      { orderBy: { id: "asc" } },
    );
  }

  async markOffline(tx: TransactionHandle, agentId: string, cutoff: Date, now: Date): Promise<string | null> {
    const rows = await em(tx).execute<Array<{ name: string }>>(
      `update agent set status = 'OFFLINE', active_tasks = 0, updated_at = ?
       where id = ? and status <> 'OFFLINE' and coalesce(last_heartbeat_at, created_at) < ?
       returning name`,
      [this.ts(now), agentId, this.ts(cutoff)],
    );
    return rows[0]?.name ?? null;
  }

  async placeWorkspace(
    tx: TransactionHandle,
    taskId: string,
    agentId: string,
    path: string,
    now: Date,
  ): Promise<string> {
    const existing = await em(tx).findOne(WorkspaceRecord, { taskId }, { fields: ["id"] });
    if (existing) {
      await em(tx).nativeUpdate(
        WorkspaceRecord,
        { id: existing.id },
        { agentId, path, status: "CREATING", error: null, holderId: null, updatedAt: now },
      );
      return existing.id;
    }
    const id = newId();
    await em(tx).insert(WorkspaceRecord, {
      id,
      path,
      taskId,
      agentId,
      status: "CREATING",
      error: null,
      holderId: null,
      createdAt: now,
      updatedAt: now,
    });
    return id;
  }

  async anyPending(): Promise<boolean> {
    // Beside the writer: most of the time nothing waits, and a reader does not queue behind writes.
    const [waiting] = await this.db.read.select(TaskRecord, sql("status = ?", ["PENDING"]), { limit: 1 });
    return waiting !== undefined;
  }

  async silentAgents(cutoff: Date): Promise<string[]> {
    const rows = await this.db
      .fork()
      .execute<Array<{ id: string }>>(
        `select id from agent where status <> 'OFFLINE' and coalesce(last_heartbeat_at, created_at) < ? order by id`,
        [this.ts(cutoff)],
      );
    return rows.map((r) => r.id);
  }

  async agentsWithRoom(): Promise<string[]> {
    const rows = await this.db.fork().execute<Array<{ id: string }>>(
      `select id from agent where status = 'AVAILABLE' and active_tasks < max_concurrent_tasks
       order by last_active_at asc nulls first, id asc`,
    );
    return rows.map((r) => r.id);
  }

  async heartbeatBuiltins(now: Date): Promise<string[]> {
    const fork = this.db.fork();
    await fork.execute(`update agent set last_heartbeat_at = ? where kind = 'BUILTIN'`, [this.ts(now)]);
    const back = await fork.execute<Array<{ id: string }>>(
      `update agent set status = 'AVAILABLE', active_tasks = 0, updated_at = ?
       where kind = 'BUILTIN' and status = 'OFFLINE' returning id`,
      [this.ts(now)],
    );
    return back.map((a) => a.id);
  }
}
