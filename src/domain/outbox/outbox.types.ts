/**
 * The outbox's terms: what is queued (an email, a webhook), its states, and the email settings.
 * Every message the service sends leaves through an outbox row (see outbox.service.ts).
 */
export const outboxKinds = ["EMAIL", "WEBHOOK"] as const;
export type OutboxKind = (typeof outboxKinds)[number];

/** QUEUED → SENDING (claimed, with a lease) → SENT; a failed try goes back to QUEUED, the last one to FAILED. */
export const outboxStatuses = ["QUEUED", "SENDING", "SENT", "FAILED"] as const;
export type OutboxStatus = (typeof outboxStatuses)[number];

/** Recipients of one message (to and cc together) at most. */
export const MAX_RECIPIENTS = 20;
/** Subjects longer than this are refused. */
export const MAX_SUBJECT_CHARS = 998;
/** Tries of one message before it is FAILED for good (the first included). */
export const OUTBOX_MAX_ATTEMPTS = 10;
/** A SENDING row whose sender went silent this long is tried again (its SMTP session timed out long before). */
export const OUTBOX_LEASE_MS = 120_000;
/** Backoff of a failed try: base·2^(attempts-1), capped. */
export const OUTBOX_BACKOFF_BASE_MS = 1_000;
export const OUTBOX_BACKOFF_MAX_MS = 3_600_000;

export interface EmailSettings {
  /** smtp:// (STARTTLS required unless insecure) or smtps://; may carry user and password. Unset: NOT_CONFIGURED. */
  smtpUrl: string | undefined;
  /** The From address; default the URL's user at its host, else agent@localhost. */
  from: string | undefined;
  /** SMTP_INSECURE=true: smtp:// may go unencrypted when the server offers no STARTTLS. */
  insecure: boolean;
  /** SMTP_CA_FILE: a PEM file of CAs the server's certificate may chain to (a private CA). */
  caFile?: string;
  /** The dashboard's address: messages about a task link to PUBLIC_URL/tasks/<id>. */
  publicUrl: string | undefined;
  /** Addresses and @domain entries the sendEmail tool may write to; empty: sendEmail is refused. */
  allowedRecipients: readonly string[];
  /** The largest message (bodies and attachments, before encoding). */
  maxBytes: number;
  /** Emails queued per minute, service-wide (counted from the outbox, so across processes too). */
  ratePerMinute: number;
}

const addressRe =
  /^[^\s@<>()",;:\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** A bare address (a@b.example), lower-cased; null when it is not one. */
export function normalizeAddress(value: string): string | null {
  const v = value.trim();
  return v.length <= 254 && addressRe.test(v) ? v.toLowerCase() : null;
}

/** EMAIL_ALLOWED_RECIPIENTS: comma or space separated addresses and @domain entries, lower-cased. */
export function parseRecipientAllowList(text: string): string[] {
  const out: string[] = [];
  for (const item of text.split(/[\s,]+/).filter((s) => s !== "")) {
    const entry = item.startsWith("@") ? normalizeAddress(`x${item}`)?.slice(1) : normalizeAddress(item);
    if (!entry)
      throw new Error(`has ${JSON.stringify(item.slice(0, 100))}, which is neither an address nor an @domain`);
    out.push(entry);
  }
  return out;
}

/** Whether `address` (normalized) is on the list: the address itself, or its domain as @domain. */
export function recipientAllowed(address: string, allowList: readonly string[]): boolean {
  const domain = address.slice(address.lastIndexOf("@"));
  return allowList.includes(address) || allowList.includes(domain);
}

/** An attachment as queued: its bytes are copied into the row (see outbox.service.ts). */
export interface OutboxAttachment {
  filename: string;
  contentType: string;
  /** base64 of the bytes. */
  content: string;
  sha256: string;
  size: number;
}

export interface EmailPayload {
  to: string[];
  cc: string[];
  subject: string;
  text: string | null;
  html: string | null;
  attachments: OutboxAttachment[];
}

export interface WebhookPayload {
  url: string;
  /** The JSON body, serialized once at enqueue: every try sends (and signs) the same bytes. */
  body: string;
  /** Whose WEBHOOK_SIGNING_SECRET signs it: the most specific of the task's, its agent's, GLOBAL. */
  secretScope: { taskId: string | null; agentId: string | null };
  /** The subscription's own signing secret, which signs instead when set (older rows: absent). */
  secretId?: string | null;
}

/** A message the outbox could not send: `lasting` ones are not tried again. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly lasting: boolean,
  ) {
    super(message);
    this.name = "SendError";
  }
}

/** Sends one claimed EMAIL row (nodemailer); throws on failure (SendError says whether it lasts). */
export interface OutboxSender {
  sendEmail(message: { messageId: string; payload: EmailPayload }): Promise<void>;
}

/** Sends one claimed WEBHOOK row (the guarded fetcher); throws on failure. */
export interface WebhookSender {
  sendWebhook(message: { messageId: string; payload: WebhookPayload }): Promise<void>;
}

/** The header that carries `sha256=<hex HMAC-SHA256 of the body>`. */
export const SIGNATURE_HEADER = "X-Agent-Signature";
/** The header that carries the delivery id (the same on every try). */
export const DELIVERY_HEADER = "X-Agent-Delivery";
