import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { AgentRecord, TaskRecord, WorkspaceRecord } from "../../domain/records.js";
import { Agent } from "../agent/agent.type.js";
import { maySeeWorkspace } from "../../domain/auth/access.js";
import { principalOf, type Context, type Loaded } from "../context.js";
import { Task } from "../task/task.type.js";
import { Workspace } from "./workspace.type.js";

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Authorized("VIEWER")
  @Query(() => Workspace, { nullable: true })
  async workspace(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<WorkspaceRecord | null> {
    const ws = await ctx.services.workspaces.get(id);
    if (!ws || !maySeeWorkspace(principalOf(ctx), ws)) return null;
    // An agent's old workspace of a task that moved on is its task's: seen with the task only.
    return principalOf(ctx).role !== "AGENT" || (await ctx.loaders.task.load(ws.taskId)) ? ws : null;
  }

  @FieldResolver(() => Task)
  async task(@Root() ws: WorkspaceRecord, @Ctx() ctx: Context): Promise<TaskRecord | null> {
    return ctx.loaders.task.load(ws.taskId);
  }

  @FieldResolver(() => Agent)
  agent(@Root() ws: WorkspaceRecord, @Ctx() ctx: Context): Loaded<AgentRecord> {
    return ctx.loaders.agent.load(ws.agentId);
  }
}
