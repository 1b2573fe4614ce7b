import { Field, ID, Int, ObjectType } from "type-graphql";
import type { AgentStatus } from "../../domain/model.js";
import { AgentStatusEnum } from "../common/enums.js";
import { connectionTypes } from "../common/connection.js";

@ObjectType({ simpleResolvers: true, description: "A worker that takes tasks within its complexity range." })
export class Agent {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => AgentStatusEnum)
  status!: AgentStatus;

  @Field(() => Int)
  minComplexity!: number;

  @Field(() => Int)
  maxComplexity!: number;

  @Field(() => Date, { nullable: true })
  lastActiveAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

export const { Connection: AgentConnection, Edge: AgentEdge } = connectionTypes("Agent", Agent);
