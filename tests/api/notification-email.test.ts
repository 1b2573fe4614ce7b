import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CreateAgentDocument, CreateTaskDocument, SubscribeNotificationsDocument } from "../generated/graphql.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp-server.js";

/** An EMAIL subscription's notifications go out through the outbox to a real SMTP server. */
describe("email notifications [sqlite]", () => {
  let smtp: TestSmtpServer;
  let s: TestServer;
  let dataDir = "";

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dataDir = mkdtempSync(join(tmpdir(), "notify-mail-test-"));
    s = await startTestServer("sqlite", {
      workers: 1,
      dataDir,
      keepData: true,
      env: {
        SMTP_URL: smtp.url(),
        SMTP_CA_FILE: smtp.caFile,
        SMTP_FROM: "Agents <agents@example.org>",
        PUBLIC_URL: "https://agents.example.org",
      },
    });
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("mails a subscribed address when a task is assigned: subject, escaped bodies, the task's link", async () => {
    await s.ok(SubscribeNotificationsDocument, {
      input: { channel: "EMAIL", address: "lead@example.com", events: ["TASK_ASSIGNED"] },
    });
    await s.ok(CreateAgentDocument, { input: { name: "notified", minComplexity: 3, maxComplexity: 3 } });
    const task = (await s.ok(CreateTaskDocument, { input: { title: "Ship <the> report", complexity: 3 } })).createTask;
    const [mail] = await smtp.waitFor(1);
    expect(mail!.envelopeTo).toEqual(["lead@example.com"]);
    expect(mail!.mail.subject).toContain("Ship <the> report");
    expect(mail!.mail.text).toContain(`https://agents.example.org/tasks/${task.id}`);
    expect(String(mail!.mail.html)).toContain("Ship &lt;the&gt; report");
    expect(String(mail!.mail.html)).not.toContain("<the>");
    expect(smtp.received).toHaveLength(1);
  });
});
