/** What a worker hands the runtime for one run of one task. */
export interface RunContext {
  taskId: string;
  agentId: string;
  agentName: string;
  workspaceId: string;
  workspacePath: string;
  /** Aborted when the worker stops or loses the job's lease: stop at the next safe point. */
  signal: AbortSignal;
}

/**
 * Runs a task from wherever it stands (a run may be a takeover after a worker died): it
 * moves the task through its phases with the task service, which owns every write.
 */
export interface AgentRuntime {
  readonly name: string;
  /** Set when the runtime cannot work at all (a setting is missing): runs only say why. */
  readonly missing?: string | null;
  run(ctx: RunContext): Promise<void>;
}
