import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Info,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from "type-graphql";
import type { GraphQLResolveInfo } from "graphql";
import type { TaskStatus } from "../../domain/terms.js";
import type { AgentRecord, TaskRecord, TaskEventRecord, WorkspaceRecord } from "../../domain/records.js";
import { Agent } from "../agent/agent.type.js";
import { TaskStatusEnum } from "../common/enums.js";
import { toConnection, type ConnectionShape } from "../common/connection.js";
import { selects } from "../common/selection.js";
import { agentScope, maySeeTask } from "../../domain/auth/access.js";
import { principalOf, type Context, type Loaded } from "../context.js";
import { Workspace } from "../workspace/workspace.type.js";
import { CreateTaskInput, TaskChangedFilter, TaskFilter } from "./task.inputs.js";
import { Task, TaskConnection, TaskEvent } from "./task.type.js";

const principal = principalOf;

@Resolver(() => Task)
export class TaskResolver {
  @Authorized("VIEWER")
  @Query(() => Task, { nullable: true })
  task(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<TaskRecord | null> {
    return ctx.loaders.task.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => TaskConnection)
  async tasks(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg("first", () => Int, { nullable: true, defaultValue: 20, description: "0 to 100." }) first?: number,
    @Arg("after", () => String, { nullable: true }) after?: string,
    @Arg("filter", () => TaskFilter, { nullable: true }) filter?: TaskFilter,
  ): Promise<ConnectionShape<TaskRecord>> {
    const page = await ctx.services.tasks.list({ first, after, filter, onlyAgent: agentScope(principal(ctx)) });
    if (selects(info, "edges", "node", "assignedAgent")) {
      await ctx.loaders.agent.prefetch(page.nodes.map((t) => t.assignedAgentId));
    }
    return toConnection(page);
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task)
  createTask(@Arg("input", () => CreateTaskInput) input: CreateTaskInput, @Ctx() ctx: Context): Promise<TaskRecord> {
    return ctx.services.tasks.create(input);
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => Task, { description: "Moves a task to another status; illegal moves fail with INVALID_TRANSITION." })
  updateTaskStatus(
    @Arg("id", () => ID) id: string,
    @Arg("status", () => TaskStatusEnum) status: TaskStatus,
    @Ctx() ctx: Context,
    @Arg("note", () => String, { nullable: true }) note?: string,
  ): Promise<TaskRecord> {
    return ctx.services.tasks.updateStatus(id, status, note, principal(ctx));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task)
  cancelTask(@Arg("id", () => ID) id: string, @Ctx() ctx: Context): Promise<TaskRecord> {
    return ctx.services.tasks.cancel(id, principal(ctx));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task, {
    description:
      "Assigns a PENDING task to a chosen agent, or moves an active task to another agent (it restarts at DESIGN there), with the checks of automatic assignment (status, complexity range, capacity).",
  })
  assignTask(
    @Arg("taskId", () => ID) taskId: string,
    @Arg("agentId", () => ID) agentId: string,
    @Ctx() ctx: Context,
  ): Promise<TaskRecord> {
    return ctx.services.assignment.assign(taskId, agentId, principal(ctx));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task, {
    description:
      "Takes an active task from its agent and returns it to PENDING; it is then offered to the agents again, the freed one included (pause it first to keep the task away from it).",
  })
  unassignTask(@Arg("taskId", () => ID) taskId: string, @Ctx() ctx: Context): Promise<TaskRecord> {
    return ctx.services.assignment.unassign(taskId, principal(ctx));
  }

  @Authorized("VIEWER")
  @Subscription(() => TaskEvent, {
    description: "Every stored event with seq > afterSeq, then live ones, in order, with no gap and no duplicate.",
    subscribe: ({ args, context }) =>
      (context as Context).services.tasks.streamEvents(
        args.taskId as string,
        args.afterSeq as number | undefined,
        principal(context as Context),
      ),
  })
  taskEvents(
    @Root() event: TaskEventRecord,
    @Arg("taskId", () => ID) _taskId: string,
    @Arg("afterSeq", () => Int, { nullable: true }) _afterSeq?: number,
  ): TaskEventRecord {
    return event;
  }

  @Authorized("VIEWER")
  @Subscription(() => Task, {
    description: "Tasks as they change (created, status, assignment), for list views.",
    subscribe: ({ args, context }) =>
      (context as Context).services.tasks.watch({
        ...((args.filter as TaskChangedFilter | undefined) ?? {}),
        onlyAgent: agentScope(principal(context as Context)),
      }),
  })
  taskChanged(
    @Root() task: TaskRecord,
    @Arg("filter", () => TaskChangedFilter, { nullable: true }) _filter?: TaskChangedFilter,
  ): TaskRecord {
    return task;
  }

  @FieldResolver(() => Int)
  lastEventSeq(@Root() task: TaskRecord): number {
    return task.eventSeq;
  }

  @FieldResolver(() => Agent, { nullable: true })
  assignedAgent(@Root() task: TaskRecord, @Ctx() ctx: Context): Loaded<AgentRecord> {
    return task.assignedAgentId ? ctx.loaders.agent.load(task.assignedAgentId) : null;
  }

  @FieldResolver(() => Workspace, { nullable: true })
  workspace(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<WorkspaceRecord | null> {
    return ctx.loaders.workspaceByTask.load(task.id);
  }

  @FieldResolver(() => Task, { nullable: true })
  parent(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<TaskRecord | null> | null {
    return task.parentId ? ctx.loaders.task.load(task.parentId) : null;
  }

  @FieldResolver(() => [TaskEvent], {
    description: "Events with seq > afterSeq (default 0), oldest first, at most `first` (max 500).",
  })
  events(
    @Root() task: TaskRecord,
    @Ctx() ctx: Context,
    @Arg("afterSeq", () => Int, { nullable: true, defaultValue: 0 }) afterSeq?: number,
    @Arg("first", () => Int, { nullable: true, defaultValue: 100, description: "0 to 500." }) first?: number,
  ): Promise<TaskEventRecord[]> | TaskEventRecord[] {
    if (!maySeeTask(principal(ctx), task)) return [];
    return ctx.services.tasks.events(task.id, afterSeq, first);
  }
}

@Resolver(() => TaskEvent)
export class TaskEventResolver {
  @FieldResolver(() => Agent, { nullable: true, description: "The agent that caused the event, if any." })
  agent(@Root() event: TaskEventRecord, @Ctx() ctx: Context): Loaded<AgentRecord> {
    return event.agentId ? ctx.loaders.agent.load(event.agentId) : null;
  }
}
