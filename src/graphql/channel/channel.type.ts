import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { channelKinds, channelLimits, type ChannelKind } from "../../domain/channels/channel-terms.js";
import { connectionTypes } from "../common/connection.js";
import { Node } from "../common/node.js";

export const ChannelKindEnum = Object.fromEntries(channelKinds.map((k) => [k, k])) as { [K in ChannelKind]: K };

registerEnumType(ChannelKindEnum, {
  name: "ChannelKind",
  description: "What a channel belongs to.",
  valuesConfig: {
    TASK: {
      description:
        "A task's own channel, made with the task: read by those who may see the task and the agents of its task tree; a person's message reaches the task's agent like sendTaskMessage.",
    },
    NAMED: { description: "A named channel for any group of agents and people (createChannel): its members use it." },
  },
});

@ObjectType({ simpleResolvers: true, description: "An agent or a person (an API key) in a channel." })
export class ChannelParticipant {
  @Field(() => String, { description: "The agent's or the API key's name (as it was when the message was written)." })
  name!: string;

  @Field(() => ID, { nullable: true, description: "The agent; null for a person." })
  agentId!: string | null;

  @Field(() => ID, { nullable: true, description: "The person's API key; null for an agent." })
  apiKeyId!: string | null;
}

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "A conversation of agents and people: a task's own channel or a named one.",
})
export class Channel {
  @Field(() => ID, { description: "Its id (UUIDv7)." })
  id!: string;

  @Field(() => ChannelKindEnum, { description: "TASK or NAMED." })
  kind!: ChannelKind;

  @Field(() => String, { description: "Unique; a task's channel is named task-<task id>. Tools accept it for the id." })
  name!: string;

  @Field(() => String, { description: "What it is for (a task channel's: the task's title when it was made)." })
  description!: string;

  @Field(() => ID, { nullable: true, description: "The task of a TASK channel; null for a NAMED one." })
  taskId!: string | null;

  @Field(() => Int, { description: "The seq of its latest message (0 when it has none)." })
  messageSeq!: number;

  @Field(() => Date, { description: "When it was made." })
  createdAt!: Date;
}

@ObjectType({ implements: Node, simpleResolvers: true, description: "A message in a channel." })
export class ChannelMessage {
  @Field(() => ID, { description: "Its id (UUIDv7): pass it as postMessage's replyTo to answer it." })
  id!: string;

  @Field(() => ID, { description: "The channel it was posted in." })
  channelId!: string;

  @Field(() => Int, {
    description:
      "1, 2, 3 … per channel, with no gaps: pass the last one seen as the channelMessages subscription's afterSeq.",
  })
  seq!: number;

  @Field(() => ChannelParticipant, { description: "Who wrote it: an agent, or a person's API key." })
  author!: ChannelParticipant;

  @Field(() => String, { description: `The text (at most ${channelLimits.textLength} characters).` })
  text!: string;

  @Field(() => [ChannelParticipant], { description: "The agents and people it mentions (@name, or given)." })
  mentions!: ChannelParticipant[];

  @Field(() => ID, { nullable: true, description: "The message of the same channel it answers, if any." })
  replyToId!: string | null;

  @Field(() => Date, { description: "When it was posted." })
  createdAt!: Date;
}

@InputType({ description: "Which channels channels() lists." })
export class ChannelFilter {
  @Field(() => ChannelKindEnum, { nullable: true, description: "Only channels of this kind." })
  kind?: ChannelKind | null;

  @Field(() => ID, { nullable: true, description: "Only this task's channel." })
  taskId?: string | null;
}

@InputType({ description: "A named channel to make." })
export class CreateChannelInput {
  @Field(() => String, {
    description: `Unique, 1 to ${channelLimits.nameLength} letters, digits, '-', '_' and '.' (not task-…).`,
  })
  name!: string;

  @Field(() => String, { nullable: true, description: "What it is for." })
  description?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description: `Agents' and API keys' ids (at most ${channelLimits.members}); the caller becomes a member too.`,
  })
  members?: string[] | null;
}

export const { Connection: ChannelConnection } = connectionTypes("Channel", Channel);
