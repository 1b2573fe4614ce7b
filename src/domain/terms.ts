/** Plain domain enums and value types shared by every layer. */
export const agentStatuses = ["AVAILABLE", "BUSY", "OFFLINE", "PAUSED"] as const;
export type AgentStatus = (typeof agentStatuses)[number];

export const agentKinds = ["BUILTIN", "EXTERNAL"] as const;
export type AgentKind = (typeof agentKinds)[number];

/**
 * LOST: its holder process stopped answering (docs/workspaces-cluster.md); READY again if it comes back.
 * REMOVED: its files were removed by WORKSPACE_RETENTION_DAYS; the record stays.
 */
export const workspaceStatuses = ["CREATING", "READY", "FAILED", "LOST", "REMOVED"] as const;
export type WorkspaceStatus = (typeof workspaceStatuses)[number];

export const toolCallStatuses = ["RUNNING", "SUCCEEDED", "FAILED", "DENIED"] as const;
export type ToolCallStatus = (typeof toolCallStatuses)[number];

export const commandRunStatuses = [
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "CANCELLED",
  "LIMIT_EXCEEDED",
] as const;
export type CommandRunStatus = (typeof commandRunStatuses)[number];

export const taskStatuses = [
  "PENDING",
  "DESIGN",
  "BUILD",
  "TEST",
  "REVIEW",
  "COMPLETE",
  "FAILED",
  "CANCELLED",
] as const;
export type TaskStatus = (typeof taskStatuses)[number];

export const taskEventTypes = [
  "STATUS_CHANGE",
  "MESSAGE",
  "TOOL_CALL",
  "TOOL_OUTPUT",
  "PROGRESS",
  "ASSIGNMENT",
  "ERROR",
  "LINK",
] as const;
export type TaskEventType = (typeof taskEventTypes)[number];

export const roles = ["ADMIN", "OPERATOR", "VIEWER", "AGENT"] as const;
export type Role = (typeof roles)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const limits = {
  /** The most tasks a delegation tree's reads take (DELEGATION_MAX_DESCENDANTS keeps trees far below). */
  treeTasks: 10_000,
  nameLength: 100,
  titleLength: 200,
  descriptionLength: 20_000,
  noteLength: 10_000,
  eventContentLength: 100_000,
  messageLength: 20_000,
  instructionsLength: 20_000,
  /** Entries of an agent's own email allowlist. */
  emailRecipients: 100,
  complexity: { min: 1, max: 10 },
  maxConcurrentTasks: { min: 1, max: 100 },
  priority: { min: 0, max: 100 },
  pageSize: { default: 20, max: 100 },
  maxCostUsd: 1_000_000,
  maxTokens: 1_000_000_000,
  /** Longest range of one usage report. */
  usageReportDays: 366,
} as const;
