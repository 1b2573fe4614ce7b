/**
 * The typed details of a task event (TaskEvent.details): one object type per event type, read
 * from the event's data by the domain (src/domain/tasks/task-event-details.ts).
 */
import { createUnionType, Field, ID, Int, ObjectType, registerEnumType, type ClassType } from "type-graphql";
import type { ModelCallOutcome, RunMessageRole } from "../../domain/records.js";
import { requeueReasons, type RequeueReason, type TaskEventDetails } from "../../domain/tasks/task-event-details.js";
import type { CommandRunStatus, TaskStatus } from "../../domain/terms.js";
import { modelCallOutcomes } from "../../domain/usage/usage.service.js";
import { ConversationRoleEnum, TaskStatusEnum } from "../common/enums.js";
import { CommandRunStatusEnum } from "../tools/tool.type.js";
import type { TaskLinkKind, TaskLinkState } from "../../domain/links/task-link.store.js";
import { TaskLinkKindEnum, TaskLinkStateEnum } from "./task-link.type.js";

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const RequeueReasonEnum = asEnum(requeueReasons);
export const ModelCallOutcomeEnum = asEnum(modelCallOutcomes);

registerEnumType(RequeueReasonEnum, {
  name: "RequeueReason",
  description: "Why a task went back to PENDING without a person moving it there.",
  valuesConfig: {
    REASSIGNED: { description: "assignTask moved it to another agent: it left this one first." },
    UNASSIGNED: { description: "unassignTask took it from its agent." },
    AGENT_OFFLINE: { description: "Its agent missed its heartbeat (timeoutSeconds) and went OFFLINE." },
  },
});
registerEnumType(ModelCallOutcomeEnum, {
  name: "ModelCallOutcome",
  description: "How one attempt at a model call ended.",
  valuesConfig: {
    SUCCESS: { description: "The model answered." },
    RETRY: { description: "It failed and the same model is asked again." },
    NEXT_MODEL: { description: "It failed and the next model of the fallback list is asked." },
    FAILED: { description: "It failed and nothing is tried after it." },
  },
});

@ObjectType({
  simpleResolvers: true,
  description:
    "A STATUS_CHANGE: a move of the state machine (also the assignment PENDING → DESIGN and a return to PENDING), or, with from = to, a pause, a resume or a request for approval.",
})
export class StatusChangeDetails {
  @Field(() => TaskStatusEnum, { nullable: true, description: "The status before; null when the task was created." })
  from!: TaskStatus | null;

  @Field(() => TaskStatusEnum, { description: "The status after." })
  to!: TaskStatus;

  @Field(() => String, {
    nullable: true,
    description: "The note given with the move (updateTaskStatus, a runtime's reason).",
  })
  note!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Who made the change: an API key's or agent's name; null where the service moved the task by itself (created, assigned automatically, its agent offline).",
  })
  by!: string | null;

  @Field(() => Boolean, {
    description: "True when the agent finished and the task now waits in REVIEW for approveTask.",
  })
  awaitingApproval!: boolean;

  @Field(() => String, { nullable: true, description: "With awaitingApproval: what the agent said it did." })
  summary!: string | null;

  @Field(() => Boolean, { nullable: true, description: "True: the task was paused; false: resumed; null: neither." })
  paused!: boolean | null;

  @Field(() => String, { nullable: true, description: "Why the task was paused (with paused true)." })
  pauseReason!: string | null;

  @Field(() => RequeueReasonEnum, {
    nullable: true,
    description: "Why the task went back to PENDING, when no person moved it there with updateTaskStatus.",
  })
  requeueReason!: RequeueReason | null;

  @Field(() => ID, {
    nullable: true,
    description: "The agent the task was assigned to (to DESIGN) or taken from (to PENDING).",
  })
  agentId!: string | null;

  @Field(() => String, { nullable: true, description: "The name of the agent the task was assigned to." })
  agentName!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "With requeueReason AGENT_OFFLINE: the heartbeat timeout the agent missed.",
  })
  timeoutSeconds!: number | null;
}

