import DataLoader from "dataloader";
import { Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { maySeeTask } from "../../domain/auth/access.js";
import type { ArtifactRecord, TaskRecord } from "../../domain/records.js";
import { principalOf, type Context } from "../context.js";
import { Artifact } from "./artifact.type.js";
import { Task } from "./task.type.js";

/** One loader of artifacts by task per request. */
const loaders = new WeakMap<Context, DataLoader<string, ArtifactRecord[]>>();

function artifactLoader(ctx: Context): DataLoader<string, ArtifactRecord[]> {
  let loader = loaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (taskIds: readonly string[]) => {
      const byTask = await ctx.services.artifacts.ofTasks(taskIds);
      return taskIds.map((id) => byTask.get(id) ?? []);
    });
    loaders.set(ctx, loader);
  }
  return loader;
}

@Resolver(() => Task)
export class TaskArtifactsResolver {
  @Authorized("VIEWER")
  @FieldResolver(() => [Artifact], {
    description: "Files the task produced that the service recorded (PDF reports), oldest first.",
  })
  artifacts(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<ArtifactRecord[]> | ArtifactRecord[] {
    if (!maySeeTask(principalOf(ctx), task)) return [];
    return artifactLoader(ctx).load(task.id);
  }
}
