import { createHash } from "node:crypto";
import { DomainError, invalidFields, policyDenied, type FieldProblem } from "../errors.js";
import { newId } from "../ids.js";
import { OutboxRecord } from "../records.js";
import type { Logger } from "../shared/deps.js";
import type { Json } from "../terms.js";
import type { OutboxStore } from "./outbox.store.js";
import {
  MAX_RECIPIENTS,
  MAX_SUBJECT_CHARS,
  normalizeAddress,
  OUTBOX_BACKOFF_BASE_MS,
  OUTBOX_BACKOFF_MAX_MS,
  OUTBOX_LEASE_MS,
  OUTBOX_MAX_ATTEMPTS,
  recipientAllowed,
  SendError,
  type EmailPayload,
  type EmailSettings,
  type OutboxAttachment,
  type OutboxKind,
  type OutboxSender,
  type OutboxStatus,
  type WebhookPayload,
  type WebhookSender,
} from "./outbox.types.js";

export interface EmailRequest {
  to: readonly string[];
  cc?: readonly string[];
  subject: string;
  text?: string | null;
  html?: string | null;
  attachments?: ReadonlyArray<{ filename: string; contentType: string; content: Uint8Array }>;
  taskId?: string | null;
  /** A second enqueue with the same key returns the first message (default: a new key). */
  dedupeKey?: string;
}

export interface EnqueueOptions {
  /**
   * TOOL (an agent's sendEmail): recipients only from EMAIL_ALLOWED_RECIPIENTS, and the rate limit.
   * SYSTEM (the service's own notifications to subscribed addresses): neither.
   */
  policy: "TOOL" | "SYSTEM";
  /** TOOL: the sending agent's own list (AgentRecord.emailRecipients) instead of EMAIL_ALLOWED_RECIPIENTS. */
  allowedRecipients?: readonly string[] | null;
}

export interface Enqueued {
  id: string;
  status: OutboxStatus;
  messageId: string;
  /** False when the dedupe key matched an earlier message (that one is returned). */
  created: boolean;
}

export interface OutboxDeps {
  store: OutboxStore;
  settings: EmailSettings;
  /** Sends a claimed row; null when SMTP_URL is unset. */
  sender: OutboxSender | null;
  /** Queues the job that works row `id` (after its insert committed). */
  dispatch(id: string, kind: OutboxKind): Promise<void>;
  /** Sends WEBHOOK rows; null: enqueueWebhook is NOT_CONFIGURED. */
  webhookSender?: WebhookSender | null;
  /** Makes HTML safe to send (sanitize-html's allowlist). */
  sanitizeHtml(html: string): string;
  logger: Logger;
  now?: () => Date;
}

export type DeliveryOutcome = "SENT" | "RETRY" | "FAILED" | "SKIPPED";

const hasNewline = (s: string) => /[\r\n]/.test(s);

/** Backoff before try `attempts + 1`: base·2^(attempts-1), capped. */
export const backoffMs = (attempts: number): number =>
  Math.min(OUTBOX_BACKOFF_MAX_MS, OUTBOX_BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));

/**
 * Every message the service sends goes through the outbox: a row written before anything is sent,
 * worked by the job queue. An SMTP outage or a restart loses nothing (the row waits, the sweep
 * queues it again), and a retry does not send twice: a try claims the row (QUEUED → SENDING with a
 * lease, one conditional update), sends with the Message-ID made at enqueue, and commits SENT
 * before anything else can claim it. Only a crash between the server's acceptance and that commit
 * sends twice (after the lease), with the same Message-ID, so receivers can drop the copy.
 */
export class OutboxService {
  constructor(private readonly d: OutboxDeps) {}

  private now(): Date {
    return this.d.now?.() ?? new Date();
  }

  get configured(): boolean {
    return this.d.sender !== null && this.d.settings.smtpUrl !== undefined;
  }

  /** The dashboard's page of a task (PUBLIC_URL/tasks/<id>), for templates; null without PUBLIC_URL. */
  taskUrl(taskId: string): string | null {
    const base = this.d.settings.publicUrl;
    return base ? `${base}/tasks/${encodeURIComponent(taskId)}` : null;
  }

  /** The largest message (EMAIL_MAX_BYTES). */
  get maxBytes(): number {
    return this.d.settings.maxBytes;
  }

  notConfigured(): DomainError {
    return new DomainError("NOT_CONFIGURED", "Email is not configured: set SMTP_URL (and SMTP_FROM)", {
      setting: "SMTP_URL",
    });
  }

