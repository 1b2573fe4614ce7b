import { AgentService } from "./agents/agent.service.js";
import { ApiKeyService } from "./auth/api-key.service.js";
import type { Deps } from "./shared/deps.js";
import { TaskService } from "./tasks/task.service.js";
import { WorkspaceService } from "./workspaces/workspace.service.js";

export interface Services {
  agents: AgentService;
  tasks: TaskService;
  apiKeys: ApiKeyService;
  workspaces: WorkspaceService;
}

export function createServices(deps: Deps): Services {
  return {
    agents: new AgentService(deps),
    tasks: new TaskService(deps),
    apiKeys: new ApiKeyService(deps),
    workspaces: new WorkspaceService(deps),
  };
}

export function closeServices(services: Services): void {
  services.tasks.feed.close();
  services.apiKeys.close();
}
