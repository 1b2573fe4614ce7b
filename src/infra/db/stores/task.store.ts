import type { SqlEntityManager } from "@mikro-orm/knex";
import { TaskMessageRecord, TaskRecord } from "../../../domain/records.js";
import type { Keyset } from "../../../domain/shared/pagination.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { TaskQuery, TaskStore } from "../../../domain/tasks/task.store.js";
import type { TaskStatus } from "../../../domain/terms.js";
import type { Database } from "../orm.js";
import { and, keysetOf, placeholders, sql } from "../reader.js";
import { selectRows, selectValues, updateRow } from "../writer.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

/** The conditions of a query, as SQL (null: every task). */
function whereOf(q: TaskQuery) {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (q.onlyAgent !== null) (conditions.push("assigned_agent_id = ?"), params.push(q.onlyAgent));
  if (q.statuses.length > 0)
    (conditions.push(`status in (${placeholders(q.statuses.length)})`), params.push(...q.statuses));
  if (q.agentId !== null) (conditions.push("assigned_agent_id = ?"), params.push(q.agentId));
  return conditions.length > 0 ? sql(conditions.join(" and "), params) : null;
}

/** The task store on SQLite or PostgreSQL, its hot writes through the batching writer. */
export class SqlTaskStore implements TaskStore {
  constructor(private readonly db: Database) {}

  async insert(tx: TransactionHandle, task: TaskRecord): Promise<void> {
    await em(tx).insert(TaskRecord, task);
  }

  async lockedIn(tx: TransactionHandle, id: string, known?: TaskRecord | null): Promise<TaskRecord | null> {
    const [task] = await selectRows(em(tx), TaskRecord, sql("id = ?", [id]), {
      forUpdate: true,
      known: known?.id === id ? known : null,
    });
    return task ?? null;
  }

  ownerIn(tx: TransactionHandle, id: string): Promise<Pick<TaskRecord, "id" | "assignedAgentId"> | null> {
    return em(tx).findOne(TaskRecord, { id }, { fields: ["id", "assignedAgentId"] });
  }

  async existsIn(tx: TransactionHandle, id: string): Promise<boolean> {
    return (await em(tx).findOne(TaskRecord, { id }, { fields: ["id"] })) !== null;
  }

  async update(tx: TransactionHandle, id: string, changes: Partial<TaskRecord>): Promise<void> {
    await updateRow(em(tx), TaskRecord, id, changes);
  }

  async agentRequiresApproval(tx: TransactionHandle, agentId: string, known?: boolean): Promise<boolean> {
    const agent = await selectValues(em(tx), "agent", "id", agentId, ["requires_approval"], {
      known: known === undefined ? undefined : { requires_approval: known },
    });
    const v = agent?.requires_approval;
    return v === true || v === 1;
  }

  async get(id: string): Promise<TaskRecord | null> {
    const [row] = await this.db.read.select(TaskRecord, sql("id = ?", [id]));
    return row ?? null;
  }

  async byIds(ids: readonly string[]): Promise<TaskRecord[]> {
    if (ids.length === 0) return [];
    return this.db.read.select(TaskRecord, sql(`id in (${placeholders(ids.length)})`, ids));
  }

  async eventSeq(id: string): Promise<number> {
    return (await this.db.fork().findOne(TaskRecord, { id }, { fields: ["eventSeq"] }))?.eventSeq ?? 0;
  }

  page(query: TaskQuery, range: Keyset): Promise<TaskRecord[]> {
    const { where, orderBy, limit } = keysetOf(range);
    return this.db.read.select(TaskRecord, and(whereOf(query), where), { orderBy, limit });
  }

  count(query: TaskQuery): Promise<number> {
    return this.db.read.count(TaskRecord, whereOf(query));
  }

  heldBy(agentId: string, statuses: readonly TaskStatus[], limit: number): Promise<TaskRecord[]> {
    return this.db.read.select(
      TaskRecord,
      sql(`assigned_agent_id = ? and status in (${placeholders(statuses.length)})`, [agentId, ...statuses]),
      { orderBy: "id asc", limit },
    );
  }

  async insertMessage(tx: TransactionHandle, message: TaskMessageRecord): Promise<void> {
    await em(tx).insert(TaskMessageRecord, message);
  }

  pendingMessages(taskId: string): Promise<TaskMessageRecord[]> {
    return this.db.read.select(TaskMessageRecord, sql("task_id = ? and delivered_at is null", [taskId]), {
      orderBy: "id asc",
      limit: 100,
    });
  }
}