  async enqueueEmail(req: EmailRequest, opts: EnqueueOptions): Promise<Enqueued> {
    if (!this.configured) throw this.notConfigured();
    const payload = this.checkEmail(req, opts);
    if (opts.policy === "TOOL") await this.checkRate();
    const id = newId();
    const now = this.now();
    const row = Object.assign(new OutboxRecord(), {
      id,
      kind: "EMAIL",
      status: "QUEUED",
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      messageId: `<${id}@${this.messageDomain()}>`,
      payload: payload as unknown as Json,
      taskId: req.taskId ?? null,
      dedupeKey: req.dedupeKey ?? `email:${id}`,
      createdAt: now,
      sentAt: null,
    } satisfies OutboxRecord);
    const { row: stored, created } = await this.d.store.insert(row);
    if (created) await this.d.dispatch(stored.id, "EMAIL");
    return { id: stored.id, status: stored.status as OutboxStatus, messageId: stored.messageId, created };
  }

  /**
   * Queues a JSON POST to `url`, signed with the WEBHOOK_SIGNING_SECRET of the scope (X-Agent-Signature).
   * The URL's address is checked when it is sent (the guarded fetcher: no private addresses unless
   * FETCH_ALLOW); a refused one is FAILED at its first try.
   */
  async enqueueWebhook(req: {
    url: string;
    body: unknown;
    taskId?: string | null;
    agentId?: string | null;
    /** A secret of its own that signs it (a subscription's), instead of the scope's WEBHOOK_SIGNING_SECRET. */
    secretId?: string | null;
    dedupeKey?: string;
  }): Promise<Enqueued> {
    if (!this.d.webhookSender) {
      throw new DomainError("NOT_CONFIGURED", "Webhooks are not configured", { setting: "WEBHOOK" });
    }
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw invalidFields([{ path: "url", message: "is not a URL" }]);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw invalidFields([{ path: "url", message: "must be an http(s) URL" }]);
    }
    const body = JSON.stringify(req.body ?? null);
    if (Buffer.byteLength(body) > this.d.settings.maxBytes) {
      throw new DomainError("LIMIT_EXCEEDED", `The webhook body is over ${this.d.settings.maxBytes} bytes`, {
        field: "body",
        max: this.d.settings.maxBytes,
      });
    }
    const payload: WebhookPayload = {
      url: url.href,
      body,
      secretScope: { taskId: req.taskId ?? null, agentId: req.agentId ?? null },
      secretId: req.secretId ?? null,
    };
    const id = newId();
    const now = this.now();
    const row = Object.assign(new OutboxRecord(), {
      id,
      kind: "WEBHOOK",
      status: "QUEUED",
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      messageId: id,
      payload: payload as unknown as Json,
      taskId: req.taskId ?? null,
      dedupeKey: req.dedupeKey ?? `webhook:${id}`,
      createdAt: now,
      sentAt: null,
    } satisfies OutboxRecord);
    const { row: stored, created } = await this.d.store.insert(row);
    if (created) await this.d.dispatch(stored.id, "WEBHOOK");
    return { id: stored.id, status: stored.status as OutboxStatus, messageId: stored.messageId, created };
  }

  async get(id: string): Promise<OutboxRecord | null> {
    return this.d.store.get(id);
  }

  /** Rows to try now (QUEUED and due, or SENDING past their lease): the sweep queues their jobs. */
  due(limit = 100) {
    return this.d.store.due(this.now(), limit);
  }

  /** One try of row `id`: claim, send, commit. RETRY: it waits for its next try (the caller backs off). */
  async deliver(id: string): Promise<DeliveryOutcome> {
    const now = this.now();
    if (!(await this.d.store.claim(id, now, new Date(now.getTime() + OUTBOX_LEASE_MS)))) return "SKIPPED";
    const row = await this.d.store.get(id);
    if (!row) return "SKIPPED";
    try {
      if (row.kind === "EMAIL") {
        if (!this.d.sender) throw new SendError("email is not configured (SMTP_URL)", false);
        await this.d.sender.sendEmail({ messageId: row.messageId, payload: row.payload as unknown as EmailPayload });
      } else {
        if (!this.d.webhookSender) throw new SendError("webhooks are not configured", false);
        const payload = row.payload as unknown as WebhookPayload;
        await this.d.webhookSender.sendWebhook({ messageId: row.messageId, payload });
      }
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 2_000);
      const final = (err instanceof SendError && err.lasting) || row.attempts >= OUTBOX_MAX_ATTEMPTS;
      await this.d.store.markFailed(id, message, new Date(this.now().getTime() + backoffMs(row.attempts)), final);
      this.d.logger.warn({ outboxId: id, attempt: row.attempts, final, error: message }, "outbox message not sent");
      return final ? "FAILED" : "RETRY";
    }
    await this.d.store.markSent(id, this.now());
    return "SENT";
  }

  private messageDomain(): string {
    const from = this.d.settings.from ?? "";
    const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
    if (m?.[1]) return m[1].toLowerCase();
    try {
      return new URL(this.d.settings.smtpUrl ?? "").hostname || "localhost";
    } catch {
      return "localhost";
    }
  }

  private async checkRate(): Promise<void> {
    const since = new Date(this.now().getTime() - 60_000);
    const sent = await this.d.store.countSince("EMAIL", since);
    if (sent >= this.d.settings.ratePerMinute) {
      throw new DomainError(
        "RATE_LIMITED",
        `At most ${this.d.settings.ratePerMinute} emails a minute (EMAIL_RATE_PER_MINUTE)`,
        { retryAfterSeconds: 60 },
      );
    }
  }

  /** Every problem of the request at once; then the allowlist, then the size. */
  private checkEmail(req: EmailRequest, opts: EnqueueOptions): EmailPayload {
    const problems: FieldProblem[] = [];
    const addresses = (field: "to" | "cc", list: readonly string[]): string[] =>
      list.map((a, i) => {
        if (hasNewline(a)) problems.push({ path: `${field}.${i}`, message: "must not contain CR or LF" });
        else if (!normalizeAddress(a)) problems.push({ path: `${field}.${i}`, message: "is not an email address" });
        return normalizeAddress(a) ?? "";
      });
    const to = addresses("to", req.to);
    const cc = addresses("cc", req.cc ?? []);
    if (to.length === 0) problems.push({ path: "to", message: "must name at least one recipient" });
    if (to.length + cc.length > MAX_RECIPIENTS) {
      problems.push({ path: "to", message: `at most ${MAX_RECIPIENTS} recipients (to and cc together)` });
    }
    if (hasNewline(req.subject)) problems.push({ path: "subject", message: "must not contain CR or LF" });
    else if (req.subject.trim() === "") problems.push({ path: "subject", message: "must not be empty" });
    else if (req.subject.length > MAX_SUBJECT_CHARS) {
      problems.push({ path: "subject", message: `must be at most ${MAX_SUBJECT_CHARS} characters` });
    }
    if (!req.text && !req.html) problems.push({ path: "text", message: "text or html is required" });
    const attachments: OutboxAttachment[] = [];
    (req.attachments ?? []).forEach((a, i) => {
      if (hasNewline(a.filename) || hasNewline(a.contentType)) {
        problems.push({ path: `attachments.${i}`, message: "its name must not contain CR or LF" });
      }
      const bytes = Buffer.from(a.content);
      attachments.push({
        filename: a.filename,
        contentType: a.contentType,
        content: bytes.toString("base64"),
        sha256: createHash("sha256").update(bytes).digest("hex"),
        size: bytes.length,
      });
    });
    if (problems.length > 0) throw invalidFields(problems);
    if (opts.policy === "TOOL") {
      const own = opts.allowedRecipients ?? null;
      const allow = own ?? this.d.settings.allowedRecipients;
      const listName = own ? "the agent's emailRecipients" : "EMAIL_ALLOWED_RECIPIENTS";
      for (const [field, list] of [
        ["to", to],
        ["cc", cc],
      ] as const) {
        list.forEach((a, i) => {
          if (!recipientAllowed(a, allow)) {
            throw policyDenied(
              "email.recipient-not-allowed",
              allow.length === 0 ? `sendEmail is off: ${listName} is empty` : `${a} is not in ${listName}`,
              { field: `${field}.${i}` },
            );
          }
        });
      }
    }
    const html = req.html ? this.d.sanitizeHtml(req.html) : null;
    const text = req.text ?? null;
    const size =
      Buffer.byteLength(text ?? "") + Buffer.byteLength(html ?? "") + attachments.reduce((n, a) => n + a.size, 0);
    if (size > this.d.settings.maxBytes) {
      throw new DomainError(
        "LIMIT_EXCEEDED",
        `The message is ${size} bytes; at most ${this.d.settings.maxBytes} (EMAIL_MAX_BYTES)`,
        {
          field: "attachments",
          limit: "EMAIL_MAX_BYTES",
          max: this.d.settings.maxBytes,
        },
      );
    }
    return { to, cc, subject: req.subject, text, html, attachments };
  }
}
