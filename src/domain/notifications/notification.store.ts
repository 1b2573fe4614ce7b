import type { NotificationRecord, NotificationSubscriptionRecord } from "../records.js";
import type { Keyset } from "../shared/pagination.js";
import type { TransactionHandle } from "../shared/transaction.js";

/** Subscriptions and in-app notifications (implemented in src/infra/db/stores/notification.store.ts). */
export interface NotificationStore {
  insertSubscription(tx: TransactionHandle, row: NotificationSubscriptionRecord): Promise<void>;
  /** Deletes one of `ownerKeyId`'s subscriptions (any owner's when null); false when there was none. */
  deleteSubscription(tx: TransactionHandle, id: string, ownerKeyId: string | null): Promise<boolean>;
  /** Gives a subscription without one its own signing secret; false when it has one already (or is gone). */
  setSubscriptionSecret(tx: TransactionHandle, id: string, secretId: string, at: Date): Promise<boolean>;
  /** Marks a subscription changed (its secret's value was replaced). */
  touchSubscription(id: string, at: Date): Promise<void>;
  getSubscription(id: string): Promise<NotificationSubscriptionRecord | null>;
  countSubscriptions(ownerKeyId: string | null): Promise<number>;
  /** A page of subscriptions, of one owner or (null) of all. */
  listSubscriptions(ownerKeyId: string | null, range: Keyset): Promise<NotificationSubscriptionRecord[]>;
  /** Every subscription of an unrevoked key that wants `event` (filters are applied by the caller). */
  subscriptionsFor(event: string): Promise<NotificationSubscriptionRecord[]>;

  /** The owner's highest notification seq (0 when none). */
  maxSeq(ownerKeyId: string, tx?: TransactionHandle): Promise<number>;
  /** Inserts a notification; false when its dedupe key is taken already (nothing written). */
  insertNotification(tx: TransactionHandle, row: NotificationRecord): Promise<boolean>;
  dedupeKeyExists(key: string): Promise<boolean>;
  /** Notifications with seq > afterSeq, ascending, at most `limit`. */
  readAfter(ownerKeyId: string, afterSeq: number, limit: number): Promise<NotificationRecord[]>;
  listNotifications(ownerKeyId: string, unreadOnly: boolean, range: Keyset): Promise<NotificationRecord[]>;
  countNotifications(ownerKeyId: string, unreadOnly: boolean): Promise<number>;
  /** Marks the owner's unread notifications read: those of `ids`, or all when null; returns how many. */
  markRead(tx: TransactionHandle, ownerKeyId: string, ids: readonly string[] | null, at: Date): Promise<number>;
}
