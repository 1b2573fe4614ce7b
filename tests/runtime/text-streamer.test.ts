import { describe, expect, it } from "vitest";
import { TextStreamer } from "../../src/runtime/text-streamer.js";

describe("TextStreamer", () => {
  it("writes one big delta in pieces of at most maxChars, in order, never splitting a surrogate pair", async () => {
    const written: Array<[string, number]> = [];
    const s = new TextStreamer(async (text, part) => void written.push([text, part]), 10_000, 10);
    const text = `${"a".repeat(9)}🙂${"b".repeat(25)}🙂c`; // the first emoji straddles the 10th character
    s.push(text);
    const rest = await s.drain();
    const pieces = [...written.map(([t]) => t), ...(rest ? [rest.text] : [])];
    expect(pieces.join("")).toBe(text);
    expect(pieces.every((p) => p.length <= 10)).toBe(true);
    expect(pieces[0]).toBe("a".repeat(9)); // the pair went whole into the next piece
    for (const p of pieces) expect(p).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    expect([...written.map(([, n]) => n), ...(rest ? [rest.part] : [])]).toEqual(pieces.map((_, i) => i + 1));
  });

  it("coalesces small deltas until the flush interval", async () => {
    const written: string[] = [];
    const s = new TextStreamer(async (text) => void written.push(text), 30, 4_000);
    s.push("Hel");
    s.push("lo");
    await new Promise((r) => setTimeout(r, 80));
    expect(written).toEqual(["Hello"]);
    s.push(" world");
    expect(await s.drain()).toEqual({ text: " world", part: 2 });
  });
});
