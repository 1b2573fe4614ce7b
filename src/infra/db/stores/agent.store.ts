import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { AgentStore } from "../../../domain/agents/agent.store.js";
import { conflict } from "../../../domain/errors.js";
import { AgentRecord, TaskRecord } from "../../../domain/records.js";
import type { Keyset } from "../../../domain/shared/pagination.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { AgentStatus, TaskStatus } from "../../../domain/terms.js";
import type { Database } from "../orm.js";
import { and, keysetOf, placeholders, sql } from "../reader.js";

/** A clash on the unique name, as the domain says it. */
async function uniqueName<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      throw conflict("An agent with this name already exists", "name");
    }
    throw err;
  }
}

const statusWhere = (statuses: readonly AgentStatus[]) =>
  statuses.length > 0 ? { text: `status in (${placeholders(statuses.length)})`, params: [...statuses] } : null;

/** The agent store on SQLite or PostgreSQL. */
export class SqlAgentStore implements AgentStore {
  constructor(private readonly db: Database) {}

  async insert(tx: TransactionHandle, agent: AgentRecord): Promise<void> {
    await uniqueName(() => (tx as SqlEntityManager).insert(AgentRecord, agent));
  }

  getIn(tx: TransactionHandle, id: string): Promise<AgentRecord | null> {
    return (tx as SqlEntityManager).findOne(AgentRecord, { id });
  }

  async update(tx: TransactionHandle, id: string, changes: Partial<AgentRecord>): Promise<void> {
    await uniqueName(() => (tx as SqlEntityManager).nativeUpdate(AgentRecord, { id }, changes));
  }

  async get(id: string): Promise<AgentRecord | null> {
    const [row] = await this.db.read.select(AgentRecord, sql("id = ?", [id]));
    return row ?? null;
  }

  async byName(name: string): Promise<AgentRecord | null> {
    const [row] = await this.db.read.select(AgentRecord, sql("name = ?", [name]));
    return row ?? null;
  }

  async byIds(ids: readonly string[]): Promise<AgentRecord[]> {
    if (ids.length === 0) return [];
    return this.db.read.select(AgentRecord, sql(`id in (${placeholders(ids.length)})`, ids));
  }

  async tasksOf(agentIds: readonly string[], statuses: readonly TaskStatus[]): Promise<TaskRecord[]> {
    if (agentIds.length === 0) return [];
    return this.db.read.select(
      TaskRecord,
      sql(`assigned_agent_id in (${placeholders(agentIds.length)}) and status in (${placeholders(statuses.length)})`, [
        ...agentIds,
        ...statuses,
      ]),
      { orderBy: "id desc" },
    );
  }

  page(statuses: readonly AgentStatus[], range: Keyset): Promise<AgentRecord[]> {
    const { where, orderBy, limit } = keysetOf(range);
    return this.db.read.select(AgentRecord, and(statusWhere(statuses), where), { orderBy, limit });
  }

  count(statuses: readonly AgentStatus[]): Promise<number> {
    const w = statusWhere(statuses);
    return this.db.read.count(AgentRecord, w ? sql(w.text, w.params) : null);
  }
}
