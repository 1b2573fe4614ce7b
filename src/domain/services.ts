import { AgentService } from "./agents/agent.service.js";
import { AssignmentService, type AssignmentOptions } from "./assignment/assignment.service.js";
import { ApiKeyService } from "./auth/api-key.service.js";
import type { Deps } from "./shared/deps.js";
import { TaskService } from "./tasks/task.service.js";
import { UsageService } from "./usage/usage.service.js";
import { WorkspaceService } from "./workspaces/workspace.service.js";

export interface Services {
  agents: AgentService;
  tasks: TaskService;
  assignment: AssignmentService;
  apiKeys: ApiKeyService;
  workspaces: WorkspaceService;
  usage: UsageService;
}

export function createServices(deps: Deps, opts: AssignmentOptions): Services {
  const assignment = new AssignmentService(deps, opts);
  return {
    agents: new AgentService(deps, assignment),
    tasks: new TaskService(deps, assignment),
    assignment,
    apiKeys: new ApiKeyService(deps),
    workspaces: new WorkspaceService(deps),
    usage: new UsageService(deps),
  };
}

export function closeServices(services: Services): void {
  services.tasks.close();
  services.apiKeys.close();
}
