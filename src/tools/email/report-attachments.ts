import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { Attachment, ReportAttachments } from "../../domain/notifications/outbox-channel.js";
import { readFile } from "../files/files.js";
import { attachmentType } from "./attachment-types.js";

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
    const file = await readFile(root, report.path, { encoding: "base64", maxBytes });
    if (file.truncated) {
      return { problem: `The report is over ${maxBytes} bytes, too large to attach: download it from the task.` };
    }
    const content = Buffer.from(file.content, "base64");
    if (report.sha256 && createHash("sha256").update(content).digest("hex") !== report.sha256) {
      return { problem: "The report's file changed after it was made, so it was not attached." };
    }
    const filename = posix.basename(file.path);
    const type = attachmentType(filename, content);
    if ("problem" in type) return { problem: `The report was not attached: it ${type.problem}.` };
    return { filename, contentType: type.contentType, content };
  }
}
