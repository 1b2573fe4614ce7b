import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmailSettings } from "../../../src/domain/outbox/outbox.types.js";
import { SendError } from "../../../src/domain/outbox/outbox.types.js";
import { SmtpSender } from "../../../src/infra/mail/smtp-sender.js";
import { MemorySecretReader } from "../../helpers/memory-secret-reader.js";
import { startSmtpServer, type TestSmtpServer } from "../../helpers/smtp-server.js";

const settingsFor = (smtpUrl: string, caFile: string): EmailSettings => ({
  smtpUrl,
  caFile,
  from: "agents@example.org",
  insecure: false,
  publicUrl: undefined,
  allowedRecipients: [],
  maxBytes: 100_000,
  ratePerMinute: 10,
});
const payload = { to: ["a@example.com"], cc: [], subject: "s", text: "t", html: null, attachments: [] };

/** nodemailer against a real SMTP server: the password from the secrets store, STARTTLS required. */
describe("SmtpSender", () => {
  let good: TestSmtpServer;
  let plain: TestSmtpServer;
  beforeAll(async () => {
    good = await startSmtpServer();
    plain = await startSmtpServer({ noStartTls: true });
  });
  afterAll(async () => {
    await good?.close();
    await plain?.close();
  });

  it("signs in with the GLOBAL SMTP_PASSWORD secret when SMTP_URL names only the user", async () => {
    const secrets = new MemorySecretReader().set("SMTP_PASSWORD", good.password);
    const sender = new SmtpSender({ settings: settingsFor(good.url(false), good.caFile), secrets });
    try {
      await sender.sendEmail({ messageId: "<one@example.org>", payload });
      const [got] = await good.waitFor(1);
      expect(got).toMatchObject({ secure: true, user: good.user });
      expect(got!.mail.messageId).toBe("<one@example.org>");
    } finally {
      sender.close();
    }
  });

  it("refuses to send over smtp:// when the server offers no STARTTLS, unless SMTP_INSECURE=true", async () => {
    const sender = new SmtpSender({
      settings: settingsFor(plain.url(), plain.caFile),
      secrets: new MemorySecretReader(),
    });
    try {
      const err = await sender.sendEmail({ messageId: "<two@example.org>", payload }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SendError);
      expect(String((err as Error).message)).not.toContain(plain.password);
      expect(plain.received).toHaveLength(0);
    } finally {
      sender.close();
    }
    // SMTP_INSECURE=true: the operator's opt-out lets it go unencrypted.
    const insecure = new SmtpSender({
      settings: { ...settingsFor(`smtp://127.0.0.1:${plain.port}`, plain.caFile), insecure: true },
      secrets: new MemorySecretReader(),
    });
    try {
      await insecure.sendEmail({ messageId: "<three@example.org>", payload });
      const [got] = await plain.waitFor(1);
      expect(got!.secure).toBe(false);
    } finally {
      insecure.close();
    }
  });
});
