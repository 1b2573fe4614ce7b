import { GraphQLJSON } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import type { RunMessageRole } from "../../domain/records.js";
import type { Json } from "../../domain/terms.js";
import { ConversationRoleEnum } from "../common/enums.js";
import { Node } from "../common/node.js";

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "A message from a person to the agent working on a task.",
})
export class TaskMessage {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => ID, { description: "The task it was sent to." })
  taskId!: string;

  @Field(() => String, { description: "The name of the API key that sent it." })
  author!: string;

  @Field(() => String, { description: "The message, 1 to 20,000 characters." })
  text!: string;

  @Field(() => Date, { description: "When it was sent." })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When the agent's runtime put it into the conversation." })
  deliveredAt!: Date | null;
}

@ObjectType({
  simpleResolvers: true,
  description: "One message of the conversation between a builtin agent's runtime and its model.",
})
export class ConversationMessage {
  @Field(() => Int, { description: "1, 2, 3 … per task." })
  seq!: number;

  @Field(() => ConversationRoleEnum, { description: "Who wrote it." })
  role!: RunMessageRole;

  @Field(() => String, {
    nullable: true,
    description: "Its text; null when it has none (a model turn that only calls tools).",
  })
  content!: string | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "ASSISTANT: { toolCalls: [{ id, name, arguments }] }; TOOL: { toolCallId, name }; USER: { author }.",
  })
  data!: Json;

  @Field(() => Int, { description: "The runtime step (model turn) that wrote it." })
  step!: number;

  @Field(() => Date, { description: "When it was written." })
  createdAt!: Date;
}
