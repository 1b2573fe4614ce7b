import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";
import { channelLimits } from "../../domain/channels/channel-terms.js";
import type { ChannelMessageRecord, ChannelParticipantRef, ChannelRecord, TaskRecord } from "../../domain/records.js";
import { ConnectionArgs, toConnection, type ConnectionShape } from "../common/connection.js";
import { principalOf, type Context } from "../context.js";
import { Task } from "../task/task.type.js";
import {
  Channel,
  ChannelConnection,
  ChannelFilter,
  ChannelMessage,
  ChannelParticipant,
  CreateChannelInput,
} from "./channel.type.js";

const channelArg = "The channel's id or name (a task's id names the task's channel).";

/** Channels and their messages: who may read and post is decided in access.ts. */
@Resolver(() => Channel)
export class ChannelResolver {
  @Authorized("VIEWER")
  @Query(() => ChannelConnection, {
    description:
      "Channels the caller may read, newest first: every one for ADMIN and OPERATOR; for a VIEWER, task channels and its named ones; for an AGENT key, its named channels and its own tasks' channels.",
  })
  async channels(
    @Ctx() ctx: Context,
    @Args(() => ConnectionArgs) paging: ConnectionArgs,
    @Arg("filter", () => ChannelFilter, { nullable: true, description: "Which channels; null: all." })
    filter?: ChannelFilter | null,
  ): Promise<ConnectionShape<ChannelRecord>> {
    return toConnection(await ctx.services.channels.list({ ...paging, filter }, principalOf(ctx)));
  }

  @Authorized("VIEWER")
  @Query(() => Channel, {
    nullable: true,
    description: "One channel by id or name; null when the caller may not read it.",
  })
  async channel(@Arg("id", () => ID, { description: channelArg }) id: string, @Ctx() ctx: Context) {
    return ctx.services.channels.find(id, principalOf(ctx));
  }

  @Authorized("VIEWER")
  @Query(() => [ChannelMessage], {
    description: `A channel's messages with seq > after, oldest first (at most first, up to ${channelLimits.page}).`,
  })
  channelMessages(
    @Arg("channelId", () => ID, { description: channelArg }) channelId: string,
    @Ctx() ctx: Context,
    @Arg("after", () => Int, { nullable: true, description: "The last seq the client has; 0 or null: from the first." })
    after?: number | null,
    @Arg("first", () => Int, { nullable: true, description: `How many, 0 to ${channelLimits.page} (default 50).` })
    first?: number | null,
  ): Promise<ChannelMessageRecord[]> {
    return ctx.services.channels.messages(channelId, after, first, principalOf(ctx));
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => Channel, {
    description:
      "Makes a named channel with its members (FORBIDDEN for a VIEWER). BAD_USER_INPUT names every bad field; a taken name is BAD_USER_INPUT on name.",
  })
  createChannel(
    @Arg("input", () => CreateChannelInput, { description: "Name, description and members." })
    input: CreateChannelInput,
    @Ctx() ctx: Context,
  ): Promise<ChannelRecord> {
    return ctx.services.channels.create(input, principalOf(ctx));
  }

  @Authorized("VIEWER")
  @Mutation(() => ChannelMessage, {
    description:
      "Posts a message. A mentioned agent gets it in its running task's conversation at its next step; a mentioned person's key gets a MENTIONED notification; a person's message in a task channel reaches the task's agent like sendTaskMessage.",
  })
  postMessage(
    @Arg("channelId", () => ID, { description: channelArg }) channelId: string,
    @Arg("text", () => String, {
      description: `1 to ${channelLimits.textLength} characters, no control characters but tab and newline; @name mentions an agent or a person.`,
    })
    text: string,
    @Ctx() ctx: Context,
    @Arg("replyTo", () => ID, { nullable: true, description: "A message of the same channel this one answers." })
    replyTo?: string | null,
    @Arg("mentions", () => [String], {
      nullable: true,
      description: `More agents and people to mention, by name or id (at most ${channelLimits.mentions}).`,
    })
    mentions?: string[] | null,
  ): Promise<ChannelMessageRecord> {
    return ctx.services.channels.post(channelId, { text, replyTo, mentions }, principalOf(ctx));
  }

  @FieldResolver(() => [ChannelParticipant], {
    description: "The members of a NAMED channel; empty for a TASK channel (see ChannelKind).",
  })
  members(@Root() channel: ChannelRecord, @Ctx() ctx: Context): Promise<ChannelParticipantRef[]> {
    return ctx.loaders.channelMembers.load(channel.id);
  }
}

/** The live feed of a channel and the fields of its messages. */
@Resolver(() => ChannelMessage)
export class ChannelMessageResolver {
  @Authorized("VIEWER")
  @Subscription(() => ChannelMessage, {
    name: "channelMessages",
    description:
      "A channel's stored messages with seq > afterSeq, then live ones, in order, with no gap and no duplicate, on every API node. To resume after a reconnect, subscribe again with afterSeq set to the last seq received.",
    subscribe: ({ args, context }) =>
      (context as Context).services.channels.stream(
        args.channelId as string,
        args.afterSeq as number | undefined,
        principalOf(context as Context),
      ),
  })
  channelMessagesLive(
    @Root() message: ChannelMessageRecord,
    @Arg("channelId", () => ID, { description: channelArg }) _channelId: string,
    @Arg("afterSeq", () => Int, {
      nullable: true,
      description: "The last seq the client has: stored messages after it come first. 0 or null: from the first.",
    })
    _afterSeq?: number,
  ): ChannelMessageRecord {
    return message;
  }

  @FieldResolver(() => ChannelParticipant, { description: "Who wrote it: an agent, or a person's API key." })
  author(@Root() m: ChannelMessageRecord): ChannelParticipantRef {
    return { name: m.authorName, agentId: m.authorAgentId, apiKeyId: m.authorAgentId ? null : m.authorKeyId };
  }
}

/** A task's own channel. */
@Resolver(() => Task)
export class TaskChannelResolver {
  @FieldResolver(() => Channel, {
    nullable: true,
    description: "The task's own channel (made with it); null when the caller may not read it.",
  })
  async channel(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<ChannelRecord | null> {
    const channel = await ctx.services.channels.taskChannel(task.id);
    return channel ? ctx.services.channels.visible(channel.id, principalOf(ctx)) : null;
  }
}
