import { describe, expect, it } from "vitest";
import { escapeHtml, highlightLines, languageOf, tokenize, toHtmlLines } from "./highlight";

const join = (tokens: Array<{ text: string }>) => tokens.map((t) => t.text).join("");

describe("the highlighter", () => {
  it("tokenizes keywords, strings, comments and numbers of TypeScript, losing nothing", () => {
    const src = `const x = "a<b>"; // note\nlet n = 0x1F + 3.5e2; /* block\ncomment */ return \`t\`;`;
    const tokens = tokenize(src, "ts");
    expect(join(tokens)).toBe(src);
    const of = (type: string) => tokens.filter((t) => t.type === type).map((t) => t.text);
    expect(of("keyword")).toEqual(["const", "let", "return"]);
    expect(of("string")).toEqual(['"a<b>"', "`t`"]);
    expect(of("comment")).toEqual(["// note", "/* block\ncomment */"]);
    expect(of("number")).toEqual(["0x1F", "3.5e2"]);
  });

  it("knows Python's triple-quoted strings and # comments, and does not take digits in names", () => {
    const src = `def f(x1):\n    """doc "quoted" """\n    return x1 + 42  # answer`;
    const tokens = tokenize(src, "py");
    expect(join(tokens)).toBe(src);
    expect(tokens.filter((t) => t.type === "string").map((t) => t.text)).toEqual(['"""doc "quoted" """']);
    expect(tokens.filter((t) => t.type === "number").map((t) => t.text)).toEqual(["42"]);
    expect(tokens.filter((t) => t.type === "comment").map((t) => t.text)).toEqual(["# answer"]);
  });

  it("ends an unclosed quote at the line's end", () => {
    const tokens = tokenize(`x = "open\ny = 1`, "py");
    expect(tokens.find((t) => t.type === "string")?.text).toBe('"open');
    expect(tokens.find((t) => t.type === "number")?.text).toBe("1");
  });

  it("escapes every HTML character, in tokens and in plain text", () => {
    expect(escapeHtml(`<img src=x onerror="alert('x')">&`)).toBe(
      "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;",
    );
    const evil = `<script>alert(1)</script> "<b>" // <i>x</i>`;
    for (const ext of ["js", "py", "html", "unknown"]) {
      const html = highlightLines(evil, ext).join("\n");
      expect(html).not.toMatch(/<(?!\/?span\b)/);
      expect(html).toContain("&lt;script&gt;");
    }
  });

  it("splits tokens across lines and reopens their span", () => {
    const lines = toHtmlLines(tokenize("/* a\nb */ x", "css"));
    expect(lines).toEqual(['<span class="tok-comment">/* a</span>', '<span class="tok-comment">b */</span> x']);
    expect(highlightLines("one\ntwo\n", "txt")).toEqual(["one", "two"]);
    expect(languageOf("TS")).toBe("ts");
    expect(languageOf("bin")).toBeNull();
  });
});