@ObjectType({
  simpleResolvers: true,
  description:
    "A MESSAGE: a person's message to the agent (USER), or a part of the text the model streamed (ASSISTANT).",
})
export class MessageDetails {
  @Field(() => ConversationRoleEnum, { description: "USER for a person's message, ASSISTANT for the model's text." })
  role!: RunMessageRole;

  @Field(() => String, { nullable: true, description: "USER: the name of the API key that sent it." })
  author!: string | null;

  @Field(() => ID, { nullable: true, description: "USER: the TaskMessage's id." })
  messageId!: string | null;

  @Field(() => Int, { nullable: true, description: "ASSISTANT: the runtime step (model turn) that said it." })
  step!: number | null;

  @Field(() => Int, { nullable: true, description: "ASSISTANT: the part's number within its step (0, 1, 2 …)." })
  part!: number | null;
}

@ObjectType({ simpleResolvers: true, description: "A TOOL_CALL: a tool called by a person, an agent or the runtime." })
export class ToolCallDetails {
  @Field(() => String, {
    description:
      "For a call over the API, the ToolCall's id (toolCall(id)); for a call of the builtin runtime, the model's id for the call (as in the conversation).",
  })
  toolCallId!: string;

  @Field(() => String, { description: "The tool (or the runtime's set_phase and complete_task)." })
  tool!: string;

  @Field(() => String, { nullable: true, description: "The API key's or agent's name that called." })
  by!: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description:
    "A TOOL_OUTPUT: a tool's result for the builtin runtime (tool, toolCallId), or news of a command run (runId): waiting for a slot, running, or ended (status).",
})
export class ToolOutputDetails {
  @Field(() => String, { nullable: true, description: "The tool whose result this is (the runtime's calls)." })
  tool!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The model's id for the call this answers (the runtime's calls).",
  })
  toolCallId!: string | null;

  @Field(() => ID, { nullable: true, description: "The command run it reports on (commandRun(id))." })
  runId!: string | null;

  @Field(() => CommandRunStatusEnum, { nullable: true, description: "How the run ended; null while it runs." })
  status!: CommandRunStatus | null;

  @Field(() => Int, { nullable: true, description: "The run's exit code, when it exited." })
  exitCode!: number | null;

  @Field(() => Int, { nullable: true, description: "The run's wall time." })
  durationMs!: number | null;

  @Field(() => Int, { nullable: true, description: "CPU time of the run's process tree." })
  cpuTimeMs!: number | null;

  @Field(() => Int, { nullable: true, description: "Peak resident memory of the run's largest process." })
  maxRssKb!: number | null;

  @Field(() => Int, { nullable: true, description: "Bytes the program wrote to stdout." })
  stdoutBytes!: number | null;

  @Field(() => Int, { nullable: true, description: "Bytes the program wrote to stderr." })
  stderrBytes!: number | null;

  @Field(() => Int, { nullable: true, description: "With running: the bytes of output so far." })
  bytes!: number | null;

  @Field(() => Boolean, { description: "True for a summary of a run's output while it runs." })
  running!: boolean;

  @Field(() => Boolean, { description: "True when the run waits for a free slot of its workspace." })
  waiting!: boolean;

  @Field(() => Boolean, { description: "True when the run was cut off by the service stopping." })
  interrupted!: boolean;
}

@ObjectType({
  simpleResolvers: true,
  description:
    "A PROGRESS: the workspace is ready, a phase is worked on, the task was updated (updateTask), a run resumed after a worker stopped.",
})
export class ProgressDetails {
  @Field(() => TaskStatusEnum, { nullable: true, description: "The phase being worked on." })
  phase!: TaskStatus | null;

  @Field(() => ID, { nullable: true, description: "The workspace that is ready." })
  workspaceId!: string | null;

  @Field(() => String, { nullable: true, description: "The ready workspace's directory on the server." })
  path!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "After a worker stopped: the model's id for the call that was not run again.",
  })
  toolCallId!: string | null;

  @Field(() => [String], { nullable: true, description: "The fields updateTask changed (title, priority …)." })
  updated!: string[] | null;

  @Field(() => String, { nullable: true, description: "Who updated the task." })
  by!: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description:
    "An ERROR: a failed model attempt (model, outcome), a loop warning (tool), a workspace problem (workspaceId), or a task that is not worked on (waiting); the event's content says what.",
})
export class ErrorDetails {
  @Field(() => Boolean, {
    description: "True when the task is not worked on until something changes (the content says why).",
  })
  waiting!: boolean;

