import { createHash } from "node:crypto";
import { DomainError } from "../../domain/errors.js";
import type { Attachment, ReportAttachments } from "../../domain/notifications/outbox-channel.js";
import type { WorkspaceRecord } from "../../domain/records.js";
import type { WorkspaceRouter } from "../../domain/workspaces/workspace-router.js";
import { readAttachment } from "./workspace-attachment.js";

/**
 * Reads a report for a REPORT_READY email from its task's workspace, the way sendEmail reads an
 * attachment: through the confined root (no symlink leads out), regular files only, at most
 * `maxBytes`, its type checked against its content. The workspace is the agent's to change, so
 * the bytes must still be the report that was recorded (its sha256): a swapped file is not sent.
 */
export class WorkspaceReportAttachments implements ReportAttachments {
  constructor(private readonly workspaceRootOf: (taskId: string) => Promise<string | null>) {}

  async read(taskId: string, report: { path: string; sha256: string | null }, maxBytes: number): Promise<Attachment> {
    const root = await this.workspaceRootOf(taskId);
    if (!root) return { problem: "The task's workspace is gone: the report could not be attached." };
    const file = await readAttachment(root, report.path, maxBytes);
    if ("tooLarge" in file) {
      return { problem: `The report is over ${maxBytes} bytes, too large to attach: download it from the task.` };
    }
    if ("problem" in file) return { problem: `The report was not attached: it ${file.problem}.` };
    if (report.sha256 && createHash("sha256").update(file.content).digest("hex") !== report.sha256) {
      return { problem: "The report's file changed after it was made, so it was not attached." };
    }
    return file;
  }
}

/** The workspace operation that reads a REPORT_READY email's report on the workspace's holder. */
export const REPORT_ATTACHMENT_OP = "report.attachment";

interface ReportRequest {
  taskId: string;
  report: { path: string; sha256: string | null };
  maxBytes: number;
}

/**
 * Report attachments wherever the task's workspace is: read here when this process holds it, else
 * by its holder (the bytes come back in chunks); a workspace out of reach is a problem in the mail.
 */
export class RoutedReportAttachments implements ReportAttachments {
  constructor(
    private readonly local: ReportAttachments,
    private readonly router: WorkspaceRouter,
    private readonly workspaceOf: (taskId: string) => Promise<WorkspaceRecord | null>,
  ) {
    router.handle(REPORT_ATTACHMENT_OP, async (raw) => {
      const r = raw as ReportRequest;
      const file = await local.read(r.taskId, r.report, r.maxBytes);
      if ("problem" in file) return { result: file };
      return { result: { filename: file.filename, contentType: file.contentType }, chunks: once(file.content) };
    });
  }

  async read(taskId: string, report: { path: string; sha256: string | null }, maxBytes: number): Promise<Attachment> {
    const ws = await this.workspaceOf(taskId);
    if (!ws || this.router.isLocal(ws)) return this.local.read(taskId, report, maxBytes);
    try {
      const reply = await this.router.forward(ws, REPORT_ATTACHMENT_OP, { taskId, report, maxBytes });
      const head = reply.result as Attachment;
      if ("problem" in head || !reply.chunks) return head;
      const parts: Buffer[] = [];
      for await (const part of reply.chunks) parts.push(part);
      return { ...head, content: Buffer.concat(parts) };
    } catch (err) {
      if (err instanceof DomainError && (err.code === "WORKSPACE_LOST" || err.code === "WORKSPACE_UNAVAILABLE")) {
        return { problem: `The task's workspace is out of reach (${err.code}): the report could not be attached.` };
      }
      throw err;
    }
  }
}

async function* once(content: Uint8Array): AsyncGenerator<Buffer> {
  yield Buffer.from(content);
}
