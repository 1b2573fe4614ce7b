import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from "type-graphql";
import { maySeeTask } from "../../domain/auth/access.js";
import type { TaskRecord } from "../../domain/records.js";
import type { TaskProgress as Progress, TaskTreeNode as TreeNode } from "../../domain/tasks/delegation-rules.js";
import { principalOf, type Context } from "../context.js";
import { Task } from "./task.type.js";
import { TaskProgress, TaskTreeNode } from "./task-tree.type.js";

/** Delegation trees: a task's place in its tree, its progress, the tree and its live changes. */
@Resolver(() => Task)
export class TaskTreeResolver {
  @Authorized("VIEWER")
  @Query(() => TaskTreeNode, {
    nullable: true,
    description:
      "The delegation tree under a task, with progress; null when there is no such task or your key may not see it.",
  })
  taskTree(
    @Arg("rootId", () => ID, { description: "The task at the top of the tree shown (usually a root)." }) rootId: string,
    @Arg("depth", () => Int, {
      nullable: true,
      description: "Levels of children shown (0 to DELEGATION_MAX_DEPTH; default DELEGATION_MAX_DEPTH).",
    })
    depth: number | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<TreeNode | null> {
    return ctx.services.delegation.tree(rootId, depth, (t) => maySeeTask(principalOf(ctx), t));
  }

  @Authorized("VIEWER")
  @Subscription(() => Task, {
    description:
      "Tasks of a delegation tree as they change (created, status, assignment, parked or resumed); query taskTree for the whole tree again.",
    subscribe: ({ args, context }) =>
      (context as Context).services.delegation.watchTree(args.rootId as string, (t) =>
        maySeeTask(principalOf(context as Context), t),
      ),
  })
  taskTreeChanged(
    @Root() task: TaskRecord,
    @Arg("rootId", () => ID, { description: "The root of the tree to follow." }) _rootId: string,
  ): TaskRecord {
    return task;
  }

  @FieldResolver(() => TaskProgress, { description: "How far it is, from its phase and its children's." })
  async progress(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<Progress> {
    return ctx.services.delegation.progress(task, await ctx.loaders.children.load(task.id));
  }

  @FieldResolver(() => [Task], { description: "Tasks delegated from it (delegateTask), oldest first." })
  async children(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<TaskRecord[]> {
    return (await ctx.loaders.children.load(task.id)).filter((t) => maySeeTask(principalOf(ctx), t));
  }

  @FieldResolver(() => Task, {
    nullable: true,
    description: "The root of its delegation tree (itself for a root; null when your key may not see it).",
  })
  root(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<TaskRecord | null> {
    return ctx.loaders.task.load(task.rootId ?? task.id);
  }

  @FieldResolver(() => Int, { description: "Levels below its root (0 for a root)." })
  depth(@Root() task: TaskRecord): number {
    return task.depth ?? 0;
  }

  @FieldResolver(() => [ID], {
    nullable: true,
    description: "The children its parked run waits for (waitForTasks); null when it is not parked.",
  })
  waitingFor(@Root() task: TaskRecord): string[] | null {
    return task.waitingFor ?? null;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "For a child working in its parent's workspace: the folder of it (empty: all of it); null: a workspace of its own.",
  })
  sharedFolder(@Root() task: TaskRecord): string | null {
    return task.sharedFolder ?? null;
  }
}
