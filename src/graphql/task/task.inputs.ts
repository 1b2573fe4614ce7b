import { Field, Float, ID, InputType, Int } from "type-graphql";
import type { TaskStatus } from "../../domain/terms.js";
import { TaskStatusEnum } from "../common/enums.js";

@InputType({
  description:
    "A new task. It starts PENDING and is taken at once by the least recently active AVAILABLE agent whose complexity range fits, if any.",
})
export class CreateTaskInput {
  @Field(() => String, { description: "1 to 200 characters." })
  title!: string;

  @Field(() => String, { nullable: true, description: "Up to 20,000 characters." })
  description?: string | null;

  @Field(() => Int, { description: "1 to 10." })
  complexity!: number;

  @Field(() => Int, { nullable: true, description: "0 to 100, default 0." })
  priority?: number | null;

  @Field(() => ID, { nullable: true, description: "Makes this a subtask of another task." })
  parentId?: string | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Budget in USD, more than 0 and at most 1,000,000: the task stops once its model calls cost this much.",
  })
  maxCostUsd?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Budget in tokens, 1 to 1,000,000,000: the task stops once its model calls used this many.",
  })
  maxTokens?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "Model id or comma-separated fallback list for this task, ahead of its agent's default and the tiers.",
  })
  model?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Wait in REVIEW for approveTask before completing; null: as the agent says.",
  })
  requiresApproval?: boolean | null;
}

@InputType({ description: "Fields to change; those left out keep their values." })
export class UpdateTaskInput {
  @Field(() => String, { nullable: true, description: "New title, 1 to 200 characters." })
  title?: string | null;

  @Field(() => String, { nullable: true, description: "New description, up to 20,000 characters." })
  description?: string | null;

  @Field(() => Int, { nullable: true, description: "New priority, 0 to 100; higher is picked first." })
  priority?: number | null;

  @Field(() => Float, { nullable: true, description: "New budget in USD (more than 0)." })
  maxCostUsd?: number | null;

  @Field(() => Int, { nullable: true, description: "New budget in tokens." })
  maxTokens?: number | null;

  @Field(() => Boolean, { nullable: true, description: "Remove both budgets (before maxCostUsd/maxTokens apply)." })
  clearBudget?: boolean | null;

  @Field(() => String, { nullable: true, description: "New model id or comma-separated fallback list." })
  model?: string | null;

  @Field(() => Boolean, { nullable: true, description: "Remove the task's model, so its agent's applies." })
  clearModel?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Whether it waits in REVIEW for approveTask before completing (this task's rule over its agent's).",
  })
  requiresApproval?: boolean | null;
}

@InputType({ description: "Which tasks to list: those that match every field given." })
export class TaskFilter {
  @Field(() => [TaskStatusEnum], {
    nullable: true,
    description: "Only tasks in one of these statuses; null or empty: any status.",
  })
  status?: TaskStatus[] | null;

  @Field(() => ID, { nullable: true, description: "Only tasks assigned to this agent." })
  agentId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Only tasks whose title or description contains this text (case-insensitive, no wildcards), up to 200 characters; null or empty: any.",
  })
  search?: string | null;

  @Field(() => Int, { nullable: true, description: "Only tasks with at least this priority, 0 to 100." })
  minPriority?: number | null;
}

@InputType({ description: "Which task changes to receive: those that match every field given." })
export class TaskChangedFilter {
  @Field(() => [TaskStatusEnum], {
    nullable: true,
    description: "Only tasks in one of these statuses after the change; null or empty: any status.",
  })
  status?: TaskStatus[] | null;

  @Field(() => ID, { nullable: true, description: "Only tasks assigned to this agent after the change." })
  agentId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only this task." })
  taskId?: string | null;
}
