import type { SqlEntityManager } from "@mikro-orm/knex";
import { defer, execute } from "../../infra/db/writer.js";
import type { Dialect } from "../../infra/db/orm.js";

/**
 * The assignment engine's statements. Every claim is ONE conditional UPDATE whose WHERE clause
 * re-checks what made the row eligible, so two transactions (in one process or in many) can
 * never both take the last free slot of an agent or both take one pending task. On PostgreSQL
 * the candidate is picked with FOR UPDATE SKIP LOCKED: concurrent claimers pick different rows
 * instead of queueing behind one. SQLite has one writer at a time, which serialises claims.
 */
export class AssignmentSql {
  constructor(private readonly dialect: Dialect) {}

  /** Dates as the ORM stores them: epoch milliseconds on SQLite, timestamptz on PostgreSQL. */
  ts(d: Date): Date | number {
    return this.dialect === "sqlite" ? d.getTime() : d;
  }

  private get skipLocked(): string {
    return this.dialect === "postgresql" ? " for update skip locked" : "";
  }

  /** Takes a slot of the least recently active AVAILABLE agent whose range fits; null when none fits. */
  async claimAgentFor(
    em: SqlEntityManager,
    complexity: number,
    now: Date,
  ): Promise<{ id: string; name: string } | null> {
    const rows = await em.execute<Array<{ id: string; name: string }>>(
      `update agent set active_tasks = active_tasks + 1,
         status = case when active_tasks + 1 >= max_concurrent_tasks then 'BUSY' else status end,
         last_active_at = ?, updated_at = ?
       where id = (select id from agent
                   where status = 'AVAILABLE' and active_tasks < max_concurrent_tasks
                     and min_complexity <= ? and max_complexity >= ?
                   order by last_active_at asc nulls first, id asc limit 1${this.skipLocked})
         and status = 'AVAILABLE' and active_tasks < max_concurrent_tasks
       returning id, name`,
      [this.ts(now), this.ts(now), complexity, complexity],
    );
    return rows[0] ?? null;
  }

  /** Takes a slot of one given agent if it is AVAILABLE, has room and fits; null otherwise. */
  async claimAgent(
    em: SqlEntityManager,
    agentId: string,
    complexity: number | null,
    now: Date,
  ): Promise<{ id: string; name: string; min_complexity: number; max_complexity: number } | null> {
    const fit = complexity === null ? "" : " and min_complexity <= ? and max_complexity >= ?";
    const rows = await em.execute<Array<{ id: string; name: string; min_complexity: number; max_complexity: number }>>(
      `update agent set active_tasks = active_tasks + 1,
         status = case when active_tasks + 1 >= max_concurrent_tasks then 'BUSY' else status end,
         last_active_at = ?, updated_at = ?
       where id = ? and status = 'AVAILABLE' and active_tasks < max_concurrent_tasks${fit}
       returning id, name, min_complexity, max_complexity`,
      [this.ts(now), this.ts(now), agentId, ...(complexity === null ? [] : [complexity, complexity])],
    );
    return rows[0] ?? null;
  }

  /** Gives a slot back (the task finished, failed, was cancelled or returned to the queue). */
  async releaseAgent(em: SqlEntityManager, agentId: string, now: Date): Promise<void> {
    const max = this.dialect === "postgresql" ? "greatest" : "max";
    // The writer's own statement: it runs in a direct transaction too (a status change's). Held
    // back: any later statement of the transaction (one reading the agent, say) is sent after it.
    await defer(
      em,
      `update agent set active_tasks = ${max}(active_tasks - 1, 0),
         status = case when status = 'BUSY' then 'AVAILABLE' else status end,
         last_active_at = ?, updated_at = ?
       where id = ?`,
      [this.ts(now), this.ts(now), agentId],
    );
  }

  /** Takes the pending task that fits the range, highest priority first, then oldest; null when none. */
  async claimPendingTask(
    em: SqlEntityManager,
    agentId: string,
    minComplexity: number,
    maxComplexity: number,
    now: Date,
  ): Promise<{ id: string; complexity: number } | null> {
    const rows = await em.execute<Array<{ id: string; complexity: number }>>(
      `update task set status = 'DESIGN', assigned_agent_id = ?, assigned_at = ?, updated_at = ?
       where id = (select id from task
                   where status = 'PENDING' and complexity >= ? and complexity <= ?
                   order by priority desc, id asc limit 1${this.skipLocked})
         and status = 'PENDING'
       returning id, complexity`,
      [agentId, this.ts(now), this.ts(now), minComplexity, maxComplexity],
    );
    return rows[0] ?? null;
  }

  /** Moves one given PENDING task to DESIGN for the agent; false when it is no longer PENDING. */
  async takeTask(em: SqlEntityManager, taskId: string, agentId: string, now: Date): Promise<boolean> {
    const rows = await em.execute<Array<{ id: string }>>(
      `update task set status = 'DESIGN', assigned_agent_id = ?, assigned_at = ?, updated_at = ?
       where id = ? and status = 'PENDING' returning id`,
      [agentId, this.ts(now), this.ts(now), taskId],
    );
    return rows.length > 0;
  }

  /** Agents whose last sign of life is older than the cutoff and that are not OFFLINE yet. */
  async silentAgents(em: SqlEntityManager, cutoff: Date): Promise<Array<{ id: string }>> {
    return em.execute<Array<{ id: string }>>(
      `select id from agent where status <> 'OFFLINE' and coalesce(last_heartbeat_at, created_at) < ? order by id`,
      [this.ts(cutoff)],
    );
  }

  /** Marks the agent OFFLINE if it is still silent; returns its name, or null if it spoke meanwhile. */
  async markOffline(em: SqlEntityManager, agentId: string, cutoff: Date, now: Date): Promise<string | null> {
    const rows = await em.execute<Array<{ name: string }>>(
      `update agent set status = 'OFFLINE', active_tasks = 0, updated_at = ?
       where id = ? and status <> 'OFFLINE' and coalesce(last_heartbeat_at, created_at) < ?
       returning name`,
      [this.ts(now), agentId, this.ts(cutoff)],
    );
    return rows[0]?.name ?? null;
  }

  /** Agents that can take work now (for the periodic sweep). */
  async agentsWithRoom(em: SqlEntityManager): Promise<Array<{ id: string }>> {
    return em.execute<Array<{ id: string }>>(
      `select id from agent where status = 'AVAILABLE' and active_tasks < max_concurrent_tasks
       order by last_active_at asc nulls first, id asc`,
    );
  }
}
