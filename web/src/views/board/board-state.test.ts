import { describe, expect, it } from "vitest";
import {
  applyUpdates,
  apiFilter,
  filtersFromSearch,
  fromList,
  matches,
  mergeReload,
  noFilters,
  searchOfFilters,
  type BoardTask,
  type Filters,
} from "./board-state";

const task = (n: number, over: Partial<BoardTask> = {}): BoardTask => ({
  id: `0190000${n}`,
  title: `Task ${n}`,
  description: "",
  status: "PENDING",
  priority: 0,
  complexity: 3,
  awaitingApproval: false,
  pausedAt: null,
  updatedAt: "2026-01-01T00:00:00.000Z",
  createdAt: "2026-01-01T00:00:00.000Z",
  progress: { percent: 0 },
  assignedAgent: null,
  ...over,
});
const ids = (col: readonly BoardTask[]) => col.map((t) => t.id);

describe("fromList", () => {
  it("groups by status, newest (greatest id) first", () => {
    const s = fromList([task(1), task(3), task(2, { status: "BUILD" }), task(4, { status: "BUILD" })]);
    expect(ids(s.columns.PENDING)).toEqual(["01900003", "01900001"]);
    expect(ids(s.columns.BUILD)).toEqual(["01900004", "01900002"]);
    expect(s.columns.COMPLETE).toEqual([]);
    expect(s.byId.size).toBe(4);
  });
});

describe("applyUpdates", () => {
  const base = fromList([task(1), task(2), task(3, { status: "BUILD" })]);

  it("moves a task between columns and keeps the untouched columns and tasks", () => {
    const moved = task(2, { status: "BUILD", updatedAt: "2026-01-01T00:00:01.000Z" });
    const s = applyUpdates(base, [moved]);
    expect(ids(s.columns.PENDING)).toEqual(["01900001"]);
    expect(ids(s.columns.BUILD)).toEqual(["01900003", "01900002"]);
    expect(s.byId.get("01900002")).toBe(moved);
    expect(s.columns.COMPLETE).toBe(base.columns.COMPLETE);
    expect(s.byId.get("01900001")).toBe(base.byId.get("01900001"));
  });

  it("inserts a new task in order", () => {
    const s = applyUpdates(base, [task(9), task(0, { status: "BUILD" })]);
    expect(ids(s.columns.PENDING)).toEqual(["01900009", "01900002", "01900001"]);
    expect(ids(s.columns.BUILD)).toEqual(["01900003", "01900000"]);
  });

  it("updates in place within a column", () => {
    const s = applyUpdates(base, [task(1, { priority: 7, updatedAt: "2026-01-01T00:00:02.000Z" })]);
    expect(ids(s.columns.PENDING)).toEqual(["01900002", "01900001"]);
    expect(s.columns.PENDING[1]!.priority).toBe(7);
  });

  it("ignores an update older than the task shown, and returns the same state when nothing changed", () => {
    const newer = applyUpdates(base, [task(2, { status: "TEST", updatedAt: "2026-01-01T00:00:05.000Z" })]);
    const stale = task(2, { status: "BUILD", updatedAt: "2026-01-01T00:00:03.000Z" });
    expect(applyUpdates(newer, [stale])).toBe(newer);
    expect(applyUpdates(base, [])).toBe(base);
    // The last of a burst wins, whatever the order within the burst.
    const s = applyUpdates(base, [
      task(1, { status: "DESIGN", updatedAt: "2026-01-01T00:00:02.000Z" }),
      task(1, { status: "BUILD", updatedAt: "2026-01-01T00:00:04.000Z" }),
      task(1, { status: "TEST", updatedAt: "2026-01-01T00:00:03.000Z" }),
    ]);
    expect(s.byId.get("01900001")!.status).toBe("BUILD");
    expect(ids(s.columns.DESIGN)).toEqual([]);
    expect(ids(s.columns.TEST)).toEqual([]);
  });

  it("applies the filters: a task that stops matching leaves, a non-matching new one stays out", () => {
    const f: Filters = { ...noFilters, statuses: ["PENDING"] };
    const s0 = fromList([task(1), task(2), task(3, { status: "BUILD" })], f);
    expect(s0.byId.size).toBe(2);
    const s1 = applyUpdates(s0, [task(2, { status: "BUILD", updatedAt: "2026-01-01T00:00:01.000Z" })], f);
    expect(ids(s1.columns.PENDING)).toEqual(["01900001"]);
    expect(s1.byId.has("01900002")).toBe(false);
    expect(applyUpdates(s1, [task(8, { status: "TEST" })], f)).toBe(s1);
  });
});

