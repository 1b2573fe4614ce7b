import DataLoader from "dataloader";
import type { Principal } from "../domain/auth/principal.js";
import type { RequestInfo } from "../http/request-context.js";
import type { AppServices as Services } from "../app-services.js";
import type { AgentEntity, TaskEntity, WorkspaceEntity } from "../infra/db/entities.js";

export interface Loaders {
  agent: DataLoader<string, AgentEntity | null>;
  task: DataLoader<string, TaskEntity | null>;
  workspaceByTask: DataLoader<string, WorkspaceEntity | null>;
  currentTaskByAgent: DataLoader<string, TaskEntity | null>;
}

export interface Context {
  requestId: string;
  /** The HTTP request's log record (absent on WebSocket operations). */
  request?: RequestInfo;
  principal: Principal | null;
  services: Services;
  loaders: Loaders;
}

const fromMap =
  <V>(load: (keys: readonly string[]) => Promise<Map<string, V>>) =>
  async (keys: readonly string[]): Promise<(V | null)[]> => {
    const map = await load(keys);
    return keys.map((k) => map.get(k) ?? null);
  };

/** Per-request batching: one query per relation per request, whatever the page size. */
export function createLoaders(s: Services): Loaders {
  return {
    agent: new DataLoader(fromMap((ids) => s.agents.byIds(ids))),
    task: new DataLoader(fromMap((ids) => s.tasks.byIds(ids))),
    workspaceByTask: new DataLoader(fromMap((ids) => s.workspaces.byTaskIds(ids))),
    currentTaskByAgent: new DataLoader(fromMap((ids) => s.agents.currentTasks(ids))),
  };
}

/** The caller, once @Authorized has let the request through. */
export const principalOf = (ctx: Context): Principal => {
  if (!ctx.principal) throw new Error("authorization did not run");
  return ctx.principal;
};

export function createContext(
  services: Services,
  principal: Principal | null,
  requestId: string,
  request?: RequestInfo,
): Context {
  return { requestId, request, principal, services, loaders: createLoaders(services) };
}
