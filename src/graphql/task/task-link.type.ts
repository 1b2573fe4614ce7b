import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import {
  taskLinkKinds,
  taskLinkStates,
  type TaskLinkKind,
  type TaskLinkState,
} from "../../domain/links/task-link.store.js";

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const TaskLinkKindEnum = asEnum(taskLinkKinds);
export const TaskLinkStateEnum = asEnum(taskLinkStates);

registerEnumType(TaskLinkKindEnum, {
  name: "TaskLinkKind",
  description: "What on GitHub a task is linked to.",
  valuesConfig: {
    ISSUE: { description: "The issue the task was made from (labelled with GITHUB_TASK_LABEL)." },
    PULL_REQUEST: { description: "A pull request of the task's branch: opened by the service, or by someone else." },
    BRANCH: { description: "A branch gitPush pushed for the task (`sha` is the commit pushed last)." },
    COMMENT: {
      description: "A comment the service posted on the task's issue: its pull request, or why it failed.",
    },
  },
});

registerEnumType(TaskLinkStateEnum, {
  name: "TaskLinkState",
  description: "Where a linked issue, pull request, branch or comment stands, as GitHub's webhooks last said.",
  valuesConfig: {
    OPEN: { description: "An issue or pull request that is open." },
    CLOSED: { description: "An issue or pull request closed (a pull request closed without merging)." },
    MERGED: { description: "A pull request that was merged." },
    PUSHED: { description: "A branch that was pushed." },
    POSTED: { description: "A comment that was posted." },
  },
});

@ObjectType({
  simpleResolvers: true,
  description:
    "A task's link to GitHub: the issue it came from, a branch it pushed, its pull request, a comment posted about it. Kept fresh by GitHub's webhooks (POST /webhooks/github).",
})
export class TaskLink {
  @Field(() => TaskLinkKindEnum, { description: "What it links to." })
  kind!: TaskLinkKind;

  @Field(() => String, { description: "Its page on GitHub (for a branch: the branch's page)." })
  url!: string;

  @Field(() => String, { description: "The repository, owner/name." })
  repository!: string;

  @Field(() => Int, { nullable: true, description: "The issue's or pull request's number (a comment's: its issue's)." })
  number!: number | null;

  @Field(() => TaskLinkStateEnum, { description: "Open, closed, merged, pushed or posted." })
  state!: TaskLinkState;

  @Field(() => String, {
    description: "The issue's or pull request's title, a branch's name, or what a comment reports.",
  })
  title!: string;

  @Field(() => String, { nullable: true, description: "The branch (of a BRANCH link, and a pull request's head)." })
  branch!: string | null;

  @Field(() => String, { nullable: true, description: "The commit a BRANCH link points at (pushed last)." })
  sha!: string | null;

  @Field(() => Date, { description: "When the link was made." })
  createdAt!: Date;

  @Field(() => Date, { description: "When it last changed (a new state or title, a new push)." })
  updatedAt!: Date;
}
