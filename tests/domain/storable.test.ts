import { describe, expect, it } from "vitest";
import { storableJson, storableText } from "../../src/domain/shared/storable.js";

describe("storable text", () => {
  it("replaces NUL with U+FFFD and leaves other text as it is", () => {
    expect(storableText("a\u0000\u0000b")).toBe("a\ufffd\ufffdb");
    expect(storableText("plain \\u0000 text")).toBe("plain \\u0000 text");
    expect(storableText("")).toBe("");
  });

  it("replaces escaped NULs in JSON text, and only those", () => {
    const values: unknown[] = [
      "a\u0000\u0000b",
      "\\u0000", // a backslash, then "u0000": not a NUL
      "x\\\u0000", // a backslash, then a NUL
      { k: ["\u0000", 1, null, { deep: "y\u0000" }] },
      "no nul here",
    ];
    // The JSON reads back as the value with storableText applied to every string in it (no NUL).
    const deep = (v: unknown): unknown =>
      typeof v === "string"
        ? storableText(v)
        : Array.isArray(v)
          ? v.map(deep)
          : v && typeof v === "object"
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]))
            : v;
    for (const v of values) {
      const stored = storableJson(JSON.stringify(v));
      expect(JSON.parse(stored)).toEqual(deep(v));
    }
    expect(JSON.parse(storableJson(JSON.stringify("\\u0000")))).toBe("\\u0000");
    expect(JSON.parse(storableJson(JSON.stringify("x\\\u0000")))).toBe("x\\\ufffd");
    expect(JSON.parse(storableJson(JSON.stringify({ k: ["\u0000", { deep: "y\u0000" }] })))).toEqual({
      k: ["\ufffd", { deep: "y\ufffd" }],
    });
  });
});
