/**
 * What the `data` of each type of task event holds, as typed records. Every writer of events
 * (the task and control services, assignment, the tool service and command runs, the runtimes
 * and the workspace jobs) puts its own fields there; `eventDetails` reads them back for the API
 * without trusting them: an event whose data does not fit its type (older rows, a writer that
 * changed) has no details, and a field that does not fit is left out, never an error.
 */
import { runMessageRoles, type ModelCallOutcome, type RunMessageRole, type TaskEventRecord } from "../records.js";
import {
  commandRunStatuses,
  taskStatuses,
  type CommandRunStatus,
  type Json,
  type TaskEventType,
  type TaskStatus,
} from "../terms.js";
import { modelCallOutcomes } from "../usage/usage.service.js";
import { taskLinkKinds, taskLinkStates, type TaskLinkKind, type TaskLinkState } from "../links/task-link.store.js";

/** Why a task went back to PENDING without a person moving it there (assignment.service.ts). */
export const requeueReasons = ["REASSIGNED", "UNASSIGNED", "AGENT_OFFLINE"] as const;
export type RequeueReason = (typeof requeueReasons)[number];

/** STATUS_CHANGE: a move of the state machine, an assignment, a return to the queue, a pause, an approval request. */
export interface StatusChangeDetails {
  eventType: "STATUS_CHANGE";
  /** null when the task was created. */
  from: TaskStatus | null;
  to: TaskStatus;
  note: string | null;
  by: string | null;
  awaitingApproval: boolean;
  summary: string | null;
  /** true: paused, false: resumed, null: neither. */
  paused: boolean | null;
  pauseReason: string | null;
  requeueReason: RequeueReason | null;
  agentId: string | null;
  agentName: string | null;
  timeoutSeconds: number | null;
}

/** MESSAGE: a person's message to the agent, or a part of the text the model streamed. */
export interface MessageDetails {
  eventType: "MESSAGE";
  role: RunMessageRole;
  author: string | null;
  messageId: string | null;
  step: number | null;
  part: number | null;
}

/** TOOL_CALL: a tool called by a person, an external agent or the runtime. */
export interface ToolCallDetails {
  eventType: "TOOL_CALL";
  toolCallId: string;
  tool: string;
  by: string | null;
}

/** TOOL_OUTPUT: a tool's result for the runtime, or news of a command run (waiting, running, ended). */
export interface ToolOutputDetails {
  eventType: "TOOL_OUTPUT";
  tool: string | null;
  toolCallId: string | null;
  runId: string | null;
  status: CommandRunStatus | null;
  exitCode: number | null;
  durationMs: number | null;
  cpuTimeMs: number | null;
  maxRssKb: number | null;
  stdoutBytes: number | null;
  stderrBytes: number | null;
  bytes: number | null;
  running: boolean;
  waiting: boolean;
  interrupted: boolean;
}

/** PROGRESS: a workspace ready, a phase worked on, the task updated, a run resumed. */
export interface ProgressDetails {
  eventType: "PROGRESS";
  phase: TaskStatus | null;
  workspaceId: string | null;
  path: string | null;
  toolCallId: string | null;
  updated: string[] | null;
  by: string | null;
}

/** ERROR: a failed model attempt, a loop warning, a workspace problem, a task that cannot be worked on. */
export interface ErrorDetails {
  eventType: "ERROR";
  waiting: boolean;
  model: string | null;
  attempt: number | null;
  errorKind: string | null;
  outcome: ModelCallOutcome | null;
  tool: string | null;
  workspaceId: string | null;
  stage: string | null;
}

/** LINK: a link of the task to GitHub was made or changed (an issue, a pushed branch, a pull request, a comment). */
export interface LinkDetails {
  eventType: "LINK";
  kind: TaskLinkKind;
  url: string;
  repository: string | null;
  number: number | null;
  state: TaskLinkState | null;
  title: string | null;
  branch: string | null;
  sha: string | null;
  /** CREATED: a new link; UPDATED: a change of one (its state or title). */
  change: "CREATED" | "UPDATED";
  by: string | null;
}

export type TaskEventDetails =
  | StatusChangeDetails
  | MessageDetails
  | ToolCallDetails
  | ToolOutputDetails
  | ProgressDetails
  | ErrorDetails
  | LinkDetails;

type Data = Record<string, Json>;

const str = (v: Json | undefined): string | null => (typeof v === "string" ? v : null);
const int = (v: Json | undefined): number | null => (typeof v === "number" && Number.isSafeInteger(v) ? v : null);
const bool = (v: Json | undefined): boolean | null => (typeof v === "boolean" ? v : null);
const member = <T extends string>(v: Json | undefined, values: readonly T[]): T | null =>
  typeof v === "string" && (values as readonly string[]).includes(v) ? (v as T) : null;
