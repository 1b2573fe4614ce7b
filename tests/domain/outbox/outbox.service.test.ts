import { afterAll, beforeAll, expect, it } from "vitest";
import { DomainError } from "../../../src/domain/errors.js";
import { OutboxService, type OutboxDeps } from "../../../src/domain/outbox/outbox.service.js";
import { SendError, type EmailSettings, type OutboxSender } from "../../../src/domain/outbox/outbox.types.js";
import type { Database } from "../../../src/infra/db/orm.js";
import { SqlOutboxStore } from "../../../src/infra/db/stores/outbox.store.js";
import { sanitizeEmailHtml } from "../../../src/infra/mail/sanitize.js";
import { describeProfiles } from "../../helpers/profiles.js";
import { storeDatabase } from "../../helpers/store-db.js";

const settings: EmailSettings = {
  smtpUrl: "smtp://127.0.0.1:1",
  from: "a@example.org",
  insecure: false,
  publicUrl: undefined,
  allowedRecipients: ["@example.com"],
  maxBytes: 10_000,
  ratePerMinute: 3,
};
const silent = { debug() {}, info() {}, warn() {}, error() {} } as unknown as OutboxDeps["logger"];
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (e: unknown) => (e instanceof DomainError ? e.code : String(e)),
  );

/** The outbox's rules and transitions on the real stores (no SMTP: a sender that records or fails). */
describeProfiles("OutboxService", (profile) => {
  let db: { db: Database; close(): Promise<void> };
  let clock = new Date("2026-01-01T00:00:00Z");
  const sent: string[] = [];
  let failWith: SendError | null = null;
  const sender: OutboxSender = {
    async sendEmail(m) {
      if (failWith) throw failWith;
      sent.push(m.messageId);
    },
  };
  const make = (over: Partial<OutboxDeps> = {}) =>
    new OutboxService({
      store: new SqlOutboxStore(db.db),
      settings,
      sender,
      dispatch: async () => {},
      sanitizeHtml: sanitizeEmailHtml,
      logger: silent,
      now: () => clock,
      ...over,
    });
  beforeAll(async () => {
    db = await storeDatabase(profile);
  });
  afterAll(() => db?.close());

  it("reports NOT_CONFIGURED without SMTP, and dedupes by key", async () => {
    expect(
      await codeOf(
        make({ sender: null }).enqueueEmail({ to: ["a@example.com"], subject: "s", text: "t" }, { policy: "SYSTEM" }),
      ),
    ).toBe("NOT_CONFIGURED");
    const o = make();
    const a = await o.enqueueEmail(
      { to: ["a@example.com"], subject: "s", text: "t", dedupeKey: "k1" },
      { policy: "SYSTEM" },
    );
    const b = await o.enqueueEmail(
      { to: ["a@example.com"], subject: "s", text: "t", dedupeKey: "k1" },
      { policy: "SYSTEM" },
    );
    expect(b).toMatchObject({ id: a.id, created: false, messageId: a.messageId });
    expect(a.messageId).toMatch(/^<[0-9a-f-]+@example\.org>$/);
  });

  it("claims once, commits SENT, and a late duplicate try is SKIPPED", async () => {
    const o = make();
    const { id, messageId } = await o.enqueueEmail(
      { to: ["a@example.com"], subject: "s", text: "t" },
      { policy: "SYSTEM" },
    );
    const [one, two] = await Promise.all([o.deliver(id), o.deliver(id)]);
    expect([one, two].sort()).toEqual(["SENT", "SKIPPED"]);
    expect(sent.filter((m) => m === messageId)).toHaveLength(1);
    expect(await o.deliver(id)).toBe("SKIPPED");
  });

  it("backs off after a failure, fails for good on a lasting refusal, and takes back a SENDING row past its lease", async () => {
    const o = make();
    const { id } = await o.enqueueEmail({ to: ["a@example.com"], subject: "s", text: "t" }, { policy: "SYSTEM" });
    failWith = new SendError("connect ECONNREFUSED", false);
    expect(await o.deliver(id)).toBe("RETRY");
    expect(await o.get(id)).toMatchObject({ status: "QUEUED", attempts: 1, lastError: "connect ECONNREFUSED" });
    expect((await o.due()).map((r) => r.id)).not.toContain(id); // not before its backoff
    clock = new Date(clock.getTime() + 5_000);
    expect((await o.due()).map((r) => r.id)).toContain(id);
    failWith = new SendError("550 mailbox unavailable", true);
    expect(await o.deliver(id)).toBe("FAILED");
    expect(await o.get(id)).toMatchObject({ status: "FAILED", attempts: 2 });
    failWith = null;

    // A sender that died while SENDING: its row is due again only after the lease.
    const crashed = await o.enqueueEmail({ to: ["a@example.com"], subject: "s", text: "t" }, { policy: "SYSTEM" });
    const store = new SqlOutboxStore(db.db);
    expect(await store.claim(crashed.id, clock, new Date(clock.getTime() + 60_000))).toBe(true);
    expect(await o.deliver(crashed.id)).toBe("SKIPPED");
    clock = new Date(clock.getTime() + 61_000);
    expect((await o.due()).map((r) => r.id)).toContain(crashed.id);
    expect(await o.deliver(crashed.id)).toBe("SENT");
  });

  it("TOOL policy: allowlist, size and rate limits", async () => {
    clock = new Date(clock.getTime() + 3_600_000);
    const o = make();
    const tool = { policy: "TOOL" } as const;
    expect(await codeOf(o.enqueueEmail({ to: ["x@evil.test"], subject: "s", text: "t" }, tool))).toBe("POLICY_DENIED");
    expect(await codeOf(o.enqueueEmail({ to: ["a@example.com"], subject: "s", text: "x".repeat(10_001) }, tool))).toBe(
      "LIMIT_EXCEEDED",
    );
    for (let i = 0; i < 3; i++) await o.enqueueEmail({ to: ["a@example.com"], subject: "s", text: "t" }, tool);
    expect(await codeOf(o.enqueueEmail({ to: ["a@example.com"], subject: "s", text: "t" }, tool))).toBe("RATE_LIMITED");
    // The service's own notifications are not held to the agents' rate.
    expect(await codeOf(o.enqueueEmail({ to: ["a@example.com"], subject: "s", text: "t" }, { policy: "SYSTEM" }))).toBe(
      "OK",
    );
  });
});
