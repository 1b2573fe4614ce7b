import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import nodemailer, { type Transporter } from "nodemailer";
import type { SecretReader } from "../../domain/secrets/secret.types.js";
import {
  SendError,
  type EmailPayload,
  type EmailSettings,
  type OutboxSender,
} from "../../domain/outbox/outbox.types.js";

export interface SmtpSenderOptions {
  settings: EmailSettings;
  /** The GLOBAL SMTP_PASSWORD secret, read when SMTP_URL names a user and no password. */
  secrets: SecretReader;
  /** SMTP timeouts (connect, greeting, socket); default 30 s, well under the outbox's lease. */
  timeoutMs?: number;
}

/** What SMTP_URL says, the password kept out of anything printable. */
export function smtpEndpoint(url: string): {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  pass?: string;
} {
  const u = new URL(url);
  const secure = u.protocol === "smtps:";
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username && { user: decodeURIComponent(u.username) }),
    ...(u.password && { pass: decodeURIComponent(u.password) }),
  };
}

/**
 * Sends outbox emails with nodemailer over SMTP_URL: smtps:// is TLS from the start; smtp://
 * requires STARTTLS unless SMTP_INSECURE=true; certificates are verified. One pooled transport
 * (made again when the password in the secrets store changes). Errors carry nodemailer's message,
 * never the credentials; a 5xx answer to the message or its recipients is lasting (not retried).
 */
export class SmtpSender implements OutboxSender {
  private transport: { key: string; t: Transporter } | null = null;
  private readonly ca: string | undefined;

  constructor(private readonly o: SmtpSenderOptions) {
    this.ca = o.settings.caFile ? readFileSync(o.settings.caFile, "utf8") : undefined;
  }

  private async transporter(): Promise<Transporter> {
    const url = this.o.settings.smtpUrl;
    if (!url) throw new SendError("email is not configured (SMTP_URL)", true);
    const ep = smtpEndpoint(url);
    let pass = ep.pass;
    if (ep.user && pass === undefined) {
      pass = (await this.o.secrets.reveal("SMTP_PASSWORD", {}, { toolCallId: null, purpose: "smtp" })) ?? undefined;
    }
    const key = pass ?? "";
    if (this.transport?.key === key) return this.transport.t;
    this.transport?.t.close();
    const timeout = this.o.timeoutMs ?? 30_000;
    const t = nodemailer.createTransport({
      host: ep.host,
      port: ep.port,
      secure: ep.secure,
      requireTLS: !ep.secure && !this.o.settings.insecure,
      ignoreTLS: false,
      pool: true,
      maxConnections: 2,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      tls: {
        rejectUnauthorized: true,
        ...(this.ca && { ca: this.ca }),
        ...(isIP(ep.host) === 0 && { servername: ep.host }),
      },
      ...(ep.user && { auth: { user: ep.user, pass: pass ?? "" } }),
      logger: false,
      debug: false,
    });
    this.transport = { key, t };
    return t;
  }

  private from(): string {
    const s = this.o.settings;
    if (s.from) return s.from;
    const ep = s.smtpUrl ? smtpEndpoint(s.smtpUrl) : null;
    return ep?.user?.includes("@") ? ep.user : `agent@${ep?.host ?? "localhost"}`;
  }

  async sendEmail(m: { messageId: string; payload: EmailPayload }): Promise<void> {
    const t = await this.transporter();
    const p = m.payload;
    try {
      await t.sendMail({
        from: this.from(),
        to: p.to,
        ...(p.cc.length > 0 && { cc: p.cc }),
        subject: p.subject,
        messageId: m.messageId,
        ...(p.text !== null && { text: p.text }),
        ...(p.html !== null && { html: p.html }),
        attachments: p.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: Buffer.from(a.content, "base64"),
        })),
        disableFileAccess: true,
        disableUrlAccess: true,
      });
    } catch (err) {
      const e = err as { message?: string; responseCode?: number };
      const code = typeof e.responseCode === "number" ? e.responseCode : 0;
      throw new SendError(String(e.message ?? err).slice(0, 1_000), code >= 500 && code < 600);
    }
  }

  close(): void {
    this.transport?.t.close();
    this.transport = null;
  }
}
