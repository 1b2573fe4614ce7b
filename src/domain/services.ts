import { AgentService } from "./agents/agent.service.js";
import { AssignmentFeed } from "./agents/assignment-feed.js";
import { AssignmentService, type AssignmentOptions } from "./assignment/assignment.service.js";
import { ApiKeyService } from "./auth/api-key.service.js";
import type { Deps } from "./shared/deps.js";
import { RunStore } from "./runs/run.store.js";
import { TaskControlService } from "./tasks/task-control.service.js";
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
  control: TaskControlService;
  runs: RunStore;
  assignments: AssignmentFeed;
}

export function createServices(deps: Deps, opts: AssignmentOptions): Services {
  const assignment = new AssignmentService(deps, opts);
  const tasks = new TaskService(deps, assignment);
  const agents = new AgentService(deps, assignment);
  const workspaces = new WorkspaceService(deps);
  return {
    agents,
    tasks,
    assignment,
    apiKeys: new ApiKeyService(deps),
    workspaces,
    assignments: new AssignmentFeed(deps, { agents, tasks, workspaces }),
    usage: new UsageService(deps),
    control: new TaskControlService(deps, tasks, opts.jobs),
    runs: new RunStore(deps),
  };
}

export function closeServices(services: Services): void {
  services.tasks.close();
  services.apiKeys.close();
}
