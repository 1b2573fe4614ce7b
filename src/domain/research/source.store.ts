import type { CitationRecord, SourceRecord } from "../records.js";
import type { TransactionHandle } from "../shared/transaction.js";

/**
 * Where a task's sources and citations are kept (implemented in
 * src/infra/db/stores/source.store.ts). Lists are oldest first.
 */
export interface SourceStore {
  /** Stores sources, in the caller's transaction (all of them or none). */
  insertSources(tx: TransactionHandle, sources: readonly SourceRecord[]): Promise<void>;
  /** Stores citations, in the caller's transaction. */
  insertCitations(tx: TransactionHandle, citations: readonly CitationRecord[]): Promise<void>;
  sourcesOfTask(taskId: string, limit: number): Promise<SourceRecord[]>;
  countSources(taskId: string): Promise<number>;
  /** A task's citations, of one research run when `researchId` is given. */
  citationsOfTask(taskId: string, researchId: string | null, limit: number): Promise<CitationRecord[]>;
  sourcesByIds(ids: readonly string[]): Promise<SourceRecord[]>;
}
