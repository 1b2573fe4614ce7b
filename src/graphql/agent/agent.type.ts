import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, Int, ObjectType } from "type-graphql";
import type { AgentKind, AgentStatus } from "../../domain/terms.js";
import { AgentKindEnum, AgentStatusEnum } from "../common/enums.js";
import { connectionTypes } from "../common/connection.js";

@ObjectType({ simpleResolvers: true, description: "A worker that takes tasks within its complexity range." })
export class Agent {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => AgentStatusEnum)
  status!: AgentStatus;

  @Field(() => AgentKindEnum)
  kind!: AgentKind;

  @Field(() => Int)
  minComplexity!: number;

  @Field(() => Int)
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

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

export const { Connection: AgentConnection, Edge: AgentEdge } = connectionTypes("Agent", Agent);
