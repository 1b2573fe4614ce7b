import { posix } from "node:path";
import { readFile } from "../files/files.js";
import { attachmentType } from "./attachment-types.js";

/** A workspace file as an email attachment, or why it cannot be one. */
export type WorkspaceAttachment =
  { filename: string; contentType: string; content: Buffer } | { tooLarge: true } | { problem: string };

/**
 * Reads a workspace file for an email, as sendEmail and REPORT_READY mails do: through the
 * workspace's confined root (no link leads out; regular files only), at most `maxBytes`, its type
 * checked against its content (attachment-types.ts).
 */
export async function readAttachment(root: string, path: string, maxBytes: number): Promise<WorkspaceAttachment> {
  const file = await readFile(root, path, { encoding: "base64", maxBytes });
  if (file.truncated) return { tooLarge: true };
  const content = Buffer.from(file.content, "base64");
  const filename = posix.basename(file.path);
  const type = attachmentType(filename, content);
  return "problem" in type ? { problem: type.problem } : { filename, contentType: type.contentType, content };
}
