import type { AgentRecord, TaskRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { AgentStatus, TaskStatus } from "../terms.js";
import type { Keyset } from "../shared/pagination.js";

/** Where agents live (implemented in src/infra/db/stores). Names are unique: a clash is CONFLICT. */
export interface AgentStore {
  insert(tx: TransactionHandle, agent: AgentRecord): Promise<void>;
  /** The agent as of `tx`, for a change in it. */
  getIn(tx: TransactionHandle, id: string): Promise<AgentRecord | null>;
  update(tx: TransactionHandle, id: string, changes: Partial<AgentRecord>): Promise<void>;
  get(id: string): Promise<AgentRecord | null>;
  /** The agent with this name (names are unique), or null. */
  byName(name: string): Promise<AgentRecord | null>;
  byIds(ids: readonly string[]): Promise<AgentRecord[]>;
  /** The tasks in `statuses` of each agent, newest first. */
  tasksOf(agentIds: readonly string[], statuses: readonly TaskStatus[]): Promise<TaskRecord[]>;
  /** One keyset page of the agents in `statuses` (any when empty). */
  page(statuses: readonly AgentStatus[], range: Keyset): Promise<AgentRecord[]>;
  count(statuses: readonly AgentStatus[]): Promise<number>;
}
