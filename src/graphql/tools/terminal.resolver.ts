import { GraphQLJSONObject } from "graphql-scalars";
import {
  Arg,
  Args,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  registerEnumType,
} from "type-graphql";
import type { CommandOutputRecord, CommandRunRecord, TaskRecord, ToolCallRecord } from "../../domain/records.js";
import { Task } from "../task/task.type.js";
import { ConnectionArgs, toConnection, type ConnectionShape } from "../common/connection.js";
import { forbidden } from "../../domain/errors.js";
import { principalOf, type Context } from "../context.js";
import { CommandOutputChunk, CommandRun, CommandUsage, ToolCall, ToolCallConnection } from "./tool.type.js";

@Resolver()
export class TerminalResolver {
  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => CommandRun, { description: "Stops a running command and its whole process tree (status CANCELLED)." })
  cancelCommand(
    @Arg("runId", () => ID, { description: "The run to stop." }) runId: string,
    @Ctx() ctx: Context,
  ): Promise<CommandRunRecord> {
    return ctx.services.commands.cancel(runId, principalOf(ctx));
  }

  @Authorized("VIEWER")
  @Query(() => CommandRun, {
    nullable: true,
    description: "A command run by id; null when there is none or your key may not see it (another agent's).",
  })
  async commandRun(
    @Arg("id", () => ID, { description: "The run's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<CommandRunRecord | null> {
    const run = await ctx.services.commands.get(id);
    return run && (await taskVisible(ctx, run.taskId)) ? run : null;
  }

  @Authorized("VIEWER")
  @Query(() => [CommandRun], { description: "A task's command runs, newest first (at most 100)." })
  async commandRuns(
    @Arg("taskId", () => ID, { description: "The task (empty for another agent's, with an AGENT key)." })
    taskId: string,
    @Ctx() ctx: Context,
  ): Promise<CommandRunRecord[]> {
    return (await taskVisible(ctx, taskId)) ? ctx.services.commands.ofTask(taskId) : [];
  }

  @Authorized("VIEWER")
  @Query(() => ToolCallConnection, { description: "A task's tool calls, newest first." })
  async toolCalls(
    @Arg("taskId", () => ID, { description: "The task (FORBIDDEN for another agent's, with an AGENT key)." })
    taskId: string,
    @Ctx() ctx: Context,
    @Args(() => ConnectionArgs) paging: ConnectionArgs,
  ): Promise<ConnectionShape<ToolCallRecord>> {
    if (!(await taskVisible(ctx, taskId)))
      throw forbidden("An agent key may only see and change the tasks of its own agent");
    return toConnection(await ctx.services.tools.list(taskId, paging));
  }

  @Authorized("VIEWER")
  @Query(() => ToolCall, {
    nullable: true,
    description: "A tool call by id; null when there is none or your key may not see it (another agent's).",
  })
  async toolCall(
    @Arg("id", () => ID, { description: "The tool call's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<ToolCallRecord | null> {
    const call = await ctx.services.tools.get(id);
    return call && (await taskVisible(ctx, call.taskId)) ? call : null;
  }

  @Authorized("VIEWER")
  @Subscription(() => CommandOutputChunk, {
    description:
      "Stored output with seq > afterSeq, then live chunks as they are produced; completes after the EXIT chunk (at once for a finished run whose output the client has seen). A late or reconnecting client (afterSeq = last seq received) misses nothing (of a long run's stored output, the middle beyond 1 MB of head and tail is dropped when it ends).",
    subscribe: ({ args, context }) =>
      (context as Context).services.commands.stream(
        args.runId as string,
        args.afterSeq as number | undefined,
        principalOf(context as Context),
      ),
  })
  commandOutput(
    @Root() chunk: CommandOutputRecord,
    @Arg("runId", () => ID, { description: "The run to follow." }) _runId: string,
    @Arg("afterSeq", () => Int, {
      nullable: true,
      description: "The last seq the client has: stored chunks after it come first. 0 or null: from the first chunk.",
    })
    _afterSeq?: number,
  ): CommandOutputRecord {
    return chunk;
  }
}

/** Whether the task exists and the caller may see it (the request's loader answers null otherwise). */
async function taskVisible(ctx: Context, taskId: string | null): Promise<boolean> {
  if (principalOf(ctx).role !== "AGENT") return true;
  return taskId !== null && (await ctx.loaders.task.load(taskId)) !== null;
}

const PolicyScopeEnum = { AGENT: "AGENT", TASK: "TASK" } as const;
registerEnumType(PolicyScopeEnum, {
  name: "PolicyScope",
  description: "What a command policy change applies to: an agent (all its tasks) or one task (after its agent's).",
  valuesConfig: {
    AGENT: { description: "The agent named by id: every task it works on." },
    TASK: { description: "The task named by id, on top of its agent's changes." },
  },
});

@Resolver(() => Task)
export class TaskCommandUsageResolver {
  @FieldResolver(() => GraphQLJSONObject, {
    nullable: true,
    description: "This task's changes to the command policy (applied after its agent's).",
  })
  toolPolicy(@Root() task: TaskRecord): unknown {
    return task.toolPolicy;
  }

  @Authorized("OPERATOR")
  @Mutation(() => Boolean, {
    description:
      "Sets (null clears) a task's or an agent's changes to the command policy: {allow, remove, deny, undeny} as documented in config/tool-policy.json.",
  })
  async setToolPolicy(
    @Arg("scope", () => PolicyScopeEnum, { description: "Whether id names an agent or a task." })
    scope: "AGENT" | "TASK",
    @Arg("id", () => ID, { description: "The agent's or the task's id." }) id: string,
    @Arg("policy", () => GraphQLJSONObject, {
      nullable: true,
      description: "The changes, {allow, remove, deny, undeny}; null removes them all.",
    })
    policy: Record<string, unknown> | null,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    await ctx.services.policies.set(scope === "AGENT" ? "agent" : "task", id, (policy ?? null) as never);
    return true;
  }

  @FieldResolver(() => CommandUsage, { description: "CPU, memory and output of the task's command runs, summed." })
  commandUsage(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<CommandUsage> {
    return ctx.services.commands.usageOfTask(task.id);
  }
}
