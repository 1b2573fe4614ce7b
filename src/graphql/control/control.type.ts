import { GraphQLJSON } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import type { Json } from "../../domain/terms.js";

@ObjectType({ simpleResolvers: true, description: "A message from a person to the agent working on a task." })
export class TaskMessage {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  taskId!: string;

  @Field(() => String, { description: "The name of the API key that sent it." })
  author!: string;

  @Field(() => String)
  text!: string;

  @Field(() => Date)
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

  @Field(() => String, { description: "user, assistant or tool." })
  role!: string;

  @Field(() => String, { nullable: true })
  content!: string | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "assistant: { toolCalls: [{ id, name, arguments }] }; tool: { toolCallId, name }; user: { author }.",
  })
  data!: Json;

  @Field(() => Int, { description: "The runtime step (model turn) that wrote it." })
  step!: number;

  @Field(() => Date)
  createdAt!: Date;
}
