import { forbidden } from "../errors.js";
import type { Principal } from "./principal.js";
import { roleAllows } from "./principal.js";

/**
 * Who may do what to which task, workspace, agent or channel: the one policy that resolvers, tools, file
 * routes and subscriptions all ask (what a role may call at all is the API's @Authorized, on top).
 *
 * - People (ADMIN, OPERATOR, VIEWER) see everything; ADMIN and OPERATOR change tasks and
 *   workspaces, VIEWER changes nothing.
 * - An AGENT key acts as its agent: it sees and changes only that agent's work (the tasks assigned
 *   to it, with their events, runs, output, tool calls, conversation and workspace), and speaks
 *   only for that agent (heartbeat, assignments).
 */
export type Action = "see" | "change";

export type Target =
  | { kind: "task"; assignedAgentId: string | null }
  | { kind: "workspace"; agentId: string }
  | { kind: "agent"; id: string };

const ownerOf = (target: Target): string | null =>
  target.kind === "task" ? target.assignedAgentId : target.kind === "workspace" ? target.agentId : target.id;

/** Whether `caller` may `action` the `target`. */
export function may(caller: Principal, action: Action, target: Target): boolean {
  if (caller.role === "AGENT") return caller.agentId !== null && ownerOf(target) === caller.agentId;
  if (action === "see") return true;
  return roleAllows(caller.role, ["OPERATOR"]);
}

const refusal: Record<Target["kind"], string> = {
  task: "An agent key may only see and change the tasks of its own agent",
  workspace: "An agent key may only use the workspaces of its own agent",
  agent: "An agent key may only act for its own agent",
};

/** Throws FORBIDDEN unless `may(caller, action, target)`, saying why. */
export function assertMay(caller: Principal, action: Action, target: Target): void {
  if (may(caller, action, target)) return;
  throw forbidden(caller.role === "AGENT" ? refusal[target.kind] : `Your key (${caller.role}) may not change this`);
}

/** Whether the caller may see a task's content (false for a missing task). */
export const maySeeTask = (caller: Principal, task: { assignedAgentId: string | null } | null | undefined): boolean =>
  !!task && may(caller, "see", { kind: "task", assignedAgentId: task.assignedAgentId });

/** Whether the caller may see a workspace (false for a missing one). */
export const maySeeWorkspace = (caller: Principal, ws: { agentId: string } | null | undefined): boolean =>
  !!ws && may(caller, "see", { kind: "workspace", agentId: ws.agentId });

/** `task` when the caller may see it, else null (as if it did not exist: no probing for ids). */
export const visibleTask = <T extends { assignedAgentId: string | null }>(
  caller: Principal,
  task: T | null,
): T | null => (maySeeTask(caller, task) ? task : null);

/** Throws FORBIDDEN unless the caller may see the task (for operations that name it). */
export function assertMaySeeTask(caller: Principal, task: { assignedAgentId: string | null } | null): void {
  if (task) assertMay(caller, "see", { kind: "task", assignedAgentId: task.assignedAgentId });
}

/** Only the caller's own agent's tasks for an AGENT key; every task for people. */
export const agentScope = (caller: Principal): string | null =>
  caller.role === "AGENT" ? (caller.agentId ?? "") : null;

/**
 * What decides who may use a channel: a TASK channel's task (and, for agents, the agents working
 * on its task tree), a NAMED channel's members.
 */
export type ChannelView =
  | { kind: "TASK"; task: { assignedAgentId: string | null }; treeAgentIds: () => Promise<readonly string[]> }
  | { kind: "NAMED"; memberAgentIds: readonly string[]; memberKeyIds: readonly string[] };

/**
 * Whether `caller` may read (`see`) or post in (`change`) a channel:
 * - a TASK channel: those who may see the task read it, those who may change it post (ADMIN,
 *   OPERATOR; VIEWER reads only); an agent works on the task or on a task of its tree (its root
 *   and every descendant) reads and posts;
 * - a NAMED channel: its members (agents, API keys of any role) and ADMIN and OPERATOR keys.
 */
export async function mayUseChannel(caller: Principal, action: Action, channel: ChannelView): Promise<boolean> {
  if (channel.kind === "NAMED") {
    if (caller.role !== "AGENT" && roleAllows(caller.role, ["OPERATOR"])) return true;
    if (caller.role === "AGENT") return caller.agentId !== null && channel.memberAgentIds.includes(caller.agentId);
    return channel.memberKeyIds.includes(caller.apiKeyId);
  }
  if (may(caller, action, { kind: "task", assignedAgentId: channel.task.assignedAgentId })) return true;
  if (caller.role !== "AGENT" || caller.agentId === null) return false;
  return (await channel.treeAgentIds()).includes(caller.agentId);
}

/** Throws FORBIDDEN unless `mayUseChannel(caller, action, channel)`, saying why. */
export async function assertMayUseChannel(caller: Principal, action: Action, channel: ChannelView): Promise<void> {
  if (await mayUseChannel(caller, action, channel)) return;
  if (channel.kind === "NAMED") throw forbidden("Only the channel's members (and ADMIN or OPERATOR keys) use it");
  throw forbidden(
    caller.role === "AGENT"
      ? "An agent key uses only the channels of the task trees its agent works on"
      : `Your key (${caller.role}) may read this task's channel but not post in it`,
  );
}
