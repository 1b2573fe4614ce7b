import { DomainError } from "../errors.js";
import type { TaskStatus } from "../terms.js";

/** The only place that knows which status may follow which. */
const transitions: Record<TaskStatus, readonly TaskStatus[]> = {
  PENDING: ["DESIGN", "FAILED", "CANCELLED"],
  DESIGN: ["BUILD", "PENDING", "FAILED", "CANCELLED"],
  BUILD: ["TEST", "DESIGN", "PENDING", "FAILED", "CANCELLED"],
  TEST: ["REVIEW", "BUILD", "PENDING", "FAILED", "CANCELLED"],
  REVIEW: ["COMPLETE", "BUILD", "PENDING", "FAILED", "CANCELLED"],
  COMPLETE: [],
  FAILED: ["PENDING"],
  CANCELLED: [],
};

/** Statuses with no way out (FAILED is not one: a failed task can be retried). */
export const finalStatuses: readonly TaskStatus[] = (Object.keys(transitions) as TaskStatus[]).filter(
  (s) => transitions[s].length === 0,
);

export const terminalStatuses: readonly TaskStatus[] = ["COMPLETE", "FAILED", "CANCELLED"];
export const activeStatuses: readonly TaskStatus[] = ["DESIGN", "BUILD", "TEST", "REVIEW"];

export const allowedTransitions = (from: TaskStatus): readonly TaskStatus[] => transitions[from];

export function assertTransition(from: TaskStatus, to: TaskStatus): void {
  const allowed = transitions[from];
  if (!allowed.includes(to)) {
    throw new DomainError(
      "INVALID_TRANSITION",
      allowed.length === 0
        ? `A ${from} task cannot change status (it is final)`
        : `Cannot move a task from ${from} to ${to}; allowed: ${allowed.join(", ")}`,
      { field: "status", from, to, allowed: [...allowed] },
    );
  }
}

/**
 * A status change asked for (by a person, an agent or the runtime), not made by the assignment
 * engine: besides the state machine, a PENDING task cannot start work by a status alone. It
 * starts when an agent takes it, with a workspace (assignTask, or the engine).
 */
export function assertStatusChange(from: TaskStatus, to: TaskStatus): void {
  if (from !== "PENDING") return assertTransition(from, to);
  const allowed = transitions.PENDING.filter((s) => !activeStatuses.includes(s));
  if (allowed.includes(to)) return;
  throw new DomainError(
    "INVALID_TRANSITION",
    activeStatuses.includes(to)
      ? `A PENDING task starts work when an agent takes it: assignTask gives it to one, or it waits for a fitting agent`
      : `Cannot move a task from PENDING to ${to}; allowed: ${allowed.join(", ")} (work starts by assignment)`,
    { field: "status", from, to, allowed },
  );
}
