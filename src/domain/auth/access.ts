import { forbidden } from "../errors.js";
import type { Principal } from "./principal.js";

/**
 * What a caller may see of the work. People (ADMIN, OPERATOR, VIEWER) see every task. An AGENT
 * key sees only its own agent's work: the tasks assigned to that agent, and with them their
 * events, command runs and output, tool calls, conversation and workspace. Everything that reads
 * a task's content for a caller goes through these checks.
 */
export function maySeeTask(caller: Principal, task: { assignedAgentId: string | null } | null | undefined): boolean {
  if (!task) return false;
  return caller.role !== "AGENT" || (caller.agentId !== null && task.assignedAgentId === caller.agentId);
}

/** A workspace is its agent's: an AGENT key sees only its own agent's workspaces. */
export const maySeeWorkspace = (caller: Principal, ws: { agentId: string } | null | undefined): boolean =>
  !!ws && (caller.role !== "AGENT" || ws.agentId === caller.agentId);

/** `task` when the caller may see it, else null (as if it did not exist: no probing for ids). */
export const visibleTask = <T extends { assignedAgentId: string | null }>(
  caller: Principal,
  task: T | null,
): T | null => (maySeeTask(caller, task) ? task : null);

/** Throws FORBIDDEN unless the caller may see the task (for operations that name it). */
export function assertMaySeeTask(caller: Principal, task: { assignedAgentId: string | null } | null): void {
  if (task && !maySeeTask(caller, task)) throw forbidden("An agent key may only see the tasks of its own agent");
}

/** Only the caller's own agent's tasks for an AGENT key; every task for people. */
export const agentScope = (caller: Principal): string | null =>
  caller.role === "AGENT" ? (caller.agentId ?? "") : null;
