import { createHash } from "node:crypto";
import type { Attachment, ReportAttachments } from "../../domain/notifications/outbox-channel.js";
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
