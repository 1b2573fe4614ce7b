import DataLoader from "dataloader";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { assertMay } from "../../domain/auth/access.js";
import { forbidden, notFound } from "../../domain/errors.js";
import type { AgentRecord, FileChangeRecord, TaskRecord, ToolCallRecord } from "../../domain/records.js";
import { Agent } from "../agent/agent.type.js";
import { ConnectionArgs, toConnection, type ConnectionShape } from "../common/connection.js";
import { principalOf, type Context, type Loaded } from "../context.js";
import { Task } from "../task/task.type.js";
import { ToolCall } from "../tools/tool.type.js";
import { FileChange, FileChangeConnection } from "./file-change.type.js";

/** One loader of tool calls by id per request: a page of changes reads its calls at once. */
const toolCallLoaders = new WeakMap<Context, DataLoader<string, ToolCallRecord | null>>();

function toolCallLoader(ctx: Context): DataLoader<string, ToolCallRecord | null> {
  let loader = toolCallLoaders.get(ctx);
  if (!loader) {
    loader = new DataLoader(async (ids: readonly string[]) => {
      const found = await ctx.services.tools.byIds(ids);
      return ids.map((id) => found.get(id) ?? null);
    });
    toolCallLoaders.set(ctx, loader);
  }
  return loader;
}

@Resolver(() => FileChange)
export class FileChangeResolver {
  @Authorized("VIEWER")
  @Query(() => FileChangeConnection, {
    description:
      "The changes made to a workspace's files by the file tools and uploads, newest first, each with who made it (FORBIDDEN for another agent's workspace, with an AGENT key).",
  })
  async workspaceChanges(
    @Arg("workspaceId", () => ID, { description: "The workspace." }) workspaceId: string,
    @Args(() => ConnectionArgs) paging: ConnectionArgs,
    @Ctx() ctx: Context,
  ): Promise<ConnectionShape<FileChangeRecord>> {
    const ws = await ctx.services.workspaces.get(workspaceId);
    if (!ws) throw notFound("Workspace", workspaceId, "workspaceId");
    assertMay(principalOf(ctx), "see", { kind: "workspace", agentId: ws.agentId });
    // An agent's old workspace of a task that moved on is its task's: seen with the task only (as `workspace`).
    if (principalOf(ctx).role === "AGENT" && !(await ctx.loaders.task.load(ws.taskId))) {
      throw forbidden("An agent key may only use the workspaces of its own agent");
    }
    return toConnection(await ctx.services.sharedFiles.changes(ws.id, paging));
  }

  @FieldResolver(() => Agent, { nullable: true, description: "The agent that made it; null for a person." })
  agent(@Root() change: FileChangeRecord, @Ctx() ctx: Context): Loaded<AgentRecord> | null {
    return change.agentId ? ctx.loaders.agent.load(change.agentId) : null;
  }

  @FieldResolver(() => ToolCall, { nullable: true, description: "The tool call that made it; null for an upload." })
  toolCall(@Root() change: FileChangeRecord, @Ctx() ctx: Context): Promise<ToolCallRecord | null> | null {
    return change.toolCallId ? toolCallLoader(ctx).load(change.toolCallId) : null;
  }

  @FieldResolver(() => Task, {
    nullable: true,
    description:
      "The task its author worked on (the workspace's task for a tool call); null when your key may not see it.",
  })
  task(@Root() change: FileChangeRecord, @Ctx() ctx: Context): Promise<TaskRecord | null> | null {
    return change.taskId ? ctx.loaders.task.load(change.taskId) : null;
  }
}
