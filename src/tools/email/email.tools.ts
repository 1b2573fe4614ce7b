import { z } from "zod";
import { DomainError, invalidFields, type FieldProblem } from "../../domain/errors.js";
import { MAX_RECIPIENTS, MAX_SUBJECT_CHARS, outboxStatuses } from "../../domain/outbox/outbox.types.js";
import { asId, named } from "../api-shape.js";
import { defineTool, workspaceInput, type ToolContext } from "../registry.js";
import { readAttachment } from "./workspace-attachment.js";

/** Attachments of one message at most. */
export const MAX_ATTACHMENTS = 10;

const address = z.string().min(1).max(320);

const sendEmailOutput = named(
  "SendEmailResult",
  z
    .object({
      outboxId: asId(z.string()).describe("The message's outbox row: it is sent by a background job, with retries."),
      status: named("OutboxStatus", z.enum(outboxStatuses), {
        QUEUED: "Waiting for its (next) try.",
        SENDING: "A try holds it now.",
        SENT: "The SMTP server accepted it.",
        FAILED: "Given up on: a lasting refusal, or every try failed.",
      }).describe("Where the message is now (QUEUED right after sendEmail)."),
      messageId: z.string().describe("Its Message-ID header, the same on every try."),
    })
    .describe("An email queued in the outbox."),
);

/** Reads each attachment through the workspace's confined root; checks its size and type. */
async function readAttachments(ctx: ToolContext, paths: readonly string[], maxBytes: number) {
  const out: Array<{ filename: string; contentType: string; content: Buffer }> = [];
  const problems: FieldProblem[] = [];
  let total = 0;
  for (const [i, path] of paths.entries()) {
    const file = await readAttachment(ctx.workspace.root, path, maxBytes - total);
    if ("tooLarge" in file) {
      throw new DomainError(
        "LIMIT_EXCEEDED",
        `attachments.${i}: the attachments are over EMAIL_MAX_BYTES (${maxBytes})`,
        {
          field: `attachments.${i}`,
          limit: "EMAIL_MAX_BYTES",
          max: maxBytes,
        },
      );
    }
    if ("problem" in file) {
      problems.push({ path: `attachments.${i}`, message: file.problem });
      continue;
    }
    total += file.content.length;
    out.push(file);
  }
  if (problems.length > 0) throw invalidFields(problems);
  return out;
}

export const sendEmail = defineTool({
  id: "sendEmail",
  description:
    `Send an email (queued in the outbox, sent with retries). Recipients must be allowed by the agent's emailRecipients ` +
    `(else EMAIL_ALLOWED_RECIPIENTS); ` +
    `at most ${MAX_RECIPIENTS} recipients (to and cc), ${MAX_ATTACHMENTS} attachments from the workspace ` +
    `(PDF, images, text, CSV, JSON, Markdown), and EMAIL_MAX_BYTES in all. HTML is sanitized.`,
  input: workspaceInput.extend({
    to: z.array(address).min(1).max(MAX_RECIPIENTS).describe("Recipients' addresses (a@b.example)."),
    cc: z.array(address).max(MAX_RECIPIENTS).optional().describe("Copy recipients' addresses."),
    subject: z.string().min(1).max(MAX_SUBJECT_CHARS).describe("The subject: one line (CR or LF are refused)."),
    text: z.string().max(5_000_000).optional().describe("The plain-text body (text or html is required)."),
    html: z
      .string()
      .max(5_000_000)
      .optional()
      .describe("The HTML body; sanitized (no scripts, styles or remote images)."),
    attachments: z
      .array(z.string().min(1).max(4096))
      .max(MAX_ATTACHMENTS)
      .optional()
      .describe("Workspace paths of files to attach (e.g. output/report.pdf)."),
  }),
  output: sendEmailOutput,
  policy: { roles: ["OPERATOR", "AGENT"], sandbox: false, network: true },
  async execute(ctx, input) {
    const outbox = ctx.deps.email.outbox;
    if (!outbox.configured) throw outbox.notConfigured();
    const attachments = await readAttachments(ctx, input.attachments ?? [], outbox.maxBytes);
    const queued = await outbox.enqueueEmail(
      {
        to: input.to,
        cc: input.cc,
        subject: input.subject,
        text: input.text,
        html: input.html,
        attachments,
        taskId: ctx.workspace.taskId,
        dedupeKey: `tool:${ctx.toolCallId}`,
      },
      { policy: "TOOL", allowedRecipients: await ctx.deps.email.recipientsOf(ctx.workspace.agentId) },
    );
    return { outboxId: queued.id, status: queued.status, messageId: queued.messageId };
  },
});
