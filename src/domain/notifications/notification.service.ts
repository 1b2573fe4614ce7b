import type { Principal } from "../auth/principal.js";
import { badInput, DomainError, forbidden } from "../errors.js";
import { isId, newId } from "../ids.js";
import type { NotificationRecord } from "../records.js";
import type { Channel } from "../shared/channel.js";
import type { Deps } from "../shared/deps.js";
import { keyset, toPage, type Page, type PageArgs } from "../shared/pagination.js";
import { SequenceFeed } from "../shared/sequence-feed.js";
import type { Json } from "../terms.js";
import type { NotificationStore } from "./notification.store.js";
import { notificationLimits, type NotificationEvent } from "./notification-terms.js";

/** A notification to record for one owner key: everything but its id, seq and read state. */
export interface NewNotification {
  ownerKeyId: string;
  subscriptionId: string | null;
  dedupeKey: string;
  event: NotificationEvent;
  taskId: string | null;
  agentId: string | null;
  title: string;
  body: string;
  data: Json;
}

/** The most ids one markNotificationsRead takes. */
export const MAX_MARK_IDS = 500;
const ATTEMPTS = 5;

const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * In-app notifications: numbered 1, 2, 3 … per owner key in the transaction that records them
 * (the number is the replay cursor of notificationAdded), one per dedupe key however often and
 * wherever the trigger fires, seen by their owner only.
 */
export class NotificationService {
  readonly feed: SequenceFeed<NotificationRecord>;
  private readonly unsubscribeFeed: () => void;

  constructor(
    private readonly deps: Deps,
    private readonly store: NotificationStore,
  ) {
    this.feed = new SequenceFeed<NotificationRecord>(
      {
        read: (owner, afterSeq, limit) => store.readAfter(owner, afterSeq, limit),
        maxSeq: (owner) => store.maxSeq(owner),
      },
      deps.logger,
    );
    this.unsubscribeFeed = deps.pubsub.subscribe("NOTIFICATION_ADDED", ({ ownerKeyId, seq }) =>
      this.feed.notify(ownerKeyId, seq),
    );
  }

  close(): void {
    this.unsubscribeFeed();
    this.feed.close();
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /**
   * Records a notification with the owner's next seq; null when one with its dedupe key exists
   * already (another process or an earlier delivery of the same change recorded it).
   */
  async record(n: NewNotification): Promise<NotificationRecord | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.transact(async (tx, out) => {
          const seq = (await this.store.maxSeq(n.ownerKeyId, tx)) + 1;
          const row: NotificationRecord = {
            ...n,
            id: newId(),
            seq,
            title: cut(n.title, notificationLimits.titleLength),
            body: cut(n.body, notificationLimits.bodyLength),
            readAt: null,
            createdAt: this.now(),
          };
          if (!(await this.store.insertNotification(tx, row))) return null;
          out.push({ topic: "NOTIFICATION_ADDED", payload: { ownerKeyId: n.ownerKeyId, seq } });
          return row;
        });
      } catch (err) {
        if (!(err instanceof DomainError) || err.code !== "CONFLICT" || attempt >= ATTEMPTS) throw err;
        if (await this.store.dedupeKeyExists(n.dedupeKey)) return null;
      }
    }
  }

  /** The caller's notifications, newest first. */
  async list(args: PageArgs & { unreadOnly?: boolean | null }, caller: Principal): Promise<Page<NotificationRecord>> {
    const range = keyset(args);
    const unread = args.unreadOnly === true;
    const rows = await this.store.listNotifications(caller.apiKeyId, unread, range);
    return toPage(rows, range, () => this.store.countNotifications(caller.apiKeyId, unread));
  }

  unreadCount(caller: Principal): Promise<number> {
    return this.store.countNotifications(caller.apiKeyId, true);
  }

  /** Marks the caller's notifications read (`ids`, or all with `all`); returns how many were unread. */
  markRead(
    ids: readonly string[] | null | undefined,
    all: boolean | null | undefined,
    caller: Principal,
  ): Promise<number> {
    const given = ids !== null && ids !== undefined;
    if (given === (all === true)) throw badInput("ids", "give either ids or all: true");
    if (given) {
      if (ids.length > MAX_MARK_IDS) throw badInput("ids", `at most ${MAX_MARK_IDS} ids at once`);
      const bad = ids.findIndex((id) => !isId(id));
      if (bad >= 0) throw badInput(`ids.${bad}`, "is not an id");
    }
    const at = this.now();
    return this.deps.transact((tx) => this.store.markRead(tx, caller.apiKeyId, given ? ids : null, at));
  }

  /** The caller's notifications with seq > afterSeq, then live ones: no gap, no duplicate. */
  stream(afterSeq: number | null | undefined, caller: Principal): Channel<NotificationRecord> {
    if (caller.role === "AGENT") throw forbidden("An AGENT key has no notifications");
    const after = afterSeq ?? 0;
    if (!Number.isInteger(after) || after < 0) throw badInput("afterSeq", "must be a whole number of at least 0");
    return this.feed.subscribe(caller.apiKeyId, after);
  }
}