const strings = (v: Json | undefined): string[] | null =>
  Array.isArray(v) && v.every((s) => typeof s === "string") ? (v as string[]) : null;

function statusChange(d: Data): StatusChangeDetails | null {
  const to = member(d.to, taskStatuses);
  if (!to) return null;
  const paused = bool(d.paused);
  return {
    eventType: "STATUS_CHANGE",
    from: member(d.from, taskStatuses),
    to,
    note: str(d.note),
    by: str(d.by),
    awaitingApproval: d.awaitingApproval === true,
    summary: str(d.summary),
    paused,
    // `reason` is the pause's reason (free text) on a pause, a requeue reason on a return to PENDING.
    pauseReason: paused === true ? str(d.reason) : null,
    requeueReason: to === "PENDING" ? member(d.reason, requeueReasons) : null,
    agentId: str(d.agentId),
    agentName: str(d.agentName),
    timeoutSeconds: int(d.timeoutSeconds),
  };
}

function message(d: Data): MessageDetails | null {
  const role = member(d.role, runMessageRoles);
  if (!role) return null;
  return {
    eventType: "MESSAGE",
    role,
    author: str(d.author),
    messageId: str(d.messageId),
    step: int(d.step),
    part: int(d.part),
  };
}

function toolCall(d: Data): ToolCallDetails | null {
  const toolCallId = str(d.toolCallId);
  const tool = str(d.tool);
  if (toolCallId === null || tool === null) return null;
  return { eventType: "TOOL_CALL", toolCallId, tool, by: str(d.by) };
}

function toolOutput(d: Data): ToolOutputDetails | null {
  const runId = str(d.runId);
  const toolCallId = str(d.toolCallId);
  if (runId === null && toolCallId === null) return null;
  return {
    eventType: "TOOL_OUTPUT",
    tool: str(d.tool),
    toolCallId,
    runId,
    status: member(d.status, commandRunStatuses),
    exitCode: int(d.exitCode),
    durationMs: int(d.durationMs),
    cpuTimeMs: int(d.cpuTimeMs),
    maxRssKb: int(d.maxRssKb),
    stdoutBytes: int(d.stdoutBytes),
    stderrBytes: int(d.stderrBytes),
    bytes: int(d.bytes),
    running: d.running === true,
    waiting: d.waiting === true,
    interrupted: d.interrupted === true,
  };
}

function progress(d: Data): ProgressDetails {
  return {
    eventType: "PROGRESS",
    phase: member(d.phase, taskStatuses),
    workspaceId: str(d.workspaceId),
    path: str(d.path),
    toolCallId: str(d.toolCallId),
    updated: strings(d.updated),
    by: str(d.by),
  };
}

function error(d: Data): ErrorDetails {
  return {
    eventType: "ERROR",
    waiting: d.waiting === true,
    model: str(d.model),
    attempt: int(d.attempt),
    errorKind: str(d.errorKind),
    outcome: member(d.outcome, modelCallOutcomes),
    tool: str(d.tool),
    workspaceId: str(d.workspaceId),
    stage: str(d.stage),
  };
}

function link(d: Data): LinkDetails | null {
  const kind = member(d.kind, taskLinkKinds);
  const url = str(d.url);
  if (kind === null || url === null) return null;
  return {
    eventType: "LINK",
    kind,
    url,
    repository: str(d.repository),
    number: int(d.number),
    state: member(d.state, taskLinkStates),
    title: str(d.title),
    branch: str(d.branch),
    sha: str(d.sha),
    change: d.change === "UPDATED" ? "UPDATED" : "CREATED",
    by: str(d.by),
  };
}

/**
 * Each event type's reader. ASSIGNMENT has none: the service never writes it (an assignment is
 * the STATUS_CHANGE from PENDING to DESIGN that names the agent).
 */
const readers: Partial<Record<TaskEventType, (d: Data) => TaskEventDetails | null>> = {
  STATUS_CHANGE: statusChange,
  MESSAGE: message,
  TOOL_CALL: toolCall,
  TOOL_OUTPUT: toolOutput,
  PROGRESS: progress,
  ERROR: error,
  LINK: link,
};

/** The typed details of an event, or null when its data does not fit its type (or it has no reader). */
export function eventDetails(event: Pick<TaskEventRecord, "type" | "data">): TaskEventDetails | null {
  const read = readers[event.type];
  const data = event.data ?? {};
  if (!read || typeof data !== "object" || Array.isArray(data)) return null;
  return read(data);
}
