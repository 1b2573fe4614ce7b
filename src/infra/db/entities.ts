import { EntitySchema, type EntityName } from "@mikro-orm/core";
import type {
  CommandRunStatus,
  ToolCallStatus,
  AgentKind,
  AgentStatus,
  Json,
  Role,
  TaskEventType,
  TaskStatus,
  WorkspaceStatus,
} from "../../domain/terms.js";

export class AgentEntity {
  id!: string;
  name!: string;
  status!: AgentStatus;
  /** BUILTIN agents are run by this system's workers; EXTERNAL ones drive their tasks over the API. */
  kind!: AgentKind;
  minComplexity!: number;
  maxComplexity!: number;
  maxConcurrentTasks!: number;
  /** Tasks assigned and not finished; kept in step by the assignment engine's conditional updates. */
  activeTasks!: number;
  lastActiveAt!: Date | null;
  lastHeartbeatAt!: Date | null;
  /** Changes to the command policy for this agent's tasks (see config/tool-policy.json). */
  toolPolicy!: Json;
  /** Default model (or comma-separated fallback list) of a builtin agent; null: the configured tiers and default. */
  model!: string | null;
  /** The agent's role, put at the top of its conversations. */
  instructions!: string | null;
  /** Tool ids this agent's runtime may use; null: every registered tool. */
  tools!: Json;
  /** Its tasks wait in REVIEW for approveTask or rejectTask before they complete. */
  requiresApproval!: boolean;
  createdAt!: Date;
  updatedAt!: Date;
}

