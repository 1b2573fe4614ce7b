import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import { conflict } from "../../../domain/errors.js";
import type { NotificationStore } from "../../../domain/notifications/notification.store.js";
import { NotificationRecord, NotificationSubscriptionRecord } from "../../../domain/records.js";
import type { Keyset } from "../../../domain/shared/pagination.js";
import type { TransactionHandle } from "../../../domain/shared/transaction.js";
import type { Database } from "../orm.js";
import { and, keysetOf, sql } from "../reader.js";

const em = (tx: TransactionHandle) => tx as SqlEntityManager;

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof UniqueConstraintViolationException ||
  (err as { code?: string }).code === "23505" ||
  /UNIQUE constraint failed/.test(String((err as Error).message));

/** Notification subscriptions and in-app notifications on SQLite or PostgreSQL; reads beside the writer. */
export class SqlNotificationStore implements NotificationStore {
  constructor(private readonly db: Database) {}

  async insertSubscription(tx: TransactionHandle, row: NotificationSubscriptionRecord): Promise<void> {
    await em(tx).insert(NotificationSubscriptionRecord, row);
  }

  async deleteSubscription(tx: TransactionHandle, id: string, ownerKeyId: string | null): Promise<boolean> {
    const where = ownerKeyId === null ? { id } : { id, ownerKeyId };
    return (await em(tx).nativeDelete(NotificationSubscriptionRecord, where)) > 0;
  }

  async setSubscriptionSecret(tx: TransactionHandle, id: string, secretId: string, at: Date): Promise<boolean> {
    const changed = await em(tx).nativeUpdate(
      NotificationSubscriptionRecord,
      { id, secretId: null },
      { secretId, updatedAt: at },
    );
    return changed > 0;
  }

  async touchSubscription(id: string, at: Date): Promise<void> {
    await this.db.fork().nativeUpdate(NotificationSubscriptionRecord, { id }, { updatedAt: at });
  }

  async getSubscription(id: string): Promise<NotificationSubscriptionRecord | null> {
    const [row] = await this.db.read.select(NotificationSubscriptionRecord, sql("id = ?", [id]));
    return row ?? null;
  }

  countSubscriptions(ownerKeyId: string | null): Promise<number> {
    return this.db.read.count(
      NotificationSubscriptionRecord,
      ownerKeyId === null ? null : sql("owner_key_id = ?", [ownerKeyId]),
    );
  }

  listSubscriptions(ownerKeyId: string | null, range: Keyset): Promise<NotificationSubscriptionRecord[]> {
    const { where, orderBy, limit } = keysetOf(range);
    const owner = ownerKeyId === null ? null : sql("owner_key_id = ?", [ownerKeyId]);
    return this.db.read.select(NotificationSubscriptionRecord, and(owner, where), { orderBy, limit });
  }

  async subscriptionsFor(event: string): Promise<NotificationSubscriptionRecord[]> {
    // The JSON list's text holds `"EVENT"` on both databases; the exact match is checked after.
    const rows = await this.db.read.select(
      NotificationSubscriptionRecord,
      // A revoked key is told nothing more.
      sql("cast(events as text) like ? and owner_key_id in (select id from api_key where revoked_at is null)", [
        `%"${event}"%`,
      ]),
      { orderBy: "id asc" },
    );
    return rows.filter((r) => r.events.includes(event));
  }

  async maxSeq(ownerKeyId: string, tx?: TransactionHandle): Promise<number> {
    if (tx) {
      const rows = (await em(tx).execute("select max(seq) as n from notification where owner_key_id = ?", [
        ownerKeyId,
      ])) as Array<{ n: unknown }>;
      return Number(rows[0]?.n ?? 0);
    }
    const [row] = await this.db.read.select(NotificationRecord, sql("owner_key_id = ?", [ownerKeyId]), {
      orderBy: "seq desc",
      limit: 1,
    });
    return row?.seq ?? 0;
  }

  async insertNotification(tx: TransactionHandle, row: NotificationRecord): Promise<boolean> {
    const taken = (await em(tx).execute("select 1 as x from notification where dedupe_key = ?", [
      row.dedupeKey,
    ])) as unknown[];
    if (taken.length > 0) return false;
    try {
      await em(tx).insert(NotificationRecord, row);
      return true;
    } catch (err) {
      // Another process numbered or recorded the same one meanwhile: the caller tries again.
      if (isUniqueViolation(err)) throw conflict("A notification was recorded concurrently");
      throw err;
    }
  }

  async dedupeKeyExists(key: string): Promise<boolean> {
    return (await this.db.read.count(NotificationRecord, sql("dedupe_key = ?", [key]))) > 0;
  }

  readAfter(ownerKeyId: string, afterSeq: number, limit: number): Promise<NotificationRecord[]> {
    return this.db.read.select(NotificationRecord, sql("owner_key_id = ? and seq > ?", [ownerKeyId, afterSeq]), {
      orderBy: "seq asc",
      limit,
    });
  }

  listNotifications(ownerKeyId: string, unreadOnly: boolean, range: Keyset): Promise<NotificationRecord[]> {
    const { where, orderBy, limit } = keysetOf(range);
    const owner = sql(`owner_key_id = ?${unreadOnly ? " and read_at is null" : ""}`, [ownerKeyId]);
    return this.db.read.select(NotificationRecord, and(owner, where), { orderBy, limit });
  }

  countNotifications(ownerKeyId: string, unreadOnly: boolean): Promise<number> {
    return this.db.read.count(
      NotificationRecord,
      sql(`owner_key_id = ?${unreadOnly ? " and read_at is null" : ""}`, [ownerKeyId]),
    );
  }

  async markRead(tx: TransactionHandle, ownerKeyId: string, ids: readonly string[] | null, at: Date): Promise<number> {
    if (ids !== null && ids.length === 0) return 0;
    const where = ids === null ? { ownerKeyId, readAt: null } : { ownerKeyId, readAt: null, id: { $in: [...ids] } };
    return em(tx).nativeUpdate(NotificationRecord, where, { readAt: at });
  }
}
