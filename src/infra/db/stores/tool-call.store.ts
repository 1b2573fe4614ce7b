import type { SqlEntityManager } from "@mikro-orm/knex";
import { CommandRunRecord, ToolCallRecord } from "../../../domain/records.js";
import type { Keyset } from "../../../domain/shared/pagination.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { ToolCallEnd, ToolCallStore } from "../../../domain/tools/tool-call.store.js";
import type { Database } from "../orm.js";
import { and, keysetOf, placeholders, sql } from "../reader.js";
import { insertRows } from "../writer.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

/** Tool calls on SQLite or PostgreSQL; reads beside the writer. */
export class SqlToolCallStore implements ToolCallStore {
  constructor(private readonly db: Database) {}

  async insert(tx: TransactionHandle | null, call: ToolCallRecord): Promise<void> {
    await insertRows(tx ? em(tx) : this.db.fork(), ToolCallRecord, [call]);
  }

  async finish(id: string, end: ToolCallEnd): Promise<void> {
    await this.db.fork().nativeUpdate(ToolCallRecord, { id }, end);
  }

  async markInterrupted(tx: TransactionHandle, id: string, at: Date): Promise<void> {
    await em(tx).nativeUpdate(
      ToolCallRecord,
      { id, status: "RUNNING" },
      { status: "FAILED", errorCode: "INTERRUPTED", errorMessage: "the worker running it stopped", finishedAt: at },
    );
    await em(tx).nativeUpdate(
      CommandRunRecord,
      { toolCallId: id, status: "RUNNING" },
      { status: "FAILED", finishedAt: at },
    );
  }

  async get(id: string): Promise<ToolCallRecord | null> {
    const [row] = await this.db.read.select(ToolCallRecord, sql("id = ?", [id]));
    return row ?? null;
  }

  byIds(ids: readonly string[]): Promise<ToolCallRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.read.select(ToolCallRecord, sql(`id in (${placeholders(ids.length)})`, ids));
  }

  async byInvocation(key: string): Promise<ToolCallRecord | null> {
    const [row] = await this.db.read.select(ToolCallRecord, sql("invocation_key = ?", [key]));
    return row ?? null;
  }

  page(taskId: string, range: Keyset): Promise<ToolCallRecord[]> {
    const { where, orderBy, limit } = keysetOf(range);
    return this.db.read.select(ToolCallRecord, and(sql("task_id = ?", [taskId]), where), { orderBy, limit });
  }

  count(taskId: string): Promise<number> {
    return this.db.read.count(ToolCallRecord, sql("task_id = ?", [taskId]));
  }
}
