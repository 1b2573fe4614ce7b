import type { SqlEntityManager } from "@mikro-orm/knex";
import { CitationRecord, SourceRecord } from "../../../domain/records.js";
import type { SourceStore } from "../../../domain/research/source.store.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { Database } from "../orm.js";
import { and, placeholders, sql } from "../reader.js";
import { insertRows } from "../writer.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

/** A task's sources and citations on SQLite or PostgreSQL; reads beside the writer. */
export class SqlSourceStore implements SourceStore {
  constructor(private readonly db: Database) {}

  async insertSources(tx: TransactionHandle, sources: readonly SourceRecord[]): Promise<void> {
    await insertRows(em(tx), SourceRecord, sources);
  }

  async insertCitations(tx: TransactionHandle, citations: readonly CitationRecord[]): Promise<void> {
    await insertRows(em(tx), CitationRecord, citations);
  }

  sourcesOfTask(taskId: string, limit: number): Promise<SourceRecord[]> {
    return this.db.read.select(SourceRecord, sql("task_id = ?", [taskId]), { orderBy: "id asc", limit });
  }

  countSources(taskId: string): Promise<number> {
    return this.db.read.count(SourceRecord, sql("task_id = ?", [taskId]));
  }

  citationsOfTask(taskId: string, researchId: string | null, limit: number): Promise<CitationRecord[]> {
    const where = and(sql("task_id = ?", [taskId]), researchId === null ? null : sql("research_id = ?", [researchId]));
    return this.db.read.select(CitationRecord, where, { orderBy: "id asc", limit });
  }

  sourcesByIds(ids: readonly string[]): Promise<SourceRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.read.select(SourceRecord, sql(`id in (${placeholders(ids.length)})`, ids));
  }
}
