import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { taskStatuses, type TaskStatus } from "../../src/domain/terms.js";
import {
  allowedTransitions,
  assertStatusChange,
  assertTransition,
  terminalStatuses,
} from "../../src/domain/tasks/task-state.js";

const legal: Array<[TaskStatus, TaskStatus]> = [
  ["PENDING", "DESIGN"],
  ["DESIGN", "BUILD"],
  ["BUILD", "TEST"],
  ["TEST", "REVIEW"],
  ["REVIEW", "COMPLETE"],
  ["TEST", "BUILD"],
  ["REVIEW", "BUILD"],
  ["BUILD", "PENDING"],
  ["FAILED", "PENDING"],
];

describe("task state machine", () => {
  it.each(legal)("allows %s → %s", (from, to) => {
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it("lets every non-final status fail or be cancelled", () => {
    for (const s of taskStatuses.filter((s) => !terminalStatuses.includes(s))) {
      expect(allowedTransitions(s)).toContain("FAILED");
      expect(allowedTransitions(s)).toContain("CANCELLED");
    }
  });

  it("refuses skipping phases and names the allowed targets", () => {
    try {
      assertTransition("PENDING", "COMPLETE");
      expect.fail("should throw");
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      const e = err as DomainError;
      expect(e.code).toBe("INVALID_TRANSITION");
      expect(e.message).toContain("DESIGN");
      expect(e.details.allowed).toEqual(["DESIGN", "FAILED", "CANCELLED"]);
    }
  });

  it("treats COMPLETE and CANCELLED as final and a status as no move to itself", () => {
    for (const to of taskStatuses) {
      expect(() => assertTransition("COMPLETE", to)).toThrow(/final/);
      expect(() => assertTransition("CANCELLED", to)).toThrow(/final/);
    }
    for (const s of taskStatuses) expect(() => assertTransition(s, s)).toThrow(DomainError);
  });

  it("starts work on a PENDING task only by assignment, never by a status change alone", () => {
    expect(() => assertStatusChange("PENDING", "DESIGN")).toThrow(/assignTask/);
    try {
      assertStatusChange("PENDING", "BUILD");
      expect.fail("should throw");
    } catch (err) {
      expect((err as DomainError).details).toMatchObject({ from: "PENDING", to: "BUILD" });
    }
    expect(() => assertStatusChange("PENDING", "CANCELLED")).not.toThrow();
    expect(() => assertStatusChange("DESIGN", "BUILD")).not.toThrow();
    expect(() => assertStatusChange("FAILED", "PENDING")).not.toThrow();
  });
});
