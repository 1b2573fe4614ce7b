import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import type { AgentKind, AgentStatus } from "../../domain/terms.js";
import { AgentKindEnum, AgentStatusEnum } from "../common/enums.js";
import { connectionTypes } from "../common/connection.js";
import { Node } from "../common/node.js";

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "A worker that takes tasks within its complexity range.",
})
export class Agent {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => String, { description: "Unique name, 1 to 100 characters." })
  name!: string;

  @Field(() => AgentStatusEnum, { description: "Whether it takes new tasks now." })
  status!: AgentStatus;

  @Field(() => AgentKindEnum, {
    description: "Who runs it: this service (BUILTIN) or a program using this API (EXTERNAL).",
  })
  kind!: AgentKind;

  @Field(() => Int, { description: "Lowest task complexity it takes, 1 to 10." })
  minComplexity!: number;

  @Field(() => Int, { description: "Highest task complexity it takes, 1 to 10 (at least minComplexity)." })
  maxComplexity!: number;

  @Field(() => Int, { description: "Tasks it works on at once (default 1)." })
  maxConcurrentTasks!: number;

  @Field(() => Int, { description: "Tasks assigned to it and not finished." })
  activeTasks!: number;

  @Field(() => Date, { nullable: true, description: "When it last took a task or finished one." })
  lastActiveAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: "Its last heartbeat; silent for AGENT_HEARTBEAT_TIMEOUT seconds, it goes OFFLINE.",
  })
  lastHeartbeatAt!: Date | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "This agent's changes to the command policy (setToolPolicy).",
  })
  toolPolicy!: unknown;

  @Field(() => String, {
    nullable: true,
    description:
      "Default model (or comma-separated fallback list) of a builtin agent; null: the configured tiers and default.",
  })
  model!: string | null;

  @Field(() => String, { nullable: true, description: "The agent's role, put at the top of its conversations." })
  instructions!: string | null;

  @Field(() => [String], { nullable: true, description: "Tool ids its runtime may use; null: every tool." })
  tools!: string[] | null;

  @Field(() => Boolean, { description: "Its tasks wait in REVIEW for approveTask or rejectTask." })
  requiresApproval!: boolean;

  @Field(() => [String], {
    nullable: true,
    description:
      "Addresses and @domains its sendEmail may write to, used instead of EMAIL_ALLOWED_RECIPIENTS; null: that list.",
  })
  emailRecipients!: string[] | null;

  @Field(() => Date, { description: "When the agent was created." })
  createdAt!: Date;

  @Field(() => Date, { description: "When its settings, status or number of tasks last changed." })
  updatedAt!: Date;
}

export const { Connection: AgentConnection, Edge: AgentEdge } = connectionTypes("Agent", Agent);
