import { forbidden } from "../errors.js";
import type { Principal } from "./principal.js";
import { roleAllows } from "./principal.js";

/**
 * Who may do what to which task, workspace or agent: the one policy that resolvers, tools, file
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
