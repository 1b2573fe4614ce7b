import type { ToolCallRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";
import type { Keyset } from "../shared/pagination.js";

/** How a tool call ended. */
export type ToolCallEnd = Pick<ToolCallRecord, "status" | "errorCode" | "errorMessage" | "finishedAt" | "durationMs">;

/** Where tool calls are recorded (implemented in src/infra/db/stores). */
export interface ToolCallStore {
  /** Records a call that starts, in `tx` (with its task event) or on its own when null. */
  insert(tx: TransactionHandle | null, call: ToolCallRecord): Promise<void>;
  finish(id: string, end: ToolCallEnd): Promise<void>;
  /**
   * A call still RUNNING whose worker died: FAILED with code INTERRUPTED, and the command it had
   * started with it, in one transaction.
   */
  markInterrupted(tx: TransactionHandle, id: string, at: Date): Promise<void>;
  get(id: string): Promise<ToolCallRecord | null>;
  /** The calls with these ids (those that exist), in no particular order. */
  byIds(ids: readonly string[]): Promise<ToolCallRecord[]>;
  byInvocation(key: string): Promise<ToolCallRecord | null>;
  /** One keyset page of a task's calls. */
  page(taskId: string, range: Keyset): Promise<ToolCallRecord[]>;
  count(taskId: string): Promise<number>;
}
