import { createHmac } from "node:crypto";
import { DomainError } from "../../domain/errors.js";
import {
  DELIVERY_HEADER,
  SendError,
  SIGNATURE_HEADER,
  type WebhookPayload,
  type WebhookSender,
} from "../../domain/outbox/outbox.types.js";
import type { SecretReader } from "../../domain/secrets/secret.types.js";
import type { GuardedFetcher } from "../../tools/research/fetcher.js";

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes with the shared secret. */
export const signBody = (secret: string, body: string): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/**
 * Outbound webhooks: a JSON POST through the guarded fetcher (its address checks: no private or
 * local addresses unless FETCH_ALLOW lists them; no robots.txt), signed with the subscription's
 * own secret when it has one, else the scope's WEBHOOK_SIGNING_SECRET (read from the secrets store at each try, never kept). 2xx: delivered;
 * 408, 429 and 5xx: tried again; another status, or an address the policy refuses: FAILED.
 */
export class GuardedWebhookSender implements WebhookSender {
  constructor(
    private readonly fetcher: GuardedFetcher,
    private readonly secrets: SecretReader,
  ) {}

  async sendWebhook(m: { messageId: string; payload: WebhookPayload }): Promise<void> {
    const { url, body, secretScope, secretId } = m.payload;
    const use = { toolCallId: null, purpose: "webhook signature" };
    const secret = secretId
      ? await this.secrets.revealById(secretId, use)
      : await this.secrets.reveal("WEBHOOK_SIGNING_SECRET", secretScope, use);
    if (secret === null) {
      throw new SendError(
        secretId ? "the subscription's signing secret is gone" : "there is no WEBHOOK_SIGNING_SECRET for this webhook",
        false,
      );
    }
    let status: number;
    try {
      const res = await this.fetcher.fetch(url, {
        method: "POST",
        json: body,
        robots: false,
        accept: ["*/*"],
        headers: { [SIGNATURE_HEADER]: signBody(secret, body), [DELIVERY_HEADER]: m.messageId },
      });
      status = res.status;
    } catch (err) {
      const lasting = err instanceof DomainError && (err.code === "POLICY_DENIED" || err.code === "BAD_USER_INPUT");
      throw new SendError(err instanceof Error ? err.message : String(err), lasting);
    }
    if (status >= 200 && status < 300) return;
    throw new SendError(`the webhook answered HTTP ${status}`, !(status === 408 || status === 429 || status >= 500));
  }
}
