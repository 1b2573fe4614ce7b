import { z } from "zod";
import { channelLimits } from "../../domain/channels/channel-terms.js";
import type { ChannelMessageRecord } from "../../domain/records.js";
import { apiType, asId, named } from "../api-shape.js";
import { defineTool, workspaceInput, type ToolContext } from "../registry.js";

const channelField = z
  .string()
  .min(1)
  .max(100)
  .optional()
  .describe("The channel's id or name (e.g. a named channel's `design`); default: the task's own channel.");

/** The channel a call names, or the channel of the workspace's task. */
const channelOf = (ctx: ToolContext, channel: string | undefined): string => channel ?? ctx.workspace.taskId;

export const sendMessage = defineTool({
  id: "sendMessage",
  description:
    `Post a message in a channel (the task's own channel by default; or a named channel, by name or id). ` +
    `Write @name to mention an agent or a person (or list them in mentions): a mentioned agent gets the message ` +
    `in its conversation at its next step, a mentioned person is notified. At most ${channelLimits.textLength} characters.`,
  input: workspaceInput.extend({
    channel: channelField,
    text: z.string().min(1).max(channelLimits.textLength).describe("The message; @name mentions an agent or a person."),
    mentions: z
      .array(z.string().min(1).max(100))
      .max(channelLimits.mentions)
      .optional()
      .describe("Agents or people to mention by name or id, on top of the @names in the text."),
    replyTo: asId(z.string().min(1).max(64)).optional().describe("The id of a message of the same channel it answers."),
  }),
  output: apiType<ChannelMessageRecord>("ChannelMessage"),
  policy: { roles: ["OPERATOR", "AGENT"], sandbox: false, network: false },
  execute(ctx, input) {
    return ctx.deps.channels.post(
      channelOf(ctx, input.channel),
      { text: input.text, mentions: input.mentions, replyTo: input.replyTo },
      ctx.caller,
    );
  },
});

const readMessagesOutput = named(
  "ReadMessagesResult",
  z
    .object({
      channelId: asId(z.string()).describe("The channel read."),
      channelName: z.string().describe("Its name."),
      lastSeq: z
        .number()
        .int()
        .describe("The seq of the last message returned (afterSeq when none): pass it next time."),
      messages: z.array(apiType<ChannelMessageRecord>("ChannelMessage")).describe("The messages, oldest first."),
    })
    .describe("A page of a channel's messages."),
);

export const readMessages = defineTool({
  id: "readMessages",
  description:
    `Read a channel's messages after a seq, oldest first (the task's own channel by default; or a named channel, ` +
    `by name or id). At most ${channelLimits.page} per call: call again with the lastSeq it returns.`,
  input: workspaceInput.extend({
    channel: channelField,
    afterSeq: z.number().int().min(0).optional().describe("The last seq already read; 0 or left out: from the first."),
  }),
  output: readMessagesOutput,
  policy: { roles: ["VIEWER", "AGENT"], sandbox: false, network: false, readOnly: true },
  async execute(ctx, input) {
    const channels = ctx.deps.channels;
    const channel = await channels.usable(channelOf(ctx, input.channel), "channel", ctx.caller, "see");
    const messages = await channels.messages(channel.id, input.afterSeq, channelLimits.page, ctx.caller);
    return {
      channelId: channel.id,
      channelName: channel.name,
      lastSeq: messages.at(-1)?.seq ?? input.afterSeq ?? 0,
      messages,
    };
  },
});
