import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartFigure, chartKinds } from "../../../src/tools/reports/chart.js";
import { documentHtml, sanitizeCss } from "../../../src/tools/reports/html.js";
import { workspaceDocumentHtml } from "../../../src/tools/reports/markdown.js";

const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), "report-ws-"));
  mkdirSync(join(root, "docs/img"), { recursive: true });
  writeFileSync(join(root, "docs/img/dot.png"), png);
  writeFileSync(join(root, "docs/img/fake.png"), "#!/bin/sh\necho not an image\n");
  return root;
}

describe("report content", () => {
  it("sanitizes markdown: no script, handler, style or remote image; workspace images inlined", async () => {
    const root = workspace();
    writeFileSync(
      join(root, "docs/a.md"),
      [
        "# Title",
        "Some *text* & more.",
        "![local](img/dot.png)",
        "![remote](https://example.com/x.png)",
        '<img src="//example.com/y.png"><img src="data:image/png;base64,AAAA" onerror="alert(1)">',
        '<script>alert(1)</script><style>body{background:url(http://x/)}</style><a href="javascript:alert(1)" onclick="x()">link</a>',
        '<iframe src="http://x/"></iframe><p style="background:url(http://x/)">styled</p>',
      ].join("\n\n"),
    );
    const html = await workspaceDocumentHtml(root, "docs/a.md");
    expect(html).toContain("<em>text</em> &amp; more.");
    expect(html).toContain(`src="data:image/png;base64,${png.toString("base64")}"`);
    expect(html).not.toMatch(/<script|<style|<iframe|onerror|onclick|javascript:|example\.com|url\(|style=/i);
    expect(html.match(/<img/g)).toHaveLength(1);
  });

  it("refuses an image that is not one, and a link that leads outside the workspace", async () => {
    const root = workspace();
    writeFileSync(join(root, "docs/fake.md"), "![x](img/fake.png)");
    await expect(workspaceDocumentHtml(root, "docs/fake.md")).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    const outside = mkdtempSync(join(tmpdir(), "outside-"));
    writeFileSync(join(outside, "secret.png"), png);
    symlinkSync(join(outside, "secret.png"), join(root, "docs/img/link.png"));
    writeFileSync(join(root, "docs/link.md"), "![x](img/link.png)");
    await expect(workspaceDocumentHtml(root, "docs/link.md")).rejects.toThrow();
    symlinkSync(outside, join(root, "docs/out"));
    await expect(workspaceDocumentHtml(root, "docs/out/secret.md")).rejects.toThrow();
  });

  it("draws every chart kind as inline SVG paths (no raster, no script)", async () => {
    for (const kind of chartKinds) {
      const svg = await chartFigure({
        title: `A ${kind} chart`,
        kind,
        categories: ["a", "b", "c"],
        series: [
          {
            name: "s",
            values: [1, 2, 3],
            points: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
        width: 400,
        height: 300,
      });
      expect(svg).toContain("<svg");
      expect(svg).toMatch(/<path /);
      expect(svg).not.toMatch(/<image|<script|href=/i);
    }
  });

  it("makes a theme inert: no url(), @import, escapes or closing style tag", () => {
    const css = sanitizeCss(
      `@import "http://x/a.css"; body { background: url(http://x/b.png); } h1 { background: image-set("http://x/c.png" 1x); } a { content: "\\75 rl(" } </style><script>`,
    );
    expect(css).not.toMatch(/url\(|@import|image-set|\\|<\/style|<script/i);
    const doc = documentHtml({
      title: "<T>",
      author: "a",
      date: new Date(0),
      cover: true,
      toc: true,
      themeCss: "</style><script>alert(1)</script>",
      sections: [{ id: "s", title: "<S>", html: "<p>x</p>" }],
    });
    expect(doc).not.toContain("<script");
    expect(doc).toContain("&lt;T&gt;");
    expect(doc).toContain('<a href="#s">&lt;S&gt;</a>');
  });
});
