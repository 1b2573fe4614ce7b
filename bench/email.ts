/**
 * Emails per second through the outbox (a row per message on SQLite, the send-outbox job on the
 * in-process queue, claim → send → SENT) against direct nodemailer sends of the same messages by
 * the same pooled SMTP transport (2 connections, STARTTLS and AUTH) to the same local SMTP server
 * (smtp-server, which parses each message). Same concurrency (2) on both sides; interleaved rounds,
 * medians.
 */
import { domainDeps } from "../src/app.js";
import { OutboxService } from "../src/domain/outbox/outbox.service.js";
import type { EmailSettings } from "../src/domain/outbox/outbox.types.js";
import type { SecretReader } from "../src/domain/secrets/secret.types.js";
import { openDatabase } from "../src/infra/db/orm.js";
import { SqlOutboxStore } from "../src/infra/db/stores/outbox.store.js";
import { sanitizeEmailHtml } from "../src/infra/mail/sanitize.js";
import { SmtpSender } from "../src/infra/mail/smtp-sender.js";
import { MemoryPubSub } from "../src/infra/pubsub/memory.js";
import { MemoryQueue } from "../src/infra/queue/memory.js";
import { dispatchOutbox, startOutboxWorker } from "../src/jobs/outbox.worker.js";
import { startSmtpServer } from "../tests/helpers/smtp-server.js";
import { median, removeDir, tempDir, type Bench, type BenchResult } from "./lib.js";

const MESSAGES = 200;
const ROUNDS = 3;
const CONCURRENCY = 2;
/** The outbox may cost this share of direct throughput at most (a row write, a claim, a commit per message). */
const TARGET_RATIO = 0.5;

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const noSecrets: SecretReader = { reveal: async () => null, revealById: async () => null, verify: async () => null };

export const emailBench: Bench = {
  name: "email",
  description: "emails per second through the outbox against direct nodemailer sends to the same local SMTP server",
  async run(): Promise<BenchResult> {
    const smtp = await startSmtpServer();
    const dir = tempDir("email");
    const db = await openDatabase({ url: undefined, dataDir: dir });
    const queue = new MemoryQueue({ retryDelaySeconds: 1 });
    const settings: EmailSettings = {
      smtpUrl: smtp.url(),
      caFile: smtp.caFile,
      from: "bench@example.org",
      insecure: false,
      publicUrl: undefined,
      allowedRecipients: ["@example.com"],
      maxBytes: 1024 * 1024,
      ratePerMinute: 100_000,
    };
    const sender = new SmtpSender({ settings, secrets: noSecrets });
    try {
      await db.migrate();
      const deps = domainDeps(db, new MemoryPubSub(), quiet);
      const outbox = new OutboxService({
        store: new SqlOutboxStore(db),
        settings,
        sender,
        dispatch: (id) => dispatchOutbox(queue, id),
        sanitizeHtml: sanitizeEmailHtml,
        logger: deps.logger,
      });
      const stop = await startOutboxWorker({ outbox, queue, logger: quiet, concurrency: CONCURRENCY });
      const message = (i: number) => ({
        to: [`user${i}@example.com`],
        subject: `Task ${i} completed`,
        text: `Task ${i} is done.\n`.repeat(20),
        html: `<p>Task <b>${i}</b> is done.</p>`.repeat(20),
      });
      const viaOutbox = async () => {
        const base = smtp.received.length;
        const t0 = performance.now();
        for (let i = 0; i < MESSAGES; i++) await outbox.enqueueEmail(message(i), { policy: "SYSTEM" });
        await smtp.waitFor(base + MESSAGES);
        return MESSAGES / ((performance.now() - t0) / 1000);
      };
      let n = 0;
      const direct = async () => {
        const base = smtp.received.length;
        const t0 = performance.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < MESSAGES) {
              const i = next++;
              const m = message(i);
              await sender.sendEmail({
                messageId: `<direct-${n++}@example.org>`,
                payload: { ...m, cc: [], html: sanitizeEmailHtml(m.html), attachments: [] },
              });
            }
          }),
        );
        await smtp.waitFor(base + MESSAGES);
        return MESSAGES / ((performance.now() - t0) / 1000);
      };
      await direct(); // warm-up: TLS sessions, pool, JIT
      await viaOutbox();
      const outboxRates: number[] = [];
      const directRates: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        directRates.push(await direct());
        outboxRates.push(await viaOutbox());
      }
      await stop();
      const o = median(outboxRates);
      const d = median(directRates);
      const ratio = o / d;
      return {
        figures: [
          {
            name: `emails/s (${MESSAGES} messages, concurrency ${CONCURRENCY})`,
            value: `${o.toFixed(0)} /s via outbox`,
            baseline: `${d.toFixed(0)} /s direct`,
            note: `ratio ${ratio.toFixed(2)}`,
          },
        ],
        targets: [
          {
            name: "outbox throughput / direct throughput",
            measured: ratio.toFixed(2),
            target: `≥ ${TARGET_RATIO}`,
            pass: ratio >= TARGET_RATIO,
          },
        ],
        notes: [
          `rounds: outbox ${outboxRates.map((v) => v.toFixed(0)).join(", ")}; direct ${directRates.map((v) => v.toFixed(0)).join(", ")}`,
        ],
      };
    } finally {
      sender.close();
      await queue.stop(0);
      await db.close();
      await smtp.close();
      removeDir(dir);
    }
  },
};