  @Field(() => String, { nullable: true, description: "The model whose attempt failed." })
  model!: string | null;

  @Field(() => Int, { nullable: true, description: "The attempt's number at its step (1 for the first)." })
  attempt!: number | null;

  @Field(() => String, { nullable: true, description: "What failed: RATE_LIMITED, SERVER, TIMEOUT, STREAM, NETWORK …" })
  errorKind!: string | null;

  @Field(() => ModelCallOutcomeEnum, {
    nullable: true,
    description: "What the runtime does next: RETRY or NEXT_MODEL.",
  })
  outcome!: ModelCallOutcome | null;

  @Field(() => String, { nullable: true, description: "The tool called again and again (a loop warning)." })
  tool!: string | null;

  @Field(() => ID, { nullable: true, description: "The workspace that could not be made or set up." })
  workspaceId!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Which part of the workspace's set-up failed: packages (the default Python packages); null: all of it.",
  })
  stage!: string | null;
}

export const LinkChangeEnum = asEnum(["CREATED", "UPDATED"] as const);
registerEnumType(LinkChangeEnum, {
  name: "LinkChange",
  description: "Whether a LINK event made a link or changed one.",
  valuesConfig: {
    CREATED: { description: "A new link." },
    UPDATED: { description: "A change of a link: its state or title (GitHub's webhooks), a new push of its branch." },
  },
});

@ObjectType({
  simpleResolvers: true,
  description:
    "A LINK: a link of the task to GitHub was made or changed (Task.links has them all): its issue, a pushed branch, its pull request, a comment the service posted.",
})
export class LinkDetails {
  @Field(() => TaskLinkKindEnum, { description: "What the link is to." })
  kind!: TaskLinkKind;

  @Field(() => String, { description: "The link's URL (its identity among the task's links)." })
  url!: string;

  @Field(() => String, { nullable: true, description: "The repository, owner/name." })
  repository!: string | null;

  @Field(() => Int, { nullable: true, description: "The issue's or pull request's number." })
  number!: number | null;

  @Field(() => TaskLinkStateEnum, { nullable: true, description: "Its state after the change." })
  state!: TaskLinkState | null;

  @Field(() => String, { nullable: true, description: "Its title after the change." })
  title!: string | null;

  @Field(() => String, { nullable: true, description: "The branch (BRANCH links, a pull request's head)." })
  branch!: string | null;

  @Field(() => String, { nullable: true, description: "The commit a BRANCH link points at." })
  sha!: string | null;

  @Field(() => LinkChangeEnum, { description: "A new link, or a change of one." })
  change!: "CREATED" | "UPDATED";

  @Field(() => String, {
    nullable: true,
    description: "What made the change: gitPush, the GitHub webhook, or the GitHub report of a finished task.",
  })
  by!: string | null;
}

const typeOf: Record<TaskEventDetails["eventType"], ClassType> = {
  STATUS_CHANGE: StatusChangeDetails,
  MESSAGE: MessageDetails,
  TOOL_CALL: ToolCallDetails,
  TOOL_OUTPUT: ToolOutputDetails,
  PROGRESS: ProgressDetails,
  ERROR: ErrorDetails,
  LINK: LinkDetails,
};

export const TaskEventDetailsUnion = createUnionType({
  name: "TaskEventDetails",
  description:
    "The typed data of a task event: one type per event type (ASSIGNMENT has none: an assignment is the STATUS_CHANGE to DESIGN naming the agent).",
  types: () =>
    [
      StatusChangeDetails,
      MessageDetails,
      ToolCallDetails,
      ToolOutputDetails,
      ProgressDetails,
      ErrorDetails,
      LinkDetails,
    ] as const,
  resolveType: (value) => typeOf[(value as unknown as TaskEventDetails).eventType],
});
