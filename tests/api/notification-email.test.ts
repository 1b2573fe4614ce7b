import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AgentDocument,
  CreateAgentDocument,
  CreateApiKeyDocument,
  CreateTaskDocument,
  GenerateReportDocument,
  NotificationsDocument,
  PauseTaskDocument,
  ResumeTaskDocument,
  SubscribeNotificationsDocument,
  TaskDocument,
  UpdateTaskStatusDocument,
} from "../generated/graphql.js";
import { WorkspaceReportAttachments } from "../../src/tools/email/report-attachments.js";
import { untilValue } from "../helpers/process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from "../helpers/smtp-server.js";

/** The next message to `to` that arrives after the first `after` ones. */
async function mailTo(smtp: TestSmtpServer, to: string, after: number): Promise<ReceivedMail> {
  return untilValue(`a mail to ${to}`, async () => smtp.received.slice(after).find((m) => m.envelopeTo.includes(to)));
}

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

  it("mails TASK_PAUSED and NEEDS_APPROVAL with their own templates: what happened, what to do, the reason", async () => {
    await s.ok(SubscribeNotificationsDocument, {
      input: { channel: "EMAIL", address: "ops@example.com", events: ["TASK_PAUSED", "NEEDS_APPROVAL"] },
    });
    const careful = (
      await s.ok(CreateAgentDocument, { input: { name: "careful", minComplexity: 4, maxComplexity: 4 } })
    ).createAgent;
    const carefulKey = (
      await s.ok(CreateApiKeyDocument, { input: { name: "careful", role: "AGENT", agentId: careful.id } })
    ).createApiKey.key;
    const task = (
      await s.ok(CreateTaskDocument, { input: { title: "Needs a look", complexity: 4, requiresApproval: true } })
    ).createTask;
    let seen = smtp.received.length;
    await s.ok(PauseTaskDocument, { id: task.id, reason: "waiting for <legal>" });
    const paused = await mailTo(smtp, "ops@example.com", seen);
    expect(paused.mail.subject).toBe('Task "Needs a look" was paused');
    expect(paused.mail.text).toContain("resumeTask continues it");
    expect(paused.mail.text).toContain("waiting for <legal>");
    expect(String(paused.mail.html)).toContain("waiting for &lt;legal&gt;");
    expect(paused.mail.text).toContain(`Open the task: https://agents.example.org/tasks/${task.id}`);

    await s.ok(ResumeTaskDocument, { id: task.id });
    seen = smtp.received.length;
    for (const status of ["BUILD", "TEST", "REVIEW", "COMPLETE"] as const) {
      // The agent finishing asks for approval (a person moving it to COMPLETE would approve it).
      const note = status === "COMPLETE" ? "All done" : null;
      await s.ok(UpdateTaskStatusDocument, { id: task.id, status, note }, carefulKey);
    }
    const approval = await mailTo(smtp, "ops@example.com", seen);
    expect(approval.mail.subject).toBe('Task "Needs a look" needs approval');
    expect(approval.mail.text).toContain("approve it (approveTask) or send it back (rejectTask)");
    expect(approval.mail.text).toContain(`Review the task: https://agents.example.org/tasks/${task.id}`);
    expect(String(approval.mail.html)).toContain(
      `<a href="https://agents.example.org/tasks/${task.id}">Review the task</a>`,
    );
  });

  it("attaches the report of REPORT_READY, byte-equal to the workspace's PDF; a made-again report replaces its artifact", async () => {
    await s.ok(SubscribeNotificationsDocument, {
      input: { channel: "EMAIL", address: "reports@example.com", events: ["REPORT_READY"] },
    });
    const agent = (await s.ok(CreateAgentDocument, { input: { name: "writer", minComplexity: 6, maxComplexity: 6 } }))
      .createAgent;
    const agentKey = (await s.ok(CreateApiKeyDocument, { input: { name: "writer", role: "AGENT", agentId: agent.id } }))
      .createApiKey.key;
    const task = (await s.ok(CreateTaskDocument, { input: { title: "Monthly figures", complexity: 6 } })).createTask;
    const workspaceId = await untilValue("a READY workspace", async () => {
      const t = (await s.ok(TaskDocument, { id: task.id })).task;
      return t?.workspace?.status === "READY" ? t.workspace.id : null;
    });
    const seen = smtp.received.length;
    const report = async () =>
      (
        await s.ok(
          GenerateReportDocument,
          { input: { workspaceId, template: "TASK_REPORT", name: "monthly", data: { summary: "Sales were 42." } } },
          agentKey,
        )
      ).generateReport;
    const first = await report();
    const mail = await mailTo(smtp, "reports@example.com", seen);
    expect(mail.mail.subject).toBe('A report of task "Monthly figures" is ready');
    expect(mail.mail.text).toContain("The report is attached: monthly.pdf.");
    const res = await fetch(`${s.url}/workspaces/${workspaceId}/files/${first.path}`, {
      headers: { authorization: `Bearer ${agentKey}` },
    });
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(mail.mail.attachments).toHaveLength(1);
    expect(mail.mail.attachments[0]!.contentType).toBe("application/pdf");
    expect(Buffer.compare(mail.mail.attachments[0]!.content, pdf)).toBe(0);
    expect(createHash("sha256").update(pdf).digest("hex")).toBe(first.sha256);

    const second = await report();
    const again = await mailTo(smtp, "reports@example.com", smtp.received.indexOf(mail) + 1);
    expect(again.mail.attachments[0]!.content.length).toBe(second.sizeBytes);
    const artifacts = (await s.app.services.artifacts.ofTasks([task.id])).get(task.id) ?? [];
    expect(artifacts.map((a) => [a.path, a.sha256])).toEqual([["output/monthly.pdf", second.sha256]]);
  });
});

