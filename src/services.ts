import type { AgentService } from "./domain/agents/agent.service.js";
import type { AssignmentFeed } from "./domain/agents/assignment-feed.js";
import type { AssignmentService } from "./domain/assignment/assignment.service.js";
import type { ApiKeyService } from "./domain/auth/api-key.service.js";
import type { NodeService } from "./domain/nodes/node.service.js";
import type { SourceService } from "./domain/research/source.service.js";
import type { RunStore } from "./domain/runs/run.store.js";
import type { TaskControlService } from "./domain/tasks/task-control.service.js";
import type { TaskService } from "./domain/tasks/task.service.js";
import type { UsageService } from "./domain/usage/usage.service.js";
import type { WorkspaceService } from "./domain/workspaces/workspace.service.js";
import type { Sandbox } from "./infra/sandbox/sandbox.js";
import type { SearchService } from "./tools/research/search/search.service.js";
import type { CommandService } from "./tools/terminal/command.service.js";
import type { ToolPolicyService } from "./tools/terminal/policy.service.js";
import type { ToolService } from "./tools/tool.service.js";

/**
 * What the API, the WebSocket server and the workers are given: the domain's services and the
 * tools. Only the composition root (app.ts) makes them.
 */
export interface AppServices {
  agents: AgentService;
  tasks: TaskService;
  assignment: AssignmentService;
  apiKeys: ApiKeyService;
  workspaces: WorkspaceService;
  usage: UsageService;
  nodes: NodeService;
  control: TaskControlService;
  runs: RunStore;
  assignments: AssignmentFeed;
  tools: ToolService;
  commands: CommandService;
  policies: ToolPolicyService;
  /** Web search: the webSearch tool's engine, cache, limits and history (searchHistory). */
  search: SearchService;
  /** A task's sources and citations (research, addSource; `task { sources citations }`). */
  sources: SourceService;
  sandbox: SandboxStatus;
  /**
   * Runs the service's own steps in a workspace (venv creation, pip): the sandbox, or without
   * bubblewrap the unisolated runner, which still runs them as the sandbox user.
   */
  stepRunner: Sandbox;
}

export type SandboxMode = "auto" | "bwrap" | "none";

export interface SandboxStatus {
  mode: SandboxMode;
  /** What runs untrusted code: bubblewrap, nothing (SANDBOX=none), or no one (unavailable). */
  kind: "BWRAP" | "NONE" | "UNAVAILABLE";
  reason: string | null;
}