export class TaskEntity {
  id!: string;
  title!: string;
  description!: string;
  complexity!: number;
  priority!: number;
  status!: TaskStatus;
  assignedAgentId!: string | null;
  assignedAt!: Date | null;
  parentId!: string | null;
  /** Highest TaskEvent.seq written for this task; bumped in the event's own transaction. */
  eventSeq!: number;
  /** Changes to the command policy for this task, applied after its agent's. */
  toolPolicy!: Json;
  /** Budget: the runtime stops the task once its model calls have cost this much (USD). */
  maxCostUsd!: number | null;
  /** Budget: the runtime stops the task once its model calls have used this many tokens. */
  maxTokens!: number | null;
  /** Model (or comma-separated list) for this task, ahead of its agent's default and the tiers. */
  model!: string | null;
  /** null: as its agent says; true/false: this task does or does not wait for approval in REVIEW. */
  requiresApproval!: boolean | null;
  /** Set while the task is paused (by a person, a spent budget, a provider out of credits). */
  pausedAt!: Date | null;
  pauseReason!: string | null;
  /** Set while a finished task waits in REVIEW for approveTask or rejectTask. */
  approvalRequestedAt!: Date | null;
  /** What the agent said it did, from complete_task. */
  summary!: string | null;
  /** For FAILED and CANCELLED: the status it left (its README keeps that phase's checklist). */
  stoppedIn!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export class TaskEventEntity {
  id!: string;
  taskId!: string;
  seq!: number;
  type!: TaskEventType;
  content!: string;
  data!: Json;
  agentId!: string | null;
  createdAt!: Date;
}

export class WorkspaceEntity {
  id!: string;
  path!: string;
  taskId!: string;
  agentId!: string;
  status!: WorkspaceStatus;
  /** Why creation failed (status FAILED). */
  error!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export class ApiKeyEntity {
  id!: string;
  name!: string;
  role!: Role;
  /** sha256 of the secret, hex. The secret itself is never stored. */
  keyHash!: string;
  /** First characters of the secret, for recognising a key in lists. */
  prefix!: string;
  agentId!: string | null;
  /** ENV for the key taken from ADMIN_API_KEY, FILE for the generated bootstrap key, API otherwise. */
  source!: "ENV" | "FILE" | "API";
  createdAt!: Date;
  lastUsedAt!: Date | null;
  revokedAt!: Date | null;
}

export class ToolCallEntity {
  id!: string;
  tool!: string;
  taskId!: string | null;
  workspaceId!: string | null;
  /** Who called: the API key's name and id, and its agent for AGENT keys; "runtime" for the built-in runtime. */
  callerName!: string;
  callerKeyId!: string | null;
  callerAgentId!: string | null;
  /** The validated input, with long strings shortened (file contents are not kept here). */
  input!: Json;
  status!: ToolCallStatus;
  errorCode!: string | null;
  errorMessage!: string | null;
  startedAt!: Date;
  finishedAt!: Date | null;
  durationMs!: number | null;
  /** The built-in runtime's key for the model's tool call (task id and tool call id), so a resumed run never repeats it. */
  invocationKey!: string | null;
}

export class CommandRunEntity {
  id!: string;
  toolCallId!: string | null;
  taskId!: string | null;
  workspaceId!: string;
  program!: string;
  args!: Json;
  status!: CommandRunStatus;
  exitCode!: number | null;
  signal!: string | null;
  /** For LIMIT_EXCEEDED: which limit (wallTime, cpuSeconds, memory, processes, fileSize, output). */
  limit!: string | null;
  durationMs!: number | null;
  cpuTimeMs!: number | null;
  maxRssKb!: number | null;
  stdoutBytes!: number;
  stderrBytes!: number;
  truncated!: boolean;
  sandbox!: string;
  /** Highest CommandOutput.seq written so far. */
  lastOutputSeq!: number;
  createdAt!: Date;
  finishedAt!: Date | null;
}

export type ModelCallOutcome = "SUCCESS" | "RETRY" | "NEXT_MODEL" | "FAILED";

/** One attempt at a model call, with the tokens and cost the provider reported. */
export class ModelCallEntity {
  id!: string;
  taskId!: string | null;
  agentId!: string | null;
  model!: string;
  provider!: string | null;
  /** 1 for the first attempt at a step, 2 for its first retry, … */
  attempt!: number;
  outcome!: ModelCallOutcome;
  errorKind!: string | null;
  promptTokens!: number;
  completionTokens!: number;
  cachedTokens!: number;
  reasoningTokens!: number;
  /** As reported by the provider; 0 when it reported none. */
  costUsd!: number;
  latencyMs!: number;
  createdAt!: Date;
}

export type RunMessageRole = "user" | "assistant" | "tool";

/** One message of a task's conversation with its model, append-only, numbered per task. */
export class RunMessageEntity {
  id!: string;
  taskId!: string;
  seq!: number;
  role!: RunMessageRole;
  content!: string | null;
  /** assistant: `toolCalls` ({id, name, arguments}[]); tool: `toolCallId` and `name`; user: `author`. */
  data!: Json;
  /** The runtime step that wrote it. */
  step!: number;
  createdAt!: Date;
}

/** A task's runtime state, written in the same transaction as the messages of each step. */
export class AgentRunEntity {
  taskId!: string;
  agentId!: string | null;
  /** Completed steps (model turns). */
  step!: number;
  /** Highest RunMessage.seq. */
  messageSeq!: number;
  /** Time spent working, summed over the runs (waits and pauses excluded). */
  activeMs!: number;
  /** Loop detection: the last tool call's signature and how many times in a row it came. */
  repeatKey!: string | null;
  repeatCount!: number;
  /** Why the run last stopped without finishing the task (not configured, paused …), shown once. */
  waitReason!: string | null;
  startedAt!: Date;
  updatedAt!: Date;
}

/** A message from a person to the agent working on a task, delivered at the agent's next step. */
export class TaskMessageEntity {
  id!: string;
  taskId!: string;
  author!: string;
  text!: string;
  createdAt!: Date;
  deliveredAt!: Date | null;
}

export class CommandOutputEntity {
  id!: string;
  runId!: string;
  seq!: number;
  stream!: "STDOUT" | "STDERR" | "EXIT";
  data!: string;
  createdAt!: Date;
}

/** A many-to-one relation kept as the referenced row's id (the entity property holds the id). */
const ref = (
  entity: () => EntityName<object>,
  fieldName: string,
  opts: { nullable?: boolean; deleteRule?: "cascade" | "set null"; unique?: string } = {},
) =>
  ({
    kind: "m:1",
    entity,
    mapToPk: true,
    fieldName,
    deleteRule: opts.deleteRule ?? "cascade",
    ...(opts.nullable ? { nullable: true } : {}),
    ...(opts.unique ? { unique: opts.unique } : {}),
  }) as never;

const timestamps = {
  createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  updatedAt: { type: "datetime", length: 3, fieldName: "updated_at" },
} as const;

export const AgentSchema = new EntitySchema<AgentEntity>({
  class: AgentEntity,
  tableName: "agent",
  properties: {
    id: { type: "uuid", primary: true },
    name: { type: "string", length: 100, unique: "agent_name_unique" },
    status: { type: "string", length: 16 },
    kind: { type: "string", length: 16, default: "EXTERNAL" },
    minComplexity: { type: "integer", fieldName: "min_complexity" },
    maxComplexity: { type: "integer", fieldName: "max_complexity" },
    maxConcurrentTasks: { type: "integer", fieldName: "max_concurrent_tasks", default: 1 },
    activeTasks: { type: "integer", fieldName: "active_tasks", default: 0 },
    lastActiveAt: { type: "datetime", length: 3, nullable: true, fieldName: "last_active_at" },
    lastHeartbeatAt: { type: "datetime", length: 3, nullable: true, fieldName: "last_heartbeat_at" },
    toolPolicy: { type: "json", nullable: true, fieldName: "tool_policy" },
    model: { type: "string", length: 1000, nullable: true },
    instructions: { type: "text", nullable: true },
    tools: { type: "json", nullable: true },
    requiresApproval: { type: "boolean", fieldName: "requires_approval", default: false },
    ...timestamps,
  },
  indexes: [
    { name: "agent_status_idx", properties: ["status", "id"] },
    { name: "agent_assign_idx", properties: ["status", "lastActiveAt"] },
    { name: "agent_heartbeat_idx", properties: ["kind", "lastHeartbeatAt"] },
  ],
});

export const TaskSchema = new EntitySchema<TaskEntity>({
  class: TaskEntity,
  tableName: "task",
  properties: {
    id: { type: "uuid", primary: true },
    title: { type: "string", length: 200 },
    description: { type: "text" },
    complexity: { type: "integer" },
    priority: { type: "integer" },
    status: { type: "string", length: 16 },
    assignedAgentId: ref(() => AgentEntity, "assigned_agent_id", { nullable: true, deleteRule: "set null" }),
    assignedAt: { type: "datetime", length: 3, nullable: true, fieldName: "assigned_at" },
    parentId: ref(() => TaskEntity, "parent_id", { nullable: true, deleteRule: "set null" }),
    eventSeq: { type: "integer", fieldName: "event_seq" },
    toolPolicy: { type: "json", nullable: true, fieldName: "tool_policy" },
    maxCostUsd: { type: "double", nullable: true, fieldName: "max_cost_usd" },
    maxTokens: { type: "integer", nullable: true, fieldName: "max_tokens" },
    model: { type: "string", length: 1000, nullable: true },
    requiresApproval: { type: "boolean", nullable: true, fieldName: "requires_approval" },
    pausedAt: { type: "datetime", length: 3, nullable: true, fieldName: "paused_at" },
    pauseReason: { type: "text", nullable: true, fieldName: "pause_reason" },
    approvalRequestedAt: { type: "datetime", length: 3, nullable: true, fieldName: "approval_requested_at" },
    summary: { type: "text", nullable: true },
    stoppedIn: { type: "string", length: 16, nullable: true, fieldName: "stopped_in" },
    ...timestamps,
  },
  indexes: [
    { name: "task_status_idx", properties: ["status", "id"] },
    { name: "task_pending_idx", properties: ["status", "priority", "id"] },
    { name: "task_agent_idx", properties: ["assignedAgentId", "id"] },
    { name: "task_parent_idx", properties: ["parentId"] },
  ],
});

export const TaskEventSchema = new EntitySchema<TaskEventEntity>({
  class: TaskEventEntity,
  tableName: "task_event",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskEntity, "task_id"),
    seq: { type: "integer" },
    type: { type: "string", length: 32 },
    content: { type: "text" },
    data: { type: "json", nullable: true },
    agentId: ref(() => AgentEntity, "agent_id", { nullable: true, deleteRule: "set null" }),
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  uniques: [{ name: "task_event_task_seq_unique", properties: ["taskId", "seq"] }],
});

export const WorkspaceSchema = new EntitySchema<WorkspaceEntity>({
  class: WorkspaceEntity,
  tableName: "workspace",
  properties: {
    id: { type: "uuid", primary: true },
    path: { type: "string", length: 1024 },
    taskId: ref(() => TaskEntity, "task_id", { unique: "workspace_task_unique" }),
    agentId: ref(() => AgentEntity, "agent_id"),
    status: { type: "string", length: 16, default: "CREATING" },
    error: { type: "text", nullable: true },
    ...timestamps,
  },
  indexes: [
    { name: "workspace_agent_idx", properties: ["agentId"] },
    { name: "workspace_status_idx", properties: ["status"] },
  ],
});

export const ApiKeySchema = new EntitySchema<ApiKeyEntity>({
  class: ApiKeyEntity,
  tableName: "api_key",
  properties: {
    id: { type: "uuid", primary: true },
    name: { type: "string", length: 100 },
    role: { type: "string", length: 16 },
    keyHash: { type: "string", length: 64, fieldName: "key_hash", unique: "api_key_hash_unique" },
    prefix: { type: "string", length: 16 },
    agentId: ref(() => AgentEntity, "agent_id", { nullable: true }),
    source: { type: "string", length: 8 },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
    lastUsedAt: { type: "datetime", length: 3, nullable: true, fieldName: "last_used_at" },
    revokedAt: { type: "datetime", length: 3, nullable: true, fieldName: "revoked_at" },
  },
  indexes: [{ name: "api_key_role_idx", properties: ["role", "revokedAt"] }],
});

export const ToolCallSchema = new EntitySchema<ToolCallEntity>({
  class: ToolCallEntity,
  tableName: "tool_call",
  properties: {
    id: { type: "uuid", primary: true },
    tool: { type: "string", length: 64 },
    taskId: ref(() => TaskEntity, "task_id", { nullable: true }),
    workspaceId: { type: "uuid", nullable: true, fieldName: "workspace_id" },
    callerName: { type: "string", length: 100, fieldName: "caller_name" },
    callerKeyId: { type: "uuid", nullable: true, fieldName: "caller_key_id" },
    callerAgentId: { type: "uuid", nullable: true, fieldName: "caller_agent_id" },
    input: { type: "json", nullable: true },
    status: { type: "string", length: 16 },
    errorCode: { type: "string", length: 32, nullable: true, fieldName: "error_code" },
    errorMessage: { type: "text", nullable: true, fieldName: "error_message" },
    startedAt: { type: "datetime", length: 3, fieldName: "started_at" },
    finishedAt: { type: "datetime", length: 3, nullable: true, fieldName: "finished_at" },
    durationMs: { type: "integer", nullable: true, fieldName: "duration_ms" },
    invocationKey: {
      type: "string",
      length: 200,
      nullable: true,
      fieldName: "invocation_key",
      unique: "tool_call_invocation_unique",
    },
  },
  indexes: [{ name: "tool_call_task_idx", properties: ["taskId", "id"] }],
});

export const CommandRunSchema = new EntitySchema<CommandRunEntity>({
  class: CommandRunEntity,
  tableName: "command_run",
  properties: {
    id: { type: "uuid", primary: true },
    toolCallId: { type: "uuid", nullable: true, fieldName: "tool_call_id" },
    taskId: ref(() => TaskEntity, "task_id", { nullable: true }),
    workspaceId: { type: "uuid", fieldName: "workspace_id" },
    program: { type: "string", length: 255 },
    args: { type: "json" },
    status: { type: "string", length: 16 },
    exitCode: { type: "integer", nullable: true, fieldName: "exit_code" },
    signal: { type: "string", length: 16, nullable: true },
    limit: { type: "string", length: 16, nullable: true, fieldName: "limit_name" },
    durationMs: { type: "integer", nullable: true, fieldName: "duration_ms" },
    cpuTimeMs: { type: "integer", nullable: true, fieldName: "cpu_time_ms" },
    maxRssKb: { type: "integer", nullable: true, fieldName: "max_rss_kb" },
    stdoutBytes: { type: "integer", fieldName: "stdout_bytes" },
    stderrBytes: { type: "integer", fieldName: "stderr_bytes" },
    truncated: { type: "boolean" },
    sandbox: { type: "string", length: 8 },
    lastOutputSeq: { type: "integer", fieldName: "output_seq" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
    finishedAt: { type: "datetime", length: 3, nullable: true, fieldName: "finished_at" },
  },
  indexes: [
    { name: "command_run_task_idx", properties: ["taskId", "id"] },
    { name: "command_run_status_idx", properties: ["status"] },
    { name: "command_run_tool_call_idx", properties: ["toolCallId"] },
  ],
});

export const CommandOutputSchema = new EntitySchema<CommandOutputEntity>({
  class: CommandOutputEntity,
  tableName: "command_output",
  properties: {
    id: { type: "uuid", primary: true },
    runId: ref(() => CommandRunEntity, "run_id"),
    seq: { type: "integer" },
    stream: { type: "string", length: 8 },
    data: { type: "text" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  uniques: [{ name: "command_output_run_seq_unique", properties: ["runId", "seq"] }],
});

export const ModelCallSchema = new EntitySchema<ModelCallEntity>({
  class: ModelCallEntity,
  tableName: "model_call",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskEntity, "task_id", { nullable: true }),
    agentId: ref(() => AgentEntity, "agent_id", { nullable: true, deleteRule: "set null" }),
    model: { type: "string", length: 200 },
    provider: { type: "string", length: 100, nullable: true },
    attempt: { type: "integer" },
    outcome: { type: "string", length: 16 },
    errorKind: { type: "string", length: 64, nullable: true, fieldName: "error_kind" },
    promptTokens: { type: "integer", fieldName: "prompt_tokens", default: 0 },
    completionTokens: { type: "integer", fieldName: "completion_tokens", default: 0 },
    cachedTokens: { type: "integer", fieldName: "cached_tokens", default: 0 },
    reasoningTokens: { type: "integer", fieldName: "reasoning_tokens", default: 0 },
    costUsd: { type: "double", fieldName: "cost_usd", default: 0 },
    latencyMs: { type: "integer", fieldName: "latency_ms" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  indexes: [
    { name: "model_call_task_idx", properties: ["taskId", "createdAt"] },
    { name: "model_call_agent_idx", properties: ["agentId", "createdAt"] },
    { name: "model_call_created_idx", properties: ["createdAt"] },
  ],
});

export const RunMessageSchema = new EntitySchema<RunMessageEntity>({
  class: RunMessageEntity,
  tableName: "run_message",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskEntity, "task_id"),
    seq: { type: "integer" },
    role: { type: "string", length: 16 },
    content: { type: "text", nullable: true },
    data: { type: "json", nullable: true },
    step: { type: "integer" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  uniques: [{ name: "run_message_task_seq_unique", properties: ["taskId", "seq"] }],
});

export const AgentRunSchema = new EntitySchema<AgentRunEntity>({
  class: AgentRunEntity,
  tableName: "agent_run",
  properties: {
    taskId: { type: "uuid", primary: true, fieldName: "task_id" },
    agentId: ref(() => AgentEntity, "agent_id", { nullable: true, deleteRule: "set null" }),
    step: { type: "integer", default: 0 },
    messageSeq: { type: "integer", fieldName: "message_seq", default: 0 },
    activeMs: { type: "integer", fieldName: "active_ms", default: 0 },
    repeatKey: { type: "string", length: 200, nullable: true, fieldName: "repeat_key" },
    repeatCount: { type: "integer", fieldName: "repeat_count", default: 0 },
    waitReason: { type: "text", nullable: true, fieldName: "wait_reason" },
    startedAt: { type: "datetime", length: 3, fieldName: "started_at" },
    updatedAt: { type: "datetime", length: 3, fieldName: "updated_at" },
  },
});

export const TaskMessageSchema = new EntitySchema<TaskMessageEntity>({
  class: TaskMessageEntity,
  tableName: "task_message",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskEntity, "task_id"),
    author: { type: "string", length: 100 },
    text: { type: "text" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
    deliveredAt: { type: "datetime", length: 3, nullable: true, fieldName: "delivered_at" },
  },
  indexes: [{ name: "task_message_pending_idx", properties: ["taskId", "deliveredAt", "id"] }],
});

export const entities = [
  AgentSchema,
  TaskSchema,
  TaskEventSchema,
  WorkspaceSchema,
  ApiKeySchema,
  ToolCallSchema,
  CommandRunSchema,
  CommandOutputSchema,
  ModelCallSchema,
  RunMessageSchema,
  AgentRunSchema,
  TaskMessageSchema,
];
