import type { SqlEntityManager } from "@mikro-orm/knex";
import { AgentRecord, TaskRecord } from "../../../domain/records.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { Json } from "../../../domain/terms.js";
import type { ToolPolicyStore } from "../../../domain/tools/tool-policy.store.js";
import type { Database } from "../orm.js";

/** Command-policy overrides, a column of the agent's and of the task's row. */
export class SqlToolPolicyStore implements ToolPolicyStore {
  constructor(private readonly db: Database) {}

  async overrides(agentId: string, taskId: string): Promise<[Json, Json]> {
    const [agent, task] = await Promise.all([
      this.db.fork().findOne(AgentRecord, { id: agentId }, { fields: ["toolPolicy"] }),
      this.db.fork().findOne(TaskRecord, { id: taskId }, { fields: ["toolPolicy"] }),
    ]);
    return [agent?.toolPolicy ?? null, task?.toolPolicy ?? null];
  }

  async set(tx: TransactionHandle, kind: "agent" | "task", id: string, policy: Json): Promise<boolean> {
    const entity = kind === "agent" ? AgentRecord : TaskRecord;
    return (
      (await (tx as SqlEntityManager).nativeUpdate(entity as typeof AgentRecord, { id }, { toolPolicy: policy })) > 0
    );
  }
}
