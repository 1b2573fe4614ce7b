import type { TransactionHandle } from "../shared/transaction.js";
import type { Json } from "../terms.js";

/** Where agents' and tasks' command-policy overrides live (implemented in src/infra/db/stores). */
export interface ToolPolicyStore {
  /** The agent's override and the task's, in that order (null where there is none). */
  overrides(agentId: string, taskId: string): Promise<[Json, Json]>;
  /** Sets (or with null clears) one override, in `tx`; false when there is no such agent or task. */
  set(tx: TransactionHandle, kind: "agent" | "task", id: string, policy: Json): Promise<boolean>;
}
