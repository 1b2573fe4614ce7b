import {
  Arg,
  Args,
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
import { ConnectionArgs, toConnection, type ConnectionShape } from "../common/connection.js";
import { selects } from "../common/selection.js";
import { agentScope, maySeeTask } from "../../domain/auth/access.js";
import { principalOf, type Context, type Loaded } from "../context.js";
import { Workspace } from "../workspace/workspace.type.js";
import { CreateTaskInput, TaskChangedFilter, TaskFilter } from "./task.inputs.js";
import { Task, TaskConnection, TaskEvent } from "./task.type.js";
import { TaskEventDetailsUnion } from "./task-event-details.type.js";
import { eventDetails, type TaskEventDetails } from "../../domain/tasks/task-event-details.js";

const principal = principalOf;

@Resolver(() => Task)
export class TaskResolver {
  @Authorized("VIEWER")
  @Query(() => Task, {
    nullable: true,
    description:
      "A task by id; null when there is none or your key may not see it (another agent's, for an AGENT key).",
  })
  task(
    @Arg("id", () => ID, { description: "The task's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<TaskRecord | null> {
    return ctx.loaders.task.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => TaskConnection, {
    description: "The tasks, newest first, a page at a time; an AGENT key gets only its own agent's.",
  })
  async tasks(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Args(() => ConnectionArgs) paging: ConnectionArgs,
    @Arg("filter", () => TaskFilter, { nullable: true, description: "Only the tasks that match; null: all." })
    filter?: TaskFilter,
  ): Promise<ConnectionShape<TaskRecord>> {
    const page = await ctx.services.tasks.list({ ...paging, filter, onlyAgent: agentScope(principal(ctx)) });
    if (selects(info, "edges", "node", "assignedAgent")) {
      await ctx.loaders.agent.prefetch(page.nodes.map((t) => t.assignedAgentId));
    }
    return toConnection(page);
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task, {
    description:
      "Creates a PENDING task; a fitting AVAILABLE agent takes it at once (status DESIGN), or it waits for one.",
  })
  createTask(
    @Arg("input", () => CreateTaskInput, { description: "The new task." }) input: CreateTaskInput,
    @Ctx() ctx: Context,
  ): Promise<TaskRecord> {
    // Under a parent, the delegation tree's limits hold (DELEGATION_MAX_DEPTH, …).
    return input.parentId ? ctx.services.delegation.createUnder(input) : ctx.services.tasks.create(input);
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => Task, { description: "Moves a task to another status; illegal moves fail with INVALID_TRANSITION." })
  updateTaskStatus(
    @Arg("id", () => ID, { description: "The task to move (for an AGENT key, one of its own agent's)." }) id: string,
    @Arg("status", () => TaskStatusEnum, {
      description:
        "Where to: a status the current one allows (the error lists them). A PENDING task starts work by assignment, not by a status.",
    })
    status: TaskStatus,
    @Ctx() ctx: Context,
    @Arg("note", () => String, {
      nullable: true,
      description: "Why, up to 10,000 characters: kept on the STATUS_CHANGE event (on COMPLETE, also as the summary).",
    })
    note?: string,
  ): Promise<TaskRecord> {
    return ctx.services.tasks.updateStatus(id, status, note, principal(ctx));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task, {
    description:
      "Stops a task for good (status CANCELLED, final) and frees its agent; a COMPLETE, CANCELLED or FAILED task cannot be cancelled.",
  })
  cancelTask(
    @Arg("id", () => ID, { description: "The task to cancel." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<TaskRecord> {
    return ctx.services.tasks.cancel(id, principal(ctx));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task, {
    description:
      "Assigns a PENDING task to a chosen agent, or moves an active task to another agent (it restarts at DESIGN there), with the checks of automatic assignment (status, complexity range, capacity).",
  })
  assignTask(
    @Arg("taskId", () => ID, { description: "A PENDING task, or one at work (DESIGN to REVIEW)." }) taskId: string,
    @Arg("agentId", () => ID, {
      description: "The agent to take it: AVAILABLE, with a free slot and a complexity range that fits the task.",
    })
    agentId: string,
    @Ctx() ctx: Context,
  ): Promise<TaskRecord> {
    return ctx.services.assignment.assign(taskId, agentId, principal(ctx));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task, {
    description:
      "Takes an active task from its agent and returns it to PENDING; it is then offered to the agents again, the freed one included (pause it first to keep the task away from it).",
  })
  unassignTask(
    @Arg("taskId", () => ID, { description: "A task at work (DESIGN to REVIEW)." }) taskId: string,
    @Ctx() ctx: Context,
  ): Promise<TaskRecord> {
    return ctx.services.assignment.unassign(taskId, principal(ctx));
  }

  @Authorized("VIEWER")
  @Subscription(() => TaskEvent, {
    description:
      "Every stored event with seq > afterSeq, then live ones, in order, with no gap and no duplicate. Completes after the event that moves the task into a final status (COMPLETE or CANCELLED; FAILED is not final, a failed task can be retried), with the events written together with it; for a task already final, after its stored events. To resume after a reconnect, subscribe again with afterSeq set to the last seq received.",
    subscribe: ({ args, context }) =>
      (context as Context).services.tasks.streamEvents(
        args.taskId as string,
        args.afterSeq as number | undefined,
        principal(context as Context),
      ),
  })
  taskEvents(
    @Root() event: TaskEventRecord,
    @Arg("taskId", () => ID, { description: "The task to follow (FORBIDDEN for another agent's, with an AGENT key)." })
    _taskId: string,
    @Arg("afterSeq", () => Int, {
      nullable: true,
      description:
        "The last seq the client has: stored events after it come first. 0 or null: from the first event. The stream ends after the move into COMPLETE or CANCELLED.",
    })
    _afterSeq?: number,
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
    @Arg("filter", () => TaskChangedFilter, { nullable: true, description: "Which tasks; null: every task." })
    _filter?: TaskChangedFilter,
  ): TaskRecord {
    return task;
  }

  @FieldResolver(() => Int)
  lastEventSeq(@Root() task: TaskRecord): number {
    return task.eventSeq;
  }

  @FieldResolver(() => Agent, {
    nullable: true,
    description:
      "The agent it is assigned to; null while PENDING. A task that ended keeps the agent that worked on it.",
  })
  assignedAgent(@Root() task: TaskRecord, @Ctx() ctx: Context): Loaded<AgentRecord> {
    return task.assignedAgentId ? ctx.loaders.agent.load(task.assignedAgentId) : null;
  }

  @FieldResolver(() => Workspace, {
    nullable: true,
    description: "Where it is worked on: made when an agent takes it (anew for each new agent); null until then.",
  })
  workspace(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<WorkspaceRecord | null> {
    return ctx.loaders.workspaceByTask.load(task.id);
  }

  @FieldResolver(() => Task, {
    nullable: true,
    description: "The task this one is a subtask of; null for a top-level task (or one your key may not see).",
  })
  parent(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<TaskRecord | null> | null {
    return task.parentId ? ctx.loaders.task.load(task.parentId) : null;
  }

  @FieldResolver(() => [TaskEvent], {
    description: "Events with seq > afterSeq (default 0), oldest first, at most `first` (max 500).",
  })
  events(
    @Root() task: TaskRecord,
    @Ctx() ctx: Context,
    @Arg("afterSeq", () => Int, {
      nullable: true,
      defaultValue: 0,
      description: "Only events with a greater seq; 0: from the first.",
    })
    afterSeq?: number,
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

  @FieldResolver(() => TaskEventDetailsUnion, {
    nullable: true,
    description:
      "What `data` holds, typed by the event's type; null when the data does not fit it (events written before it had that shape).",
  })
  details(@Root() event: TaskEventRecord): TaskEventDetails | null {
    return eventDetails(event);
  }
}
