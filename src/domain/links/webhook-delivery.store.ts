/**
 * The webhook deliveries seen (implemented in src/infra/db/stores/webhook-delivery.store.ts): a
 * delivery id is claimed once, so a replayed delivery is recognised by any process.
 */
export interface WebhookDeliveryStore {
  /**
   * Records the delivery as received, or takes back one whose handling FAILED (GitHub's
   * "Redeliver" sends the same id again). false: it was seen before and not failed (a replay).
   */
  claim(id: string, event: string, outcome: string, now: Date): Promise<boolean>;
  /** What handling the delivery came to (TASK_CREATED, LINK_UPDATED, IGNORED, FAILED …). */
  settle(id: string, outcome: string): Promise<void>;
  /** The outcome recorded for a delivery, or null when it was never seen. */
  outcomeOf(id: string): Promise<string | null>;
}
