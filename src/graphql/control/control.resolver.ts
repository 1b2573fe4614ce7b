import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root, Subscription } from "type-graphql";
import type { RunMessageRecord, TaskRecord, TaskMessageRecord } from "../../domain/records.js";
import { badInput } from "../../domain/errors.js";
import { maySeeTask } from "../../domain/auth/access.js";
import { principalOf, type Context } from "../context.js";
import { UpdateTaskInput } from "../task/task.inputs.js";
import { Task } from "../task/task.type.js";
import { ConversationMessage, TaskMessage } from "./control.type.js";

const MAX_CONVERSATION_PAGE = 500;

/** People in the loop and external agents: messages, pause, approval, task changes, assignments. */
@Resolver(() => Task)
export class TaskControlResolver {
  @Authorized("OPERATOR")
  @Mutation(() => TaskMessage, {
    description: "Sends a message to the agent working on the task; it sees it at its next step.",
  })
  sendTaskMessage(
    @Arg("taskId", () => ID, { description: "A PENDING task or one at work (not one that ended)." }) taskId: string,
    @Arg("text", () => String, { description: "The message, 1 to 20,000 characters." }) text: string,
    @Ctx() ctx: Context,
  ): Promise<TaskMessageRecord> {
    return ctx.services.control.sendMessage(taskId, text, principalOf(ctx));
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => Task, { description: "Pauses a task at work: its agent stops at the next step." })
  pauseTask(
    @Arg("id", () => ID, { description: "A task at work (DESIGN to REVIEW) that is not paused." }) id: string,
    @Ctx() ctx: Context,
    @Arg("reason", () => String, {
      nullable: true,
      description: "Why, up to 10,000 characters; shown as pauseReason.",
    })
    reason?: string,
  ): Promise<TaskRecord> {
    return ctx.services.control.pause(id, reason, principalOf(ctx));
  }

  @Authorized("OPERATOR", "AGENT")
  @Mutation(() => Task, { description: "Resumes a paused task where it stopped." })
  resumeTask(
    @Arg("id", () => ID, { description: "A paused task." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<TaskRecord> {
    return ctx.services.control.resume(id, principalOf(ctx));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task, { description: "Completes a task that waits for approval in REVIEW." })
  approveTask(
    @Arg("id", () => ID, { description: "A task waiting for approval (awaitingApproval)." }) id: string,
    @Ctx() ctx: Context,
    @Arg("note", () => String, {
      nullable: true,
      description: 'Up to 10,000 characters, kept on the STATUS_CHANGE event; default "Approved by <key name>".',
    })
    note?: string,
  ): Promise<TaskRecord> {
    return ctx.services.control.approve(id, note, principalOf(ctx));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task, {
    description: "Sends a task that waits for approval back to BUILD; the feedback goes into the agent's conversation.",
  })
  rejectTask(
    @Arg("id", () => ID, { description: "A task waiting for approval (awaitingApproval)." }) id: string,
    @Arg("feedback", () => String, { description: "What to change, 1 to 20,000 characters." }) feedback: string,
    @Ctx() ctx: Context,
  ): Promise<TaskRecord> {
    return ctx.services.control.reject(id, feedback, principalOf(ctx));
  }

  @Authorized("OPERATOR")
  @Mutation(() => Task, {
    description: "Changes a task's title, description, priority, budget, model or approval rule.",
  })
  updateTask(
    @Arg("id", () => ID, { description: "The task to change." }) id: string,
    @Arg("input", () => UpdateTaskInput, { description: "The fields to change." }) input: UpdateTaskInput,
    @Ctx() ctx: Context,
  ): Promise<TaskRecord> {
    return ctx.services.control.update(id, input, principalOf(ctx));
  }

  @Authorized("VIEWER")
  @FieldResolver(() => [ConversationMessage], {
    description: "The builtin runtime's conversation with its model, after `afterSeq`, oldest first (max 500).",
  })
  conversation(
    @Root() task: TaskRecord,
    @Ctx() ctx: Context,
    @Arg("afterSeq", () => Int, {
      nullable: true,
      defaultValue: 0,
      description: "Only messages with a greater seq; 0: from the first.",
    })
    afterSeq?: number,
    @Arg("first", () => Int, { nullable: true, defaultValue: 100, description: "0 to 500." }) first?: number,
  ): Promise<RunMessageRecord[]> | RunMessageRecord[] {
    if (!maySeeTask(principalOf(ctx), task)) return [];
    const after = afterSeq ?? 0;
    const limit = first ?? 100;
    if (after < 0) throw badInput("afterSeq", "must be at least 0");
    if (limit < 0 || limit > MAX_CONVERSATION_PAGE)
      throw badInput("first", `must be between 0 and ${MAX_CONVERSATION_PAGE}`);
    return ctx.services.runs.messages(task.id, after, limit);
  }

  @Authorized("VIEWER")
  @FieldResolver(() => [TaskMessage], { description: "Messages sent to the agent that it has not seen yet." })
  pendingMessages(@Root() task: TaskRecord, @Ctx() ctx: Context): Promise<TaskMessageRecord[]> {
    return ctx.services.control.pendingMessages(task.id);
  }

  @FieldResolver(() => Boolean, { description: "True while it waits in REVIEW for approveTask or rejectTask." })
  awaitingApproval(@Root() task: TaskRecord): boolean {
    return task.approvalRequestedAt !== null && task.approvalRequestedAt !== undefined;
  }

  @Authorized("AGENT", "OPERATOR")
  @Subscription(() => Task, {
    description:
      "The work of an agent: each task assigned to it whose workspace is READY, first those it holds, then new ones. An AGENT key follows its own agent (agentId may be left out); operators name one.",
    subscribe: ({ args, context }) => {
      const ctx = context as Context;
      return ctx.services.assignments.stream(args.agentId as string | undefined, principalOf(ctx));
    },
  })
  agentAssignments(
    @Root() task: TaskRecord,
    @Arg("agentId", () => ID, {
      nullable: true,
      description: "The agent to follow; an AGENT key may leave it out (and may name only its own).",
    })
    _agentId?: string,
  ): TaskRecord {
    return task;
  }
}
