import { describe, expect, it } from "vitest";
import { callSignature, repeatAfter, type RepeatState } from "../../src/runtime/runtime-tools.js";

/** Loop detection: which calls count as the same, and when a run is warned and stopped. */
describe("loop detection", () => {
  it("takes calls with the same arguments in another key order or spacing as the same call", () => {
    expect(callSignature("readFile", '{"path":"a.txt","workspaceId":"w"}')).toBe(
      callSignature("readFile", ' { "workspaceId": "w",  "path": "a.txt" } '),
    );
    expect(callSignature("readFile", '{"opts":{"b":1,"a":[{"y":2,"x":1}]}}')).toBe(
      callSignature("readFile", '{"opts":{"a":[{"x":1,"y":2}],"b":1}}'),
    );
    expect(callSignature("readFile", '{"path":"a.txt"}')).not.toBe(callSignature("readFile", '{"path":"b.txt"}'));
    expect(callSignature("readFile", '{"path":"a.txt"}')).not.toBe(callSignature("writeFile", '{"path":"a.txt"}'));
    // Arrays keep their order: another order is another call.
    expect(callSignature("t", "[1,2]")).not.toBe(callSignature("t", "[2,1]"));
    // Not JSON: compared as written (trimmed).
    expect(callSignature("t", "{oops ")).toBe(callSignature("t", "  {oops"));
  });

  it("keeps long signatures short, and two long calls that differ only at the end apart", () => {
    const long = (end: string) => callSignature("writeFile", JSON.stringify({ content: "x".repeat(5000) + end }));
    expect(long("a").length).toBeLessThanOrEqual(200);
    expect(long("a")).toBe(long("a"));
    expect(long("a")).not.toBe(long("b"));
  });

  it("warns at the limit and stops at the call after it; any other call starts the count again", () => {
    let state: RepeatState = { repeatKey: null, repeatCount: 0 };
    const seen: string[] = [];
    for (const key of ["a", "a", "b", "b", "b", "b"]) {
      const next = repeatAfter(state, key, 3);
      seen.push(`${key}${next.repeatCount}${next.warn ? "!" : ""}${next.stop ? "#" : ""}`);
      state = next;
    }
    expect(seen).toEqual(["a1", "a2", "b1", "b2", "b3!", "b4#"]);
    // A limit of 1 warns at the first and stops at the second.
    const first = repeatAfter({ repeatKey: null, repeatCount: 0 }, "x", 1);
    expect(first).toMatchObject({ warn: true, stop: false });
    expect(repeatAfter(first, "x", 1)).toMatchObject({ repeatCount: 2, stop: true });
  });
});
