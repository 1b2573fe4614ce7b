import { OutboxRecord } from "../../../domain/records.js";
import type { OutboxStore } from "../../../domain/outbox/outbox.store.js";
import type { OutboxKind } from "../../../domain/outbox/outbox.types.js";
import type { Database } from "../orm.js";
import { sql } from "../reader.js";

/** The outbox on SQLite or PostgreSQL: each transition one conditional statement. */
export class SqlOutboxStore implements OutboxStore {
  constructor(private readonly db: Database) {}

  private at(d: Date): Date | number {
    return this.db.dialect === "sqlite" ? d.getTime() : d;
  }

  private async run<T>(text: string, params: unknown[], mode: "all" | "run" = "all"): Promise<T> {
    return (await this.db.fork().execute(text, params, mode)) as unknown as T;
  }

  async insert(row: OutboxRecord): Promise<{ row: OutboxRecord; created: boolean }> {
    const inserted = await this.run<Array<{ id: string }>>(
      `insert into outbox (id, kind, status, attempts, next_attempt_at, last_error, message_id, payload, task_id,
         dedupe_key, created_at, sent_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (dedupe_key) do nothing returning id`,
      [
        row.id,
        row.kind,
        row.status,
        row.attempts,
        this.at(row.nextAttemptAt),
        row.lastError,
        row.messageId,
        JSON.stringify(row.payload),
        row.taskId,
        row.dedupeKey,
        this.at(row.createdAt),
        row.sentAt ? this.at(row.sentAt) : null,
      ],
    );
    if (inserted.length > 0) return { row, created: true };
    const [existing] = await this.db.read.select(OutboxRecord, sql("dedupe_key = ?", [row.dedupeKey]));
    if (!existing) throw new Error("outbox row vanished after a dedupe conflict");
    return { row: existing, created: false };
  }

  async get(id: string): Promise<OutboxRecord | null> {
    const [row] = await this.db.read.select(OutboxRecord, sql("id = ?", [id]));
    return row ?? null;
  }

  async claim(id: string, now: Date, leaseUntil: Date): Promise<boolean> {
    const rows = await this.run<Array<{ id: string }>>(
      `update outbox set status = 'SENDING', attempts = attempts + 1, next_attempt_at = ?
         where id = ? and (status = 'QUEUED' or (status = 'SENDING' and next_attempt_at <= ?)) returning id`,
      [this.at(leaseUntil), id, this.at(now)],
    );
    return rows.length > 0;
  }

  async markSent(id: string, at: Date): Promise<void> {
    await this.run(
      `update outbox set status = 'SENT', sent_at = ?, last_error = null where id = ? and status = 'SENDING'`,
      [this.at(at), id],
      "run",
    );
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date, final: boolean): Promise<void> {
    await this.run(
      `update outbox set status = ?, last_error = ?, next_attempt_at = ? where id = ? and status = 'SENDING'`,
      [final ? "FAILED" : "QUEUED", error, this.at(nextAttemptAt), id],
      "run",
    );
  }

  async due(now: Date, limit: number): Promise<Array<{ id: string; kind: OutboxKind }>> {
    // Ids only: a row's payload may hold megabytes of attachments.
    return this.run<Array<{ id: string; kind: OutboxKind }>>(
      `select id, kind from outbox where status in ('QUEUED', 'SENDING') and next_attempt_at <= ?
         order by next_attempt_at limit ?`,
      [this.at(now), limit],
    );
  }

  async countSince(kind: OutboxKind, since: Date): Promise<number> {
    return this.db.read.count(OutboxRecord, sql("kind = ? and created_at >= ?", [kind, this.at(since)]));
  }
}