/** The attachment reader refuses what the agent could have swapped or linked since the report was made. */
describe("report attachments", () => {
  const root = mkdtempSync(join(tmpdir(), "report-attach-"));
  const pdf = Buffer.from("%PDF-1.7\nreport\n%%EOF\n");
  const sha = createHash("sha256").update(pdf).digest("hex");
  const files = new WorkspaceReportAttachments(async () => root);
  mkdirSync(join(root, "output"));
  writeFileSync(join(root, "output/r.pdf"), pdf);
  symlinkSync("/etc/passwd", join(root, "output/link.pdf"));
  writeFileSync(join(root, "output/fake.pdf"), "#!/bin/sh\n");
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("attaches the recorded bytes only, within the size limit, a real PDF, never through a link out", async () => {
    expect(await files.read("t", { path: "output/r.pdf", sha256: sha }, 1000)).toMatchObject({
      filename: "r.pdf",
      contentType: "application/pdf",
    });
    expect(await files.read("t", { path: "output/r.pdf", sha256: "0".repeat(64) }, 1000)).toEqual({
      problem: "The report's file changed after it was made, so it was not attached.",
    });
    expect(await files.read("t", { path: "output/r.pdf", sha256: sha }, 5)).toMatchObject({
      problem: expect.stringContaining("too large to attach"),
    });
    const fake = createHash("sha256").update("#!/bin/sh\n").digest("hex");
    expect(await files.read("t", { path: "output/fake.pdf", sha256: fake }, 1000)).toMatchObject({
      problem: expect.stringContaining("is not a PDF file"),
    });
    await expect(files.read("t", { path: "output/link.pdf", sha256: null }, 100_000)).rejects.toThrow();
  });
});

/** AGENT_OFFLINE reaches an email subscription and the in-app list once per going offline. */
describe("agent offline notifications [sqlite]", () => {
  let smtp: TestSmtpServer;
  let s: TestServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    s = await startTestServer("sqlite", {
      workers: 1,
      sweepIntervalMs: 200,
      env: { SMTP_URL: smtp.url(), SMTP_CA_FILE: smtp.caFile, AGENT_HEARTBEAT_TIMEOUT: "1" },
    });
  });
  afterAll(async () => {
    await s?.stop();
    await smtp?.close();
  });

  it("tells the subscribers of an agent that it went offline", async () => {
    const agent = (await s.ok(CreateAgentDocument, { input: { name: "quiet" } })).createAgent;
    await s.ok(SubscribeNotificationsDocument, {
      input: {
        channel: "EMAIL",
        address: "oncall@example.com",
        events: ["AGENT_OFFLINE"],
        filter: { agentId: agent.id },
      },
    });
    await s.ok(SubscribeNotificationsDocument, { input: { channel: "IN_APP", events: ["AGENT_OFFLINE"] } });
    await untilValue(
      "the agent OFFLINE",
      async () => (await s.ok(AgentDocument, { id: agent.id })).agent?.status === "OFFLINE",
    );
    const mail = await mailTo(smtp, "oncall@example.com", 0);
    expect(mail.mail.subject).toBe('Agent "quiet" went offline');
    expect(mail.mail.text).toContain("stopped sending heartbeats");
    const inApp = await untilValue("an in-app notification", async () => {
      const list = (await s.ok(NotificationsDocument, { first: 10 })).notifications.edges;
      return list.length > 0 ? list : null;
    });
    expect(inApp.map((e) => [e.node.event, e.node.agentId])).toEqual([["AGENT_OFFLINE", agent.id]]);
    expect(smtp.received.filter((m) => m.envelopeTo.includes("oncall@example.com"))).toHaveLength(1);
  });
});
