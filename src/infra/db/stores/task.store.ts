import type { SqlEntityManager } from "@mikro-orm/knex";
import { TaskMessageRecord, TaskRecord } from "../../../domain/records.js";
import type { Keyset } from "../../../domain/shared/pagination.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { TaskQuery, TaskStore } from "../../../domain/tasks/task.store.js";
import type { TaskStatus } from "../../../domain/terms.js";
import type { Database } from "../orm.js";
import { and, keysetOf, placeholders, sql } from "../reader.js";
import { execute, insertRows, selectRows, selectValues, updateRow } from "../writer.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

/** `text` for a LIKE pattern with `\` as the escape character: % _ and \ match themselves. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The conditions of a query, as SQL (null: every task). */
function whereOf(q: TaskQuery) {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (q.onlyAgent !== null) (conditions.push("assigned_agent_id = ?"), params.push(q.onlyAgent));
  if (q.statuses.length > 0)
    (conditions.push(`status in (${placeholders(q.statuses.length)})`), params.push(...q.statuses));
  if (q.agentId !== null) (conditions.push("assigned_agent_id = ?"), params.push(q.agentId));
  if (q.minPriority != null) (conditions.push("priority >= ?"), params.push(q.minPriority));
  if (q.search) {
    // lower() on both sides (SQLite's LIKE folds ASCII only, PostgreSQL's none); the text's own
    // % _ and \ are escaped so they match themselves.
    const pattern = `%${likeEscape(q.search.toLowerCase())}%`;
    conditions.push("(lower(title) like ? escape '\\' or lower(description) like ? escape '\\')");
    params.push(pattern, pattern);
  }
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
    // The writer's own statement: a child's outcome is written in the child's status change.
    await insertRows(em(tx), TaskMessageRecord, [message]);
  }

  async carveBudget(
    tx: TransactionHandle,
    id: string,
    share: { costUsd: number; tokens: number },
    spent: { costUsd: number; tokens: number },
  ): Promise<boolean> {
    const rows = await execute(
      em(tx),
      `update task set
         max_cost_usd = case when max_cost_usd is null then null else max_cost_usd - ? end,
         max_tokens = case when max_tokens is null then null else max_tokens - ? end
       where id = ? and (max_cost_usd is null or max_cost_usd - ? >= ?)
         and (max_tokens is null or max_tokens - ? >= ?)
       returning id`,
      [share.costUsd, share.tokens, id, spent.costUsd, share.costUsd, spent.tokens, share.tokens],
    );
    return rows.length > 0;
  }

  async returnBudget(
    tx: TransactionHandle,
    childId: string,
    parentId: string,
    amount: { costUsd: number; tokens: number },
  ): Promise<void> {
    const move = `update task set
         max_cost_usd = case when max_cost_usd is null then null else max_cost_usd + ? end,
         max_tokens = case when max_tokens is null then null else max_tokens + ? end
       where id = ?`;
    await execute(em(tx), move, [-amount.costUsd, -amount.tokens, childId]);
    await execute(em(tx), move, [amount.costUsd, amount.tokens, parentId]);
  }

  treeIn(tx: TransactionHandle, rootId: string, limit: number): Promise<TaskRecord[]> {
    return selectRows(em(tx), TaskRecord, sql("root_id = ? order by id", [rootId]), { limit });
  }

  tree(rootId: string, limit: number): Promise<TaskRecord[]> {
    return this.db.read.select(TaskRecord, sql("root_id = ?", [rootId]), { orderBy: "id asc", limit });
  }

  async childrenOf(parentIds: readonly string[]): Promise<TaskRecord[]> {
    if (parentIds.length === 0) return [];
    return this.db.read.select(TaskRecord, sql(`parent_id in (${placeholders(parentIds.length)})`, parentIds), {
      orderBy: "id asc",
      limit: 10_000,
    });
  }

  async overdueWaits(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db.read.select(
      TaskRecord,
      sql("waiting_for is not null and wait_until <= ?", [this.db.dialect === "sqlite" ? now.getTime() : now]),
      { orderBy: "id asc", limit },
    );
    return rows.map((r) => r.id);
  }

  pendingMessages(taskId: string): Promise<TaskMessageRecord[]> {
    return this.db.read.select(TaskMessageRecord, sql("task_id = ? and delivered_at is null", [taskId]), {
      orderBy: "id asc",
      limit: 100,
    });
  }
}
