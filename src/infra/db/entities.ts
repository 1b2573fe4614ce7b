import { EntitySchema, type EntityName } from "@mikro-orm/core";
import {
  AgentRecord,
  AgentRunRecord,
  ApiKeyRecord,
  CommandOutputRecord,
  CommandRunRecord,
  ModelCallRecord,
  RunMessageRecord,
  SearchBackoffRecord,
  RateLimitWindowRecord,
  SearchBucketRecord,
  SearchCacheRecord,
  SearchHistoryRecord,
  SourceRecord,
  CitationRecord,
  TaskRecord,
  TaskEventRecord,
  TaskMessageRecord,
  ToolCallRecord,
  WorkspaceRecord,
  WorkspaceHolderRecord,
  WorkspaceRequestRecord,
  WorkspaceChunkRecord,
  SecretRecord,
  TaskLinkRecord,
  ArtifactRecord,
  WebhookDeliveryRecord,
  OutboxRecord,
  NotificationSubscriptionRecord,
  NotificationRecord,
  FileLockRecord,
  FileChangeRecord,
} from "../../domain/records.js";
import { channelEntities } from "./channel-entities.js";

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

export const AgentSchema = new EntitySchema<AgentRecord>({
  class: AgentRecord,
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
    emailRecipients: { type: "json", nullable: true, fieldName: "email_recipients" },
    ...timestamps,
  },
  indexes: [
    { name: "agent_status_idx", properties: ["status", "id"] },
    { name: "agent_assign_idx", properties: ["status", "lastActiveAt"] },
    { name: "agent_heartbeat_idx", properties: ["kind", "lastHeartbeatAt"] },
  ],
});

export const TaskSchema = new EntitySchema<TaskRecord>({
  class: TaskRecord,
  tableName: "task",
  properties: {
    id: { type: "uuid", primary: true },
    title: { type: "string", length: 200 },
    description: { type: "text" },
    complexity: { type: "integer" },
    priority: { type: "integer" },
    status: { type: "string", length: 16 },
    assignedAgentId: ref(() => AgentRecord, "assigned_agent_id", { nullable: true, deleteRule: "set null" }),
    assignedAt: { type: "datetime", length: 3, nullable: true, fieldName: "assigned_at" },
    parentId: ref(() => TaskRecord, "parent_id", { nullable: true, deleteRule: "set null" }),
    rootId: { type: "uuid", nullable: true, fieldName: "root_id" },
    depth: { type: "integer", default: 0 },
    delegatedBy: { type: "uuid", nullable: true, fieldName: "delegated_by" },
    sharedFolder: { type: "string", length: 1024, nullable: true, fieldName: "shared_folder" },
    waitingFor: { type: "json", nullable: true, fieldName: "waiting_for" },
    waitUntil: { type: "datetime", length: 3, nullable: true, fieldName: "wait_until" },
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
    { name: "task_root_idx", properties: ["rootId"] },
  ],
});

export const TaskEventSchema = new EntitySchema<TaskEventRecord>({
  class: TaskEventRecord,
  tableName: "task_event",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskRecord, "task_id"),
    seq: { type: "integer" },
    type: { type: "string", length: 32 },
    content: { type: "text" },
    data: { type: "json", nullable: true },
    agentId: ref(() => AgentRecord, "agent_id", { nullable: true, deleteRule: "set null" }),
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  uniques: [{ name: "task_event_task_seq_unique", properties: ["taskId", "seq"] }],
});

export const WorkspaceSchema = new EntitySchema<WorkspaceRecord>({
  class: WorkspaceRecord,
  tableName: "workspace",
  properties: {
    id: { type: "uuid", primary: true },
    path: { type: "string", length: 1024 },
    taskId: ref(() => TaskRecord, "task_id", { unique: "workspace_task_unique" }),
    agentId: ref(() => AgentRecord, "agent_id"),
    status: { type: "string", length: 16, default: "CREATING" },
    error: { type: "text", nullable: true },
    holderId: { type: "string", length: 64, nullable: true, fieldName: "holder_id" },
    ...timestamps,
  },
  indexes: [
    { name: "workspace_agent_idx", properties: ["agentId"] },
    { name: "workspace_status_idx", properties: ["status"] },
    { name: "workspace_holder_idx", properties: ["holderId"] },
  ],
});

