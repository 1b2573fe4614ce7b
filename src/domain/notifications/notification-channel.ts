import type { NotificationRecord, NotificationSubscriptionRecord } from "../records.js";
import type { Logger } from "../shared/deps.js";

/**
 * Where EMAIL and WEBHOOK notifications go: the outbox of email and webhooks implements it
 * (queued, retried, sent once). `notification` is the message as an IN_APP row would hold it
 * (ownerKeyId and dedupeKey set, seq 0: it is not an in-app row).
 */
export interface NotificationChannel {
  /** True when the notification was handed over anew; false when skipped or handed over before (same dedupe key). */
  deliver(subscription: NotificationSubscriptionRecord, notification: NotificationRecord): Promise<boolean>;
}

/** Until the outbox is wired: delivers nothing, says so at debug level. */
export class LoggingNotificationChannel implements NotificationChannel {
  constructor(private readonly logger: Logger) {}

  deliver(subscription: NotificationSubscriptionRecord, notification: NotificationRecord): Promise<boolean> {
    this.logger.debug(
      { subscriptionId: subscription.id, channel: subscription.channel, event: notification.event },
      "notification not delivered: no email or webhook channel configured",
    );
    return Promise.resolve(false);
  }
}
