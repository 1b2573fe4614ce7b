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
  @Query(() => Workspace, {
    nullable: true,
    description: "A workspace by id; null when there is none or your key may not see it (another agent's).",
  })
  async workspace(
    @Arg("id", () => ID, { description: "The workspace's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<WorkspaceRecord | null> {
    const ws = await ctx.services.workspaces.get(id);
    if (!ws || !maySeeWorkspace(principalOf(ctx), ws)) return null;
    // An agent's old workspace of a task that moved on is its task's: seen with the task only.
    return principalOf(ctx).role !== "AGENT" || (await ctx.loaders.task.load(ws.taskId)) ? ws : null;
  }

  @FieldResolver(() => Task, { description: "The task it belongs to (one workspace per task)." })
  async task(@Root() ws: WorkspaceRecord, @Ctx() ctx: Context): Promise<TaskRecord | null> {
    return ctx.loaders.task.load(ws.taskId);
  }

  @FieldResolver(() => Agent, {
    description: "The agent working in it: the one its task is, or was last, assigned to.",
  })
  agent(@Root() ws: WorkspaceRecord, @Ctx() ctx: Context): Loaded<AgentRecord> {
    return ctx.loaders.agent.load(ws.agentId);
  }
}
