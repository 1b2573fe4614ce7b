import { Arg, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { AgentEntity, TaskEntity, WorkspaceEntity } from "../../infra/db/entities.js";
import { Agent } from "../agent/agent.type.js";
import type { Context, Loaded } from "../context.js";
import { Task } from "../task/task.type.js";
import { Workspace } from "./workspace.type.js";

@Resolver(() => Workspace)
export class WorkspaceResolver {
  @Authorized("VIEWER")
  @Query(() => Workspace, { nullable: true })
  workspace(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<WorkspaceEntity | null> {
    return ctx.services.workspaces.get(id);
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
