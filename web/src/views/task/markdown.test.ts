// Sanitizing needs a real DOM (linkedom lacks what DOMPurify uses): the e2e test
// tests/ui/dashboard/task.test.ts checks that <script>, onerror and javascript: links are removed.
import { parseHTML } from "linkedom";
import type { WindowLike } from "dompurify";
import { describe, expect, it } from "vitest";
import { escapeHtml, isSameOrigin, makeSanitizer, renderMarkdown } from "./markdown";

const origin = "https://dash.example";

describe("renderMarkdown without a usable DOM", () => {
  it("escapes the source instead of returning unsanitized HTML", () => {
    const { window } = parseHTML("<!doctype html><html><body></body></html>");
    const purify = makeSanitizer(window as unknown as WindowLike, origin);
    const html = renderMarkdown('<script>alert(1)</script><img src=x onerror="y">', purify);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&#60;script&#62;");
  });
});

describe("escapeHtml", () => {
  it("escapes the five HTML characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;");
  });
});

describe("isSameOrigin", () => {
  it("accepts relative and same-origin URLs only", () => {
    expect(isSameOrigin("/a.png", origin)).toBe(true);
    expect(isSameOrigin("https://dash.example/a.png", origin)).toBe(true);
    expect(isSameOrigin("https://other.example/a.png", origin)).toBe(false);
    expect(isSameOrigin("//other.example/a.png", origin)).toBe(false);
    expect(isSameOrigin("data:image/png;base64,AAAA", origin)).toBe(false);
    expect(isSameOrigin("javascript:alert(1)", origin)).toBe(false);
    expect(isSameOrigin("", origin)).toBe(false);
  });
});
