import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { OutboxService, type OutboxDeps } from "../../../src/domain/outbox/outbox.service.js";
import type { EmailSettings } from "../../../src/domain/outbox/outbox.types.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlOutboxStore } from "../../../src/infra/db/stores/outbox.store.js";
import { sanitizeEmailHtml } from "../../../src/infra/mail/sanitize.js";
import { createGuardedFetcher, type ClosableFetcher } from "../../../src/infra/net/guarded-fetch.js";
import { GuardedWebhookSender } from "../../../src/infra/net/webhook-sender.js";
import { MemorySecretReader } from "../../helpers/memory-secret-reader.js";
import { storeDatabase } from "../../helpers/store-db.js";

const settings: EmailSettings = {
  smtpUrl: undefined,
  from: undefined,
  insecure: false,
  publicUrl: undefined,
  allowedRecipients: [],
  maxBytes: 100_000,
  ratePerMinute: 10,
};
const silent = { debug() {}, info() {}, warn() {}, error() {} } as unknown as OutboxDeps["logger"];
const SECRET = "whsec-shared-between-us";

/** Outbound webhooks through the outbox and the guarded fetcher, to a local HTTP server. */
describe("webhooks through the outbox [sqlite]", () => {
  let db: { db: Database; close(): Promise<void> };
  let server: Server;
  let url = "";
  let answers: number[] = [];
  const got: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
  const fetchers: ClosableFetcher[] = [];
  const outboxWith = (allow: string) => {
    const fetcher = createGuardedFetcher(loadConfig({ FETCH_ALLOW: allow, FETCH_HOST_DELAY_MS: "0" }).fetch);
    fetchers.push(fetcher);
    const secrets = new MemorySecretReader().set("WEBHOOK_SIGNING_SECRET", SECRET);
    return new OutboxService({
      store: new SqlOutboxStore(db.db),
      settings,
      sender: null,
      webhookSender: new GuardedWebhookSender(fetcher, secrets),
      dispatch: async () => {},
      sanitizeHtml: sanitizeEmailHtml,
      logger: silent,
    });
  };
  beforeAll(async () => {
    db = await storeDatabase("sqlite");
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        got.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(answers.shift() ?? 204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    for (const f of fetchers) await f.close();
    await new Promise((r) => server.close(r));
    await db?.close();
  });

  it("POSTs the JSON body signed with HMAC-SHA256 that the receiver verifies with the shared secret; a 503 is retried", async () => {
    const outbox = outboxWith("127.0.0.1");
    const q = await outbox.enqueueWebhook({ url, body: { event: "TASK_COMPLETED", taskId: "t1", title: "ünïcode" } });
    answers = [503];
    expect(await outbox.deliver(q.id)).toBe("RETRY");
    expect(await outbox.deliver(q.id)).toBe("SENT");
    expect(got).toHaveLength(2);
    const last = got[1]!;
    expect(last.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(last.body.toString("utf8"))).toEqual({ event: "TASK_COMPLETED", taskId: "t1", title: "ünïcode" });
    const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(last.body).digest("hex")}`);
    const signature = Buffer.from(String(last.headers["x-agent-signature"]));
    expect(signature.length === expected.length && timingSafeEqual(signature, expected)).toBe(true);
    expect(last.headers["x-agent-delivery"]).toBe(q.messageId);
    expect(got[0]!.headers["x-agent-delivery"]).toBe(q.messageId); // the same delivery id on every try
    expect(await outbox.get(q.id)).toMatchObject({ status: "SENT", attempts: 2 });
  });

  it("refuses a private address (FETCH_ALLOW unset): FAILED at its first try, nothing reaches it", async () => {
    const outbox = outboxWith("");
    const before = got.length;
    for (const target of [url, "http://10.1.2.3/hook", "http://[::1]/hook"]) {
      const q = await outbox.enqueueWebhook({ url: target, body: { n: 1 } });
      expect(await outbox.deliver(q.id)).toBe("FAILED");
      const row = await outbox.get(q.id);
      expect(row).toMatchObject({ status: "FAILED", attempts: 1 });
      expect(row!.lastError).toMatch(/rule|not fetched|private|refused|address/i);
    }
    expect(got.length).toBe(before);
  });
});
