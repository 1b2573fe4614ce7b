import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  SendEmailDocument,
  TaskDocument,
  UpdateAgentEmailRecipientsDocument,
} from "../generated/graphql.js";
import { untilValue } from "../helpers/process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp-server.js";

const code = (r: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => r.errors?.[0]?.extensions;

/** sendEmail over GraphQL, through the outbox, to a real SMTP server with STARTTLS and AUTH. */
describe("sendEmail and the outbox [sqlite]", () => {
  let smtp: TestSmtpServer;
  let s: TestServer;
  let dataDir = "";
  let workspaceId = "";
  let root = "";
  let agentKey = "";
  let agentId = "";
  const env = () => ({
    SMTP_URL: smtp.url(),
    SMTP_CA_FILE: smtp.caFile,
    SMTP_FROM: "Agents <agents@example.org>",
    EMAIL_ALLOWED_RECIPIENTS: "@example.com, boss@example.net",
    EMAIL_MAX_BYTES: String(256 * 1024),
  });
  const start = () => startTestServer("sqlite", { workers: 1, dataDir, keepData: true, env: env() });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dataDir = mkdtempSync(join(tmpdir(), "email-test-"));
    s = await start();
    const agent = (await s.ok(CreateAgentDocument, { input: { name: "mailer", minComplexity: 5, maxComplexity: 5 } }))
      .createAgent;
    agentId = agent.id;
    agentKey = (await s.ok(CreateApiKeyDocument, { input: { name: "mailer", role: "AGENT", agentId: agent.id } }))
      .createApiKey.key;
    const taskId = (await s.ok(CreateTaskDocument, { input: { title: "mail", complexity: 5 } })).createTask.id;
    const ws = await untilValue("a READY workspace", async () => {
      const t = (await s.ok(TaskDocument, { id: taskId })).task;
      return t?.workspace?.status === "READY" ? t.workspace : null;
    });
    workspaceId = ws.id;
    root = ws.path;
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const outboxRow = (id: string) => s.app.services.outbox.get(id);

  it("delivers subject, text, sanitized HTML and a byte-equal PDF attachment over STARTTLS with AUTH, once", async () => {
    mkdirSync(join(root, "output"), { recursive: true });
    const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(50_000), Buffer.from("\n%%EOF\n")]);
    writeFileSync(join(root, "output/report.pdf"), pdf);
    const before = smtp.received.length;
    const sent = (
      await s.ok(
        SendEmailDocument,
        {
          workspaceId,
          to: ["Alice@Example.com"],
          cc: ["boss@example.net"],
          subject: "Report ready: Q3 ✓",
          text: "The report is attached.",
          html: '<p>The <b>report</b> is attached.</p><script>alert(1)</script><img src="https://tracker.example/x.png">',
          attachments: ["output/report.pdf"],
        },
        agentKey,
      )
    ).sendEmail;
    expect(sent.status).toBe("QUEUED");
    const [got] = (await smtp.waitFor(before + 1)).slice(before);
    expect(got!.secure).toBe(true);
    expect(got!.user).toBe(smtp.user);
    expect(got!.envelopeTo.sort()).toEqual(["alice@example.com", "boss@example.net"]);
    const m = got!.mail;
    expect(m.subject).toBe("Report ready: Q3 ✓");
    expect(m.messageId).toBe(sent.messageId);
    expect(m.from?.text).toContain("agents@example.org");
    expect(m.text?.trim()).toBe("The report is attached.");
    expect(m.html).toContain("<b>report</b>");
    expect(m.html).not.toContain("script");
    expect(m.html).not.toContain("tracker.example");
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]!.filename).toBe("report.pdf");
    expect(m.attachments[0]!.contentType).toBe("application/pdf");
    expect(Buffer.compare(m.attachments[0]!.content, pdf)).toBe(0);
    const row = await untilValue("SENT", async () =>
      (await outboxRow(sent.outboxId))?.status === "SENT" ? outboxRow(sent.outboxId) : null,
    );
    expect(row).toMatchObject({ attempts: 1, lastError: null });
    expect(smtp.received.filter((r) => r.mail.messageId === sent.messageId)).toHaveLength(1);
  });

  it("refuses CR/LF in any header, naming the field, and sends nothing", async () => {
    const before = smtp.received.length;
    const subj = await s.gql(
      SendEmailDocument,
      { workspaceId, to: ["a@example.com"], subject: "Hi\r\nBcc: x@evil.test", text: "x" },
      agentKey,
    );
    expect(code(subj)?.code).toBe("BAD_USER_INPUT");
    expect(code(subj)?.field).toBe("subject");
    const to = await s.gql(
      SendEmailDocument,
      { workspaceId, to: ["a@example.com\nBcc: x@evil.test"], subject: "Hi", text: "x" },
      agentKey,
    );
    expect(code(to)?.code).toBe("BAD_USER_INPUT");
    expect(code(to)?.field).toBe("to.0");
    const cc = await s.gql(
      SendEmailDocument,
      { workspaceId, to: ["a@example.com"], cc: ["b@example.com\r\n"], subject: "Hi", text: "x" },
      agentKey,
    );
    expect(code(cc)?.field).toBe("cc.0");
    expect(smtp.received.length).toBe(before);
  });

  it("refuses a recipient outside EMAIL_ALLOWED_RECIPIENTS, a disguised or linked-out attachment, and a too large one", async () => {
    const denied = await s.gql(
      SendEmailDocument,
      { workspaceId, to: ["a@example.com"], cc: ["x@evil.test"], subject: "Hi", text: "x" },
      agentKey,
    );
    expect(code(denied)?.code).toBe("POLICY_DENIED");
    expect(code(denied)?.field).toBe("cc.0");
    writeFileSync(join(root, "fake.pdf"), "#!/bin/sh\necho hi\n");
    const fake = await s.gql(
      SendEmailDocument,
      { workspaceId, to: ["a@example.com"], subject: "Hi", text: "x", attachments: ["fake.pdf"] },
      agentKey,
    );
    expect(code(fake)?.code).toBe("BAD_USER_INPUT");
    expect(code(fake)?.field).toBe("attachments.0");
    writeFileSync(join(root, "tool.exe"), "MZ");
    const exe = await s.gql(
      SendEmailDocument,
      { workspaceId, to: ["a@example.com"], subject: "Hi", text: "x", attachments: ["tool.exe"] },
      agentKey,
    );
    expect(code(exe)?.code).toBe("BAD_USER_INPUT");
    symlinkSync("/etc/passwd", join(root, "passwd.txt"));
    const link = await s.gql(
      SendEmailDocument,
      { workspaceId, to: ["a@example.com"], subject: "Hi", text: "x", attachments: ["passwd.txt"] },
      agentKey,
    );
    expect(link.errors).toBeDefined();
    expect(JSON.stringify(link)).not.toContain("root:");
    writeFileSync(join(root, "big.txt"), "x".repeat(300 * 1024));
    const big = await s.gql(
      SendEmailDocument,
      { workspaceId, to: ["a@example.com"], subject: "Hi", text: "x", attachments: ["big.txt"] },
      agentKey,
    );
    expect(code(big)?.code).toBe("LIMIT_EXCEEDED");
  });

  it("lets an agent's own emailRecipients replace EMAIL_ALLOWED_RECIPIENTS for its sendEmail, and clears it", async () => {
    const mail = (to: string) =>
      s.gql(SendEmailDocument, { workspaceId, to: [to], subject: "Per agent", text: "x" }, agentKey);
    const bad = await s.gql(UpdateAgentEmailRecipientsDocument, {
      id: agentId,
      input: { emailRecipients: ["ok@team.example", "not an address"] },
    });
    expect(code(bad)).toMatchObject({ code: "BAD_USER_INPUT", field: "emailRecipients" });
    const set = await s.ok(UpdateAgentEmailRecipientsDocument, {
      id: agentId,
      input: { emailRecipients: ["@Team.example", "ops@example.net"] },
    });
    expect(set.updateAgent.emailRecipients).toEqual(["@team.example", "ops@example.net"]);
    const before = smtp.received.length;
    const ok = await mail("Dev@team.example");
    expect(ok.errors).toBeUndefined();
    // The agent's list replaces the global one: @example.com is no longer open to it.
    const denied = await mail("a@example.com");
    expect(code(denied)).toMatchObject({ code: "POLICY_DENIED", field: "to.0" });
    expect(denied.errors?.[0]?.message).toContain("emailRecipients");
    const [got] = (await smtp.waitFor(before + 1)).slice(before);
    expect(got!.envelopeTo).toEqual(["dev@team.example"]);

    const none = await s.ok(UpdateAgentEmailRecipientsDocument, { id: agentId, input: { emailRecipients: [] } });
    expect(none.updateAgent.emailRecipients).toEqual([]);
    expect(code(await mail("dev@team.example"))?.code).toBe("POLICY_DENIED");
    const cleared = await s.ok(UpdateAgentEmailRecipientsDocument, {
      id: agentId,
      input: { clearEmailRecipients: true },
    });
    expect(cleared.updateAgent.emailRecipients).toBeNull();
    expect((await mail("a@example.com")).errors).toBeUndefined();
    expect(code(await mail("dev@team.example"))?.code).toBe("POLICY_DENIED");
    await smtp.waitFor(before + 2);
  });

  it("waits out an SMTP outage and a restart of the service, then delivers exactly once", async () => {
    await smtp.down();
    const sent = (
      await s.ok(
        SendEmailDocument,
        { workspaceId, to: ["ops@example.com"], subject: "Outage test", text: "still here" },
        agentKey,
      )
    ).sendEmail;
    // Tried and failed at least twice while the server is down.
    await untilValue("two failed tries", async () => {
      const r = await outboxRow(sent.outboxId);
      return r && r.attempts >= 2 && r.status === "QUEUED" && r.lastError !== null;
    });
    await s.stop();
    await smtp.start();
    s = await start();
    const got = await untilValue("the message after the restart", async () =>
      smtp.received.find((r) => r.mail.messageId === sent.messageId),
    );
    expect(got.mail.text?.trim()).toBe("still here");
    const row = await untilValue("SENT", async () =>
      (await outboxRow(sent.outboxId))?.status === "SENT" ? outboxRow(sent.outboxId) : null,
    );
    expect(row!.attempts).toBeGreaterThanOrEqual(3);
    // Whatever sweeps and retries run from here on, the message is not sent again.
    await s.app.services.outbox.deliver(sent.outboxId);
    expect(await s.app.services.outbox.deliver(sent.outboxId)).toBe("SKIPPED");
    expect(smtp.received.filter((r) => r.mail.messageId === sent.messageId)).toHaveLength(1);
  });
});
