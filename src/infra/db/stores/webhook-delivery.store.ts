import { WebhookDeliveryRecord } from "../../../domain/records.js";
import type { WebhookDeliveryStore } from "../../../domain/links/webhook-delivery.store.js";
import type { Database } from "../orm.js";
import { sql } from "../reader.js";

/**
 * Webhook deliveries on SQLite or PostgreSQL. A claim is one statement (insert, or take back a
 * FAILED one): two processes that receive the same delivery at once cannot both claim it.
 */
export class SqlWebhookDeliveryStore implements WebhookDeliveryStore {
  constructor(private readonly db: Database) {}

  async claim(id: string, event: string, outcome: string, now: Date): Promise<boolean> {
    const rows = await this.db.fork().execute<Array<{ id: string }>>(
      `insert into webhook_delivery (id, event, outcome, received_at) values (?, ?, ?, ?)
         on conflict (id) do update set event = excluded.event, outcome = excluded.outcome,
           received_at = excluded.received_at
         where webhook_delivery.outcome = 'FAILED'
         returning id`,
      [id, event, outcome, this.db.dialect === "sqlite" ? now.getTime() : now],
      "all",
    );
    return rows.length > 0;
  }

  async settle(id: string, outcome: string): Promise<void> {
    await this.db.fork().execute("update webhook_delivery set outcome = ? where id = ?", [outcome, id], "run");
  }

  async outcomeOf(id: string): Promise<string | null> {
    const [row] = await this.db.read.select(WebhookDeliveryRecord, sql("id = ?", [id]));
    return row?.outcome ?? null;
  }
}
