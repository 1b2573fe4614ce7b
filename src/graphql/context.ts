import DataLoader from "dataloader";
import { visibleTask } from "../domain/auth/access.js";
import type { Principal } from "../domain/auth/principal.js";
import type { RequestInfo } from "./request-context.js";
import type { AppServices as Services } from "../services.js";
import type { AgentRecord, ChannelParticipantRef, TaskRecord, WorkspaceRecord } from "../domain/records.js";

/** What a field resolved through a RequestLoader returns. */
export type Loaded<V> = V | null | Promise<V | null>;

/**
 * A request's DataLoader that answers synchronously for keys it has already loaded: a field that
 * resolves to a value, not a promise, lets graphql-js complete its object without a promise per node.
 */
export class RequestLoader<V> {
  private readonly loaded = new Map<string, V | null>();
  private readonly loader: DataLoader<string, V | null>;

  constructor(batch: (keys: readonly string[]) => Promise<(V | null)[]>) {
    this.loader = new DataLoader(batch);
  }

  load(key: string): Loaded<V> {
    if (this.loaded.has(key)) return this.loaded.get(key) as V | null;
    return this.loader.load(key).then((v) => {
      this.loaded.set(key, v);
      return v;
    });
  }

  /**
   * Loads `keys` in one batch ahead of the fields that will ask for them. A failure is not thrown
   * here: those fields' own load() calls report it, at their paths, as they would without this.
   */
  async prefetch(keys: readonly (string | null | undefined)[]): Promise<void> {
    const wanted = [...new Set(keys)].filter((k): k is string => !!k && !this.loaded.has(k));
    if (wanted.length === 0) return;
    const values = await this.loader.loadMany(wanted);
    values.forEach((v, i) => {
      if (!(v instanceof Error)) this.loaded.set(wanted[i] as string, v);
    });
  }
}

export interface Loaders {
  agent: RequestLoader<AgentRecord>;
  task: DataLoader<string, TaskRecord | null>;
  workspaceByTask: DataLoader<string, WorkspaceRecord | null>;
  currentTaskByAgent: DataLoader<string, TaskRecord | null>;
  /** The children of a task (delegated from it), oldest first. */
  children: DataLoader<string, TaskRecord[]>;
  /** The members of channels, all those of one request's list in one batch. */
  channelMembers: DataLoader<string, ChannelParticipantRef[]>;
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

/**
 * Per-request batching: one query per relation per request, whatever the page size. Tasks the
 * caller may not see (another agent's, for an AGENT key: see access.ts) load as null.
 */
export function createLoaders(s: Services, principal: Principal | null = null): Loaders {
  const visible = (t: TaskRecord | null) => (principal ? visibleTask(principal, t) : t);
  return {
    agent: new RequestLoader(fromMap((ids) => s.agents.byIds(ids))),
    task: new DataLoader(async (ids) => (await fromMap((keys) => s.tasks.byIds(keys))(ids)).map(visible)),
    workspaceByTask: new DataLoader(fromMap((ids) => s.workspaces.byTaskIds(ids))),
    currentTaskByAgent: new DataLoader(fromMap((ids) => s.agents.currentTasks(ids))),
    children: new DataLoader(async (ids) => {
      const rows = await s.tasks.childrenOf(ids);
      return ids.map((id) => rows.filter((r) => r.parentId === id));
    }),
    channelMembers: new DataLoader(async (ids) => {
      const members = await s.channels.membersOf(ids);
      return ids.map((id) => members.get(id) ?? []);
    }),
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
  return { requestId, request, principal, services, loaders: createLoaders(services, principal) };
}
