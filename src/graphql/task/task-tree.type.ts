import { Field, Int, ObjectType } from "type-graphql";
import type { TaskRecord } from "../../domain/records.js";
import type { TaskStatus } from "../../domain/terms.js";
import { TaskStatusEnum } from "../common/enums.js";
import { Task } from "./task.type.js";

@ObjectType({ simpleResolvers: true, description: "How far a task is: its phase, and its delegated children." })
export class TaskProgress {
  @Field(() => Int, {
    description:
      "0 to 100: the phase's share of the work (DESIGN 10, BUILD 35, TEST 65, REVIEW 85, finished 100); with children, half of it is the share of children finished.",
  })
  percent!: number;

  @Field(() => TaskStatusEnum, { description: "The task's status now." })
  phase!: TaskStatus;

  @Field(() => Int, { description: "Children finished (COMPLETE, FAILED or CANCELLED)." })
  childrenDone!: number;

  @Field(() => Int, { description: "Children delegated from the task (delegateTask)." })
  childrenTotal!: number;
}

@ObjectType({ simpleResolvers: true, description: "A task of a delegation tree, with its progress and children." })
export class TaskTreeNode {
  @Field(() => Task, { description: "The task." })
  task!: TaskRecord;

  @Field(() => TaskProgress, { description: "Its progress (counting every child, shown or not)." })
  progress!: TaskProgress;

  @Field(() => [TaskTreeNode], {
    description: "Its children, oldest first; empty below the depth asked (and for children your key may not see).",
  })
  children!: TaskTreeNode[];
}