export const WorkspaceHolderSchema = new EntitySchema<WorkspaceHolderRecord>({
  class: WorkspaceHolderRecord,
  tableName: "workspace_holder",
  properties: {
    id: { type: "string", length: 64, primary: true },
    name: { type: "string", length: 255 },
    startedAt: { type: "datetime", length: 3, fieldName: "started_at" },
    heartbeatAt: { type: "datetime", length: 3, fieldName: "heartbeat_at" },
  },
});

export const WorkspaceRequestSchema = new EntitySchema<WorkspaceRequestRecord>({
  class: WorkspaceRequestRecord,
  tableName: "workspace_request",
  properties: {
    id: { type: "uuid", primary: true },
    holderId: { type: "string", length: 64, fieldName: "holder_id" },
    op: { type: "string", length: 64 },
    state: { type: "string", length: 16 },
    input: { type: "text" },
    inChunks: { type: "integer", fieldName: "in_chunks" },
    result: { type: "text", nullable: true },
    outChunks: { type: "integer", nullable: true, fieldName: "out_chunks" },
    traceparent: { type: "string", length: 64, nullable: true },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  indexes: [{ name: "workspace_request_holder_idx", properties: ["holderId", "state"] }],
});

export const WorkspaceChunkSchema = new EntitySchema<WorkspaceChunkRecord>({
  class: WorkspaceChunkRecord,
  tableName: "workspace_chunk",
  properties: {
    requestId: { type: "uuid", primary: true, fieldName: "request_id" },
    direction: { type: "string", length: 3, primary: true },
    seq: { type: "integer", primary: true },
    data: { type: "blob" },
  },
});

export const ApiKeySchema = new EntitySchema<ApiKeyRecord>({
  class: ApiKeyRecord,
  tableName: "api_key",
  properties: {
    id: { type: "uuid", primary: true },
    name: { type: "string", length: 100 },
    role: { type: "string", length: 16 },
    keyHash: { type: "string", length: 64, fieldName: "key_hash", unique: "api_key_hash_unique" },
    prefix: { type: "string", length: 16 },
    agentId: ref(() => AgentRecord, "agent_id", { nullable: true }),
    source: { type: "string", length: 8 },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
    lastUsedAt: { type: "datetime", length: 3, nullable: true, fieldName: "last_used_at" },
    revokedAt: { type: "datetime", length: 3, nullable: true, fieldName: "revoked_at" },
  },
  indexes: [{ name: "api_key_role_idx", properties: ["role", "revokedAt"] }],
});

export const ToolCallSchema = new EntitySchema<ToolCallRecord>({
  class: ToolCallRecord,
  tableName: "tool_call",
  properties: {
    id: { type: "uuid", primary: true },
    tool: { type: "string", length: 64 },
    taskId: ref(() => TaskRecord, "task_id", { nullable: true }),
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

export const CommandRunSchema = new EntitySchema<CommandRunRecord>({
  class: CommandRunRecord,
  tableName: "command_run",
  properties: {
    id: { type: "uuid", primary: true },
    toolCallId: { type: "uuid", nullable: true, fieldName: "tool_call_id" },
    taskId: ref(() => TaskRecord, "task_id", { nullable: true }),
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

export const CommandOutputSchema = new EntitySchema<CommandOutputRecord>({
  class: CommandOutputRecord,
  tableName: "command_output",
  properties: {
    id: { type: "uuid", primary: true },
    runId: ref(() => CommandRunRecord, "run_id"),
    seq: { type: "integer" },
    stream: { type: "string", length: 8 },
    data: { type: "text" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  uniques: [{ name: "command_output_run_seq_unique", properties: ["runId", "seq"] }],
});

export const ModelCallSchema = new EntitySchema<ModelCallRecord>({
  class: ModelCallRecord,
  tableName: "model_call",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskRecord, "task_id", { nullable: true }),
    agentId: ref(() => AgentRecord, "agent_id", { nullable: true, deleteRule: "set null" }),
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

export const RunMessageSchema = new EntitySchema<RunMessageRecord>({
  class: RunMessageRecord,
  tableName: "run_message",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskRecord, "task_id"),
    seq: { type: "integer" },
    role: { type: "string", length: 16 },
    content: { type: "text", nullable: true },
    data: { type: "json", nullable: true },
    step: { type: "integer" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  uniques: [{ name: "run_message_task_seq_unique", properties: ["taskId", "seq"] }],
});

export const AgentRunSchema = new EntitySchema<AgentRunRecord>({
  class: AgentRunRecord,
  tableName: "agent_run",
  properties: {
    taskId: { type: "uuid", primary: true, fieldName: "task_id" },
    agentId: ref(() => AgentRecord, "agent_id", { nullable: true, deleteRule: "set null" }),
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

export const TaskMessageSchema = new EntitySchema<TaskMessageRecord>({
  class: TaskMessageRecord,
  tableName: "task_message",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskRecord, "task_id"),
    author: { type: "string", length: 100 },
    text: { type: "text" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
    deliveredAt: { type: "datetime", length: 3, nullable: true, fieldName: "delivered_at" },
  },
  indexes: [{ name: "task_message_pending_idx", properties: ["taskId", "deliveredAt", "id"] }],
});

export const SearchHistorySchema = new EntitySchema<SearchHistoryRecord>({
  class: SearchHistoryRecord,
  tableName: "search_history",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskRecord, "task_id"),
    workspaceId: { type: "uuid", fieldName: "workspace_id" },
    agentId: { type: "uuid", fieldName: "agent_id" },
    toolCallId: { type: "uuid", nullable: true, fieldName: "tool_call_id" },
    callerName: { type: "string", length: 100, fieldName: "caller_name" },
    callerKeyId: { type: "uuid", nullable: true, fieldName: "caller_key_id" },
    query: { type: "text" },
    region: { type: "string", length: 16 },
    safeSearch: { type: "string", length: 16, fieldName: "safe_search" },
    page: { type: "integer" },
    resultCount: { type: "integer", fieldName: "result_count" },
    cacheHit: { type: "boolean", fieldName: "cache_hit" },
    engineRequests: { type: "integer", fieldName: "engine_requests" },
    latencyMs: { type: "integer", fieldName: "latency_ms" },
    outcome: { type: "string", length: 32 },
    errorMessage: { type: "text", nullable: true, fieldName: "error_message" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  indexes: [
    { name: "search_history_task_idx", properties: ["taskId", "id"] },
    { name: "search_history_agent_idx", properties: ["agentId", "id"] },
  ],
});

export const SearchCacheSchema = new EntitySchema<SearchCacheRecord>({
  class: SearchCacheRecord,
  tableName: "search_cache",
  properties: {
    key: { type: "string", length: 64, primary: true },
    query: { type: "text" },
    region: { type: "string", length: 16 },
    safeSearch: { type: "string", length: 16, fieldName: "safe_search" },
    page: { type: "integer" },
    results: { type: "json" },
    nextPage: { type: "json", nullable: true, fieldName: "next_page" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
    expiresAt: { type: "datetime", length: 3, fieldName: "expires_at" },
  },
  indexes: [{ name: "search_cache_expires_idx", properties: ["expiresAt"] }],
});

export const SearchBucketSchema = new EntitySchema<SearchBucketRecord>({
  class: SearchBucketRecord,
  tableName: "search_bucket",
  properties: {
    key: { type: "string", length: 100, primary: true },
    tokens: { type: "double" },
    updatedAt: { type: "datetime", length: 3, fieldName: "updated_at" },
  },
});

/** Rate-limit windows, one row per API key (src/infra/rate-limit): shared by every process. */
export const RateLimitWindowSchema = new EntitySchema<RateLimitWindowRecord>({
  class: RateLimitWindowRecord,
  tableName: "rate_limit_window",
  properties: {
    apiKeyId: { type: "string", length: 64, primary: true, fieldName: "api_key_id" },
    windowStart: { type: "bigint", fieldName: "window_start" },
    count: { type: "integer" },
  },
  indexes: [{ name: "rate_limit_window_start_idx", properties: ["windowStart"] }],
});

export const SearchBackoffSchema = new EntitySchema<SearchBackoffRecord>({
  class: SearchBackoffRecord,
  tableName: "search_backoff",
  properties: {
    engine: { type: "string", length: 32, primary: true },
    until: { type: "datetime", length: 3 },
    strikes: { type: "integer" },
    updatedAt: { type: "datetime", length: 3, fieldName: "updated_at" },
  },
});

export const SourceSchema = new EntitySchema<SourceRecord>({
  class: SourceRecord,
  tableName: "source",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskRecord, "task_id"),
    workspaceId: { type: "uuid", fieldName: "workspace_id" },
    toolCallId: { type: "uuid", nullable: true, fieldName: "tool_call_id" },
    url: { type: "text" },
    finalUrl: { type: "text", fieldName: "final_url" },
    title: { type: "string", length: 500 },
    authors: { type: "json" },
    siteName: { type: "string", length: 200, nullable: true, fieldName: "site_name" },
    publishedAt: { type: "datetime", length: 3, nullable: true, fieldName: "published_at" },
    accessedAt: { type: "datetime", length: 3, fieldName: "accessed_at" },
    contentType: { type: "string", length: 100, fieldName: "content_type" },
    contentHash: { type: "string", length: 64, fieldName: "content_hash" },
    textPath: { type: "string", length: 1000, fieldName: "text_path" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  indexes: [{ name: "source_task_idx", properties: ["taskId", "id"] }],
});

export const CitationSchema = new EntitySchema<CitationRecord>({
  class: CitationRecord,
  tableName: "citation",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskRecord, "task_id"),
    researchId: { type: "uuid", fieldName: "research_id" },
    number: { type: "integer" },
    sourceId: ref(() => SourceRecord, "source_id", { nullable: true }),
    claim: { type: "text" },
    quote: { type: "text" },
    verified: { type: "boolean" },
    problem: { type: "text", nullable: true },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  indexes: [
    { name: "citation_task_idx", properties: ["taskId", "id"] },
    { name: "citation_research_idx", properties: ["researchId", "id"] },
  ],
});

export const SecretSchema = new EntitySchema<SecretRecord>({
  class: SecretRecord,
  tableName: "secret",
  properties: {
    id: { type: "uuid", primary: true },
    name: { type: "string", length: 100 },
    kind: { type: "string", length: 32 },
    scope: { type: "string", length: 16 },
    scopeId: { type: "string", length: 64, fieldName: "scope_id" },
    ciphertext: { type: "text" },
    wrappedKey: { type: "text", fieldName: "wrapped_key" },
    masterKeyId: { type: "string", length: 32, fieldName: "master_key_id" },
    last4: { type: "string", length: 8 },
    version: { type: "integer", default: 1 },
    createdBy: { type: "uuid", nullable: true, fieldName: "created_by" },
    ...timestamps,
    lastUsedAt: { type: "datetime", length: 3, nullable: true, fieldName: "last_used_at" },
    lastUsedByToolCallId: { type: "uuid", nullable: true, fieldName: "last_used_by_tool_call_id" },
    lastUsedFor: { type: "string", length: 100, nullable: true, fieldName: "last_used_for" },
  },
  uniques: [{ name: "secret_name_scope_unique", properties: ["scope", "scopeId", "name"] }],
  indexes: [
    { name: "secret_kind_idx", properties: ["kind", "scope", "scopeId"] },
    { name: "secret_master_key_idx", properties: ["masterKeyId"] },
  ],
});

export const TaskLinkSchema = new EntitySchema<TaskLinkRecord>({
  class: TaskLinkRecord,
  tableName: "task_link",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskRecord, "task_id"),
    kind: { type: "string", length: 16 },
    url: { type: "string", length: 1000 },
    repository: { type: "string", length: 200 },
    number: { type: "integer", nullable: true },
    state: { type: "string", length: 16 },
    title: { type: "string", length: 500 },
    nodeId: { type: "string", length: 100, nullable: true, fieldName: "node_id" },
    branch: { type: "string", length: 255, nullable: true },
    sha: { type: "string", length: 64, nullable: true },
    ...timestamps,
  },
  uniques: [{ name: "task_link_task_url_unique", properties: ["taskId", "url"] }],
  indexes: [
    { name: "task_link_repo_number_idx", properties: ["repository", "number"] },
    { name: "task_link_task_idx", properties: ["taskId", "id"] },
  ],
});

export const WebhookDeliverySchema = new EntitySchema<WebhookDeliveryRecord>({
  class: WebhookDeliveryRecord,
  tableName: "webhook_delivery",
  properties: {
    id: { type: "string", length: 100, primary: true },
    event: { type: "string", length: 64 },
    outcome: { type: "string", length: 32 },
    receivedAt: { type: "datetime", length: 3, fieldName: "received_at" },
  },
});

export const ArtifactSchema = new EntitySchema<ArtifactRecord>({
  class: ArtifactRecord,
  tableName: "artifact",
  properties: {
    id: { type: "uuid", primary: true },
    taskId: ref(() => TaskRecord, "task_id"),
    path: { type: "string", length: 4096 },
    kind: { type: "string", length: 16 },
    sizeBytes: { type: "integer", fieldName: "size_bytes" },
    sha256: { type: "string", length: 64 },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  indexes: [{ name: "artifact_task_idx", properties: ["taskId", "id"] }],
});

export const OutboxSchema = new EntitySchema<OutboxRecord>({
  class: OutboxRecord,
  tableName: "outbox",
  properties: {
    id: { type: "uuid", primary: true },
    kind: { type: "string", length: 16 },
    status: { type: "string", length: 16 },
    attempts: { type: "integer" },
    nextAttemptAt: { type: "datetime", length: 3, fieldName: "next_attempt_at" },
    lastError: { type: "text", nullable: true, fieldName: "last_error" },
    messageId: { type: "string", length: 255, fieldName: "message_id" },
    payload: { type: "json" },
    taskId: ref(() => TaskRecord, "task_id", { nullable: true, deleteRule: "set null" }),
    dedupeKey: { type: "string", length: 255, fieldName: "dedupe_key", unique: "outbox_dedupe_key_unique" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
    sentAt: { type: "datetime", length: 3, nullable: true, fieldName: "sent_at" },
  },
  indexes: [
    { name: "outbox_status_next_idx", properties: ["status", "nextAttemptAt"] },
    { name: "outbox_kind_created_idx", properties: ["kind", "createdAt"] },
  ],
});

export const NotificationSubscriptionSchema = new EntitySchema<NotificationSubscriptionRecord>({
  class: NotificationSubscriptionRecord,
  tableName: "notification_subscription",
  properties: {
    id: { type: "uuid", primary: true },
    ownerKeyId: ref(() => ApiKeyRecord, "owner_key_id"),
    channel: { type: "string", length: 16 },
    address: { type: "string", length: 2048, nullable: true },
    events: { type: "json" },
    agentId: ref(() => AgentRecord, "agent_id", { nullable: true }),
    taskId: ref(() => TaskRecord, "task_id", { nullable: true }),
    minPriority: { type: "integer", nullable: true, fieldName: "min_priority" },
    secretId: ref(() => SecretRecord, "secret_id", { nullable: true, deleteRule: "set null" }),
    ...timestamps,
  },
  indexes: [{ name: "notification_subscription_owner_idx", properties: ["ownerKeyId", "id"] }],
});

export const NotificationSchema = new EntitySchema<NotificationRecord>({
  class: NotificationRecord,
  tableName: "notification",
  properties: {
    id: { type: "uuid", primary: true },
    ownerKeyId: ref(() => ApiKeyRecord, "owner_key_id"),
    seq: { type: "integer" },
    subscriptionId: ref(() => NotificationSubscriptionRecord, "subscription_id", {
      nullable: true,
      deleteRule: "set null",
    }),
    dedupeKey: { type: "string", length: 200, fieldName: "dedupe_key", unique: "notification_dedupe_unique" },
    event: { type: "string", length: 32 },
    taskId: { type: "uuid", nullable: true, fieldName: "task_id" },
    agentId: { type: "uuid", nullable: true, fieldName: "agent_id" },
    title: { type: "string", length: 500 },
    body: { type: "text" },
    data: { type: "json" },
    readAt: { type: "datetime", length: 3, nullable: true, fieldName: "read_at" },
    createdAt: { type: "datetime", length: 3, fieldName: "created_at" },
  },
  uniques: [{ name: "notification_owner_seq_unique", properties: ["ownerKeyId", "seq"] }],
  indexes: [{ name: "notification_owner_unread_idx", properties: ["ownerKeyId", "readAt"] }],
});

export const FileLockSchema = new EntitySchema<FileLockRecord>({
  class: FileLockRecord,
  tableName: "file_lock",
  properties: {
    id: { type: "uuid", primary: true },
    workspaceId: ref(() => WorkspaceRecord, "workspace_id"),
    path: { type: "string", length: 4096 },
    holderKey: { type: "string", length: 200, fieldName: "holder_key" },
    holderName: { type: "string", length: 100, fieldName: "holder_name" },
    holderAgentId: { type: "uuid", nullable: true, fieldName: "holder_agent_id" },
    taskId: { type: "uuid", nullable: true, fieldName: "task_id" },
    toolCallId: { type: "uuid", nullable: true, fieldName: "tool_call_id" },
    expiresAt: { type: "datetime", length: 3, fieldName: "expires_at" },
    ...timestamps,
  },
  uniques: [{ name: "file_lock_workspace_path_unique", properties: ["workspaceId", "path"] }],
  indexes: [{ name: "file_lock_expiry_idx", properties: ["workspaceId", "expiresAt"] }],
});

export const FileChangeSchema = new EntitySchema<FileChangeRecord>({
  class: FileChangeRecord,
  tableName: "file_change",
  properties: {
    id: { type: "uuid", primary: true },
    workspaceId: ref(() => WorkspaceRecord, "workspace_id"),
    kind: { type: "string", length: 16 },
    path: { type: "string", length: 4096 },
    fromPath: { type: "string", length: 4096, nullable: true, fieldName: "from_path" },
    agentId: { type: "uuid", nullable: true, fieldName: "agent_id" },
    callerName: { type: "string", length: 100, fieldName: "caller_name" },
    toolCallId: { type: "uuid", nullable: true, fieldName: "tool_call_id" },
    taskId: { type: "uuid", nullable: true, fieldName: "task_id" },
    version: { type: "string", length: 80, nullable: true },
    sizeBytes: { type: "integer", nullable: true, fieldName: "size_bytes" },
    sha256: { type: "string", length: 64, nullable: true },
    at: { type: "datetime", length: 3 },
  },
  indexes: [{ name: "file_change_workspace_idx", properties: ["workspaceId", "id"] }],
});

export const entities = [
  AgentSchema,
  TaskSchema,
  TaskEventSchema,
  WorkspaceSchema,
  WorkspaceHolderSchema,
  WorkspaceRequestSchema,
  WorkspaceChunkSchema,
  ApiKeySchema,
  ToolCallSchema,
  CommandRunSchema,
  CommandOutputSchema,
  ModelCallSchema,
  RunMessageSchema,
  AgentRunSchema,
  TaskMessageSchema,
  SearchHistorySchema,
  SearchCacheSchema,
  SearchBucketSchema,
  SearchBackoffSchema,
  RateLimitWindowSchema,
  SourceSchema,
  CitationSchema,
  SecretSchema,
  TaskLinkSchema,
  WebhookDeliverySchema,
  ArtifactSchema,
  OutboxSchema,
  NotificationSubscriptionSchema,
  NotificationSchema,
  ...channelEntities,
  FileLockSchema,
  FileChangeSchema,
];
