import { describe, expect, it } from "vitest";
import { customRange, daySeries, groupSeries, lastDays, niceTicks, scale, totals } from "./usage-data";

const now = Date.parse("2026-03-10T15:30:00Z");

describe("date ranges", () => {
  it("takes the last n UTC days, today included", () => {
    expect(lastDays(7, now)).toEqual({ from: "2026-03-04T00:00:00.000Z", to: "2026-03-11T00:00:00.000Z", days: 7 });
    expect(lastDays(1, now).from).toBe("2026-03-10T00:00:00.000Z");
  });

  it("makes a custom range with both dates included, and says what is wrong", () => {
    expect(customRange("2026-02-27", "2026-03-01")).toEqual({
      from: "2026-02-27T00:00:00.000Z",
      to: "2026-03-02T00:00:00.000Z",
      days: 3,
    });
    expect(customRange("2026-03-02", "2026-03-01")).toEqual({ error: "The end date is before the start date." });
    expect(customRange("", "2026-03-01")).toEqual({ error: "Pick both dates." });
    expect(customRange("2025-01-01", "2026-03-01")).toEqual({ error: "At most 366 days." });
  });
});

describe("series", () => {
  it("has one point per day, zero where no usage", () => {
    const range = lastDays(3, now);
    const s = daySeries([{ key: "2026-03-09", costUsd: 0.5, totalTokens: 100, calls: 2 }], range);
    expect(s.map((p) => [p.key, p.cost, p.tokens])).toEqual([
      ["2026-03-08", 0, 0],
      ["2026-03-09", 0.5, 100],
      ["2026-03-10", 0, 0],
    ]);
    expect(s[0]!.label).toBe("03-08");
  });

  it("sorts groups biggest first and names the keyless one", () => {
    const rows = [
      { key: "a", label: "alpha", costUsd: 1, totalTokens: 10, calls: 1 },
      { key: null, label: null, costUsd: 2, totalTokens: 5, calls: 1 },
    ];
    expect(groupSeries(rows, "cost", "(none)").map((p) => p.label)).toEqual(["(none)", "alpha"]);
    expect(groupSeries(rows, "tokens", "(none)").map((p) => p.label)).toEqual(["alpha", "(none)"]);
    expect(totals(rows)).toEqual({ cost: 3, tokens: 15, calls: 2 });
  });
});

describe("ticks and scales", () => {
  it("makes 1-2-5 steps covering the max", () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(10)).toEqual([0, 5, 10]);
    expect(niceTicks(7, 4)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0.75, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(1234, 4)).toEqual([0, 500, 1000, 1500]);
  });

  it("scales linearly and clamps negatives", () => {
    const x = scale(200, 100);
    expect(x(50)).toBe(25);
    expect(x(-3)).toBe(0);
    expect(scale(0, 100)(5)).toBe(0);
  });
});
