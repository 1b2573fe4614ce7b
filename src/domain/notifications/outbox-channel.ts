import type { NotificationRecord, NotificationSubscriptionRecord } from "../records.js";
import type { Logger } from "../shared/deps.js";
import type { OutboxService } from "../outbox/outbox.service.js";
import type { NotificationChannel } from "./notification-channel.js";
import { notificationEmail } from "./email-templates.js";

/** A file to attach, read from a task's workspace (confined), or why it cannot be. */
export type Attachment = { filename: string; contentType: string; content: Uint8Array } | { problem: string };

/** Reads the report of a REPORT_READY notification for its email: at most `maxBytes`, its sha256 checked. */
export interface ReportAttachments {
  read(taskId: string, report: { path: string; sha256: string | null }, maxBytes: number): Promise<Attachment>;
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
    private readonly reports: ReportAttachments | null = null,
  ) {}

  /** Queues the message; true when it was queued anew (false: skipped, or the same notification queued before). */
  async deliver(subscription: NotificationSubscriptionRecord, n: NotificationRecord): Promise<boolean> {
    const dedupeKey = `notification:${n.dedupeKey}`;
    if (subscription.channel === "EMAIL" && subscription.address) {
      if (!this.outbox.configured) {
        this.logger.warn(
          { subscriptionId: subscription.id, event: n.event },
          "email notification skipped: no SMTP_URL",
        );
        return false;
      }
      const link = n.taskId ? this.outbox.taskUrl(n.taskId) : null;
      const report = await this.reportOf(n);
      const extra = !report ? {} : "problem" in report ? { note: report.problem } : { attached: report.filename };
      const email = notificationEmail(n, link, extra);
      const queued = await this.outbox.enqueueEmail(
        {
          to: [subscription.address],
          ...email,
          attachments: report && !("problem" in report) ? [report] : [],
          taskId: n.taskId,
          dedupeKey,
        },
        { policy: "SYSTEM" },
      );
      return queued.created;
    } else if (subscription.channel === "WEBHOOK" && subscription.address) {
      const queued = await this.outbox.enqueueWebhook({
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
        secretId: subscription.secretId,
        dedupeKey,
      });
      return queued.created;
    }
    return false;
  }

  /** The PDF of a REPORT_READY notification (`problem` says why it cannot go with the email); null for other events. */
  private async reportOf(n: NotificationRecord): Promise<Attachment | null> {
    const d = (n.data ?? {}) as Record<string, unknown>;
    if (n.event !== "REPORT_READY" || !n.taskId || typeof d.path !== "string" || !this.reports) return null;
    const sha256 = typeof d.sha256 === "string" ? d.sha256 : null;
    try {
      // Leave room for the bodies within EMAIL_MAX_BYTES.
      return await this.reports.read(n.taskId, { path: d.path, sha256 }, Math.floor(this.outbox.maxBytes * 0.9));
    } catch (err) {
      this.logger.warn({ err, taskId: n.taskId }, "could not read a report to attach");
      return { problem: "The report could not be attached; download it from the task." };
    }
  }
}

/** A channel whose target is set once the outbox exists (the trigger is made before it). */
export class LateNotificationChannel implements NotificationChannel {
  target: NotificationChannel | null = null;

  constructor(private readonly fallback: NotificationChannel) {}

  deliver(subscription: NotificationSubscriptionRecord, n: NotificationRecord): Promise<boolean> {
    return (this.target ?? this.fallback).deliver(subscription, n);
  }
}
