import type { NotificationRecord, NotificationSubscriptionRecord } from "../records.js";
import type { Logger } from "../shared/deps.js";
import type { OutboxService } from "../outbox/outbox.service.js";
import type { NotificationChannel } from "./notification-channel.js";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

/** A notification as an email's text and HTML bodies (values escaped), with a link to the task when PUBLIC_URL is set. */
export function notificationEmail(n: NotificationRecord, link: string | null): { text: string; html: string } {
  const text = [n.title, "", n.body, ...(link ? ["", `Open the task: ${link}`] : [])].join("\n");
  const html = [
    `<h2>${escapeHtml(n.title)}</h2>`,
    `<p>${escapeHtml(n.body).replace(/\n/g, "<br>")}</p>`,
    ...(link ? [`<p><a href="${escapeHtml(link)}">Open the task</a></p>`] : []),
  ].join("\n");
  return { text, html };
}

/**
 * EMAIL and WEBHOOK notifications through the outbox: queued once per notification (its dedupe
 * key is the outbox's), then sent by the send-outbox job with its retries. Email without SMTP_URL
 * is skipped (logged), so subscriptions can exist before mail is set up.
 */
export class OutboxNotificationChannel implements NotificationChannel {
  constructor(
    private readonly outbox: OutboxService,
    private readonly logger: Logger,
  ) {}

  async deliver(subscription: NotificationSubscriptionRecord, n: NotificationRecord): Promise<void> {
    const dedupeKey = `notification:${n.dedupeKey}`;
    if (subscription.channel === "EMAIL" && subscription.address) {
      if (!this.outbox.configured) {
        this.logger.warn(
          { subscriptionId: subscription.id, event: n.event },
          "email notification skipped: no SMTP_URL",
        );
        return;
      }
      const link = n.taskId ? this.outbox.taskUrl(n.taskId) : null;
      const bodies = notificationEmail(n, link);
      await this.outbox.enqueueEmail(
        { to: [subscription.address], subject: n.title, ...bodies, taskId: n.taskId, dedupeKey },
        { policy: "SYSTEM" },
      );
    } else if (subscription.channel === "WEBHOOK" && subscription.address) {
      await this.outbox.enqueueWebhook({
        url: subscription.address,
        body: {
          event: n.event,
          title: n.title,
          body: n.body,
          taskId: n.taskId,
          agentId: n.agentId,
          data: n.data,
          at: n.createdAt.toISOString(),
        },
        taskId: n.taskId,
        agentId: n.agentId,
        dedupeKey,
      });
    }
  }
}

/** A channel whose target is set once the outbox exists (the trigger is made before it). */
export class LateNotificationChannel implements NotificationChannel {
  target: NotificationChannel | null = null;

  constructor(private readonly fallback: NotificationChannel) {}

  deliver(subscription: NotificationSubscriptionRecord, n: NotificationRecord): Promise<void> {
    return (this.target ?? this.fallback).deliver(subscription, n);
  }
}