describe("matches", () => {
  const t = task(1, {
    title: "Fix Login",
    description: "blank page",
    priority: 40,
    status: "BUILD",
    assignedAgent: { id: "a1", name: "alpha" },
  });
  it("checks status, agent, minimum priority and text in title or description", () => {
    expect(matches(t, noFilters)).toBe(true);
    expect(matches(t, { ...noFilters, statuses: ["BUILD", "TEST"] })).toBe(true);
    expect(matches(t, { ...noFilters, statuses: ["TEST"] })).toBe(false);
    expect(matches(t, { ...noFilters, agentId: "a1" })).toBe(true);
    expect(matches(t, { ...noFilters, agentId: "a2" })).toBe(false);
    expect(matches(t, { ...noFilters, minPriority: 40 })).toBe(true);
    expect(matches(t, { ...noFilters, minPriority: 41 })).toBe(false);
    expect(matches(t, { ...noFilters, q: " login " })).toBe(true);
    expect(matches(t, { ...noFilters, q: "BLANK" })).toBe(true);
    expect(matches(t, { ...noFilters, q: "nope" })).toBe(false);
  });
});

describe("mergeReload", () => {
  it("keeps newer shown versions, drops vanished tasks, keeps those created during the reload", () => {
    const shown = fromList([
      task(1, { updatedAt: "2026-01-01T00:00:09.000Z", status: "BUILD" }),
      task(2),
      task(3, { createdAt: "2026-01-01T00:10:00.000Z" }),
    ]);
    const list = [task(1, { status: "DESIGN" }), task(4, { status: "TEST" })];
    const s = mergeReload(shown, list, Date.parse("2026-01-01T00:05:00.000Z"), noFilters);
    expect(s.byId.get("01900001")!.status).toBe("BUILD");
    expect(s.byId.has("01900002")).toBe(false);
    expect(s.byId.has("01900003")).toBe(true);
    expect(ids(s.columns.TEST)).toEqual(["01900004"]);
    expect(s.byId.get("01900001")).toBe(shown.byId.get("01900001"));
  });
});

describe("filters in the URL", () => {
  it("round-trips and ignores bad values", () => {
    const f: Filters = { statuses: ["TEST", "BUILD"], agentId: "a1", minPriority: 50, q: "login page" };
    const qs = searchOfFilters(f);
    expect(qs).toBe("?status=BUILD%2CTEST&agent=a1&priority=50&q=login+page");
    expect(filtersFromSearch(new URLSearchParams(qs))).toEqual({ ...f, statuses: ["BUILD", "TEST"] });
    expect(filtersFromSearch(new URLSearchParams("status=BUILD&status=NOPE&priority=500"))).toEqual({
      ...noFilters,
      statuses: ["BUILD"],
    });
    expect(searchOfFilters(noFilters)).toBe("");
  });
  it("maps to the API's TaskFilter", () => {
    expect(apiFilter(noFilters)).toEqual({});
    expect(apiFilter({ statuses: ["BUILD"], agentId: "a", minPriority: 0, q: "  x " })).toEqual({
      status: ["BUILD"],
      agentId: "a",
      minPriority: 0,
      search: "x",
    });
  });
});
