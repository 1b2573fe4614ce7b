import { GraphQLJSON } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import type { Json, TaskEventType, TaskStatus } from "../../domain/terms.js";
import { TaskEventTypeEnum, TaskStatusEnum } from "../common/enums.js";
import { connectionTypes } from "../common/connection.js";
import { Node } from "../common/node.js";

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "A unit of work, moved through its phases by an agent.",
})
export class Task {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => String, { description: "Short name of the task, 1 to 200 characters." })
  title!: string;

  @Field(() => String, { description: "What is to be done, up to 20,000 characters; empty when none was given." })
  description!: string;

  @Field(() => Int, { description: "1 (trivial) to 10 (hardest)." })
  complexity!: number;

  @Field(() => Int, { description: "0 to 100; higher is picked first." })
  priority!: number;

  @Field(() => TaskStatusEnum, { description: "Its phase; changed only by the state machine's legal moves." })
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

  @Field(() => Date, { description: "When the task was created." })
  createdAt!: Date;

  @Field(() => Date, { description: "When its status, assignment or settings last changed." })
  updatedAt!: Date;
}

@ObjectType({
  implements: Node,
  simpleResolvers: true,
  description: "One observable change of a task; seq counts 1, 2, 3 … per task.",
})
export class TaskEvent {
  @Field(() => ID, { description: "Global id (UUIDv7), unique across all types." })
  id!: string;

  @Field(() => ID, { description: "The task it belongs to." })
  taskId!: string;

  @Field(() => Int, {
    description: "1, 2, 3 … per task, with no gaps: pass the last one seen as afterSeq to go on after it.",
  })
  seq!: number;

  @Field(() => TaskEventTypeEnum, { description: "What kind of change it records." })
  type!: TaskEventType;

  @Field(() => String, { description: "What happened, in words for people (up to 100,000 characters)." })
  content!: string;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "The event's data as stored, its fields depending on type; `details` has it typed. Null when none.",
  })
  data!: Json;

  @Field(() => Date, { description: "When it happened (it is written with the change it records)." })
  createdAt!: Date;
}

export const { Connection: TaskConnection, Edge: TaskEdge } = connectionTypes("Task", Task);
