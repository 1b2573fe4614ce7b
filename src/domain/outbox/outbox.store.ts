import type { OutboxRecord } from "../records.js";
import type { OutboxKind } from "./outbox.types.js";

/** The outbox's rows. Every state change is one conditional statement, so two workers never both win. */
export interface OutboxStore {
  /** Inserts the row, or returns the one already holding its dedupe key (`created` false). */
  insert(row: OutboxRecord): Promise<{ row: OutboxRecord; created: boolean }>;
  get(id: string): Promise<OutboxRecord | null>;
  /**
   * QUEUED (or SENDING past its lease) → SENDING with a lease until `leaseUntil`, attempts + 1.
   * False when another claim holds it or it is SENT or FAILED.
   */
  claim(id: string, now: Date, leaseUntil: Date): Promise<boolean>;
  /** SENDING → SENT (only from SENDING: a late duplicate cannot undo it). */
  markSent(id: string, at: Date): Promise<void>;
  /** SENDING → QUEUED not before `nextAttemptAt`, or FAILED when `final`. */
  markFailed(id: string, error: string, nextAttemptAt: Date, final: boolean): Promise<void>;
  /** Rows that should be tried now: QUEUED and due, or SENDING past their lease. */
  due(now: Date, limit: number): Promise<Array<{ id: string; kind: OutboxKind }>>;
  /** Rows of `kind` queued since `since` (the rate limit). */
  countSince(kind: OutboxKind, since: Date): Promise<number>;
}
