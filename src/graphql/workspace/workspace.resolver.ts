import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { AgentEntity, TaskEntity, WorkspaceEntity } from "../../infra/db/entities.js";
import { Agent } from "../agent/agent.type.js";
import { maySeeWorkspace } from "../../domain/auth/access.js";
import { principalOf, type Context, type Loaded } from "../context.js";
import { Task } from "../task/task.type.js";
import { Workspace } from "./workspace.type.js";

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Authorized("VIEWER")
  @Query(() => Workspace, { nullable: true })
  async workspace(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<WorkspaceEntity | null> {
    const ws = await ctx.services.workspaces.get(id);
    if (!ws || !maySeeWorkspace(principalOf(ctx), ws)) return null;
    // An agent's old workspace of a task that moved on is its task's: seen with the task only.
    return principalOf(ctx).role !== "AGENT" || (await ctx.loaders.task.load(ws.taskId)) ? ws : null;
  }

  @FieldResolver(() => Task)
  async task(@Root() ws: WorkspaceEntity, @Ctx() ctx: Context): Promise<TaskEntity | null> {
    return ctx.loaders.task.load(ws.taskId);
  }

  @FieldResolver(() => Agent)
  agent(@Root() ws: WorkspaceEntity, @Ctx() ctx: Context): Loaded<AgentEntity> {
    return ctx.loaders.agent.load(ws.agentId);
  }
}
