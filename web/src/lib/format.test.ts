import { describe, expect, it } from "vitest";
import { apiErrors, errorsByField, fieldName } from "./errors";
import { bytes, duration, humanize, percent, timeAgo, tokens, usd } from "./format";
import { appendNew } from "./seq";

describe("formatters", () => {
  const now = Date.parse("2026-12-06T12:00:00Z");
  it("says how long ago", () => {
    expect(timeAgo(null, now)).toBe("never");
    expect(timeAgo("2026-12-06T11:59:58Z", now)).toBe("just now");
    expect(timeAgo("2026-12-06T11:59:30Z", now)).toBe("30 sec. ago");
    expect(timeAgo("2026-12-06T11:57:00Z", now)).toBe("3 min. ago");
    expect(timeAgo("2026-12-06T09:00:00Z", now)).toBe("3 hr. ago");
    expect(timeAgo("2026-12-04T12:00:00Z", now)).toBe("2 days ago");
    expect(timeAgo("not a date", now)).toBe("—");
  });
  it("formats durations, money, tokens, bytes and percentages", () => {
    expect(duration(250)).toBe("250 ms");
    expect(duration(42_000)).toBe("42 s");
    expect(duration(185_000)).toBe("3 min 5 s");
    expect(duration(2 * 3600_000 + 5 * 60_000)).toBe("2 h 5 min");
    expect(duration(null)).toBe("—");
    expect(usd(0)).toBe("$0");
    expect(usd(0.00421)).toBe("$0.0042");
    expect(usd(1234.5)).toBe("$1,234.50");
    expect(tokens(950)).toBe("950");
    expect(tokens(1234)).toBe("1.2k");
    expect(tokens(45_600)).toBe("46k");
    expect(tokens(4_500_000)).toBe("4.5M");
    expect(bytes(512)).toBe("512 B");
    expect(bytes(1536)).toBe("1.5 KB");
    expect(bytes(3 * 1024 * 1024)).toBe("3.0 MB");
    expect(humanize("IN_PROGRESS")).toBe("In progress");
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 0)).toBe(0);
    expect(percent(7, 5)).toBe(100);
  });
});

describe("API errors", () => {
  it("lists every bad field of a BAD_USER_INPUT error", () => {
    const errors = apiErrors({
      graphQLErrors: [
        {
          message: "input.title: is empty; input.complexity: must be 1 to 10",
          extensions: {
            code: "BAD_USER_INPUT",
            field: "input.title",
            fields: [
              { path: "input.title", message: "is empty" },
              { path: "input.complexity", message: "must be 1 to 10" },
            ],
          },
        },
      ],
    });
    expect(errors).toEqual([
      { code: "BAD_USER_INPUT", message: "is empty", field: "input.title" },
      { code: "BAD_USER_INPUT", message: "must be 1 to 10", field: "input.complexity" },
    ]);
    const { byField, other } = errorsByField(errors, ["title"]);
    expect(byField).toEqual({ title: "is empty" });
    expect(other).toHaveLength(1);
  });
  it("keeps codes of other errors and names network failures", () => {
    expect(apiErrors({ graphQLErrors: [{ message: "no", extensions: { code: "FORBIDDEN" } }] })).toEqual([
      { code: "FORBIDDEN", message: "no" },
    ]);
    expect(apiErrors({ graphQLErrors: [], networkError: new Error("offline") })[0]!.code).toBe("NETWORK_ERROR");
    expect(apiErrors({ graphQLErrors: [], networkError: new Error("x"), response: { status: 401 } })[0]!.code).toBe(
      "UNAUTHENTICATED",
    );
    expect(apiErrors(null)).toEqual([]);
    expect(fieldName("input.tools.2")).toBe("tools");
  });
});

describe("a stream's reducer", () => {
  it("appends what is new in order and drops what was seen", () => {
    const a = appendNew([], [{ seq: 1 }, { seq: 2 }]);
    expect(appendNew(a, [{ seq: 2 }, { seq: 3 }, { seq: 1 }, { seq: 4 }]).map((x) => x.seq)).toEqual([1, 2, 3, 4]);
  });
});
