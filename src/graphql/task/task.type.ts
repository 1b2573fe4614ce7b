import { GraphQLJSON } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import type { Json, TaskEventType, TaskStatus } from "../../domain/terms.js";
import { TaskEventTypeEnum, TaskStatusEnum } from "../common/enums.js";
import { connectionTypes } from "../common/connection.js";

@ObjectType({ simpleResolvers: true, description: "A unit of work, moved through its phases by an agent." })
export class Task {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Int, { description: "1 (trivial) to 10 (hardest)." })
  complexity!: number;

  @Field(() => Int, { description: "0 to 100; higher is picked first." })
  priority!: number;

  @Field(() => TaskStatusEnum)
  status!: TaskStatus;

  @Field(() => Int, { description: "Sequence number of the task's latest event: subscribe with afterSeq set to it." })
  lastEventSeq!: number;

  @Field(() => Float, { nullable: true, description: "Budget in USD for the task's model calls; null for none." })
  maxCostUsd!: number | null;

  @Field(() => Int, { nullable: true, description: "Budget in tokens for the task's model calls; null for none." })
  maxTokens!: number | null;

  @Field(() => String, { nullable: true, description: "Model (or fallback list) for this task, ahead of its agent's." })
  model!: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Whether it waits in REVIEW for approveTask; null: as its agent says.",
  })
  requiresApproval!: boolean | null;

  @Field(() => Date, {
    nullable: true,
    description: "Set while the task is paused (pauseTask, a spent budget, no credits).",
  })
  pausedAt!: Date | null;

  @Field(() => String, { nullable: true, description: "Why it is paused." })
  pauseReason!: string | null;

  @Field(() => Date, {
    nullable: true,
    description: "Set while it waits in REVIEW for approveTask or rejectTask.",
  })
  approvalRequestedAt!: Date | null;

  @Field(() => String, { nullable: true, description: "What the agent said it did when it completed the task." })
  summary!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: "One observable change of a task; seq counts 1, 2, 3 … per task." })
export class TaskEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  taskId!: string;

  @Field(() => Int)
  seq!: number;

  @Field(() => TaskEventTypeEnum)
  type!: TaskEventType;

  @Field(() => String)
  content!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  data!: Json;

  @Field(() => Date)
  createdAt!: Date;
}

export const { Connection: TaskConnection, Edge: TaskEdge } = connectionTypes("Task", Task);
