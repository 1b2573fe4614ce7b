import DataLoader from "dataloader";
import { Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { maySeeTask } from "../../domain/auth/access.js";
import type { TaskLinkRecord, TaskRecord } from "../../domain/records.js";
import { principalOf, type Context } from "../context.js";
import { TaskLink } from "./task-link.type.js";
import { Task } from "./task.type.js";

/** One loader of links by task per request: a page of tasks costs one query for all their links. */
const linkLoaders = new WeakMap<Context, DataLoader<string, TaskLinkRecord[]>>();

function linkLoader(ctx: Context): DataLoader<string, TaskLinkRecord[]> {
  let loader = linkLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (taskIds: readonly string[]) => {
      const byTask = await ctx.services.links.ofTasks(taskIds);
      return taskIds.map((id) => byTask.get(id) ?? []);
    });
    linkLoaders.set(ctx, loader);
  }
  return loader;
}

@Resolver(() => Task)
export class TaskLinksResolver {
  @Authorized("VIEWER")
  @FieldResolver(() => [TaskLink], {
    description:
      "What the task is linked to on GitHub, oldest first: the issue it came from, the branches it pushed, its pull request, the comments posted about it.",
  })
  links(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<TaskLinkRecord[]> | TaskLinkRecord[] {
    if (!maySeeTask(principalOf(ctx), task)) return [];
    return linkLoader(ctx).load(task.id);
  }
}
