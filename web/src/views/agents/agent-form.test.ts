import { describe, expect, it } from "vitest";
import { createInput, formValues, lineColumn, parseList, parsePolicy, updateInput } from "./agent-form";
import { locateJsonError } from "./json-locate";

describe("parsePolicy", () => {
  it("takes empty text as no policy and an object as it is", () => {
    expect(parsePolicy("  ")).toEqual({ ok: true, value: null });
    expect(parsePolicy('{"allow": ["git"]}')).toEqual({ ok: true, value: { allow: ["git"] } });
  });

  it("says the line and column of a syntax error", () => {
    const r = parsePolicy('{\n  "allow": ["git"],\n  oops\n}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.line, r.column]).toEqual([3, 3]);
    expect(r.message).toMatch(/^JSON syntax error at line 3, column 3: /);
  });

  it("puts an unexpected end at the end of the text", () => {
    const r = parsePolicy('{\n  "allow": [');
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.line, r.column]).toEqual([2, 13]);
  });

  it("refuses JSON that is not an object", () => {
    for (const text of ["[]", "3", "null", '"x"']) expect(parsePolicy(text).ok, text).toBe(false);
  });
});

describe("lineColumn", () => {
  it("counts lines and columns from 1", () => {
    expect(lineColumn("ab\ncd", 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn("ab", 99)).toEqual({ line: 1, column: 3 });
  });
});

describe("agent inputs", () => {
  it("splits lists on commas and whitespace", () => {
    expect(parseList(" a, b\nc ,, ")).toEqual(["a", "b", "c"]);
    expect(parseList(" ")).toBeNull();
  });

  it("sends numbers as typed (NaN when empty) and leaves out empty options", () => {
    const v = { ...formValues(null), name: " x ", minComplexity: "8", maxComplexity: "3", maxConcurrentTasks: "" };
    const input = createInput(v);
    expect(input).toMatchObject({ name: "x", minComplexity: 8, maxComplexity: 3, kind: "BUILTIN" });
    expect(input.maxConcurrentTasks).toBeNaN();
    expect("model" in input).toBe(false);
    expect("tools" in input).toBe(false);
  });

  it("updates only what changed; emptied model, tools and recipients clear them", () => {
    const before = formValues({
      name: "a",
      kind: "BUILTIN",
      minComplexity: 1,
      maxComplexity: 5,
      maxConcurrentTasks: 2,
      model: "m",
      tools: ["git", "web"],
      requiresApproval: false,
      emailRecipients: ["@x.example"],
      toolPolicy: { allow: ["git"] },
    });
    expect(before.tools).toBe("git, web");
    expect(before.policy).toContain('"allow"');
    expect(updateInput(before, before)).toEqual({});
    expect(updateInput(before, { ...before, maxComplexity: "7", model: "", tools: " ", emailRecipients: "" })).toEqual({
      maxComplexity: 7,
      clearModel: true,
      clearTools: true,
      clearEmailRecipients: true,
    });
  });
});

describe("locateJsonError", () => {
  it("finds the first error and says why", () => {
    expect(locateJsonError('{"a": [1, 2]}')).toBeNull();
    expect(locateJsonError('{\n  "allow": [git]\n}')).toEqual({ offset: 14, reason: 'unexpected character "g"' });
    expect(locateJsonError("{a: 1}")).toMatchObject({ offset: 1, reason: "expected a property name in double quotes" });
    expect(locateJsonError('{"a": 1,}')).toMatchObject({ offset: 8 });
    expect(locateJsonError('{"a": 1} x')).toMatchObject({ offset: 9 });
    expect(locateJsonError('{"a": "x')).toMatchObject({ reason: "unterminated string" });
    expect(locateJsonError('["\\q"]')).toMatchObject({ reason: "bad escape in a string" });
    expect(locateJsonError("[01]")).toMatchObject({ offset: 2 });
  });
});
